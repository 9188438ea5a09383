//! CORS: only origins in `ALLOWED_ORIGINS` get a grant, always with `Vary: Origin`.
//! `scripts/test.sh` allows exactly `http://127.0.0.1:8799`, the wasm test page's origin.

use worktime_tests::call;

const ALLOWED: &str = "http://127.0.0.1:8799";

#[test]
fn allowed_origin_is_echoed_never_starred() {
    let answer = call("GET", "/health", &[("Origin", ALLOWED)], None);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), Some(ALLOWED));
    assert!(answer.header("vary").unwrap_or("").contains("Origin"));
}

#[test]
fn other_origin_gets_no_grant() {
    let answer = call("GET", "/health", &[("Origin", "https://evil.example")], None);
    assert_eq!(answer.status, 200, "the request is served; the browser withholds it");
    assert_eq!(answer.header("access-control-allow-origin"), None);
    assert!(answer.header("vary").unwrap_or("").contains("Origin"));
}

#[test]
fn no_origin_gets_no_grant() {
    let answer = call("GET", "/health", &[], None);
    assert_eq!(answer.header("access-control-allow-origin"), None);
}

#[test]
fn preflight_from_allowed_origin_is_answered() {
    let headers = [
        ("Origin", ALLOWED),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "authorization, content-type"),
    ];
    let answer = call("OPTIONS", "/api/sessions/start", &headers, None);
    assert_eq!(answer.status, 204);
    assert_eq!(answer.header("access-control-allow-origin"), Some(ALLOWED));
    let methods = answer.header("access-control-allow-methods").unwrap_or("");
    assert!(methods.contains("POST") && methods.contains("PATCH"), "{methods}");
    let allowed_headers = answer.header("access-control-allow-headers").unwrap_or("");
    assert!(allowed_headers.to_ascii_lowercase().contains("authorization"));
}

#[test]
fn preflight_from_other_origin_gets_no_grant() {
    let headers = [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")];
    let answer = call("OPTIONS", "/health", &headers, None);
    assert_eq!(answer.header("access-control-allow-origin"), None);
}
