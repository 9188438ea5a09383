//! The scheduled abandon job, triggered through `wrangler dev --test-scheduled`.
//!
//! Its own test binary: cargo runs binaries one after another, so the job cannot abandon
//! a session another test is still using.

use serde_json::{json, Value};
use worktime_core::time::UnixMillis;
use worktime_tests::call;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64
}

fn sign_in(github_id: u64) -> String {
    let body = json!({ "code": format!("test-code:{github_id}:abandon{github_id}") }).to_string();
    let answer = call("POST", "/auth/github/callback", &[], Some(&body));
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()["jwt"].as_str().expect("jwt").to_owned()
}

fn authed(method: &str, path: &str, jwt: &str, body: Value) -> Value {
    let auth = format!("Bearer {jwt}");
    let text = body.to_string();
    let body = (!body.is_null()).then_some(text.as_str());
    let answer = call(method, path, &[("Authorization", &auth)], body);
    assert!(answer.status < 300, "{method} {path}: {} {}", answer.status, answer.body);
    answer.json()
}

#[test]
fn silent_sessions_are_abandoned_at_their_last_heartbeat_and_live_ones_are_kept() {
    let github_id = 900_000_000 + (now_ms() % 1_000_000) as u64;
    let jwt = sign_in(github_id);
    let now = now_ms() / 1000 * 1000;
    let silent_id = "a0000000-0000-4000-8000-000000000001";
    let live_id = "a0000000-0000-4000-8000-000000000002";
    let start = UnixMillis(now - 3 * 3600 * 1000).to_rfc3339();
    let last_beat = UnixMillis(now - 2 * 3600 * 1000).to_rfc3339();
    authed("POST", "/api/sessions/start", &jwt, json!({
        "id": silent_id, "repo_owner": "octo", "repo_name": "crash", "pr_number": 1, "start_time": start
    }));
    authed("POST", &format!("/api/sessions/{silent_id}/heartbeat"), &jwt, json!({ "at": last_beat }));

    // A second user whose session is alive (heartbeat a minute ago) must be untouched.
    let other = sign_in(github_id + 1);
    authed("POST", "/api/sessions/start", &other, json!({
        "id": live_id, "repo_owner": "octo", "repo_name": "alive", "pr_number": 2,
        "start_time": UnixMillis(now - 60_000).to_rfc3339()
    }));

    let trigger = call("GET", "/__scheduled?cron=*/5+*+*+*+*", &[], None);
    assert!(trigger.status < 300, "trigger: {} {}", trigger.status, trigger.body);

    let list = authed("GET", "/api/sessions", &jwt, Value::Null);
    let silent = &list["sessions"][0];
    assert_eq!(silent["id"], silent_id);
    assert_eq!(silent["status"], "abandoned", "{silent}");
    assert_eq!(silent["end_time"], last_beat.as_str(), "ended at the last heartbeat");
    assert_eq!(silent["duration_seconds"], 3600);
    let stats = authed("GET", "/api/stats/repo/octo/crash?days=2", &jwt, Value::Null);
    assert_eq!(stats["total_duration_seconds"], 3600, "abandoned time counts once: {stats}");

    let other_list = authed("GET", "/api/sessions", &other, Value::Null);
    assert_eq!(other_list["sessions"][0]["status"], "active", "{other_list}");

    // Running the job again changes nothing.
    call("GET", "/__scheduled?cron=*/5+*+*+*+*", &[], None);
    let again = authed("GET", "/api/stats/repo/octo/crash?days=2", &jwt, Value::Null);
    assert_eq!(again["total_duration_seconds"], 3600);
}
