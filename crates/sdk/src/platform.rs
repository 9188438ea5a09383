//! What the browser provides: the wall clock, random UUIDs, the local time-zone offset.

use wasm_bindgen::prelude::*;
use worktime_core::time::UnixMillis;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = randomUUID)]
    fn random_uuid() -> String;
}

/// `Date.now()`.
pub fn now() -> UnixMillis {
    UnixMillis::from_js(js_sys::Date::now())
}

/// A version-4 UUID from `crypto.randomUUID()` (service workers and secure pages).
pub fn uuid() -> String {
    random_uuid()
}

/// Minutes east of UTC right now (the negation of `getTimezoneOffset()`).
pub fn tz_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}
