//! Users are walled off from each other: B can neither see nor change A's sessions and
//! statistics, and session ids are scoped per user, so B may reuse A's id.

use serde_json::json;
use worktime_api::paths::{session_end, session_heartbeat, stats_repo, SESSIONS_STOP, SYNC};
use worktime_api::sessions::SessionStatus;
use worktime_api::sync::{OpStatus, SyncResponse};
use worktime_tests::{
    assert_error, authed, daily_stats, end_session, list_sessions, new_user, now_s_ms,
    record_session, rfc3339, start_session, uuid, HOUR_MS, MINUTE_MS,
};

const REPO: (&str, &str, i64) = ("alice-org", "secret-repo", 9);

#[test]
fn another_user_cannot_end_or_heartbeat_my_sessions() {
    let alice = new_user();
    let bob = new_user();
    let ended =
        record_session(&alice.jwt, REPO, now_s_ms() - 5 * HOUR_MS, now_s_ms() - 4 * HOUR_MS);
    let active_id = uuid();
    let active =
        start_session(&alice.jwt, &active_id, REPO, Some(now_s_ms() - 10 * MINUTE_MS), None);
    let before = list_sessions(&alice.jwt, "");

    for id in [&ended.id, &active_id] {
        let end = json!({"end_time": rfc3339(now_s_ms() - MINUTE_MS)});
        let answer = authed("PATCH", &session_end(id), &bob.jwt, Some(&end));
        assert_error(&answer, 404, "not_found");
        let beat = json!({"at": rfc3339(now_s_ms() - MINUTE_MS)});
        let answer = authed("POST", &session_heartbeat(id), &bob.jwt, Some(&beat));
        assert_error(&answer, 404, "not_found");
    }
    let stop = authed("POST", SESSIONS_STOP, &bob.jwt, None);
    assert_error(&stop, 404, "not_found");
    let ops = json!({"ops": [
        {"op_id": uuid(), "type": "heartbeat", "session_id": active_id, "at": rfc3339(now_s_ms())},
        {"op_id": uuid(), "type": "end", "session_id": active_id},
    ]});
    let answer = authed("POST", SYNC, &bob.jwt, Some(&ops));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let results: SyncResponse = answer.parse();
    for result in &results.results {
        assert_eq!(result.status, OpStatus::Rejected, "{results:?}");
        let code = result.error.as_ref().map(|e| e.code);
        assert_eq!(code, Some(worktime_api::ErrorCode::NotFound), "{results:?}");
    }

    let after = list_sessions(&alice.jwt, "");
    assert_eq!(after, before, "Alice's sessions are untouched");
    let still = after.sessions.iter().find(|s| s.id == active_id).expect("listed");
    assert_eq!(still, &active);
    assert_eq!(still.status, SessionStatus::Active);
}

#[test]
fn another_user_sees_none_of_my_sessions_or_statistics() {
    let alice = new_user();
    let bob = new_user();
    let start = now_s_ms() - 26 * HOUR_MS;
    record_session(&alice.jwt, REPO, start, start + HOUR_MS);
    start_session(&alice.jwt, &uuid(), REPO, Some(now_s_ms() - MINUTE_MS), None);
    assert_eq!(list_sessions(&alice.jwt, "").total, 2);
    assert_eq!(daily_stats(&alice.jwt, 7, 0).total_duration_seconds, 3600);

    let list = list_sessions(&bob.jwt, "");
    assert_eq!((list.total, list.sessions.len()), (0, 0), "{list:?}");
    let filtered = list_sessions(&bob.jwt, "repo_owner=alice-org&repo_name=secret-repo");
    assert_eq!(filtered.total, 0);
    let stats = daily_stats(&bob.jwt, 7, 0);
    assert_eq!((stats.total_duration_seconds, stats.session_count), (0, 0));
    assert!(stats.days.iter().all(|d| d.total_duration_seconds == 0 && d.session_count == 0));
    let repo = authed("GET", &stats_repo(REPO.0, REPO.1), &bob.jwt, None);
    assert_error(&repo, 404, "not_found");
    let mine = authed("GET", &stats_repo(REPO.0, REPO.1), &alice.jwt, None);
    assert_eq!(mine.status, 200, "{}", mine.body);
}

#[test]
fn session_ids_are_per_user() {
    let alice = new_user();
    let bob = new_user();
    let id = uuid();
    let alice_start = now_s_ms() - 20 * MINUTE_MS;
    let alices = start_session(&alice.jwt, &id, REPO, Some(alice_start), Some(60));
    // Bob picks the same id for a different session: his own, no conflict.
    let bob_start = now_s_ms() - 5 * MINUTE_MS;
    let bobs = start_session(&bob.jwt, &id, ("bob", "other", 1), Some(bob_start), None);
    assert_eq!(bobs.id, id);
    assert_eq!(bobs.repo_owner, "bob");
    let bob_ended = end_session(&bob.jwt, &id, Some(bob_start + MINUTE_MS));
    assert_eq!(bob_ended.duration_seconds, Some(60));

    let alice_list = list_sessions(&alice.jwt, "");
    assert_eq!(
        alice_list.sessions,
        vec![alices.clone()],
        "Alice's session with that id is untouched"
    );
    let alice_ended = end_session(&alice.jwt, &id, Some(alice_start + 2 * MINUTE_MS));
    assert_eq!(alice_ended.duration_seconds, Some(120));
    assert_eq!(alice_ended.repo_owner, REPO.0);
    assert_eq!(list_sessions(&bob.jwt, "").sessions, vec![bob_ended], "Bob's is his own");
}
