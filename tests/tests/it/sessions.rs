//! The session lifecycle over REST: start (and its replays and conflicts), the single
//! active session, end, stop, heartbeat, and listing with filters and paging. Times and
//! durations are checked to the second.

use serde_json::{json, Value};
use worktime_api::paths::{session_end, session_heartbeat, SESSIONS_START, SESSIONS_STOP};
use worktime_api::sessions::{Session, SessionStatus};
use worktime_tests::{
    assert_error, authed, end_session, list_sessions, new_user, now_ms, now_s_ms, parse_time,
    percent_encode, record_session, rfc3339, start_session, uuid, MINUTE_MS, SECOND_MS,
};

const REPO: (&str, &str, i64) = ("octo-org", "hello.world", 42);

fn start_body(id: &str, start_ms: i64) -> Value {
    json!({"id": id, "repo_owner": REPO.0, "repo_name": REPO.1, "pr_number": REPO.2,
           "start_time": rfc3339(start_ms), "tz_offset_minutes": 330})
}

#[test]
fn start_creates_an_active_session() {
    let user = new_user();
    let id = uuid();
    let start = now_s_ms() - MINUTE_MS;
    let answer = authed("POST", SESSIONS_START, &user.jwt, Some(&start_body(&id, start)));
    assert_eq!(answer.status, 201, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body.as_object().map(|o| o.len()), Some(11), "exactly the Session fields: {body}");
    let expected = json!({
        "id": id, "repo_owner": REPO.0, "repo_name": REPO.1, "pr_number": REPO.2,
        "start_time": rfc3339(start), "end_time": null, "duration_seconds": null,
        "status": "active", "last_heartbeat": rfc3339(start), "tz_offset_minutes": 330,
        "device_id": worktime_api::sessions::LEGACY_DEVICE_ID,
    });
    assert_eq!(body, expected);
}

#[test]
fn start_without_a_time_starts_now_without_an_offset() {
    let user = new_user();
    let before = now_s_ms();
    let body = json!({"id": uuid(), "repo_owner": "a", "repo_name": "b", "pr_number": 1});
    let answer = authed("POST", SESSIONS_START, &user.jwt, Some(&body));
    assert_eq!(answer.status, 201, "{}", answer.body);
    let session: Session = answer.parse();
    let start = parse_time(&session.start_time);
    assert!(start >= before - 2 * SECOND_MS && start <= now_ms() + 2 * SECOND_MS, "{session:?}");
    assert_eq!(session.tz_offset_minutes, None);
    assert_eq!(session.status, SessionStatus::Active);
}

#[test]
fn replaying_a_start_answers_200_with_the_stored_session() {
    let user = new_user();
    let id = uuid();
    let body = start_body(&id, now_s_ms() - 2 * MINUTE_MS);
    let first = authed("POST", SESSIONS_START, &user.jwt, Some(&body));
    assert_eq!(first.status, 201, "{}", first.body);
    let again = authed("POST", SESSIONS_START, &user.jwt, Some(&body));
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json(), first.json());
    assert_eq!(list_sessions(&user.jwt, "").total, 1, "a replay creates nothing");
}

#[test]
fn reusing_an_id_with_other_content_is_409() {
    let user = new_user();
    let id = uuid();
    let start = now_s_ms() - 3 * MINUTE_MS;
    let original = authed("POST", SESSIONS_START, &user.jwt, Some(&start_body(&id, start)));
    assert_eq!(original.status, 201, "{}", original.body);
    let mut other_pr = start_body(&id, start);
    other_pr["pr_number"] = json!(43);
    let mut other_repo = start_body(&id, start);
    other_repo["repo_name"] = json!("other-repo");
    for body in [other_pr, other_repo, start_body(&id, start - MINUTE_MS)] {
        let answer = authed("POST", SESSIONS_START, &user.jwt, Some(&body));
        assert_error(&answer, 409, "conflict");
    }
    let list = list_sessions(&user.jwt, "");
    assert_eq!(list.total, 1);
    assert_eq!(list.sessions[0], original.parse::<Session>(), "the stored session is untouched");
}

#[test]
fn starting_a_session_ends_the_same_devices_active_one_at_its_start() {
    let user = new_user();
    let (a, b) = (uuid(), uuid());
    let a_start = now_s_ms() - 5 * MINUTE_MS;
    let b_start = a_start + 3 * MINUTE_MS + 7 * SECOND_MS;
    start_session(&user.jwt, &a, REPO, Some(a_start), None);
    let b_session = start_session(&user.jwt, &b, ("octo-org", "other", 7), Some(b_start), None);
    assert_eq!(b_session.status, SessionStatus::Active);

    let list = list_sessions(&user.jwt, "");
    assert_eq!(list.total, 2);
    let a_session = list.sessions.iter().find(|s| s.id == a).expect("A is listed");
    assert_eq!(a_session.status, SessionStatus::Completed);
    assert_eq!(a_session.end_time.as_deref(), Some(rfc3339(b_start).as_str()));
    assert_eq!(a_session.duration_seconds, Some(187));
    let active = list.sessions.iter().filter(|s| s.status == SessionStatus::Active).count();
    assert_eq!(active, 1, "at most one active session: {list:?}");
}

#[test]
fn end_completes_with_the_exact_duration_and_only_its_replay_answers_200() {
    let user = new_user();
    let id = uuid();
    let start = now_s_ms() - 10 * MINUTE_MS;
    start_session(&user.jwt, &id, REPO, Some(start), Some(-300));
    let ended = end_session(&user.jwt, &id, Some(start + 421 * SECOND_MS));
    assert_eq!(ended.status, SessionStatus::Completed);
    assert_eq!(ended.end_time.as_deref(), Some(rfc3339(start + 421 * SECOND_MS).as_str()));
    assert_eq!(ended.duration_seconds, Some(421));
    assert_eq!(ended.start_time, rfc3339(start));
    assert_eq!(ended.tz_offset_minutes, Some(-300));

    assert_eq!(end_session(&user.jwt, &id, Some(start + 421 * SECOND_MS)), ended, "same replay");
    assert_eq!(end_session(&user.jwt, &id, None), ended, "an end without a time is a replay too");
    let later = json!({"end_time": rfc3339(start + 500 * SECOND_MS)});
    let answer = authed("PATCH", &session_end(&id), &user.jwt, Some(&later));
    assert_error(&answer, 409, "session_not_active");
    assert_eq!(
        list_sessions(&user.jwt, "").sessions,
        vec![ended],
        "a different end changes nothing"
    );
}

#[test]
fn end_without_a_time_ends_now() {
    let user = new_user();
    let id = uuid();
    let start = now_s_ms() - 90 * SECOND_MS;
    start_session(&user.jwt, &id, REPO, Some(start), None);
    let ended = end_session(&user.jwt, &id, None);
    let end = parse_time(ended.end_time.as_deref().expect("ended"));
    assert!((end - now_ms()).abs() < 5 * SECOND_MS, "{ended:?}");
    assert_eq!(ended.duration_seconds, Some((end - start) / SECOND_MS));
}

#[test]
fn end_before_start_is_422_and_the_session_stays_active() {
    let user = new_user();
    let id = uuid();
    let start = now_s_ms() - MINUTE_MS;
    let started = start_session(&user.jwt, &id, REPO, Some(start), None);
    let body = json!({"end_time": rfc3339(start - SECOND_MS)});
    let answer = authed("PATCH", &session_end(&id), &user.jwt, Some(&body));
    assert_error(&answer, 422, "validation_failed");
    assert_eq!(list_sessions(&user.jwt, "").sessions, vec![started]);
    let zero = end_session(&user.jwt, &id, Some(start));
    assert_eq!(zero.duration_seconds, Some(0), "ending at the start itself is allowed");
}

#[test]
fn ending_an_unknown_session_is_404() {
    let user = new_user();
    let answer = authed("PATCH", &session_end(&uuid()), &user.jwt, Some(&json!({})));
    assert_error(&answer, 404, "not_found");
    let answer = authed("POST", &session_heartbeat(&uuid()), &user.jwt, Some(&json!({})));
    assert_error(&answer, 404, "not_found");
}

#[test]
fn stop_ends_the_active_session_now_then_there_is_none() {
    let user = new_user();
    let id = uuid();
    let start = now_s_ms() - 100 * SECOND_MS;
    start_session(&user.jwt, &id, REPO, Some(start), None);
    let answer = authed("POST", SESSIONS_STOP, &user.jwt, None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let stopped: Session = answer.parse();
    assert_eq!((stopped.id.as_str(), stopped.status), (id.as_str(), SessionStatus::Completed));
    let end = parse_time(stopped.end_time.as_deref().expect("ended"));
    assert!((end - now_ms()).abs() < 5 * SECOND_MS, "{stopped:?}");
    assert_eq!(stopped.duration_seconds, Some((end - start) / SECOND_MS));
    let again = authed("POST", SESSIONS_STOP, &user.jwt, None);
    assert_error(&again, 404, "not_found");
    assert_eq!(list_sessions(&user.jwt, "").sessions, vec![stopped]);
}

#[test]
fn heartbeat_moves_forward_only_and_is_refused_for_ended_sessions() {
    let user = new_user();
    let id = uuid();
    let start = now_s_ms() - 10 * MINUTE_MS;
    start_session(&user.jwt, &id, REPO, Some(start), None);
    let beat = |at: Option<i64>| {
        let body = at.map_or(json!({}), |at| json!({"at": rfc3339(at)}));
        let answer = authed("POST", &session_heartbeat(&id), &user.jwt, Some(&body));
        assert_eq!(answer.status, 200, "{body}: {}", answer.body);
        answer.parse::<Session>()
    };
    let first = beat(Some(start + 4 * MINUTE_MS));
    assert_eq!(first.last_heartbeat, rfc3339(start + 4 * MINUTE_MS));
    assert_eq!(first.status, SessionStatus::Active);
    let earlier = beat(Some(start + 2 * MINUTE_MS));
    assert_eq!(earlier, first, "an older heartbeat changes nothing");
    let latest = beat(None);
    assert!((parse_time(&latest.last_heartbeat) - now_ms()).abs() < 5 * SECOND_MS, "{latest:?}");

    let future = json!({"at": rfc3339(now_ms() + 10 * MINUTE_MS)});
    let answer = authed("POST", &session_heartbeat(&id), &user.jwt, Some(&future));
    assert_error(&answer, 422, "validation_failed");

    let ended = end_session(&user.jwt, &id, Some(start + 8 * MINUTE_MS));
    assert_eq!(ended.duration_seconds, Some(480), "the end time rules, not the heartbeat");
    let late = authed("POST", &session_heartbeat(&id), &user.jwt, Some(&json!({})));
    assert_error(&late, 409, "session_not_active");
    assert_eq!(list_sessions(&user.jwt, "").sessions, vec![ended], "and changes nothing");
}

#[test]
fn list_is_newest_first_with_paging() {
    let user = new_user();
    let base = now_s_ms() - 3 * 86_400_000;
    // Created out of order: the list sorts by start_time, not by creation.
    let mut created = Vec::new();
    for slot in [2, 0, 4, 1, 3] {
        let start = base + slot * 3_600_000;
        created.push(record_session(&user.jwt, REPO, start, start + (slot + 1) * MINUTE_MS));
    }
    created.sort_by_key(|s| std::cmp::Reverse(parse_time(&s.start_time)));

    let all = list_sessions(&user.jwt, "");
    assert_eq!((all.total, all.limit, all.offset), (5, 50, 0), "defaults: limit 50, offset 0");
    assert_eq!(all.sessions, created, "newest first");
    let page = list_sessions(&user.jwt, "limit=2");
    assert_eq!((page.total, page.limit, page.offset), (5, 2, 0));
    assert_eq!(page.sessions, created[..2]);
    let page = list_sessions(&user.jwt, "limit=2&offset=2");
    assert_eq!(page.sessions, created[2..4]);
    let page = list_sessions(&user.jwt, "limit=2&offset=4");
    assert_eq!(page.sessions, created[4..]);
    let past_the_end = list_sessions(&user.jwt, "limit=100&offset=10");
    assert_eq!((past_the_end.sessions.len(), past_the_end.total), (0, 5));
}

#[test]
fn list_filters_by_repository_pr_and_time() {
    let user = new_user();
    let base = now_s_ms() - 2 * 86_400_000;
    let spec = [
        ("own-a", "repo-x", 1),
        ("own-a", "repo-x", 2),
        ("own-a", "repo-y", 1),
        ("own-b", "repo-x", 1),
    ];
    let sessions: Vec<Session> = spec
        .iter()
        .enumerate()
        .map(|(i, repo)| {
            let start = base + i as i64 * 3_600_000;
            record_session(&user.jwt, *repo, start, start + 600 * SECOND_MS)
        })
        .collect();
    let ids = |query: &str| -> Vec<String> {
        list_sessions(&user.jwt, query).sessions.into_iter().map(|s| s.id).collect()
    };
    let id = |i: usize| sessions[i].id.clone();
    assert_eq!(ids("repo_owner=own-a"), vec![id(2), id(1), id(0)]);
    assert_eq!(ids("repo_owner=own-a&repo_name=repo-x"), vec![id(1), id(0)]);
    assert_eq!(ids("repo_owner=own-a&repo_name=repo-x&pr_number=2"), vec![id(1)]);
    assert_eq!(ids("repo_name=repo-x&pr_number=1"), vec![id(3), id(0)]);
    let total = list_sessions(&user.jwt, "repo_owner=own-a&limit=1");
    assert_eq!((total.total, total.sessions.len()), (3, 1), "total counts all matches");
    // `from` is inclusive, `to` exclusive, both on start_time.
    let from = percent_encode(&sessions[1].start_time);
    let to = percent_encode(&sessions[3].start_time);
    assert_eq!(ids(&format!("from={from}")), vec![id(3), id(2), id(1)]);
    assert_eq!(ids(&format!("to={to}")), vec![id(2), id(1), id(0)]);
    assert_eq!(ids(&format!("from={from}&to={to}&repo_owner=own-a")), vec![id(2), id(1)]);
    assert_eq!(ids("repo_owner=nobody-here"), Vec::<String>::new());
}
