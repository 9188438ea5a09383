//! A worker whose `JWT_SECRET` is shorter than 32 bytes refuses to serve: every route that
//! needs the key answers 503 with a clear message, and no token is issued or accepted.
//! Run by scripts/test.sh's `config` tier against a worker started that way
//! (`WORKTIME_TEST_MISCONFIGURED=1`); its own binary, so the other tiers never run it.

use worktime_tests::call;

#[test]
fn a_short_jwt_secret_makes_the_worker_refuse_to_serve() {
    assert_eq!(
        std::env::var("WORKTIME_TEST_MISCONFIGURED").as_deref(),
        Ok("1"),
        "run through scripts/test.sh, which starts a worker with a short JWT_SECRET"
    );
    for (method, path, body) in [
        ("POST", "/auth/github/callback", Some(r#"{"code":"test-code:5:short"}"#)),
        ("POST", "/auth/refresh", None),
        ("GET", "/api/sessions", None),
        ("POST", "/api/sync", Some(r#"{"ops":[]}"#)),
    ] {
        let answer = call(method, path, &[("Authorization", "Bearer x.y.z")], body);
        assert_eq!(answer.status, 503, "{method} {path}: {}", answer.body);
        let error = &answer.json()["error"];
        assert_eq!(error["code"], "unavailable");
        assert!(error["message"].as_str().unwrap_or("").contains("JWT_SECRET"), "{error}");
        assert!(!answer.body.contains("too-short"), "the secret itself never appears");
    }
    let health = call("GET", "/health", &[], None);
    assert_eq!(health.status, 200, "health still reports: {}", health.body);
}
