//! The D1 budget: the Workers Free plan allows 50 queries per invocation and counts every
//! statement of a batch. Each answer reports its own in `Server-Timing`
//! (`d1;desc="statements=N, round-trips=M, rows-written=W"`); these tests drive the worst
//! cases the contract allows and hold every route to 50, and hold a heartbeat, the one
//! request a tracking client makes every ten minutes, to its few rows.

use serde_json::{json, Value};
use worktime_api::paths::{
    session, session_end, stats_repo, ACCOUNT, AUTH_LOGOUT, AUTH_REFRESH, EXPORT, HEALTH,
    LIVE_TICKET, SESSIONS, SESSIONS_START, STATS_DAILY, STATS_REPOS, SYNC,
};
use worktime_api::sync::{OpStatus, SyncResponse, MAX_OPS};
use worktime_tests::model::assert_daily_matches;
use worktime_tests::{
    authed, call, daily_stats, new_user, now_s_ms, rfc3339, sign_in, uuid, Answer, DAY_MS, HOUR_MS,
    MINUTE_MS,
};

const BUDGET: u32 = 50;

/// `(statements, round trips)` from an answer's `Server-Timing`.
fn d1_cost(answer: &Answer) -> (u32, u32) {
    (d1_figure(answer, "statements"), d1_figure(answer, "round-trips"))
}

/// One `name=N` figure of an answer's `Server-Timing` D1 entry.
fn d1_figure(answer: &Answer, name: &str) -> u32 {
    let header =
        answer.header("Server-Timing").unwrap_or_else(|| panic!("no Server-Timing: {answer:?}"));
    let number = |name: &str| -> u32 {
        let at = header.find(&format!("{name}=")).unwrap_or_else(|| panic!("{name} in {header}"));
        header[at + name.len() + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(u32::MAX)
    };
    number(name)
}

fn within_budget(what: &str, answer: &Answer) -> (u32, u32) {
    let cost = d1_cost(answer);
    println!("{what}: {} statements, {} round trips", cost.0, cost.1);
    assert!(cost.0 <= BUDGET, "{what}: {} D1 statements > {BUDGET}", cost.0);
    cost
}

#[test]
fn a_full_sync_of_the_longest_overlapping_sessions_stays_within_50_statements() {
    let user = new_user();
    let now = now_s_ms();
    let sessions = MAX_OPS / 2;
    let mut ops: Vec<Value> = Vec::new();
    let mut intervals = Vec::new();
    for i in 0..sessions as i64 {
        let (id, device) = (uuid(), uuid());
        let start = now - 24 * HOUR_MS - i * MINUTE_MS;
        ops.push(json!({"op_id": uuid(), "type": "start", "session_id": id, "repo_owner": "octo",
            "repo_name": format!("r{}", i % 7), "pr_number": i + 1, "start_time": rfc3339(start), "device_id": device}));
        ops.push(json!({"op_id": uuid(), "type": "end", "session_id": id,
            "end_time": rfc3339(start + 24 * HOUR_MS), "device_id": device}));
        intervals.push((start, start + 24 * HOUR_MS));
    }
    let answer = authed("POST", SYNC, &user.jwt, Some(&json!({ "ops": ops })));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let results = answer.parse::<SyncResponse>().results;
    assert!(results.iter().all(|r| r.status == OpStatus::Applied), "{results:?}");
    within_budget("sync of 100 ops (50 overlapping 24 h sessions)", &answer);
    // And the statistics it wrote are exact.
    assert_daily_matches(&user.jwt, &intervals, 3, 0);
    // The same ops again: all duplicates, still within budget.
    let replay = authed("POST", SYNC, &user.jwt, Some(&json!({ "ops": ops })));
    let results = replay.parse::<SyncResponse>().results;
    assert!(results.iter().all(|r| r.status == OpStatus::Duplicate), "{results:?}");
    within_budget("replayed sync of 100 ops", &replay);
}

#[test]
fn every_route_at_its_worst_stays_within_50_statements() {
    let user = new_user();
    let now = now_s_ms();
    let id = uuid();
    let start = now - 24 * HOUR_MS;
    let body = json!({"id": id, "repo_owner": "octo", "repo_name": "big", "pr_number": 1,
                      "start_time": rfc3339(start), "device_id": uuid()});
    let started = authed("POST", SESSIONS_START, &user.jwt, Some(&body));
    assert_eq!(started.status, 201, "{}", started.body);
    within_budget("start", &started);
    let device = body["device_id"].clone();
    let ended = authed(
        "PATCH",
        &session_end(&id),
        &user.jwt,
        Some(&json!({"end_time": rfc3339(start + 24 * HOUR_MS), "device_id": device})),
    );
    assert_eq!(ended.status, 200, "{}", ended.body);
    within_budget("end of the longest session", &ended);
    for (method, path) in [
        ("GET", format!("{STATS_DAILY}?days=366&tz_offset_minutes=330")),
        ("GET", format!("{STATS_DAILY}?days=366&tz_offset_minutes=7")),
        ("GET", format!("{}?days=366", stats_repo("octo", "big"))),
        ("GET", format!("{STATS_REPOS}?days=366&tz_offset_minutes=330")),
        ("GET", format!("{SESSIONS}?limit=100")),
        ("POST", AUTH_REFRESH.to_owned()),
        ("POST", LIVE_TICKET.to_owned()),
        ("GET", format!("{EXPORT}?limit=1000")),
        ("GET", format!("{EXPORT}?format=csv&limit=1000")),
    ] {
        let answer = authed(method, &path, &user.jwt, None);
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        within_budget(&path, &answer);
    }
    within_budget("health", &call("GET", HEALTH, &[], None));
}

#[test]
fn deleting_sessions_costs_a_fixed_few_statements_whatever_they_overlap() {
    let user = new_user();
    let now = now_s_ms();
    // 50 sessions of 24 hours, each overlapping all the others, in 7 repositories.
    let mut ops: Vec<Value> = Vec::new();
    let mut ids = Vec::new();
    for i in 0..(MAX_OPS / 2) as i64 {
        let (id, device) = (uuid(), uuid());
        let start = now - 25 * HOUR_MS - i * MINUTE_MS;
        ops.push(json!({"op_id": uuid(), "type": "start", "session_id": id, "repo_owner": "octo",
            "repo_name": format!("r{}", i % 7), "pr_number": i + 1, "start_time": rfc3339(start), "device_id": device}));
        ops.push(json!({"op_id": uuid(), "type": "end", "session_id": id,
            "end_time": rfc3339(start + 24 * HOUR_MS), "device_id": device}));
        ids.push(id);
    }
    let synced = authed("POST", SYNC, &user.jwt, Some(&json!({ "ops": ops })));
    assert_eq!(synced.status, 200, "{}", synced.body);
    // The REST delete of the session under all the others (the widest change): the
    // standing (when not cached), the read (2), the overlap read (1), and one batch of
    // six (fence 2, the row, the others' attributed seconds, buckets, hours).
    let deleted = authed("DELETE", &session(&ids[0]), &user.jwt, None);
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let (statements, round_trips) = within_budget("delete of the widest session", &deleted);
    assert!(statements <= 10 && round_trips <= 4, "{:?}", deleted.header("Server-Timing"));
    // A delete of nothing: the read only, nothing written.
    let nothing = authed("DELETE", &session(&uuid()), &user.jwt, None);
    assert_eq!(nothing.status, 204, "{}", nothing.body);
    let (statements, round_trips) = within_budget("delete of a missing session", &nothing);
    assert!(statements <= 3 && round_trips <= 2, "{:?}", nothing.header("Server-Timing"));
    assert_eq!(d1_figure(&nothing, "rows-written"), 0);
    // A full sync of deletes: every session left, then each session again and one that
    // never was.
    let deletes: Vec<Value> = ids[1..]
        .iter()
        .chain(&ids)
        .cloned()
        .chain([uuid()])
        .map(|id| json!({"op_id": uuid(), "type": "delete", "session_id": id}))
        .collect();
    assert_eq!(deletes.len(), MAX_OPS);
    let answer = authed("POST", SYNC, &user.jwt, Some(&json!({ "ops": deletes })));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let results = answer.parse::<SyncResponse>().results;
    assert!(results.iter().all(|r| r.status == OpStatus::Applied), "{results:?}");
    let (statements, _) = within_budget("sync of 100 deletes", &answer);
    assert!(statements <= 1 + 4 + 1 + 9, "{:?}", answer.header("Server-Timing"));
    assert_daily_matches(&user.jwt, &[], 3, 0);
}

#[test]
fn the_account_routes_cost_a_fixed_few_statements_whatever_the_user_holds() {
    let user = new_user();
    let now = now_s_ms();
    // A full sync of sessions spread over days (rows in sessions, both statistics tables
    // and the op log), a running session, a revoked sign-in.
    let mut ops: Vec<Value> = Vec::new();
    for i in 0..(MAX_OPS / 2) as i64 {
        let (id, device) = (uuid(), uuid());
        let start = now - (i + 1) * 7 * HOUR_MS;
        ops.push(json!({"op_id": uuid(), "type": "start", "session_id": id, "repo_owner": "octo",
            "repo_name": format!("r{}", i % 5), "pr_number": i + 1, "start_time": rfc3339(start), "device_id": device}));
        ops.push(json!({"op_id": uuid(), "type": "end", "session_id": id,
            "end_time": rfc3339(start + 6 * HOUR_MS), "device_id": device}));
    }
    let synced = authed("POST", SYNC, &user.jwt, Some(&json!({ "ops": ops })));
    assert_eq!(synced.status, 200, "{}", synced.body);
    let body = json!({"id": uuid(), "repo_owner": "octo", "repo_name": "run", "pr_number": 1});
    assert_eq!(authed("POST", SESSIONS_START, &user.jwt, Some(&body)).status, 201);
    let second = sign_in(user.github_id, &user.login);
    assert_eq!(authed("POST", AUTH_LOGOUT, &second.jwt, None).status, 200);
    // The export: the account and one page, one round trip (+1 for the token's standing
    // when not cached), the same on a later page.
    let first = authed("GET", &format!("{EXPORT}?limit=10"), &user.jwt, None);
    assert_eq!(first.status, 200, "{}", first.body);
    let (statements, round_trips) = within_budget("export, first page", &first);
    assert!(statements <= 3 && round_trips <= 2, "{:?}", first.header("Server-Timing"));
    let cursor = first.json()["next_cursor"].as_str().expect("a next page").to_owned();
    let later = authed("GET", &format!("{EXPORT}?limit=1000&cursor={cursor}"), &user.jwt, None);
    assert_eq!(later.status, 200, "{}", later.body);
    assert!(within_budget("export, a later page", &later).0 <= 3);
    // The deletion: one batch of six statements (+1 for the standing).
    let deleted = authed("DELETE", ACCOUNT, &user.jwt, None);
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let (statements, round_trips) = within_budget("account deletion", &deleted);
    assert!(statements <= 7 && round_trips <= 2, "{:?}", deleted.header("Server-Timing"));
    println!("account deletion: {} rows written", d1_figure(&deleted, "rows-written"));
}

#[test]
fn a_heartbeat_of_a_running_session_is_one_write_of_a_few_rows() {
    let user = new_user();
    let now = now_s_ms();
    let (id, device) = (uuid(), uuid());
    let start = json!({"op_id": uuid(), "type": "start", "session_id": id, "repo_owner": "octo",
        "repo_name": "hello", "pr_number": 7, "start_time": rfc3339(now - 20 * MINUTE_MS), "device_id": device});
    let started = authed("POST", SYNC, &user.jwt, Some(&json!({ "ops": [start] })));
    assert_eq!(started.status, 200, "{}", started.body);
    let beat = |at: i64| {
        json!({"op_id": uuid(), "type": "heartbeat", "session_id": id,
        "at": rfc3339(at), "device_id": device})
    };
    let answer =
        authed("POST", SYNC, &user.jwt, Some(&json!({ "ops": [beat(now - 10 * MINUTE_MS)] })));
    let results = answer.parse::<SyncResponse>().results;
    assert_eq!(results[0].status, OpStatus::Applied, "{results:?}");
    let (statements, round_trips) = within_budget("heartbeat", &answer);
    let rows = d1_figure(&answer, "rows-written");
    println!("heartbeat: {rows} rows written");
    // Read (the version and the session) and one unfenced update: no op log, no fence.
    assert_eq!((statements, round_trips), (3, 2), "{:?}", answer.header("Server-Timing"));
    assert!(rows <= 3, "a heartbeat wrote {rows} rows");
    // Its replay, and an older heartbeat, write nothing: they are already covered.
    for at in [now - 10 * MINUTE_MS, now - 15 * MINUTE_MS] {
        let again = authed("POST", SYNC, &user.jwt, Some(&json!({ "ops": [beat(at)] })));
        assert_eq!(again.parse::<SyncResponse>().results[0].status, OpStatus::Duplicate);
        assert_eq!(d1_figure(&again, "rows-written"), 0, "{:?}", again.header("Server-Timing"));
    }
    // The server keeps the latest heartbeat.
    let list = authed("GET", &format!("{SESSIONS}?limit=1"), &user.jwt, None);
    assert!(list.body.contains(&rfc3339(now - 10 * MINUTE_MS)), "{}", list.body);
}

#[test]
fn the_repository_breakdown_is_two_reads_whatever_the_sessions() {
    let user = new_user();
    // 50 overlapping 24-hour sessions across the start of a 2-day range at UTC (every one
    // crosses it), in 7 repositories and 50 PRs.
    let start_of_yesterday = (now_s_ms().div_euclid(DAY_MS) - 1) * DAY_MS;
    let mut ops: Vec<Value> = Vec::new();
    for i in 0..(MAX_OPS / 2) as i64 {
        let (id, device) = (uuid(), uuid());
        let start = start_of_yesterday - 12 * HOUR_MS - i * MINUTE_MS;
        ops.push(json!({"op_id": uuid(), "type": "start", "session_id": id, "repo_owner": "octo",
            "repo_name": format!("r{}", i % 7), "pr_number": i + 1, "start_time": rfc3339(start), "device_id": device}));
        ops.push(json!({"op_id": uuid(), "type": "end", "session_id": id,
            "end_time": rfc3339(start + 24 * HOUR_MS), "device_id": device}));
    }
    let synced = authed("POST", SYNC, &user.jwt, Some(&json!({ "ops": ops })));
    assert_eq!(synced.status, 200, "{}", synced.body);
    for query in [
        "days=2&tz_offset_minutes=0",
        "days=366&tz_offset_minutes=330",
        "days=1&tz_offset_minutes=7",
    ] {
        let path = format!("{STATS_REPOS}?{query}");
        let answer = authed("GET", &path, &user.jwt, None);
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        // The sessions around the range's ends, then the range: two statements, plus the
        // token's standing when not cached; nothing written.
        let (statements, round_trips) = within_budget(&path, &answer);
        assert!(statements <= 3 && round_trips <= 3, "{:?}", answer.header("Server-Timing"));
        assert_eq!(d1_figure(&answer, "rows-written"), 0);
    }
    // And the sessions across the 2-day range's start count for what they own inside.
    let path = format!("{STATS_REPOS}?days=2&tz_offset_minutes=0");
    let total = authed("GET", &path, &user.jwt, None).json()["total_duration_seconds"].clone();
    if now_s_ms().div_euclid(DAY_MS) * DAY_MS == start_of_yesterday + DAY_MS {
        assert_eq!(total, json!(12 * 3600), "the union: the first one ends last");
        assert_eq!(total, json!(daily_stats(&user.jwt, 2, 0).total_duration_seconds));
    }
}
