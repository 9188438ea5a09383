//! One user, several devices, over HTTP: a start ends only its own device's session, no
//! device alters another's, completed sessions are final, overlapping time is counted
//! once, and absurd sessions are refused with nothing written.

use serde_json::{json, Value};
use worktime_api::paths::{session_end, session_heartbeat, SESSIONS_START, SESSIONS_STOP, SYNC};
use worktime_api::sessions::{Session, SessionStatus, LEGACY_DEVICE_ID};
use worktime_api::stats::RepoStats;
use worktime_api::sync::{OpStatus, SyncResponse};
use worktime_tests::model::assert_daily_matches;
use worktime_tests::{
    assert_error, authed, list_sessions, new_user, now_s_ms, parse_time, rfc3339, uuid, DAY_MS,
    HOUR_MS, MINUTE_MS,
};

fn start_on(jwt: &str, device: &str, id: &str, repo: &str, start_ms: i64) -> Session {
    let body = json!({"id": id, "repo_owner": "octo", "repo_name": repo, "pr_number": 1,
                      "start_time": rfc3339(start_ms), "device_id": device});
    let answer = authed("POST", SESSIONS_START, jwt, Some(&body));
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.parse()
}

fn end_on(jwt: &str, device: &str, id: &str, end_ms: i64) -> worktime_tests::Answer {
    let body = json!({"end_time": rfc3339(end_ms), "device_id": device});
    authed("PATCH", &session_end(id), jwt, Some(&body))
}

fn sync(jwt: &str, ops: Value) -> SyncResponse {
    let answer = authed("POST", SYNC, jwt, Some(&json!({ "ops": ops })));
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.parse()
}

fn find(jwt: &str, id: &str) -> Session {
    let list = list_sessions(jwt, "limit=100");
    list.sessions.into_iter().find(|s| s.id == id).expect("session listed")
}

#[test]
fn a_device_syncing_yesterday_leaves_another_devices_running_session_alone() {
    let user = new_user();
    let (desktop, laptop) = (uuid(), uuid());
    let now = now_s_ms();
    let running = uuid();
    start_on(&user.jwt, &desktop, &running, "desk", now - 10 * MINUTE_MS);

    let yesterday = uuid();
    let ops = json!([
        {"op_id": uuid(), "type": "start", "session_id": yesterday, "repo_owner": "octo",
         "repo_name": "lap", "pr_number": 2, "start_time": rfc3339(now - DAY_MS),
         "device_id": laptop},
        {"op_id": uuid(), "type": "end", "session_id": yesterday,
         "end_time": rfc3339(now - DAY_MS + 45 * MINUTE_MS), "device_id": laptop},
    ]);
    let results = sync(&user.jwt, ops).results;
    assert!(results.iter().all(|r| r.status == OpStatus::Applied), "{results:?}");

    let desk = find(&user.jwt, &running);
    assert_eq!((desk.status, desk.end_time.as_deref()), (SessionStatus::Active, None), "{desk:?}");
    assert_eq!(desk.device_id, desktop);
    let ended: Session = end_on(&user.jwt, &desktop, &running, now).parse();
    assert_eq!(ended.duration_seconds, Some(600), "the desktop keeps its 10 minutes");
    let lap = find(&user.jwt, &yesterday);
    assert_eq!((lap.duration_seconds, lap.device_id.as_str()), (Some(2700), laptop.as_str()));
}

#[test]
fn two_devices_tracking_at_once_keep_both_sessions_and_the_day_counts_the_union() {
    let user = new_user();
    let (a, b) = (uuid(), uuid());
    let now = now_s_ms();
    let (b_id, a_id) = (uuid(), uuid());
    start_on(&user.jwt, &b, &b_id, "bee", now - 30 * MINUTE_MS);
    start_on(&user.jwt, &a, &a_id, "ay", now - 20 * MINUTE_MS);

    let beat = authed(
        "POST",
        &session_heartbeat(&b_id),
        &user.jwt,
        Some(&json!({"at": rfc3339(now - 5 * MINUTE_MS), "device_id": b})),
    );
    assert_eq!(beat.status, 200, "{}", beat.body);
    assert_eq!(beat.parse::<Session>().status, SessionStatus::Active);
    let a_end: Session = end_on(&user.jwt, &a, &a_id, now - 10 * MINUTE_MS).parse();
    let b_end: Session = end_on(&user.jwt, &b, &b_id, now).parse();
    assert_eq!((a_end.duration_seconds, b_end.duration_seconds), (Some(600), Some(1800)));

    // 30 minutes of the user's time, not 40; each repository's share sums to it.
    let sessions = [(now - 30 * MINUTE_MS, now), (now - 20 * MINUTE_MS, now - 10 * MINUTE_MS)];
    let day = assert_daily_matches(&user.jwt, &sessions, 2, 0);
    assert_eq!(day.total_duration_seconds, 1800);
    let repo_total = |name: &str| {
        let answer = authed("GET", &format!("/api/stats/repo/octo/{name}?days=2"), &user.jwt, None);
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.parse::<RepoStats>().total_duration_seconds
    };
    // The later-started session (A) owns the overlap.
    assert_eq!((repo_total("ay"), repo_total("bee")), (600, 1200));
}

#[test]
fn no_device_can_end_or_beat_for_another_devices_session() {
    let user = new_user();
    let (mine, other) = (uuid(), uuid());
    let id = uuid();
    let start = now_s_ms() - 10 * MINUTE_MS;
    start_on(&user.jwt, &mine, &id, "r", start);
    assert_error(&end_on(&user.jwt, &other, &id, start + MINUTE_MS), 409, "conflict");
    let beat =
        authed("POST", &session_heartbeat(&id), &user.jwt, Some(&json!({"device_id": other})));
    assert_error(&beat, 409, "conflict");
    // Nor can a client without a device id (the legacy device), nor a stop from another device.
    assert_error(&end_on(&user.jwt, LEGACY_DEVICE_ID, &id, start + MINUTE_MS), 409, "conflict");
    let stop = authed("POST", SESSIONS_STOP, &user.jwt, Some(&json!({"device_id": other})));
    assert_error(&stop, 404, "not_found");
    // A start on the other device does not end it either.
    start_on(&user.jwt, &other, &uuid(), "r2", start + 5 * MINUTE_MS);
    let still = find(&user.jwt, &id);
    assert_eq!(
        (still.status, still.last_heartbeat.clone()),
        (SessionStatus::Active, rfc3339(start))
    );
}

#[test]
fn a_start_ends_its_own_devices_session_at_the_new_start() {
    let user = new_user();
    let device = uuid();
    let (first, second) = (uuid(), uuid());
    let start = now_s_ms() - 10 * MINUTE_MS;
    start_on(&user.jwt, &device, &first, "r", start);
    start_on(&user.jwt, &device, &second, "r", start + 4 * MINUTE_MS);
    let ended = find(&user.jwt, &first);
    assert_eq!((ended.status, ended.duration_seconds), (SessionStatus::Completed, Some(240)));
    // An out-of-order start never ends the active session before its own start.
    start_on(&user.jwt, &device, &uuid(), "r", start);
    let cut = find(&user.jwt, &second);
    assert_eq!((cut.status, cut.duration_seconds), (SessionStatus::Completed, Some(0)));
}

#[test]
fn a_completed_session_is_final_and_says_so() {
    let user = new_user();
    let device = uuid();
    let id = uuid();
    let start = now_s_ms() - 20 * MINUTE_MS;
    start_on(&user.jwt, &device, &id, "r", start);
    let first: Session = end_on(&user.jwt, &device, &id, start + 10 * MINUTE_MS).parse();
    let replay = end_on(&user.jwt, &device, &id, start + 10 * MINUTE_MS);
    assert_eq!((replay.status, replay.parse::<Session>()), (200, first.clone()));
    assert_error(
        &end_on(&user.jwt, &device, &id, start + 15 * MINUTE_MS),
        409,
        "session_not_active",
    );
    let beat =
        authed("POST", &session_heartbeat(&id), &user.jwt, Some(&json!({"device_id": device})));
    assert_error(&beat, 409, "session_not_active");
    let op = json!([{"op_id": uuid(), "type": "heartbeat", "session_id": id, "device_id": device}]);
    let result = &sync(&user.jwt, op).results[0];
    assert_eq!(result.status, OpStatus::Rejected);
    assert_eq!(find(&user.jwt, &id), first, "nothing changed");
}

#[test]
fn absurd_sessions_are_refused_with_nothing_written() {
    let user = new_user();
    let device = uuid();
    let now = now_s_ms();
    for start in [parse_time("2000-01-01T00:00:00Z"), now - 401 * DAY_MS] {
        let body = json!({"id": uuid(), "repo_owner": "octo", "repo_name": "r", "pr_number": 1,
                          "start_time": rfc3339(start), "device_id": device});
        let answer = authed("POST", SESSIONS_START, &user.jwt, Some(&body));
        assert_error(&answer, 422, "validation_failed");
        assert!(answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("400 days"));
    }
    assert_eq!(list_sessions(&user.jwt, "").total, 0);

    let id = uuid();
    let start = now - 30 * HOUR_MS;
    start_on(&user.jwt, &device, &id, "r", start);
    let too_long = end_on(&user.jwt, &device, &id, start + 24 * HOUR_MS + 1000);
    assert_error(&too_long, 422, "validation_failed");
    assert!(too_long.json()["error"]["message"].as_str().unwrap_or_default().contains("24 hours"));
    assert_eq!(find(&user.jwt, &id).status, SessionStatus::Active, "nothing written");
    let longest: Session = end_on(&user.jwt, &device, &id, start + 24 * HOUR_MS).parse();
    assert_eq!(longest.duration_seconds, Some(24 * 3600));
}

#[test]
fn the_legacy_device_keeps_old_clients_working() {
    let user = new_user();
    let (a, b) = (uuid(), uuid());
    let start = now_s_ms() - 10 * MINUTE_MS;
    let body = |id: &str, at: i64| {
        json!({"id": id, "repo_owner": "octo", "repo_name": "r", "pr_number": 1,
                                          "start_time": rfc3339(at)})
    };
    let first = authed("POST", SESSIONS_START, &user.jwt, Some(&body(&a, start)));
    assert_eq!(first.parse::<Session>().device_id, LEGACY_DEVICE_ID);
    authed("POST", SESSIONS_START, &user.jwt, Some(&body(&b, start + MINUTE_MS)));
    assert_eq!(
        find(&user.jwt, &a).duration_seconds,
        Some(60),
        "a start ends the legacy device's session"
    );
    let stop = authed("POST", SESSIONS_STOP, &user.jwt, None);
    assert_eq!(stop.status, 200, "{}", stop.body);
    assert_eq!(stop.parse::<Session>().id, b);
}
