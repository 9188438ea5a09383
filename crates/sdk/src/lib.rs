//! WorkTime's SDK, compiled to WebAssembly for the extension's service worker and popup.
//!
//! JavaScript sees two classes: [`WorkTime`], the offline-first tracker and sync engine
//! the service worker owns (a thin shell over `worktime_core::client::Engine`), and
//! [`WorkTimeClient`], a plain API client (`health()`). HTTP goes through the global
//! `fetch` (gloo-net, so it works in a service worker without `window`), and every value
//! crossing into JavaScript is a typed object described in the `.d.ts`.

mod account;
mod control;
mod error;
mod http;
mod inner;
mod live;
mod platform;
mod settings;
mod storage;
mod transport;
mod types;
mod views;
mod worktime;

use wasm_bindgen::prelude::*;
use worktime_api::HealthResponse;

pub use crate::error::SdkError;
pub use crate::worktime::WorkTime;

/// A client of one WorkTime backend.
#[wasm_bindgen]
pub struct WorkTimeClient {
    base_url: String,
}

#[wasm_bindgen]
impl WorkTimeClient {
    /// Creates a client for the backend at `baseUrl`, e.g. `http://127.0.0.1:8787`.
    #[wasm_bindgen(constructor)]
    pub fn new(base_url: &str) -> WorkTimeClient {
        WorkTimeClient { base_url: base_url.trim_end_matches('/').to_owned() }
    }

    /// The backend this client talks to.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Asks the backend whether it and its database are up. Rejects with an `Error`
    /// whose message says what failed when the backend cannot be reached.
    #[wasm_bindgen(js_name = health, unchecked_return_type = "HealthResponse")]
    pub async fn health_js(&self) -> Result<JsValue, JsError> {
        let health = self.health().await?;
        crate::worktime::to_js(&health).map_err(|_| JsError::new("unexpected health answer"))
    }
}

impl WorkTimeClient {
    /// The typed form of [`WorkTimeClient::health_js`], for Rust callers.
    pub async fn health(&self) -> Result<HealthResponse, SdkError> {
        let url = format!("{}{}", self.base_url, worktime_api::paths::HEALTH);
        http::get_json(&url).await
    }
}
