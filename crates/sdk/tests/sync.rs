//! The SDK's offline-first sync in headless Chromium, against the real worker under
//! `wrangler dev` and the fake GitHub, through a fault-injecting proxy on 127.0.0.1.
//!
//! `scripts/test.sh` passes, at compile time, the worker's URL (`WORKTIME_TEST_BASE_URL`)
//! and the proxy's (`WORKTIME_TEST_PROXY_URL`); the tests fail without them. Every check
//! ends on the server: each session exists exactly once, with the duration the SDK
//! recorded.

use std::collections::HashMap;

use gloo_net::http::Request;
use gloo_timers::future::TimeoutFuture;
use serde_json::{json, Value};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use worktime_sdk::WorkTime;

mod common;
use common::{js, proxy_url, unique, value, worker_url, VERIFIER};

wasm_bindgen_test_configure!(run_in_browser);

async fn proxy_mode(mode: Value) {
    let response = Request::post(&format!("{}/_proxy/mode", proxy_url()))
        .header("Content-Type", "application/json")
        .body(mode.to_string())
        .expect("request")
        .send()
        .await
        .expect("the proxy answers");
    assert_eq!(response.status(), 200, "proxy mode {mode}");
}

async fn init(key: &str) -> WorkTime {
    let config = json!({ "baseUrl": proxy_url(), "storage": "memory", "storageKey": key });
    let config = js(&config);
    WorkTime::open(config).await.unwrap_or_else(|err| panic!("init failed: {err:?}"))
}

async fn start(sdk: &WorkTime, pr: i64) -> Value {
    let input = json!({ "repoOwner": "octo", "repoName": "offline", "prNumber": pr });
    value(sdk.start_session(js(&input))).await
}

async fn status(sdk: &WorkTime) -> Value {
    serde_wasm_bindgen::from_value(sdk.status().expect("status")).expect("status value")
}

/// Waits (bounded) until nothing is pending, letting the SDK's retry timers run.
async fn drained(sdk: &WorkTime, max_ms: u32) -> Value {
    let mut waited = 0;
    loop {
        let status = status(sdk).await;
        if status["pending_count"] == 0 {
            return status;
        }
        assert!(waited < max_ms, "still pending after {max_ms} ms: {status}");
        TimeoutFuture::new(250).await;
        waited += 250;
    }
}

/// A JWT for the same GitHub user, straight from the worker, to inspect the server.
async fn server_token(code: &str) -> String {
    let response = Request::post(&format!("{}/auth/github/callback", worker_url()))
        .header("Content-Type", "application/json")
        .body(json!({ "code": code, "code_verifier": VERIFIER }).to_string())
        .expect("request")
        .send()
        .await
        .expect("the worker answers");
    let body: Value = response.json().await.expect("json");
    body["jwt"].as_str().expect("jwt").to_owned()
}

async fn server_sessions(jwt: &str) -> Vec<Value> {
    let response = Request::get(&format!("{}/api/sessions?limit=100", worker_url()))
        .header("Authorization", &format!("Bearer {jwt}"))
        .send()
        .await
        .expect("the worker answers");
    let body: Value = response.json().await.expect("json");
    body["sessions"].as_array().cloned().unwrap_or_default()
}

/// The server holds exactly the SDK's ended sessions, once each, same durations.
async fn assert_server_matches(sdk: &WorkTime, code: &str) {
    let local = value(sdk.history(100, 0)).await;
    let server = server_sessions(&server_token(code).await).await;
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for session in &server {
        *by_id.entry(session["id"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
    }
    assert!(by_id.values().all(|n| *n == 1), "a session exists twice on the server: {server:?}");
    assert_eq!(local["source"], "server", "history comes from the server once online: {local}");
    let local_ids: Vec<&str> = local["sessions"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|s| s["session_id"].as_str())
        .collect();
    assert_eq!(local_ids.len(), server.len());
    for session in &server {
        assert_eq!(session["status"], "completed", "{session}");
    }
}

#[wasm_bindgen_test]
async fn tracking_offline_then_syncing_loses_nothing_and_duplicates_nothing() {
    proxy_mode(json!({"mode": "pass"})).await;
    let id = unique();
    let code = format!("test-code:{id}:offline{id}");
    let sdk = init(&format!("offline-{id}")).await;
    let signed_in = value(sdk.sign_in(code.clone(), Some(VERIFIER.to_owned()), None)).await;
    assert_eq!(signed_in["signed_in"], true, "{signed_in}");

    proxy_mode(json!({"mode": "drop"})).await;
    let first = start(&sdk, 1).await;
    TimeoutFuture::new(1100).await;
    let second = start(&sdk, 2).await;
    TimeoutFuture::new(1100).await;
    let ended = value(sdk.end_session(None)).await;
    assert_eq!(ended["session_id"], second["session_id"]);
    let offline = status(&sdk).await;
    assert_eq!(offline["online"], false, "{offline}");
    assert!(offline["pending_count"].as_u64().unwrap_or(0) >= 3, "{offline}");
    let local_stats = value(sdk.stats(1)).await;
    assert_eq!(local_stats["source"], "local", "offline stats come from local history");
    assert_eq!(local_stats["session_count"], 2);
    let local_breakdown = value(sdk.breakdown(1)).await;
    assert_eq!(local_breakdown["source"], "local", "{local_breakdown}");
    assert_eq!(local_breakdown["repos"][0]["session_count"], 2, "{local_breakdown}");

    proxy_mode(json!({"mode": "pass"})).await;
    let after = value(sdk.sync_now(None)).await;
    assert_eq!(after["pending_count"], 0, "{after}");
    assert_eq!(after["failed_count"], 0, "{after}");
    let server = server_sessions(&server_token(&code).await).await;
    assert_eq!(server.len(), 2, "{server:?}");
    let by_id =
        |sid: &Value| server.iter().find(|s| &s["id"] == sid).cloned().expect("on the server");
    let first_server = by_id(&first["session_id"]);
    assert_eq!(
        first_server["end_time"],
        by_id(&second["session_id"])["start_time"],
        "the first ended when the second started"
    );
    assert!(first_server["duration_seconds"].as_i64().unwrap_or(0) >= 1);
    assert_eq!(by_id(&second["session_id"])["duration_seconds"], ended["duration_seconds"]);
    assert_server_matches(&sdk, &code).await;
    // The breakdown: the server's, in one request, adding up to the daily total.
    let breakdown = value(sdk.breakdown(1)).await;
    let stats = value(sdk.stats(1)).await;
    assert_eq!((&breakdown["source"], &stats["source"]), (&json!("server"), &json!("server")));
    assert_eq!(breakdown["complete"], true, "{breakdown}");
    let repo = &breakdown["repos"][0];
    assert_eq!(repo["total_duration_seconds"], stats["total_duration_seconds"], "{breakdown}");
    assert_eq!(repo["session_count"], 2, "{breakdown}");
    let prs = repo["prs"].as_array().cloned().unwrap_or_default();
    let mut numbers: Vec<i64> = prs.iter().filter_map(|p| p["pr_number"].as_i64()).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2], "{breakdown}");
    let url = prs.iter().find(|p| p["pr_number"] == 2).map(|p| p["pr_url"].clone());
    assert_eq!(url, Some(json!("https://github.com/octo/offline/pull/2")));
}

#[wasm_bindgen_test]
async fn every_injected_fault_is_survived_exactly_once() {
    let id = unique();
    let code = format!("test-code:{id}:faults{id}");
    proxy_mode(json!({"mode": "pass"})).await;
    let sdk = init(&format!("faults-{id}")).await;
    value(sdk.sign_in(code.clone(), Some(VERIFIER.to_owned()), None)).await;
    let faults = [
        json!({"mode": "error500", "count": 2, "only_path_prefix": "/api/"}),
        json!({"mode": "error429", "count": 1, "retry_after": 1, "only_path_prefix": "/api/"}),
        json!({"mode": "lose_reply", "count": 1, "only_path_prefix": "/api/"}),
        json!({"mode": "duplicate", "count": 1, "only_path_prefix": "/api/"}),
        json!({"mode": "drop", "count": 2, "only_path_prefix": "/api/"}),
    ];
    for (i, fault) in faults.iter().enumerate() {
        proxy_mode(fault.clone()).await;
        start(&sdk, 10 + i as i64).await;
        TimeoutFuture::new(1000).await;
        value(sdk.end_session(None)).await;
        drained(&sdk, 20_000).await;
    }
    let server = server_sessions(&server_token(&code).await).await;
    assert_eq!(
        server.len(),
        faults.len(),
        "one session per fault, none lost, none doubled: {server:?}"
    );
    assert_server_matches(&sdk, &code).await;
}

#[wasm_bindgen_test]
async fn a_request_slower_than_ten_seconds_is_retried_and_counted_once() {
    let id = unique();
    let code = format!("test-code:{id}:slow{id}");
    proxy_mode(json!({"mode": "pass"})).await;
    let sdk = init(&format!("slow-{id}")).await;
    value(sdk.sign_in(code.clone(), Some(VERIFIER.to_owned()), None)).await;
    proxy_mode(
        json!({"mode": "delay", "count": 1, "delay_ms": 11_000, "only_path_prefix": "/api/"}),
    )
    .await;
    start(&sdk, 99).await;
    value(sdk.end_session(None)).await;
    let status = drained(&sdk, 30_000).await;
    assert_eq!(status["failed_count"], 0, "{status}");
    assert_server_matches(&sdk, &code).await;
    assert_eq!(server_sessions(&server_token(&code).await).await.len(), 1);
}

#[wasm_bindgen_test]
async fn a_restarted_service_worker_resumes_from_storage() {
    let id = unique();
    let code = format!("test-code:{id}:restart{id}");
    let key = format!("restart-{id}");
    proxy_mode(json!({"mode": "pass"})).await;
    let first = init(&key).await;
    value(first.sign_in(code.clone(), Some(VERIFIER.to_owned()), None)).await;
    proxy_mode(json!({"mode": "drop"})).await;
    let session = start(&first, 7).await;
    TimeoutFuture::new(1100).await;
    drop(first); // the service worker is killed: only storage survives

    let second = init(&key).await;
    let history = value(second.history(10, 0)).await;
    assert_eq!(history["source"], "local");
    assert_eq!(
        history["sessions"][0]["session_id"], session["session_id"],
        "the active session survived"
    );
    proxy_mode(json!({"mode": "pass"})).await;
    value(second.end_session(None)).await;
    let after = value(second.sync_now(None)).await;
    assert_eq!(after["pending_count"], 0, "{after}");
    let server = server_sessions(&server_token(&code).await).await;
    assert_eq!(server.len(), 1, "{server:?}");
    assert_eq!(server[0]["id"], session["session_id"]);
}

#[wasm_bindgen_test]
async fn concurrent_calls_from_javascript_are_safe() {
    let id = unique();
    let code = format!("test-code:{id}:concurrent{id}");
    proxy_mode(json!({"mode": "pass"})).await;
    let sdk = init(&format!("concurrent-{id}")).await;
    value(sdk.sign_in(code.clone(), Some(VERIFIER.to_owned()), None)).await;
    let input = js(&json!({ "repoOwner": "octo", "repoName": "race", "prNumber": 1 }));
    let calls = js_sys::Array::of4(
        &sdk.start_session(input),
        &sdk.heartbeat(),
        &sdk.sync_now(None),
        &sdk.stats(3),
    );
    JsFuture::from(js_sys::Promise::all(&calls)).await.expect("every concurrent call resolves");
    let more = js_sys::Array::of3(&sdk.heartbeat(), &sdk.end_session(None), &sdk.history(5, 0));
    JsFuture::from(js_sys::Promise::all(&more)).await.expect("every concurrent call resolves");
    drained(&sdk, 10_000).await;
    assert_server_matches(&sdk, &code).await;
}

fn observation(url: Option<&str>, focused: bool, idle: &str) -> wasm_bindgen::JsValue {
    js(
        &json!({ "windowFocused": focused, "activeUrl": url, "idle": idle, "idleSeconds": 60, "neverTrack": ["octo/ignored"] }),
    )
}

#[wasm_bindgen_test]
async fn observing_the_browser_starts_switches_and_ends_sessions() {
    let id = unique();
    let code = format!("test-code:{id}:observe{id}");
    proxy_mode(json!({"mode": "pass"})).await;
    let sdk = init(&format!("observe-{id}")).await;
    value(sdk.sign_in(code.clone(), Some(VERIFIER.to_owned()), None)).await;
    let pr1 = "https://github.com/octo/watch/pull/1";
    let first = value(sdk.observe(observation(Some(pr1), true, "active"))).await;
    assert_eq!(first["pr_number"], 1, "a focused PR tab starts a session: {first}");
    let files =
        value(sdk.observe(observation(Some(&format!("{pr1}/files")), true, "active"))).await;
    assert_eq!(files["session_id"], first["session_id"], "a sub-page is the same session");
    TimeoutFuture::new(1100).await;
    let second = value(sdk.observe(observation(
        Some("https://github.com/octo/watch/pull/2"),
        true,
        "active",
    )))
    .await;
    assert_eq!(second["pr_number"], 2, "another PR switches: {second}");
    let ignored = value(sdk.observe(observation(
        Some("https://github.com/octo/ignored/pull/3"),
        true,
        "active",
    )))
    .await;
    assert!(ignored.is_null(), "a never-tracked repository ends tracking: {ignored}");
    TimeoutFuture::new(100).await;
    let none = value(sdk.observe(observation(Some(pr1), false, "active"))).await;
    assert!(none.is_null(), "no focused window, no session: {none}");
    drained(&sdk, 10_000).await;
    let server = server_sessions(&server_token(&code).await).await;
    assert_eq!(server.len(), 2, "{server:?}");
    assert!(server.iter().all(|s| s["status"] == "completed"), "{server:?}");
    assert_server_matches(&sdk, &code).await;
}
