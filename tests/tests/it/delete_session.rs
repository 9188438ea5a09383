//! Deleting a session, through `DELETE /api/sessions/{id}` and sync's `delete` op: the
//! session and its time leave the statistics in the same write (daily, per repository and
//! per PR), the seconds it owned go back to the sessions it overlapped, so the answers are
//! those of a user who never had it; deleting twice changes nothing, a replayed op is a
//! duplicate, another user's session is out of reach, and the user's sockets hear of it.

use std::time::Duration;

use serde_json::{json, Value};
use worktime_api::paths::{self, session, session_heartbeat, stats_repo, SYNC};
use worktime_api::stats::RepoStats;
use worktime_api::sync::{OpStatus, SyncResponse};
use worktime_api::ErrorCode;
use worktime_tests::model::{assert_daily_matches, expected_owned_days};
use worktime_tests::{
    assert_error, authed, call, list_sessions, local_day_index, new_user, now_ms, now_s_ms,
    rfc3339, uuid, Answer, HOUR_MS, MINUTE_MS,
};

use crate::live::{next_text, open, ticket};

/// `DELETE /api/sessions/{id}`.
fn delete(jwt: &str, id: &str) -> Answer {
    authed("DELETE", &session(id), jwt, None)
}

/// Asserts 204 with no body.
fn assert_deleted(answer: &Answer) {
    assert_eq!(answer.status, 204, "{}", answer.body);
    assert!(answer.body.is_empty(), "a 204 has no body: {}", answer.body);
}

fn sync(jwt: &str, ops: Value) -> SyncResponse {
    let answer = authed("POST", SYNC, jwt, Some(&json!({ "ops": ops })));
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.parse()
}

fn statuses(response: &SyncResponse) -> Vec<OpStatus> {
    response.results.iter().map(|r| r.status).collect()
}

/// Start and end ops of a session `[start, end)` on `device` in `octo/<repo>`.
fn recorded(id: &str, device: &str, repo: &str, (start, end): (i64, i64)) -> [Value; 2] {
    [
        json!({"op_id": uuid(), "type": "start", "session_id": id, "repo_owner": "octo",
               "repo_name": repo, "pr_number": 1, "start_time": rfc3339(start), "device_id": device}),
        json!({"op_id": uuid(), "type": "end", "session_id": id, "end_time": rfc3339(end),
               "device_id": device}),
    ]
}

/// Records the sessions `(id, device, repo, interval)` in one sync; asserts all applied.
fn record(jwt: &str, sessions: &[(&str, &str, &str, (i64, i64))]) {
    let ops: Vec<Value> = sessions
        .iter()
        .flat_map(|&(id, device, repo, interval)| recorded(id, device, repo, interval))
        .collect();
    let results = sync(jwt, json!(ops));
    assert!(results.results.iter().all(|r| r.status == OpStatus::Applied), "{results:?}");
}

fn delete_op(id: &str) -> Value {
    json!({"op_id": uuid(), "type": "delete", "session_id": id})
}

/// `GET /api/stats/repo/octo/<repo>?days=3`: the answer, or `None` for 404.
fn repo_stats(jwt: &str, repo: &str) -> Option<RepoStats> {
    let answer = authed("GET", &format!("{}?days=3", stats_repo("octo", repo)), jwt, None);
    match answer.status {
        404 => None,
        200 => Some(answer.parse()),
        _ => panic!("repo stats: {}", answer.body),
    }
}

/// Every statistic a user can ask for about `repos`, as raw answers: daily at three
/// offsets (hourly rollup, 15-minute buckets, exact spans) and per repository.
fn all_stats(jwt: &str, repos: &[&str]) -> Vec<String> {
    let mut answers: Vec<String> = [0, 330, 7]
        .iter()
        .map(|tz| {
            let path = format!("{}?days=3&tz_offset_minutes={tz}", paths::STATS_DAILY);
            authed("GET", &path, jwt, None).body
        })
        .collect();
    for repo in repos {
        let answer = authed("GET", &format!("{}?days=3", stats_repo("octo", repo)), jwt, None);
        answers.push(format!("{} {}", answer.status, answer.body));
    }
    answers
}

/// Asserts two users' statistics are the same answers (asked again when a day ended
/// meanwhile).
fn assert_same_stats(jwt: &str, twin: &str, repos: &[&str]) {
    for _ in 0..2 {
        let day = local_day_index(now_ms(), 0);
        let (mine, theirs) = (all_stats(jwt, repos), all_stats(twin, repos));
        if local_day_index(now_ms(), 0) == day {
            assert_eq!(mine, theirs, "the statistics of a user who never had the session");
            return;
        }
    }
    panic!("the date kept changing");
}

#[test]
fn a_deleted_session_leaves_the_statistics_of_a_user_who_never_had_it() {
    let user = new_user();
    let twin = new_user();
    let (laptop, desktop) = (uuid(), uuid());
    let now = now_s_ms();
    let a = (now - 3 * HOUR_MS, now - 2 * HOUR_MS);
    let b = (now - 3 * HOUR_MS + 15 * MINUTE_MS, now - 3 * HOUR_MS + 45 * MINUTE_MS);
    let (a_id, b_id) = (uuid(), uuid());
    record(&user.jwt, &[(&a_id, &laptop, "ay", a), (&b_id, &desktop, "bee", b)]);
    record(&twin.jwt, &[(&a_id, &laptop, "ay", a)]);
    let ay = repo_stats(&user.jwt, "ay").expect("stats of ay");
    assert_eq!(ay.total_duration_seconds, 30 * 60, "B, started later, owns the overlap");

    assert_deleted(&delete(&user.jwt, &b_id));
    let listed = list_sessions(&user.jwt, "limit=100");
    assert_eq!(listed.sessions.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), [&a_id]);
    assert_daily_matches(&user.jwt, &[a], 3, 0);
    assert_daily_matches(&user.jwt, &[a], 3, 7);
    let ay = repo_stats(&user.jwt, "ay").expect("stats of ay");
    assert_eq!(ay.total_duration_seconds, 60 * 60, "A has its overlapped half hour back");
    assert_eq!((ay.session_count, ay.prs[0].total_duration_seconds), (1, 60 * 60));
    let today = local_day_index(now_ms(), 0);
    assert_eq!(ay.days, expected_owned_days(&[(&a_id, a.0, a.1)], |_| true, today, 3, 0));
    assert_eq!(repo_stats(&user.jwt, "bee"), None, "no session left in bee");
    assert_same_stats(&user.jwt, &twin.jwt, &["ay", "bee"]);

    // Twice: 204 again, nothing changes.
    let before = all_stats(&user.jwt, &["ay", "bee"]);
    assert_deleted(&delete(&user.jwt, &b_id));
    assert_deleted(&delete(&user.jwt, &b_id.to_uppercase()));
    assert_eq!(all_stats(&user.jwt, &["ay", "bee"]), before);
    assert_eq!(list_sessions(&user.jwt, "limit=100"), listed);
}

#[test]
fn deleting_the_session_underneath_keeps_the_later_ones_time() {
    let user = new_user();
    let twin = new_user();
    let now = now_s_ms();
    let a = (now - 5 * HOUR_MS, now - 4 * HOUR_MS);
    let b = (now - 5 * HOUR_MS + 10 * MINUTE_MS, now - 5 * HOUR_MS + 20 * MINUTE_MS);
    let (a_id, b_id, device) = (uuid(), uuid(), uuid());
    record(&user.jwt, &[(&a_id, &uuid(), "ay", a), (&b_id, &device, "bee", b)]);
    record(&twin.jwt, &[(&b_id, &device, "bee", b)]);
    assert_deleted(&delete(&user.jwt, &a_id));
    assert_daily_matches(&user.jwt, &[b], 3, 0);
    assert_eq!(repo_stats(&user.jwt, "bee").map(|s| s.total_duration_seconds), Some(600));
    assert_same_stats(&user.jwt, &twin.jwt, &["ay", "bee"]);
}

#[test]
fn a_sync_delete_is_applied_once_and_its_replay_is_a_duplicate() {
    let user = new_user();
    let (laptop, desktop) = (uuid(), uuid());
    let now = now_s_ms();
    let a = (now - 6 * HOUR_MS, now - 5 * HOUR_MS);
    let b = (now - 6 * HOUR_MS + 30 * MINUTE_MS, now - 4 * HOUR_MS);
    let (a_id, b_id) = (uuid(), uuid());
    record(&user.jwt, &[(&a_id, &laptop, "ay", a), (&b_id, &desktop, "bee", b)]);
    // Deleted by the laptop, though the desktop recorded it (device_id is allowed).
    let mut op = delete_op(&b_id);
    op["device_id"] = json!(laptop);
    let first = sync(&user.jwt, json!([op.clone(), delete_op(&uuid())]));
    assert_eq!(statuses(&first), [OpStatus::Applied, OpStatus::Applied], "a missing id too");
    assert_daily_matches(&user.jwt, &[a], 3, 0);
    assert_eq!(repo_stats(&user.jwt, "ay").map(|s| s.total_duration_seconds), Some(3600));
    let before = all_stats(&user.jwt, &["ay", "bee"]);
    let replay = sync(&user.jwt, json!([op]));
    assert_eq!(statuses(&replay), [OpStatus::Duplicate]);
    let again = sync(&user.jwt, json!([delete_op(&b_id)]));
    assert_eq!(statuses(&again), [OpStatus::Applied], "a new delete of it changes nothing");
    assert_eq!(all_stats(&user.jwt, &["ay", "bee"]), before);
    // A malformed delete is rejected on its own.
    let mut bad = delete_op(&a_id);
    bad["end_time"] = json!(rfc3339(now));
    let rejected = sync(&user.jwt, json!([bad, delete_op("not-a-uuid")]));
    for result in &rejected.results {
        assert_eq!(result.status, OpStatus::Rejected, "{rejected:?}");
        assert_eq!(result.error.as_ref().map(|e| e.code), Some(ErrorCode::ValidationFailed));
    }
    assert_daily_matches(&user.jwt, &[a], 3, 0);
}

#[test]
fn a_running_session_deleted_from_another_device_is_gone_for_its_own_device() {
    let user = new_user();
    let (laptop, desktop) = (uuid(), uuid());
    let now = now_s_ms();
    let running = uuid();
    let start = json!([{"op_id": uuid(), "type": "start", "session_id": running,
        "repo_owner": "octo", "repo_name": "run", "pr_number": 3,
        "start_time": rfc3339(now - 20 * MINUTE_MS), "device_id": laptop}]);
    assert_eq!(statuses(&sync(&user.jwt, start)), [OpStatus::Applied]);
    let mut op = delete_op(&running);
    op["device_id"] = json!(desktop);
    assert_eq!(statuses(&sync(&user.jwt, json!([op]))), [OpStatus::Applied]);
    assert!(list_sessions(&user.jwt, "").sessions.is_empty());
    // The laptop's heartbeat and end find nothing; its next session starts as usual.
    let beat = json!({"at": rfc3339(now - MINUTE_MS), "device_id": laptop});
    assert_error(
        &authed("POST", &session_heartbeat(&running), &user.jwt, Some(&beat)),
        404,
        "not_found",
    );
    let end = json!({"end_time": rfc3339(now), "device_id": laptop});
    assert_error(
        &authed("PATCH", &paths::session_end(&running), &user.jwt, Some(&end)),
        404,
        "not_found",
    );
    let next = uuid();
    record(&user.jwt, &[(&next, &laptop, "run", (now - 5 * MINUTE_MS, now))]);
    assert_daily_matches(&user.jwt, &[(now - 5 * MINUTE_MS, now)], 2, 0);
    assert_eq!(repo_stats(&user.jwt, "run").map(|s| s.session_count), Some(1));
}

#[test]
fn another_users_session_is_out_of_reach() {
    let alice = new_user();
    let bob = new_user();
    let now = now_s_ms();
    let id = uuid();
    record(&alice.jwt, &[(&id, &uuid(), "ay", (now - 3 * HOUR_MS, now - 2 * HOUR_MS))]);
    let sessions = list_sessions(&alice.jwt, "");
    let stats = all_stats(&alice.jwt, &["ay"]);
    // Bob's delete answers as for any missing session and changes nothing, his or hers.
    assert_deleted(&delete(&bob.jwt, &id));
    assert_eq!(statuses(&sync(&bob.jwt, json!([delete_op(&id)]))), [OpStatus::Applied]);
    assert_eq!(list_sessions(&alice.jwt, ""), sessions);
    assert_eq!(all_stats(&alice.jwt, &["ay"]), stats);
    assert_daily_matches(&bob.jwt, &[], 3, 0);
    assert_daily_matches(&bob.jwt, &[], 3, 7);
    assert_eq!(repo_stats(&bob.jwt, "ay"), None);
    assert!(list_sessions(&bob.jwt, "").sessions.is_empty());
}

#[test]
fn a_malformed_id_is_400_and_no_token_is_401_in_json() {
    let user = new_user();
    for id in ["not-a-uuid", "12345678-1234-1234-1234-1234567890123", "%20"] {
        assert_error(&delete(&user.jwt, id), 400, "invalid_request");
    }
    let id = uuid();
    record(&user.jwt, &[(&id, &uuid(), "ay", (now_s_ms() - HOUR_MS, now_s_ms()))]);
    assert_error(&call("DELETE", &session(&id), &[], None), 401, "unauthorized");
    let forged = [("Authorization", "Bearer not.a.token")];
    assert_error(&call("DELETE", &session(&id), &forged, None), 401, "unauthorized");
    assert_eq!(list_sessions(&user.jwt, "").sessions.len(), 1, "nothing was deleted");
}

#[test]
fn a_committed_delete_reaches_the_users_sockets_and_a_delete_of_nothing_does_not() {
    let user = new_user();
    let now = now_s_ms();
    let id = uuid();
    record(&user.jwt, &[(&id, &uuid(), "ay", (now - HOUR_MS, now - 30 * MINUTE_MS))]);
    let mut socket = open(&ticket(&user.jwt)).expect("socket");
    assert_deleted(&delete(&user.jwt, &id));
    let message = next_text(&mut socket, Duration::from_secs(5)).expect("a changed message");
    assert_eq!(message["type"], "changed", "{message}");
    assert_deleted(&delete(&user.jwt, &id));
    assert_eq!(next_text(&mut socket, Duration::from_millis(800)), None, "nothing was written");
}
