//! Helpers shared by the SDK's browser tests (each test file uses a part of them).
#![allow(dead_code)]

use serde_json::Value;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// A PKCE verifier: the fake GitHub's static codes accept any, the worker needs one.
pub const VERIFIER: &str = "sdk-test-verifier-0123456789-abcdefghijklmnopqrstuvw";

/// A plain JavaScript object, as a JavaScript caller would pass.
pub fn js(value: &Value) -> JsValue {
    serde::Serialize::serialize(value, &serde_wasm_bindgen::Serializer::json_compatible())
        .expect("serializable")
}

pub fn worker_url() -> &'static str {
    match option_env!("WORKTIME_TEST_BASE_URL") {
        Some(value) => value,
        None => panic!("WORKTIME_TEST_BASE_URL: run scripts/test.sh"),
    }
}

pub fn proxy_url() -> &'static str {
    match option_env!("WORKTIME_TEST_PROXY_URL") {
        Some(value) => value,
        None => panic!("WORKTIME_TEST_PROXY_URL: run scripts/test.sh"),
    }
}

/// A number no other test run uses at the same moment.
pub fn unique() -> u64 {
    (js_sys::Date::now() as u64 % 1_000_000_000) * 10 + (js_sys::Math::random() * 10.0) as u64
}

/// The promise's value as JSON, panicking when it rejects.
pub async fn value(promise: js_sys::Promise) -> Value {
    let result = JsFuture::from(promise).await.unwrap_or_else(|err| panic!("rejected: {err:?}"));
    serde_wasm_bindgen::from_value(result).unwrap_or(Value::Null)
}
