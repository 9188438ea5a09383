//! `GET /health` from the real worker with real local D1.

use worktime_core::time::UnixMillis;
use worktime_tests::call;

#[test]
fn health_is_ok_with_a_real_database_round_trip() {
    let answer = call("GET", "/health", &[], None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.header("content-type").unwrap_or("").starts_with("application/json"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let body = answer.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["service"], "worktime-backend");
    assert_eq!(body["environment"], "test");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    let timestamp = body["timestamp"].as_str().expect("timestamp is a string");
    assert!(timestamp.ends_with('Z'), "UTC: {timestamp}");
    let server = UnixMillis::parse_rfc3339(timestamp).expect("RFC 3339");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64;
    assert!((server.0 - now).abs() < 60_000, "server clock {timestamp} is off");
    let fields = body.as_object().expect("object").len();
    assert_eq!(fields, 6, "exactly the documented fields: {body}");
}

#[test]
fn health_rejects_other_methods_with_405() {
    let answer = call("POST", "/health", &[], Some("{}"));
    assert_eq!(answer.status, 405);
    assert_eq!(answer.json()["error"]["code"], "method_not_allowed");
}
