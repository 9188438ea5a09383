//! Your data: the export (every page of `GET /api/export`, joined into one file) and the
//! deletion of the account (`DELETE /api/account`, then the engine forgets it).

use gloo_net::http::Method;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use worktime_api::account::AccountExport;
use worktime_api::paths;
use worktime_core::client::Outcome;

use crate::inner::{error_message, Inner};
use crate::platform;
use crate::worktime::{js_error, WorkTime};

/// At most this many pages (of up to 1,000 sessions) go into one export.
const MAX_EXPORT_PAGES: usize = 200;

#[wasm_bindgen]
impl WorkTime {
    /// Every page of `GET /api/export` joined into one file's text in `format`: `"json"`
    /// (one `AccountExport` holding every session) or `"csv"` (the core's RFC 4180 form,
    /// the same the worker writes). Rejects when signed out, when the server cannot be
    /// reached, or past 200 pages (200,000 sessions).
    #[wasm_bindgen(js_name = exportData, unchecked_return_type = "Promise<string>")]
    pub fn export_data(&self, format: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let csv = match format.as_str() {
                "json" => false,
                "csv" => true,
                _ => return Err(js_error("format must be json or csv")),
            };
            let mut all: Option<AccountExport> = None;
            let mut cursor: Option<String> = None;
            for _ in 0..MAX_EXPORT_PAGES {
                let path = match &cursor {
                    Some(cursor) => {
                        format!(
                            "{}?format=json&cursor={}",
                            paths::EXPORT,
                            String::from(js_sys::encode_uri_component(cursor))
                        )
                    }
                    None => format!("{}?format=json", paths::EXPORT),
                };
                let body = inner.authed(Method::GET, &path).await?;
                let page: AccountExport = serde_json::from_str(&body)
                    .map_err(|_| js_error("export: unexpected answer"))?;
                cursor = page.next_cursor.clone();
                match all.as_mut() {
                    Some(all) => all.sessions.extend(page.sessions),
                    None => all = Some(page),
                }
                if cursor.is_none() {
                    break;
                }
            }
            if cursor.is_some() {
                return Err(js_error("export: more sessions than one file can hold"));
            }
            let Some(mut all) = all else { return Err(js_error("export: no answer")) };
            all.next_cursor = None;
            let text = if csv {
                worktime_core::export::csv(&all.sessions)
            } else {
                serde_json::to_string_pretty(&all).map_err(js_error)?
            };
            Ok(JsValue::from_str(&text))
        })
    }

    /// Deletes the account on the server (`DELETE /api/account`), then everything this
    /// installation holds of it: token, queued ops, history. Rejects, changing nothing
    /// here, when the server did not confirm.
    #[wasm_bindgen(js_name = deleteAccount, unchecked_return_type = "Promise<void>")]
    pub fn delete_account(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            inner.authed(Method::DELETE, paths::ACCOUNT).await?;
            inner.engine.borrow_mut().forget_account();
            inner.pump(None).await;
            Ok(JsValue::UNDEFINED)
        })
    }
}

impl Inner {
    /// A request with the current token; the 2xx body, or an error with the server's
    /// message. A 401 tells the engine its token was refused.
    async fn authed(
        self: &std::rc::Rc<Self>,
        method: Method,
        path: &str,
    ) -> Result<String, JsValue> {
        let bearer = self.engine.borrow().bearer(platform::now());
        let Some(bearer) = bearer else { return Err(js_error("Sign in with GitHub first.")) };
        let url = format!("{}{path}", self.base_url);
        match crate::transport::fetch(method, &url, Some(&bearer), None).await {
            Outcome::Http { status: 200..=299, body, .. } => Ok(body),
            Outcome::Http { status: 401, body, .. } => {
                let refused = worktime_core::client::Failure::http(401, &body);
                if self.engine.borrow_mut().token_refused(&bearer, refused) {
                    self.pump(None).await;
                }
                Err(js_error("Your GitHub sign-in has expired; sign in again."))
            }
            Outcome::Http { body, .. } => Err(js_error(error_message(&body))),
            Outcome::NetworkError(_) | Outcome::Timeout => {
                Err(js_error("The WorkTime server could not be reached."))
            }
        }
    }
}
