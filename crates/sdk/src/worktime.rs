//! `WorkTime`: the SDK object the extension's service worker owns.
//!
//! A thin shell over `worktime_core::client::Engine`: it supplies the clock, ids, storage
//! and `fetch`, and follows the engine's call rule — after every call, drain the requests
//! the engine wants, persist its snapshot before sending, report every outcome, and arm a
//! timer for the next retry. The engine lives in a `RefCell` that is only ever borrowed
//! between awaits, never across one, so concurrent calls from JavaScript are safe. The live
//! connection (`live.rs`) is a second state machine next to the engine, driven the same way.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_net::http::Method;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use worktime_api::auth::CallbackRequest;
use worktime_core::client::js::{BrowserObservation, InitConfig, NextAlarm, StartSessionInput};
use worktime_core::client::{
    Engine, EngineConfig, Outcome, SignOutResult, SignOutScope, StartInput, SyncReason, ALARM_NAME,
};
use worktime_core::presence::{decide, Action, IdleState, Observation, RepoFilter, Running};
use worktime_core::time::UnixMillis;

use crate::inner::{error_message, web_sys_log, Inner};
use crate::storage::Store;
use crate::{live, platform, transport, views};
use worktime_core::settings::{engine_storage_key, LEGACY_ENGINE_KEY};

/// The SDK object; see the module docs and the `.d.ts`.
#[wasm_bindgen]
pub struct WorkTime {
    pub(crate) inner: Rc<Inner>,
}

pub(crate) fn js_error(message: impl std::fmt::Display) -> JsValue {
    JsError::new(&message.to_string()).into()
}

/// `value` as a plain JavaScript value: its JSON, parsed (`None` becomes `null`). One
/// serde path (serde_json, which the core needs anyway) instead of a second one.
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(js_error)?;
    js_sys::JSON::parse(&text)
}

/// A JavaScript options object as `T`, through `JSON.stringify` (absent and `undefined`
/// fields are both missing; unknown fields are ignored, as serde-wasm-bindgen did). The
/// error message leaves out serde_json's position in the stringified text.
pub(crate) fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue) -> Result<T, JsValue> {
    let text = js_sys::JSON::stringify(value)?
        .as_string()
        .ok_or_else(|| js_error("expected an object"))?;
    serde_json::from_str(&text).map_err(|err| {
        let message = err.to_string();
        let end = if err.line() > 0 {
            message.rfind(" at line ").unwrap_or(message.len())
        } else {
            message.len()
        };
        js_error(&message[..end])
    })
}

#[wasm_bindgen]
impl WorkTime {
    /// Loads the saved state (or starts empty) and resumes any pending sync.
    /// `config`: `{ baseUrl, storageKey?, storage?: "chrome" | "memory" }`.
    #[wasm_bindgen(unchecked_return_type = "Promise<WorkTime>")]
    pub fn init(
        #[wasm_bindgen(unchecked_param_type = "InitConfig")] config: JsValue,
    ) -> js_sys::Promise {
        future_to_promise(async move { Ok(WorkTime::open(config).await?.into()) })
    }

    /// Starts tracking a PR (ending the running session first). Resolves with the session.
    #[wasm_bindgen(js_name = startSession, unchecked_return_type = "Promise<LocalSession>")]
    pub fn start_session(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StartSessionInput")] input: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let options: StartSessionInput = from_js(&input)?;
            let input = StartInput {
                session_id: platform::uuid(),
                op_id: platform::uuid(),
                repo_owner: options.repo_owner,
                repo_name: options.repo_name,
                pr_number: options.pr_number,
                tz_offset_minutes: Some(
                    options.tz_offset_minutes.unwrap_or_else(platform::tz_offset_minutes),
                ),
            };
            let session = inner.engine.borrow_mut().start_session(platform::now(), input);
            let session = session.map_err(|err| js_error(format!("{err:?}")))?;
            inner.pump(None).await;
            to_js(&session)
        })
    }

    /// Ends the running session, now or at `atMs` (epoch ms; never before its start).
    /// Resolves with it (or `null` when none runs).
    #[wasm_bindgen(js_name = endSession, unchecked_return_type = "Promise<LocalSession | null>")]
    pub fn end_session(&self, at_ms: Option<f64>) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let at = at_ms.map(UnixMillis::from_js).unwrap_or_else(platform::now);
            let ended = inner.engine.borrow_mut().end_session(at, platform::uuid()).ok();
            inner.pump(None).await;
            to_js(&ended)
        })
    }

    /// Applies the tracking rules (`worktime_core::presence`) to what the browser shows
    /// now: starts, switches or ends the session accordingly. Resolves with the running
    /// session afterwards (or `null`).
    #[wasm_bindgen(unchecked_return_type = "Promise<LocalSession | null>")]
    pub fn observe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Observation")] observation: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let options: BrowserObservation = from_js(&observation)?;
            let idle = match options.idle.as_str() {
                "idle" => IdleState::Idle,
                "locked" => IdleState::Locked,
                _ => IdleState::Active,
            };
            let seen = Observation {
                window_focused: options.window_focused,
                active_url: options.active_url.as_deref(),
                idle,
            };
            let filter = RepoFilter { always: options.always_track, never: options.never_track };
            let now = platform::now();
            // A session whose heartbeats stopped (crash, sleep) ends at the last one first.
            inner.engine.borrow_mut().end_if_silent(now);
            let action = {
                let engine = inner.engine.borrow();
                let running = engine.active_session().map(|s| Running {
                    owner: s.repo_owner,
                    repo: s.repo_name,
                    number: s.pr_number,
                });
                decide(
                    running.as_ref(),
                    &seen,
                    &filter,
                    engine.pause_state(now).is_some(),
                    now.0,
                    i64::from(options.idle_seconds) * 1000,
                )
            };
            match action {
                Action::Keep => {}
                Action::Start(pr) => {
                    let input = StartInput {
                        session_id: platform::uuid(),
                        op_id: platform::uuid(),
                        repo_owner: pr.owner,
                        repo_name: pr.repo,
                        pr_number: pr.number,
                        tz_offset_minutes: Some(platform::tz_offset_minutes()),
                    };
                    let started = inner.engine.borrow_mut().start_session(now, input);
                    started.map_err(|err| js_error(format!("{err:?}")))?;
                }
                Action::End { at_ms } => {
                    let _ =
                        inner.engine.borrow_mut().end_session(UnixMillis(at_ms), platform::uuid());
                }
            }
            inner.pump(None).await;
            let active = inner.engine.borrow().active_session();
            to_js(&active)
        })
    }

    /// Records that the user is still working on the running session.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn heartbeat(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let _ = inner.engine.borrow_mut().heartbeat(platform::now(), platform::uuid());
            inner.pump(None).await;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Starts a sync round now; `onProgress(status)` is called after every request.
    /// Resolves with the status once nothing more can be sent right now.
    #[wasm_bindgen(js_name = syncNow, unchecked_return_type = "Promise<SdkStatus>")]
    pub fn sync_now(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(status: SdkStatus) => void")] on_progress: Option<
            js_sys::Function,
        >,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            inner.engine.borrow_mut().request_sync(platform::now(), SyncReason::Manual);
            inner.pump(on_progress.as_ref()).await;
            inner.status_js()
        })
    }

    /// Sync status: online, pending, failed (with reasons), last sync, signed in, user.
    #[wasm_bindgen(unchecked_return_type = "SdkStatus")]
    pub fn status(&self) -> Result<JsValue, JsValue> {
        self.inner.status_js()
    }

    /// Daily totals for the last `days` days: from the backend when reachable and signed
    /// in, otherwise computed from local history; `source` says which.
    #[wasm_bindgen(unchecked_return_type = "Promise<StatsResult>")]
    pub fn stats(&self, days: u32) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let context = inner.view_context();
            let stats = views::stats(&context, days).await;
            inner.after_view(&context).await;
            to_js(&stats)
        })
    }

    /// Sessions, newest first: from the backend when reachable and signed in, otherwise
    /// local history (the last 100); `source` says which.
    #[wasm_bindgen(unchecked_return_type = "Promise<HistoryPage>")]
    pub fn history(&self, limit: u32, offset: u32) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let context = inner.view_context();
            let history = views::history(&context, limit, offset).await;
            inner.after_view(&context).await;
            to_js(&history)
        })
    }

    /// Time per repository and PR over the last `days` days (largest first): every
    /// device's when the backend answers, else this device's; `source` says which, and
    /// `complete` is false when the history was too long to read all of it.
    #[wasm_bindgen(unchecked_return_type = "Promise<Breakdown>")]
    pub fn breakdown(&self, days: u32) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let context = inner.view_context();
            let breakdown = views::breakdown(&context, days).await;
            inner.after_view(&context).await;
            to_js(&breakdown)
        })
    }

    /// Exchanges a GitHub OAuth code (and PKCE verifier) for a WorkTime token, then syncs.
    #[wasm_bindgen(js_name = signIn, unchecked_return_type = "Promise<SdkStatus>")]
    pub fn sign_in(
        &self,
        code: String,
        verifier: Option<String>,
        redirect_uri: Option<String>,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let body = CallbackRequest { code, code_verifier: verifier, redirect_uri };
            let body = serde_json::to_string(&body).map_err(js_error)?;
            let url = format!("{}{}", inner.base_url, worktime_api::paths::AUTH_CALLBACK);
            let outcome = transport::fetch(Method::POST, &url, None, Some(body)).await;
            let answer = match outcome {
                Outcome::Http { status: 200, body, .. } => body,
                Outcome::Http { body, .. } => {
                    return Err(js_error(format!("sign-in refused: {}", error_message(&body))))
                }
                Outcome::NetworkError(_) | Outcome::Timeout => {
                    return Err(js_error(
                        "sign-in failed: the WorkTime server could not be reached",
                    ))
                }
            };
            if !inner.engine.borrow_mut().sign_in_answered(platform::now(), &answer) {
                return Err(js_error("sign-in: unexpected answer"));
            }
            inner.pump(None).await;
            inner.status_js()
        })
    }

    /// Ends this sign-in on the server (`POST /auth/logout`, best effort: offline it
    /// signs out here all the same) and forgets the token and user; tracked time stays
    /// queued for the next sign-in. Stops the live connection (`signed_out`).
    #[wasm_bindgen(js_name = signOut, unchecked_return_type = "Promise<void>")]
    pub fn sign_out(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            if let SignOutResult::LocalOnly(reason) | SignOutResult::NotDone(reason) =
                inner.sign_out_with(SignOutScope::ThisSignIn).await
            {
                web_sys_log(&format!("WorkTime: {reason}"));
            }
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Signs the user out on every device (`POST /auth/logout-all`), then here. Rejects,
    /// still signed in, when the server could not be reached or refused; rejects signed
    /// out when this sign-in had already ended (the others could not be signed out).
    #[wasm_bindgen(js_name = signOutEverywhere, unchecked_return_type = "Promise<void>")]
    pub fn sign_out_everywhere(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            match inner.sign_out_with(SignOutScope::Everywhere).await {
                SignOutResult::Done => Ok(JsValue::UNDEFINED),
                SignOutResult::LocalOnly(reason) | SignOutResult::NotDone(reason) => {
                    Err(js_error(reason))
                }
            }
        })
    }

    /// Starts the live connection (signed in only; returns whether it runs) and calls
    /// `onChange` with `{ type: "changed", at, device_id, this_device }` after every
    /// committed write of the user, `{ type: "poll" }` when the socket is refused (every
    /// 30 s) or was reopened, and `{ type: "signed_out" }` when the sign-in ended (the
    /// connection then stops; `status()` says what to show). Calling it again while it
    /// runs only replaces the callback.
    #[wasm_bindgen(js_name = live)]
    pub fn live(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(event: LiveEvent) => void")]
        on_change: js_sys::Function,
    ) -> bool {
        self.inner.start_live(on_change)
    }

    /// Stops the live connection: the socket is closed and the callback not called again.
    #[wasm_bindgen(js_name = stopLive)]
    pub fn stop_live(&self) {
        self.inner.stop_live();
    }

    /// Where the live connection stands.
    #[wasm_bindgen(js_name = liveState, unchecked_return_type = "LiveState")]
    pub fn live_state(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.live.borrow().state())
    }

    /// Handles the `chrome.alarms` alarm armed from [`nextAlarm`](WorkTime::next_alarm):
    /// every due entry of the timer table. Resolves with the entries that fired; on
    /// `"heartbeat"` the shell looks at the browser (`observe`). Other alarms' names (an
    /// older version's) fire nothing.
    #[wasm_bindgen(js_name = onAlarm, unchecked_return_type = "Promise<Timer[]>")]
    pub fn on_alarm(&self, name: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let fired = if name == ALARM_NAME { inner.wake().await } else { Vec::new() };
            to_js(&fired)
        })
    }

    /// Listens for the timers the SDK's in-memory timer fires (those due within 25 s,
    /// which an alarm could not time): called with the entries that fired, like
    /// `onAlarm`'s answer.
    #[wasm_bindgen(js_name = onTimer)]
    pub fn on_timer(&self, listener: js_sys::Function) {
        self.inner.on_timer.replace(Some(listener));
    }

    /// The browser says it is online: checks `GET /health` (navigator.onLine can lie) and
    /// starts a round when the backend answers. Resolves with whether it answered.
    #[wasm_bindgen(js_name = onOnline, unchecked_return_type = "Promise<boolean>")]
    pub fn on_online(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let url = format!("{}{}", inner.base_url, worktime_api::paths::HEALTH);
            let reachable = matches!(
                transport::fetch(Method::GET, &url, None, None).await,
                Outcome::Http { status: 200, .. }
            );
            inner.reachable.set(Some(reachable));
            if reachable {
                inner.engine.borrow_mut().request_sync(platform::now(), SyncReason::Reconnect);
                inner.pump(None).await;
            }
            Ok(JsValue::from_bool(reachable))
        })
    }

    /// This installation's device id (a UUID made once and kept with the saved state).
    #[wasm_bindgen(js_name = deviceId)]
    pub fn device_id(&self) -> Option<String> {
        self.inner.engine.borrow().device_id().map(str::to_owned)
    }

    /// The running session, if any.
    #[wasm_bindgen(js_name = activeSession, unchecked_return_type = "LocalSession | null")]
    pub fn active_session(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.engine.borrow().active_session())
    }

    /// The one `chrome.alarms` alarm to arm: `{ name, when }` for the earliest entry of
    /// the engine's timer table (a time in the past is due now), or `null`.
    #[wasm_bindgen(js_name = nextAlarm, unchecked_return_type = "NextAlarm | null")]
    pub fn next_alarm(&self) -> Result<JsValue, JsValue> {
        let next = self.inner.engine.borrow().next_timer();
        to_js(&next.map(|(timer, at)| NextAlarm { name: ALARM_NAME.to_owned(), when: at.0, timer }))
    }
}

impl WorkTime {
    /// `WorkTime.init` for Rust callers (the wasm tests).
    pub async fn open(config: JsValue) -> Result<WorkTime, JsValue> {
        let options: InitConfig = from_js(&config)?;
        let store = match options.storage.as_deref() {
            Some("memory") => Store::Memory,
            Some("chrome") => Store::Chrome,
            None => Store::detect(),
            Some(other) => return Err(js_error(format!("unknown storage {other:?}"))),
        };
        let base_url = options.base_url.trim_end_matches('/').to_owned();
        // One saved state per backend: its token and queued ops only ever go to the
        // backend they were made for (see `settings::engine_storage_key`).
        let adopt_legacy = options.storage_key.is_none();
        let key = options.storage_key.unwrap_or_else(|| engine_storage_key(&base_url));
        // A stored state that cannot be read never makes `init` fail: the engine keeps
        // what it can of it and says so in its status; the raw value is kept aside.
        let stored = match load_or_adopt_legacy(store, &key, adopt_legacy).await {
            Ok(stored) => stored,
            Err(error) => Some(format!("unreadable storage: {error}")),
        };
        let (mut engine, refused) =
            Engine::restore_or_recover(stored.as_deref(), EngineConfig::default(), platform::now());
        if let (Some(error), Some(raw)) = (refused, stored.as_deref()) {
            web_sys_log(&format!("WorkTime: the saved state could not be read ({error})"));
            if let Err(err) = store.save(&format!("{key}.unreadable"), raw).await {
                web_sys_log(&format!("WorkTime: could not keep the unreadable state: {err}"));
            }
        }
        // This installation's device id: made once, then kept in the snapshot (`pump`
        // below saves it before anything is sent).
        engine.adopt_device_id(&platform::uuid()).map_err(|err| js_error(err.to_string()))?;
        let (live, live_io) = live::new_live();
        let inner = Rc::new(Inner {
            engine: RefCell::new(engine),
            base_url,
            store,
            key,
            reachable: Cell::new(None),
            timer: RefCell::new(None),
            on_timer: RefCell::new(None),
            live,
            live_io,
        });
        inner.pump(None).await;
        Ok(WorkTime { inner })
    }
}

/// The state saved under `key`; when there is none, the state saved by builds before one
/// state per backend (`LEGACY_ENGINE_KEY`, which was always the configured backend's), moved
/// under `key`.
async fn load_or_adopt_legacy(
    store: Store,
    key: &str,
    adopt_legacy: bool,
) -> Result<Option<String>, String> {
    let stored = store.load(key).await?;
    if stored.is_some() || !adopt_legacy {
        return Ok(stored);
    }
    let Some(legacy) = store.load(LEGACY_ENGINE_KEY).await? else { return Ok(None) };
    store.save(key, &legacy).await?;
    store.remove(LEGACY_ENGINE_KEY).await?;
    Ok(Some(legacy))
}
