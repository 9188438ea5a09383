//! Benchmark, not a test: median time of `WorkTime.init` in headless Chromium (a fresh
//! instance with empty storage, and one restoring a saved queue of 200 ops). Run by
//! `scripts/bench.sh` only (`--test bench_init`); it prints figures and asserts nothing.

use serde_json::json;
use wasm_bindgen_test::*;
use worktime_sdk::WorkTime;

wasm_bindgen_test_configure!(run_in_browser);

/// A plain JavaScript object, as a JavaScript caller would pass.
fn js(value: &serde_json::Value) -> wasm_bindgen::JsValue {
    serde::Serialize::serialize(value, &serde_wasm_bindgen::Serializer::json_compatible())
        .expect("serializable")
}

fn performance_now() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap_or_default();
    js_sys::Reflect::get(&performance, &"now".into())
        .ok()
        .and_then(|f| wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(f).ok())
        .and_then(|f| f.call0(&performance).ok())
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

async fn time_init(key: &str) -> f64 {
    let config = json!({ "baseUrl": "http://127.0.0.1:9", "storage": "memory", "storageKey": key });
    let config = js(&config);
    let started = performance_now();
    let sdk = WorkTime::open(config).await.expect("init");
    let elapsed = performance_now() - started;
    drop(sdk);
    elapsed
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

#[wasm_bindgen_test]
async fn init_time() {
    let mut fresh = Vec::new();
    for i in 0..31 {
        fresh.push(time_init(&format!("bench-fresh-{i}")).await);
    }
    // A saved state with 100 offline sessions (200 queued ops), restored each time.
    let key = "bench-restore";
    let config = js(&json!({ "baseUrl": "http://127.0.0.1:9", "storage": "memory", "storageKey": key }));
    let sdk = WorkTime::open(config).await.expect("init");
    for pr in 0..100 {
        let input = js(&json!({ "repoOwner": "bench", "repoName": "init", "prNumber": pr + 1 }));
        let _ = wasm_bindgen_futures::JsFuture::from(sdk.start_session(input)).await;
    }
    drop(sdk);
    let mut restored = Vec::new();
    for _ in 0..31 {
        restored.push(time_init(key).await);
    }
    console_log!("BENCH sdk_init_fresh_median_ms {:.2}", median(fresh));
    console_log!("BENCH sdk_init_restore_200_ops_median_ms {:.2}", median(restored));
}
