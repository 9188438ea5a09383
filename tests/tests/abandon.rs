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
    let body = json!({ "code": format!("test-code:{github_id}:abandon{github_id}"),
                       "code_verifier": worktime_tests::TEST_VERIFIER })
    .to_string();
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
    authed(
        "POST",
        "/api/sessions/start",
        &jwt,
        json!({
            "id": silent_id, "repo_owner": "octo", "repo_name": "crash", "pr_number": 1, "start_time": start
        }),
    );
    authed(
        "POST",
        &format!("/api/sessions/{silent_id}/heartbeat"),
        &jwt,
        json!({ "at": last_beat }),
    );

    // A second user whose session is alive (heartbeat a minute ago) must be untouched.
    let other = sign_in(github_id + 1);
    authed(
        "POST",
        "/api/sessions/start",
        &other,
        json!({
            "id": live_id, "repo_owner": "octo", "repo_name": "alive", "pr_number": 2,
            "start_time": UnixMillis(now - 60_000).to_rfc3339()
        }),
    );

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

/// Runs one SQL command on the running worker's local D1 (its state directory) through
/// wrangler; returns wrangler's JSON rows.
fn d1(sql: &str) -> Vec<Value> {
    let state = std::env::var("WORKTIME_TEST_STATE_DIR")
        .expect("WORKTIME_TEST_STATE_DIR (set by scripts/test.sh)");
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").to_path_buf();
    let wrangler = root.join("node_modules/.bin/wrangler");
    let output = std::process::Command::new(wrangler)
        .args([
            "d1",
            "execute",
            "DB",
            "--local",
            "--persist-to",
            &state,
            "--json",
            "--command",
            sql,
        ])
        .current_dir(root.join("worker"))
        .env("CI", "true")
        .env("WRANGLER_SEND_METRICS", "false")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("wrangler runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "wrangler d1 execute failed: {stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let start = stdout.find('[').unwrap_or(0);
    let parsed: Value = serde_json::from_str(stdout[start..].trim()).unwrap_or(Value::Null);
    parsed[0]["results"].as_array().cloned().unwrap_or_default()
}

#[test]
fn old_op_ids_are_pruned_and_their_replay_doubles_nothing() {
    let github_id = 910_000_000 + (now_ms() % 1_000_000) as u64;
    let jwt = sign_in(github_id);
    let now = now_ms() / 1000 * 1000;
    let session = "b0000000-0000-4000-8000-000000000001";
    let (start_op, end_op) =
        ("b0000000-0000-4000-8000-0000000000a1", "b0000000-0000-4000-8000-0000000000a2");
    let ops = json!({"ops": [
        {"op_id": start_op, "type": "start", "session_id": session, "repo_owner": "octo", "repo_name": "pruned",
         "pr_number": 3, "start_time": UnixMillis(now - 20 * 60_000).to_rfc3339()},
        {"op_id": end_op, "type": "end", "session_id": session, "end_time": UnixMillis(now - 5 * 60_000).to_rfc3339()},
    ]});
    let first = authed("POST", "/api/sync", &jwt, ops.clone());
    assert!(
        first["results"].as_array().is_some_and(|r| r.iter().all(|r| r["status"] == "applied")),
        "{first}"
    );
    let stats = || {
        authed("GET", "/api/stats/repo/octo/pruned?days=2", &jwt, Value::Null)
            ["total_duration_seconds"]
            .clone()
    };
    assert_eq!(stats(), 900);

    // Eight days pass for these op ids; the scheduled job forgets them.
    let ids = format!("'{start_op}', '{end_op}'");
    d1(&format!(
        "UPDATE sync_ops SET applied_ms = applied_ms - 8 * 86400000 WHERE op_id IN ({ids})"
    ));
    let trigger = call("GET", "/__scheduled?cron=*+*+*+*+*", &[], None);
    assert!(trigger.status < 300, "trigger: {} {}", trigger.status, trigger.body);
    let left = d1(&format!("SELECT COUNT(*) AS n FROM sync_ops WHERE op_id IN ({ids})"));
    assert_eq!(left[0]["n"], 0, "pruned: {left:?}");

    // The same request again: no op id is remembered, yet nothing is doubled.
    let replay = authed("POST", "/api/sync", &jwt, ops);
    assert!(
        replay["results"].as_array().is_some_and(|r| r.iter().all(|r| r["status"] == "applied")),
        "{replay}"
    );
    let list = authed("GET", "/api/sessions", &jwt, Value::Null);
    assert_eq!(list["total"], 1, "still one session: {list}");
    assert_eq!(list["sessions"][0]["duration_seconds"], 900);
    assert_eq!(stats(), 900, "and the same time");
}
