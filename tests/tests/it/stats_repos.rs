//! `GET /api/stats/repos`: the range's time per repository and PR. Its total is the daily
//! statistics' total for the same days and offset (overlaps between devices once, sessions
//! across the range's start counted for the part they own inside), its PR rows add up to
//! their repository's, it holds the caller's data only, it is capped, and its parameters
//! are checked as the daily statistics' are.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use worktime_api::paths::{STATS_DAILY, STATS_REPOS, SYNC};
use worktime_api::stats::{RepoBreakdown, BREAKDOWN_MAX_PRS, BREAKDOWN_MAX_REPOS};
use worktime_api::sync::{OpStatus, SyncResponse, MAX_OPS};
use worktime_tests::model::owned_pieces;
use worktime_tests::{
    assert_error, authed, call, daily_stats, local_day_index, local_midnight_ms, new_user, now_ms,
    now_s_ms, rfc3339, uuid, DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS,
};

/// An ended session of the test: device, repository as spelled, PR, `[start, end)`.
struct Recorded {
    id: String,
    device: &'static str,
    owner: String,
    name: String,
    pr: i64,
    start: i64,
    end: i64,
}

fn session(
    device: &'static str,
    (owner, name, pr): (&str, &str, i64),
    start: i64,
    end: i64,
) -> Recorded {
    Recorded { id: uuid(), device, owner: owner.into(), name: name.into(), pr, start, end }
}

/// Records every session through `/api/sync` (start and end on its device), in batches.
fn record(jwt: &str, sessions: &[Recorded], devices: &BTreeMap<&str, String>) {
    let ops: Vec<Value> = sessions
        .iter()
        .flat_map(|s| {
            let device = &devices[s.device];
            [
                json!({"op_id": uuid(), "type": "start", "session_id": s.id, "repo_owner": s.owner,
                   "repo_name": s.name, "pr_number": s.pr, "start_time": rfc3339(s.start),
                   "device_id": device}),
                json!({"op_id": uuid(), "type": "end", "session_id": s.id,
                   "end_time": rfc3339(s.end), "device_id": device}),
            ]
        })
        .collect();
    for batch in ops.chunks(MAX_OPS) {
        let answer = authed("POST", SYNC, jwt, Some(&json!({ "ops": batch })));
        assert_eq!(answer.status, 200, "{}", answer.body);
        let results = answer.parse::<SyncResponse>().results;
        assert!(results.iter().all(|r| r.status == OpStatus::Applied), "{results:?}");
    }
}

fn breakdown(jwt: &str, days: u32, tz: i32) -> RepoBreakdown {
    let path = format!("{STATS_REPOS}?days={days}&tz_offset_minutes={tz}");
    let answer = authed("GET", &path, jwt, None);
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    assert!(answer.header("cache-control").unwrap_or_default().contains("private"));
    answer.parse()
}

/// The breakdown's own arithmetic: sorted largest first, PR rows adding up to their
/// repository, repositories to the range (when nothing is left out).
fn assert_consistent(answer: &RepoBreakdown) {
    for pair in answer.repos.windows(2) {
        assert!(pair[0].total_duration_seconds >= pair[1].total_duration_seconds, "{answer:?}");
    }
    for repo in &answer.repos {
        for pair in repo.prs.windows(2) {
            assert!(pair[0].total_duration_seconds >= pair[1].total_duration_seconds, "{repo:?}");
        }
        if repo.more_prs == 0 {
            let seconds: i64 = repo.prs.iter().map(|p| p.total_duration_seconds).sum();
            let sessions: i64 = repo.prs.iter().map(|p| p.session_count).sum();
            assert_eq!((seconds, sessions), (repo.total_duration_seconds, repo.session_count));
        }
    }
    if answer.more_repos == 0 {
        let seconds: i64 = answer.repos.iter().map(|r| r.total_duration_seconds).sum();
        let sessions: i64 = answer.repos.iter().map(|r| r.session_count).sum();
        assert_eq!((seconds, sessions), (answer.total_duration_seconds, answer.session_count));
    }
}

/// What the model predicts per `(lowercase owner, lowercase name, pr)`: the seconds of
/// `[from, to)` each session owns among all of them, and the sessions overlapping it.
fn expected(
    sessions: &[Recorded],
    from: i64,
    to: i64,
) -> BTreeMap<(String, String, i64), (i64, i64)> {
    let owned: Vec<(&str, i64, i64)> =
        sessions.iter().map(|s| (s.id.as_str(), s.start, s.end)).collect();
    let key = |s: &Recorded| (s.owner.to_ascii_lowercase(), s.name.to_ascii_lowercase(), s.pr);
    let mut out = BTreeMap::new();
    for (i, a, b) in owned_pieces(&owned) {
        let inside = (b.min(to) - a.max(from)).max(0);
        if inside > 0 {
            out.entry(key(&sessions[i])).or_insert((0, 0)).0 += inside / SECOND_MS;
        }
    }
    for s in sessions.iter().filter(|s| s.start < to && s.end > from) {
        out.entry(key(s)).or_insert((0, 0)).1 += 1;
    }
    out
}

fn got(answer: &RepoBreakdown) -> BTreeMap<(String, String, i64), (i64, i64)> {
    let mut out = BTreeMap::new();
    for repo in &answer.repos {
        for pr in &repo.prs {
            let key = (repo.repo_owner.to_ascii_lowercase(), repo.repo_name.to_ascii_lowercase());
            out.insert((key.0, key.1, pr.pr_number), (pr.total_duration_seconds, pr.session_count));
        }
    }
    out
}

#[test]
fn the_total_is_the_daily_total_with_overlapping_devices_and_sessions_across_the_start() {
    let user = new_user();
    let devices: BTreeMap<&str, String> = [("desk", uuid()), ("laptop", uuid())].into();
    // Yesterday's start in UTC: the start of a 2-day range at offset 0.
    let m = local_midnight_ms(local_day_index(now_s_ms(), 0) - 1, 0);
    let alpha = ("octo", "alpha", 1);
    let sessions = [
        // Across the range's start, both devices: the laptop's later starts own the
        // overlap; the desk's first session keeps [m + 30 min, m + 1 h) of the range, the
        // laptop's alpha session nothing of it.
        session("desk", alpha, m - 2 * HOUR_MS, m + HOUR_MS),
        session("laptop", ("octo", "beta", 7), m - 30 * MINUTE_MS, m + 30 * MINUTE_MS),
        session("laptop", alpha, m - HOUR_MS, m + 20 * MINUTE_MS),
        // Inside, overlapping, the same repository spelled otherwise.
        session("desk", ("octo", "alpha", 2), m + 3 * HOUR_MS, m + 5 * HOUR_MS),
        session("laptop", ("OCTO", "Alpha", 2), m + 4 * HOUR_MS, m + 6 * HOUR_MS + 17 * SECOND_MS),
        // The day before, across its midnight, overlapping.
        session("laptop", ("octo", "beta", 8), m - 26 * HOUR_MS, m - 22 * HOUR_MS),
        session("desk", ("octo", "alpha", 3), m - 25 * HOUR_MS, m - 23 * HOUR_MS + 9 * SECOND_MS),
    ];
    record(&user.jwt, &sessions, &devices);
    let cases =
        [(2, 0), (1, 0), (3, 0), (2, 330), (3, 7), (2, -300), (30, 60), (2, 840), (2, -720)];
    for (days, tz) in cases {
        let today = local_day_index(now_ms(), tz);
        let answer = breakdown(&user.jwt, days, tz);
        let daily = daily_stats(&user.jwt, days, tz);
        if local_day_index(now_ms(), tz) != today {
            continue; // The date changed under the requests.
        }
        let what = format!("days={days} tz_offset_minutes={tz}");
        assert_eq!(answer.total_duration_seconds, daily.total_duration_seconds, "{what}");
        assert_eq!(
            (&answer.from, &answer.to, answer.tz_offset_minutes),
            (&daily.from, &daily.to, tz)
        );
        assert_eq!(
            (answer.more_repos, answer.repos.iter().map(|r| r.more_prs).sum::<i64>()),
            (0, 0)
        );
        assert_consistent(&answer);
        let from = local_midnight_ms(today - i64::from(days) + 1, tz);
        assert_eq!(
            got(&answer),
            expected(&sessions, from, from + i64::from(days) * DAY_MS),
            "{what}"
        );
    }
    // The 2-day range at UTC, by hand: alpha #1 30 min (the desk's), beta #7 1 h minus
    // the 30 min before the range, alpha #2 3 h 17 s (the overlap once).
    let answer = breakdown(&user.jwt, 2, 0);
    if local_day_index(now_ms(), 0) == local_day_index(m, 0) + 1 {
        let alpha = &answer.repos[0];
        assert_eq!(
            (alpha.repo_name.to_ascii_lowercase().as_str(), alpha.total_duration_seconds),
            ("alpha", 1800 + 3 * 3600 + 17)
        );
        assert_eq!(
            alpha.session_count, 4,
            "the laptop's alpha session is in the range, owning nothing"
        );
        assert_eq!(answer.repos[1].total_duration_seconds, 1800);
        assert_eq!(answer.total_duration_seconds, 3600 + 3 * 3600 + 17);
    }
}

#[test]
fn only_the_callers_sessions_count() {
    let (alice, bob) = (new_user(), new_user());
    let devices: BTreeMap<&str, String> = [("desk", uuid())].into();
    let now = now_s_ms();
    record(
        &alice.jwt,
        &[session("desk", ("alice", "private", 1), now - 2 * HOUR_MS, now - HOUR_MS)],
        &devices,
    );
    record(
        &bob.jwt,
        &[session("desk", ("bob", "own", 4), now - 3 * HOUR_MS, now - 170 * MINUTE_MS)],
        &devices,
    );
    let answer = breakdown(&bob.jwt, 2, 0);
    assert_eq!(answer.repos.len(), 1, "{answer:?}");
    assert_eq!((answer.repos[0].repo_owner.as_str(), answer.total_duration_seconds), ("bob", 600));
    let empty = breakdown(&new_user().jwt, 7, 60);
    assert_eq!((empty.total_duration_seconds, empty.session_count, empty.repos.len()), (0, 0, 0));
    assert_eq!(empty.from, daily_stats(&alice.jwt, 7, 60).from);
}

#[test]
fn the_parameters_are_the_daily_statistics_and_a_token_is_needed() {
    let user = new_user();
    let answer = authed("GET", STATS_REPOS, &user.jwt, None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let defaults: RepoBreakdown = answer.parse();
    let daily = authed("GET", STATS_DAILY, &user.jwt, None).json();
    assert_eq!(
        (defaults.from.as_str(), defaults.tz_offset_minutes),
        (daily["from"].as_str().unwrap_or(""), 0)
    );
    for query in [
        "days=0",
        "days=367",
        "days=-1",
        "days=abc",
        "tz_offset_minutes=-721",
        "tz_offset_minutes=841",
        "tz_offset_minutes=5.5",
        "limit=3",
    ] {
        let path = format!("{STATS_REPOS}?{query}");
        assert_error(&authed("GET", &path, &user.jwt, None), 400, "invalid_request");
        let daily = authed("GET", &format!("{STATS_DAILY}?{query}"), &user.jwt, None);
        assert_eq!(daily.status, 400, "{query}: the same rule as the daily statistics");
    }
    assert_error(&call("GET", STATS_REPOS, &[], None), 401, "unauthorized");
    let bad = [("Authorization", "Bearer not-a-token")];
    assert_error(&call("GET", STATS_REPOS, &bad, None), 401, "unauthorized");
    assert_error(&authed("POST", STATS_REPOS, &user.jwt, None), 405, "method_not_allowed");
}

#[test]
fn repositories_and_prs_are_capped_and_the_totals_still_count_them() {
    let user = new_user();
    let devices: BTreeMap<&str, String> = [("desk", uuid())].into();
    let now = now_s_ms();
    let base = now - 40 * HOUR_MS;
    let owners: Vec<String> =
        (0..BREAKDOWN_MAX_REPOS + 2).map(|i| format!("small{i:02}")).collect();
    // A big repository with more PRs than listed, then many small repositories; all
    // back to back, no overlap.
    let mut sessions: Vec<Recorded> = Vec::new();
    let mut at = base;
    for pr in 1..=i64::from(BREAKDOWN_MAX_PRS) + 3 {
        sessions.push(session("desk", ("big", "repo", pr), at, at + (60 + pr) * SECOND_MS));
        at += 100 * SECOND_MS;
    }
    for (i, owner) in owners.iter().enumerate() {
        sessions.push(session("desk", (owner, "r", 1), at, at + (10 + i as i64) * SECOND_MS));
        at += 100 * SECOND_MS;
    }
    record(&user.jwt, &sessions, &devices);
    let answer = breakdown(&user.jwt, 3, 0);
    assert_consistent(&answer);
    assert_eq!(
        (answer.repos.len() as u32, answer.more_repos),
        (BREAKDOWN_MAX_REPOS, 3),
        "{answer:?}"
    );
    let big = &answer.repos[0];
    assert_eq!(big.repo_owner, "big");
    assert_eq!((big.prs.len() as u32, big.more_prs), (BREAKDOWN_MAX_PRS, 3));
    let prs = i64::from(BREAKDOWN_MAX_PRS) + 3;
    assert_eq!(big.total_duration_seconds, 60 * prs + prs * (prs + 1) / 2, "every PR counts");
    assert_eq!(big.prs[0].pr_number, prs, "the largest first");
    // The smallest repository is the one left out... with the next two smallest.
    assert!(answer.repos.iter().all(|r| r.repo_owner != "small00"));
    let all: i64 = sessions.iter().map(|s| (s.end - s.start) / SECOND_MS).sum();
    assert_eq!((answer.total_duration_seconds, answer.session_count), (all, sessions.len() as i64));
    assert_eq!(answer.total_duration_seconds, daily_stats(&user.jwt, 3, 0).total_duration_seconds);
}
