//! The user's controls: pause and resume tracking, and delete a session. The rules are
//! the engine's (`worktime_core::client::Engine::{pause, resume, delete_session}`); this
//! shell gives them the clock and fresh ids, then follows the call rule.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use worktime_core::client::TrackingError;
use worktime_core::time::UnixMillis;

use crate::platform;
use crate::worktime::{js_error, WorkTime};

fn refused(error: TrackingError) -> JsValue {
    js_error(error.to_string())
}

#[wasm_bindgen]
impl WorkTime {
    /// Pauses tracking: for `minutes` (1 to 1,440), or until `resume()` when absent. The
    /// running session ends now. Resolves with the status (its `pause` set).
    #[wasm_bindgen(unchecked_return_type = "Promise<SdkStatus>")]
    pub fn pause(&self, minutes: Option<u32>) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let now = platform::now();
            let until = minutes.map(|m| UnixMillis(now.0.saturating_add(i64::from(m) * 60_000)));
            inner.engine.borrow_mut().pause(now, until, platform::uuid()).map_err(refused)?;
            inner.pump(None).await;
            inner.status_js()
        })
    }

    /// Ends the pause: tracking follows the browser again from the next observation.
    /// Resolves with the status.
    #[wasm_bindgen(unchecked_return_type = "Promise<SdkStatus>")]
    pub fn resume(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            inner.engine.borrow_mut().resume(platform::now());
            inner.pump(None).await;
            inner.status_js()
        })
    }

    /// The pause shortcut: resumes when paused, else pauses until `resume()`. Resolves
    /// with the status.
    #[wasm_bindgen(js_name = togglePause, unchecked_return_type = "Promise<SdkStatus>")]
    pub fn toggle_pause(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let toggled = inner.engine.borrow_mut().toggle_pause(platform::now(), platform::uuid());
            toggled.map_err(refused)?;
            inner.pump(None).await;
            inner.status_js()
        })
    }

    /// Deletes a session (this device's or another's, by id): it leaves the local history
    /// at once and a `delete` op is queued, sent now when online, later otherwise.
    /// Rejects for the running session (pause first) and for a malformed id.
    #[wasm_bindgen(js_name = deleteSession, unchecked_return_type = "Promise<SdkStatus>")]
    pub fn delete_session(&self, session_id: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let deleted = inner.engine.borrow_mut().delete_session(
                platform::now(),
                &session_id,
                platform::uuid(),
            );
            deleted.map_err(refused)?;
            inner.pump(None).await;
            inner.status_js()
        })
    }
}
