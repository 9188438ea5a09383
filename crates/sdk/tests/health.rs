//! The SDK in headless Chromium against the real worker under `wrangler dev`.
//!
//! `scripts/test.sh` starts the worker and passes its URL at compile time in
//! `WORKTIME_TEST_BASE_URL`; the test fails (never skips) without it.

use wasm_bindgen_test::*;
use worktime_api::HealthStatus;
use worktime_core::time::UnixMillis;
use worktime_sdk::{SdkError, WorkTimeClient};

wasm_bindgen_test_configure!(run_in_browser);

fn base_url() -> &'static str {
    match option_env!("WORKTIME_TEST_BASE_URL") {
        Some(url) => url,
        None => panic!("WORKTIME_TEST_BASE_URL must name a running worker; run scripts/test.sh"),
    }
}

#[wasm_bindgen_test]
async fn health_reports_every_field_from_the_real_worker() {
    let client = WorkTimeClient::new(base_url());
    let health = client.health().await.expect("the worker answers /health");

    assert_eq!(health.status, HealthStatus::Ok);
    assert_eq!(health.database, HealthStatus::Ok, "D1 answered a real query");
    assert_eq!(health.service, "worktime-backend");
    assert_eq!(health.environment, "test", "scripts/test.sh sets ENVIRONMENT=test");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"), "SDK and worker share the version");
    assert!(health.timestamp.ends_with('Z'), "UTC timestamp: {}", health.timestamp);
    let server_time = UnixMillis::parse_rfc3339(&health.timestamp).expect("RFC 3339 timestamp");
    let browser_time = UnixMillis::from_js(js_sys::Date::now());
    let skew_ms = (server_time.0 - browser_time.0).abs();
    assert!(skew_ms < 60_000, "server clock {server_time:?} vs browser {browser_time:?}");
}

#[wasm_bindgen_test]
async fn health_from_javascript_is_a_typed_object() {
    let client = WorkTimeClient::new(&format!("{}/", base_url()));
    assert_eq!(client.base_url(), base_url(), "a trailing slash is dropped");
    let value = client.health_js().await.map_err(|_| "health() rejected").expect("resolves");
    let status = js_sys::Reflect::get(&value, &"status".into()).expect("has status");
    assert_eq!(status.as_string().as_deref(), Some("ok"));
    let database = js_sys::Reflect::get(&value, &"database".into()).expect("has database");
    assert_eq!(database.as_string().as_deref(), Some("ok"));
}

#[wasm_bindgen_test]
async fn unknown_path_yields_the_contract_error_body() {
    // The SDK's decoder must surface the worker's JSON error, not a generic failure.
    let client = WorkTimeClient::new(&format!("{}/no-such-prefix", base_url()));
    match client.health().await {
        Err(SdkError::Api { status, body }) => {
            assert_eq!(status, 404);
            assert_eq!(body.error.code, worktime_api::ErrorCode::NotFound);
            assert!(!body.error.message.is_empty());
        }
        other => panic!("expected a 404 error body, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn unreachable_backend_is_a_network_error() {
    // Nothing listens on port 9 and Chromium refuses it outright: no HTTP answer arrives.
    let client = WorkTimeClient::new("http://127.0.0.1:9");
    match client.health().await {
        Err(SdkError::Network(_)) => {}
        other => panic!("expected a network error, got {other:?}"),
    }
}
