//! `POST /api/sync`: queued offline operations applied in order, each reported `applied`,
//! `duplicate` or `rejected`; replays change nothing, a rejected op blocks nothing, and
//! op ids are scoped per user.

use serde_json::{json, Value};
use worktime_api::paths::{stats_repo, SYNC};
use worktime_api::sessions::SessionStatus;
use worktime_api::stats::RepoStats;
use worktime_api::sync::{OpStatus, SyncResponse};
use worktime_api::ErrorCode;
use worktime_tests::{
    assert_error, authed, daily_stats, list_sessions, new_user, now_s_ms, rfc3339, uuid, DAY_MS,
    MINUTE_MS,
};

const OWNER: &str = "sync-org";
const REPO: &str = "offline";

fn start_op(session: &str, pr: i64, at: i64) -> Value {
    json!({"op_id": uuid(), "type": "start", "session_id": session, "repo_owner": OWNER,
           "repo_name": REPO, "pr_number": pr, "start_time": rfc3339(at), "tz_offset_minutes": 60})
}

fn end_op(session: &str, at: i64) -> Value {
    json!({"op_id": uuid(), "type": "end", "session_id": session, "end_time": rfc3339(at)})
}

fn heartbeat_op(session: &str, at: i64) -> Value {
    json!({"op_id": uuid(), "type": "heartbeat", "session_id": session, "at": rfc3339(at)})
}

/// Sends `ops`; asserts 200 and one result per op, in order, with the op's id.
fn sync(jwt: &str, ops: &[Value]) -> Vec<(OpStatus, Option<ErrorCode>)> {
    let answer = authed("POST", SYNC, jwt, Some(&json!({ "ops": ops })));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let response: SyncResponse = answer.parse();
    assert_eq!(response.results.len(), ops.len(), "{}", answer.body);
    for (result, op) in response.results.iter().zip(ops) {
        assert_eq!(result.op_id, op["op_id"].as_str().unwrap_or_default(), "{}", answer.body);
        assert_eq!(result.error.is_some(), result.status == OpStatus::Rejected, "{}", answer.body);
    }
    response.results.into_iter().map(|r| (r.status, r.error.map(|e| e.code))).collect()
}

const APPLIED: (OpStatus, Option<ErrorCode>) = (OpStatus::Applied, None);
const DUPLICATE: (OpStatus, Option<ErrorCode>) = (OpStatus::Duplicate, None);

fn rejected(code: ErrorCode) -> (OpStatus, Option<ErrorCode>) {
    (OpStatus::Rejected, Some(code))
}

/// Two sessions three days ago: 600 s (with a heartbeat) and 1800 s.
fn workday(t0: i64) -> (String, String, Vec<Value>) {
    let (s1, s2) = (uuid(), uuid());
    let ops = vec![
        start_op(&s1, 1, t0),
        heartbeat_op(&s1, t0 + 5 * MINUTE_MS),
        end_op(&s1, t0 + 10 * MINUTE_MS),
        start_op(&s2, 2, t0 + 20 * MINUTE_MS),
        end_op(&s2, t0 + 50 * MINUTE_MS),
    ];
    (s1, s2, ops)
}

fn repo_stats(jwt: &str) -> RepoStats {
    let answer = authed("GET", &format!("{}?days=7", stats_repo(OWNER, REPO)), jwt, None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.parse()
}

#[test]
fn a_batch_applies_in_order() {
    let user = new_user();
    let t0 = now_s_ms() - 3 * DAY_MS;
    let (s1, s2, ops) = workday(t0);
    assert_eq!(sync(&user.jwt, &ops), vec![APPLIED; 5]);

    let list = list_sessions(&user.jwt, "");
    assert_eq!(list.total, 2);
    let (second, first) = (&list.sessions[0], &list.sessions[1]);
    assert_eq!((first.id.as_str(), second.id.as_str()), (s1.as_str(), s2.as_str()));
    assert_eq!(first.duration_seconds, Some(600));
    assert_eq!(first.last_heartbeat, rfc3339(t0 + 5 * MINUTE_MS));
    assert_eq!(first.tz_offset_minutes, Some(60));
    assert_eq!(second.duration_seconds, Some(1800));
    assert_eq!(second.end_time.as_deref(), Some(rfc3339(t0 + 50 * MINUTE_MS).as_str()));
    assert!(list.sessions.iter().all(|s| s.status == SessionStatus::Completed));
    assert_eq!(daily_stats(&user.jwt, 7, 0).total_duration_seconds, 2400);
}

#[test]
fn replaying_a_batch_reports_duplicates_and_counts_nothing_twice() {
    let user = new_user();
    let t0 = now_s_ms() - 3 * DAY_MS;
    let (_, _, ops) = workday(t0);
    assert_eq!(sync(&user.jwt, &ops), vec![APPLIED; 5]);
    let list = list_sessions(&user.jwt, "");
    let daily = daily_stats(&user.jwt, 7, 60);
    let repo = repo_stats(&user.jwt);
    assert_eq!((daily.total_duration_seconds, repo.total_duration_seconds), (2400, 2400));
    assert_eq!(repo.session_count, 2);

    assert_eq!(sync(&user.jwt, &ops), vec![DUPLICATE; 5]);
    assert_eq!(sync(&user.jwt, &ops), vec![DUPLICATE; 5], "and again");
    assert_eq!(list_sessions(&user.jwt, ""), list);
    assert_eq!(daily_stats(&user.jwt, 7, 60), daily);
    assert_eq!(repo_stats(&user.jwt), repo);

    // Old and new ops mixed: only the new one applies.
    let s3 = uuid();
    let t3 = t0 + DAY_MS;
    let mixed =
        vec![ops[0].clone(), start_op(&s3, 3, t3), ops[4].clone(), end_op(&s3, t3 + 60_000)];
    assert_eq!(sync(&user.jwt, &mixed), vec![DUPLICATE, APPLIED, DUPLICATE, APPLIED]);
    assert_eq!(list_sessions(&user.jwt, "").total, 3);
    assert_eq!(daily_stats(&user.jwt, 7, 60).total_duration_seconds, 2460);
}

#[test]
fn a_rejected_op_blocks_nothing_after_it() {
    let user = new_user();
    let t0 = now_s_ms() - 40 * MINUTE_MS;
    let (a, b) = (uuid(), uuid());
    let ops = vec![
        start_op(&a, 1, t0),
        end_op(&a, t0 - MINUTE_MS),
        end_op(&uuid(), t0),
        end_op(&a, t0 + 15 * MINUTE_MS),
        start_op(&b, 2, t0 + 20 * MINUTE_MS),
    ];
    let expected = vec![
        APPLIED,
        rejected(ErrorCode::ValidationFailed),
        rejected(ErrorCode::NotFound),
        APPLIED,
        APPLIED,
    ];
    assert_eq!(sync(&user.jwt, &ops), expected);
    let list = list_sessions(&user.jwt, "");
    let a_session = list.sessions.iter().find(|s| s.id == a).expect("A stored");
    assert_eq!(a_session.duration_seconds, Some(900));
    let b_session = list.sessions.iter().find(|s| s.id == b).expect("B stored");
    assert_eq!(b_session.start_time, rfc3339(t0 + 20 * MINUTE_MS));
    assert_eq!(list.total, 2, "the rejected ops stored nothing");
}

#[test]
fn an_end_queued_before_its_start_is_rejected_and_the_rest_applies() {
    let user = new_user();
    let t0 = now_s_ms() - 5 * MINUTE_MS;
    let x = uuid();
    let ops =
        vec![end_op(&x, t0 + MINUTE_MS), start_op(&x, 5, t0), heartbeat_op(&x, t0 + 2 * MINUTE_MS)];
    assert_eq!(sync(&user.jwt, &ops), vec![rejected(ErrorCode::NotFound), APPLIED, APPLIED]);
    let list = list_sessions(&user.jwt, "");
    assert_eq!(list.total, 1);
    let session = &list.sessions[0];
    assert_eq!(session.status, SessionStatus::Active, "the early end did not apply");
    assert_eq!(session.end_time, None);
    assert_eq!(session.last_heartbeat, rfc3339(t0 + 2 * MINUTE_MS));
    assert_eq!(session.start_time, rfc3339(t0));
}

#[test]
fn op_ids_are_scoped_per_user() {
    let alice = new_user();
    let bob = new_user();
    let t0 = now_s_ms() - 4 * DAY_MS;
    let (_, _, ops) = workday(t0);
    assert_eq!(sync(&alice.jwt, &ops), vec![APPLIED; 5]);
    let alice_list = list_sessions(&alice.jwt, "");

    // Bob's queue happens to use the same op ids (and session ids).
    assert_eq!(sync(&bob.jwt, &ops), vec![APPLIED; 5], "Bob's ops are his own");
    let bob_list = list_sessions(&bob.jwt, "");
    assert_eq!(bob_list.total, 2);
    assert_eq!(daily_stats(&bob.jwt, 7, 0).total_duration_seconds, 2400);
    assert_eq!(list_sessions(&alice.jwt, ""), alice_list, "Alice's data is untouched");
    assert_eq!(daily_stats(&alice.jwt, 7, 0).total_duration_seconds, 2400);
    assert_eq!(sync(&bob.jwt, &ops), vec![DUPLICATE; 5]);
}

#[test]
fn at_most_100_ops_per_request() {
    let user = new_user();
    let t0 = now_s_ms() - 3 * 3_600_000;
    let session = uuid();
    let mut ops = vec![start_op(&session, 1, t0)];
    ops.extend((1..=100).map(|i| heartbeat_op(&session, t0 + i * MINUTE_MS)));
    assert_eq!(ops.len(), 101);
    let answer = authed("POST", SYNC, &user.jwt, Some(&json!({ "ops": ops })));
    assert_error(&answer, 422, "validation_failed");
    assert_eq!(list_sessions(&user.jwt, "").total, 0, "nothing of the refused batch applied");

    ops.truncate(100);
    assert_eq!(sync(&user.jwt, &ops), vec![APPLIED; 100]);
    let list = list_sessions(&user.jwt, "");
    assert_eq!(list.sessions[0].last_heartbeat, rfc3339(t0 + 99 * MINUTE_MS));
}
