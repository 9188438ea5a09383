//! Sign-out and the live connection in headless Chromium, against the real worker under
//! `wrangler dev` and the fake GitHub (directly, and through the fault proxy where a test
//! needs faults).
//!
//! Several SDK instances in one page stand for several devices of one GitHub user: each
//! has its own storage key, so its own device id and its own sign-in.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use gloo_net::http::Request;
use gloo_timers::future::TimeoutFuture;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use worktime_sdk::WorkTime;

mod common;
use common::{js, proxy_url, unique, value, worker_url, VERIFIER};

wasm_bindgen_test_configure!(run_in_browser);

/// A GitHub user no other test uses: its fake-GitHub sign-in code.
fn fresh_user(label: &str) -> String {
    let id = unique();
    format!("test-code:{id}:{label}{id}")
}

/// The rejection's message, panicking when the promise resolves.
async fn rejection(promise: js_sys::Promise) -> String {
    match JsFuture::from(promise).await {
        Ok(value) => panic!("resolved with {value:?}, expected a rejection"),
        Err(err) => js_sys::Reflect::get(&err, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| format!("{err:?}")),
    }
}

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

/// An SDK instance ("a device") talking to `base_url`, signed in as `code`'s user.
async fn device(base_url: &str, storage: &str, code: &str) -> WorkTime {
    let key = format!("live-{}", unique());
    let config = js(&json!({ "baseUrl": base_url, "storage": storage, "storageKey": key }));
    let sdk = WorkTime::open(config).await.unwrap_or_else(|err| panic!("init failed: {err:?}"));
    let signed_in = value(sdk.sign_in(code.to_owned(), Some(VERIFIER.to_owned()), None)).await;
    assert_eq!(signed_in["signed_in"], true, "{signed_in}");
    sdk
}

fn status(sdk: &WorkTime) -> Value {
    serde_wasm_bindgen::from_value(sdk.status().expect("status")).expect("status value")
}

fn live_state(sdk: &WorkTime) -> String {
    sdk.live_state().ok().and_then(|state| state.as_string()).unwrap_or_default()
}

/// Polls `probe` every 25 ms until it returns `Some`, for at most `max_ms`.
async fn wait_for<T>(what: &str, max_ms: u32, mut probe: impl FnMut() -> Option<T>) -> T {
    let mut waited = 0;
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(waited < max_ms, "timed out after {max_ms} ms waiting for {what}");
        TimeoutFuture::new(25).await;
        waited += 25;
    }
}

/// Starts `sdk`'s live connection; returns the events it reports, as they come.
fn listen(sdk: &WorkTime) -> Rc<RefCell<Vec<(f64, Value)>>> {
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = events.clone();
    let callback = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let event: Value = serde_wasm_bindgen::from_value(event).unwrap_or(Value::Null);
        sink.borrow_mut().push((js_sys::Date::now(), event));
    });
    assert!(
        sdk.live(callback.as_ref().unchecked_ref::<js_sys::Function>().clone()),
        "live() starts when signed in"
    );
    callback.forget();
    events
}

async fn start_and_end(sdk: &WorkTime, pr: i64) {
    let input = json!({ "repoOwner": "octo", "repoName": "live", "prNumber": pr });
    value(sdk.start_session(js(&input))).await;
    value(sdk.end_session(None)).await;
}

/// `GET /api/sessions` at the worker with `jwt`: the HTTP status.
async fn sessions_status(jwt: &str) -> u16 {
    let response = Request::get(&format!("{}/api/sessions?limit=1", worker_url()))
        .header("Authorization", &format!("Bearer {jwt}"))
        .send()
        .await
        .expect("the worker answers");
    response.status()
}

/// A stand-in for `chrome.storage.local` in this page (the SDK's "chrome" storage), so a
/// test can read the snapshot the SDK saves, token included, like the extension's
/// storage would hold it.
fn fake_chrome_storage() -> Rc<RefCell<HashMap<String, String>>> {
    let store: Rc<RefCell<HashMap<String, String>>> = Rc::default();
    let (reads, writes) = (store.clone(), store.clone());
    let get = Closure::<dyn Fn(JsValue) -> js_sys::Promise>::new(move |key: JsValue| {
        let items = js_sys::Object::new();
        if let Some(value) = key.as_string().and_then(|k| reads.borrow().get(&k).cloned()) {
            let _ = js_sys::Reflect::set(&items, &key, &JsValue::from_str(&value));
        }
        js_sys::Promise::resolve(&JsValue::from(items))
    });
    let set = Closure::<dyn Fn(JsValue) -> js_sys::Promise>::new(move |items: JsValue| {
        for key in js_sys::Object::keys(&items.clone().into()).iter() {
            let value = js_sys::Reflect::get(&items, &key).ok().and_then(|v| v.as_string());
            if let (Some(key), Some(value)) = (key.as_string(), value) {
                writes.borrow_mut().insert(key, value);
            }
        }
        js_sys::Promise::resolve(&JsValue::UNDEFINED)
    });
    let local = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&local, &"get".into(), get.as_ref());
    let _ = js_sys::Reflect::set(&local, &"set".into(), set.as_ref());
    get.forget();
    set.forget();
    let storage = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&storage, &"local".into(), &local);
    let chrome = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&chrome, &"storage".into(), &storage);
    let _ = js_sys::Reflect::set(&js_sys::global(), &"chrome".into(), &chrome);
    store
}

/// The first `"jwt"` string anywhere in a saved snapshot.
fn jwt_in(snapshot: &Value) -> Option<String> {
    match snapshot {
        Value::Object(map) => map
            .get("jwt")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| map.values().find_map(jwt_in)),
        Value::Array(items) => items.iter().find_map(jwt_in),
        _ => None,
    }
}

#[wasm_bindgen_test]
async fn sign_out_ends_this_sign_in_on_the_server_and_keeps_the_queue() {
    let store = fake_chrome_storage();
    let code = fresh_user("signout");
    let sdk = device(worker_url(), "chrome", &code).await;
    let other = device(worker_url(), "memory", &code).await;
    let saved = store.borrow().values().next().cloned().expect("the SDK saved its state");
    let jwt = jwt_in(&serde_json::from_str(&saved).expect("a JSON snapshot"))
        .expect("the token is saved");
    assert_eq!(sessions_status(&jwt).await, 200);

    // Tracked while signed out stays queued.
    value(sdk.sign_out()).await;
    let input = json!({ "repoOwner": "octo", "repoName": "live", "prNumber": 1 });
    value(sdk.start_session(js(&input))).await;
    let after = status(&sdk);
    assert_eq!(
        (after["signed_in"].clone(), after["sign_in_needed"].clone()),
        (json!(false), json!(false)),
        "{after}"
    );
    assert_eq!(
        (after["user"].clone(), after["pending_count"].clone()),
        (Value::Null, json!(1)),
        "{after}"
    );
    assert_eq!(sessions_status(&jwt).await, 401, "the old token is revoked on the server");

    // Only this sign-in ended: the other device still syncs.
    start_and_end(&other, 2).await;
    let synced = value(other.sync_now(None)).await;
    assert_eq!(
        (synced["signed_in"].clone(), synced["pending_count"].clone()),
        (json!(true), json!(0)),
        "{synced}"
    );
}

#[wasm_bindgen_test]
async fn sign_out_offline_still_signs_out_here_but_everywhere_needs_the_server() {
    proxy_mode(json!({"mode": "pass"})).await;
    let code = fresh_user("offline-signout");
    let first = device(proxy_url(), "memory", &code).await;
    let second = device(proxy_url(), "memory", &code).await;
    proxy_mode(json!({"mode": "drop"})).await;
    let message = rejection(second.sign_out_everywhere()).await;
    assert!(message.contains("Could not sign out everywhere"), "{message}");
    assert_eq!(status(&second)["signed_in"], true, "still signed in, to try again");
    value(first.sign_out()).await;
    proxy_mode(json!({"mode": "pass"})).await;
    assert_eq!(status(&first)["signed_in"], false);
    assert_eq!(status(&first)["online"], false, "the logout never reached the server");
    // Back online, the second device still works: nothing was signed out on the server.
    start_and_end(&second, 3).await;
    let synced = value(second.sync_now(None)).await;
    assert_eq!(
        (synced["signed_in"].clone(), synced["pending_count"].clone()),
        (json!(true), json!(0)),
        "{synced}"
    );
}

#[wasm_bindgen_test]
async fn live_tells_a_device_about_another_devices_writes_within_a_second() {
    let code = fresh_user("live");
    let writer = device(worker_url(), "memory", &code).await;
    let reader = device(worker_url(), "memory", &code).await;
    let writer_id = writer.device_id().expect("a device id");
    let reader_id = reader.device_id().expect("a device id");
    assert_ne!(writer_id, reader_id);
    let events = listen(&reader);
    wait_for("the live socket to open", 10_000, || (live_state(&reader) == "open").then_some(()))
        .await;

    let before = js_sys::Date::now();
    start_and_end(&writer, 5).await;
    let written = js_sys::Date::now();
    let (at, change) = wait_for("a changed message", 5_000, || {
        events.borrow().iter().find(|(_, e)| e["type"] == "changed").cloned()
    })
    .await;
    assert_eq!(change["device_id"], writer_id.as_str(), "{change}");
    assert_eq!(change["this_device"], false, "{change}");
    assert!(
        at - written < 1_000.0,
        "changed {} ms after the writes returned ({} ms for the writes)",
        at - written,
        written - before
    );

    // The reader's own write is reported as its own.
    events.borrow_mut().clear();
    start_and_end(&reader, 6).await;
    let (_, own) = wait_for("a changed message for the reader's write", 5_000, || {
        events.borrow().iter().find(|(_, e)| e["type"] == "changed").cloned()
    })
    .await;
    assert_eq!(
        (own["device_id"].clone(), own["this_device"].clone()),
        (json!(reader_id), json!(true)),
        "{own}"
    );

    reader.stop_live();
    assert_eq!(live_state(&reader), "stopped");
    events.borrow_mut().clear();
    start_and_end(&writer, 7).await;
    TimeoutFuture::new(1_000).await;
    assert!(events.borrow().is_empty(), "nothing after stopLive: {:?}", events.borrow());
}

#[wasm_bindgen_test]
async fn sign_out_everywhere_signs_every_device_out_and_live_says_so() {
    let code = fresh_user("everywhere");
    let acting = device(worker_url(), "memory", &code).await;
    let watching = device(worker_url(), "memory", &code).await;
    let idle = device(worker_url(), "memory", &code).await;
    let events = listen(&watching);
    wait_for("the live socket to open", 10_000, || (live_state(&watching) == "open").then_some(()))
        .await;

    value(acting.sign_out_everywhere()).await;
    assert_eq!(status(&acting)["signed_in"], false);
    // The watching device hears it on its socket (close code 4001) and needs a sign-in.
    wait_for("signed_out on the live socket", 5_000, || {
        events.borrow().iter().any(|(_, e)| e["type"] == "signed_out").then_some(())
    })
    .await;
    let watched = status(&watching);
    assert_eq!(
        (watched["sign_in_needed"].clone(), watched["signed_in"].clone()),
        (json!(true), json!(false)),
        "{watched}"
    );
    assert_eq!(live_state(&watching), "stopped");
    // The idle device learns it on its next sync, and keeps what it tracked.
    start_and_end(&idle, 8).await;
    let idled = value(idle.sync_now(None)).await;
    assert_eq!(idled["sign_in_needed"], true, "{idled}");
    assert_eq!(idled["pending_count"], 2, "{idled}");
    // Signed out, live does not start.
    let ignore = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
    assert!(
        !watching.live(ignore.as_ref().unchecked_ref::<js_sys::Function>().clone()),
        "live() needs a sign-in"
    );
}

#[wasm_bindgen_test]
async fn a_refused_ticket_falls_back_to_polling() {
    proxy_mode(json!({"mode": "pass"})).await;
    let code = fresh_user("polling");
    let sdk = device(proxy_url(), "memory", &code).await;
    proxy_mode(json!({"mode": "error500", "count": 1, "only_path_prefix": "/api/live/ticket"}))
        .await;
    let _events = listen(&sdk);
    wait_for("polling", 5_000, || (live_state(&sdk) == "polling").then_some(())).await;
    assert_eq!(status(&sdk)["signed_in"], true, "a refused socket is not a sign-out");
    sdk.stop_live();
    proxy_mode(json!({"mode": "pass"})).await;
}
