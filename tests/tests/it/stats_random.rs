//! Seeded pseudo-random workloads, then the daily and per-repository statistics in
//! several offsets (whole hours, half and quarter hours, +00:07, both ends of the range)
//! compared with a recomputation from the session list (`worktime_tests::model`:
//! overlapping time counted once, owned by the latest-started session):
//! - 40 overlapping completed sessions over the past 10 days, some across midnights;
//! - three devices of one user syncing concurrently (threads), sessions overlapping
//!   across devices and arriving out of order.
//!
//! Set `WORKTIME_TEST_SEED` to replay a failure.

use std::collections::{BTreeMap, HashSet};

use serde_json::json;
use worktime_api::paths::stats_repo;
use worktime_api::paths::SYNC;
use worktime_api::sessions::SessionStatus;
use worktime_api::stats::RepoStats;
use worktime_api::sync::{OpStatus, SyncResponse};
use worktime_tests::model::{assert_daily_matches, expected_owned_days, owned_seconds, Lcg, Owned};
use worktime_tests::{
    authed, end_session, list_sessions, local_day_index, new_user, now_ms, now_s_ms, parse_time,
    rfc3339, start_session, uuid, SECOND_MS,
};

const OFFSETS: [i32; 7] = [0, 330, -300, 345, 7, -720, 840];
const REPOS: [(&str, &str); 3] =
    [("rand-org", "alpha"), ("rand-org", "beta"), ("other-org", "alpha")];

struct Made {
    id: String,
    repo: (&'static str, &'static str, i64),
    start: i64,
    end: i64,
}

#[test]
fn random_sessions_add_up_in_every_offset() {
    let seed = std::env::var("WORKTIME_TEST_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(20_261_118_u64);
    println!("stats_random seed: {seed} (set WORKTIME_TEST_SEED to replay)");
    let mut rng = Lcg::new(seed);
    let user = new_user();
    let now = now_s_ms();

    let mut made: Vec<Made> = Vec::new();
    let mut starts = HashSet::new();
    while made.len() < 40 {
        let start = now - rng.range(6 * 3600, 10 * 86_400) * SECOND_MS;
        if !starts.insert(start) {
            continue;
        }
        let seconds = match rng.range(0, 3) {
            0 => rng.range(1, 59),
            1 => rng.range(60, 3599),
            _ => rng.range(3600, 5 * 3600),
        };
        let (owner, name) = *rng.pick(&REPOS);
        let repo = (owner, name, rng.range(1, 4));
        let id = uuid();
        start_session(&user.jwt, &id, repo, Some(start), Some(*rng.pick(&OFFSETS)));
        let ended = end_session(&user.jwt, &id, Some(start + seconds * SECOND_MS));
        assert_eq!(ended.duration_seconds, Some(seconds), "seed {seed}");
        made.push(Made { id, repo, start, end: start + seconds * SECOND_MS });
    }

    // The list holds exactly what was recorded, newest first.
    let list = list_sessions(&user.jwt, "limit=100");
    assert_eq!(list.total, 40, "seed {seed}");
    made.sort_by_key(|m| std::cmp::Reverse(m.start));
    for (session, m) in list.sessions.iter().zip(&made) {
        assert_eq!(session.id, m.id, "seed {seed}: order or content");
        assert_eq!(
            (session.start_time.clone(), session.end_time.clone()),
            (rfc3339(m.start), Some(rfc3339(m.end)))
        );
        assert_eq!(session.status, SessionStatus::Completed);
        assert_eq!(
            (session.repo_owner.as_str(), session.repo_name.as_str(), session.pr_number),
            m.repo
        );
    }
    let intervals: Vec<(i64, i64)> = list
        .sessions
        .iter()
        .map(|s| (parse_time(&s.start_time), parse_time(s.end_time.as_deref().unwrap_or_default())))
        .collect();

    for tz in OFFSETS {
        let days = *rng.pick(&[1_u32, 3, 7, 11, 12, 30]);
        println!("seed {seed}: daily stats for {days} days at {tz}");
        let stats = assert_daily_matches(&user.jwt, &intervals, days, tz);
        if days >= 12 {
            let all: i64 = owned_seconds(&owned(&made)).iter().sum();
            assert_eq!(stats.total_duration_seconds, all, "seed {seed}: every second counted once");
        }
    }

    for (owner, name) in REPOS {
        let tz = *rng.pick(&OFFSETS);
        check_repo(&user.jwt, &made, (owner, name), tz, seed);
    }
}

fn owned(made: &[Made]) -> Vec<Owned<'_>> {
    made.iter().map(|m| (m.id.as_str(), m.start, m.end)).collect()
}

/// Compares `GET /api/stats/repo/{owner}/{name}?days=12` at `tz` with the recorded sessions.
fn check_repo(jwt: &str, made: &[Made], (owner, name): (&str, &str), tz: i32, seed: u64) {
    let all = owned(made);
    let owned_by = owned_seconds(&all);
    let is_mine = |i: usize| made[i].repo.0 == owner && made[i].repo.1 == name;
    let seconds_of: std::collections::HashMap<&str, i64> =
        made.iter().zip(&owned_by).map(|(m, s)| (m.id.as_str(), *s)).collect();
    let mine: Vec<&Made> = made.iter().filter(|m| m.repo.0 == owner && m.repo.1 == name).collect();
    let path = format!("{}?days=12&tz_offset_minutes={tz}", stats_repo(owner, name));
    let today = local_day_index(now_ms(), tz);
    let answer = authed("GET", &path, jwt, None);
    if mine.is_empty() {
        assert_eq!(answer.status, 404, "seed {seed}: {path}: {}", answer.body);
        return;
    }
    assert_eq!(answer.status, 200, "seed {seed}: {path}: {}", answer.body);
    let stats: RepoStats = answer.parse();
    let seconds = |m: &&Made| seconds_of[m.id.as_str()];
    assert_eq!(stats.total_duration_seconds, mine.iter().map(seconds).sum::<i64>(), "seed {seed}");
    assert_eq!(stats.session_count, mine.len() as i64, "seed {seed}");

    let mut prs: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
    for m in &mine {
        let entry = prs.entry(m.repo.2).or_insert((0, 0, i64::MIN));
        *entry = (entry.0 + seconds(m), entry.1 + 1, entry.2.max(m.end));
    }
    let mut got: Vec<(i64, (i64, i64, i64))> = stats
        .prs
        .iter()
        .map(|p| {
            (p.pr_number, (p.total_duration_seconds, p.session_count, parse_time(&p.last_worked)))
        })
        .collect();
    let worked: Vec<i64> = got.iter().map(|(_, (_, _, last))| *last).collect();
    assert!(worked.windows(2).all(|w| w[0] >= w[1]), "seed {seed}: most recent first: {stats:?}");
    got.sort_by_key(|(number, _)| *number);
    assert_eq!(got, prs.into_iter().collect::<Vec<_>>(), "seed {seed}: per PR");

    if local_day_index(now_ms(), tz) == today {
        assert_eq!(
            stats.days,
            expected_owned_days(&all, is_mine, today, 12, tz),
            "seed {seed}: days at {tz}"
        );
        let in_days: i64 = stats.days.iter().map(|d| d.total_duration_seconds).sum();
        assert_eq!(in_days, stats.total_duration_seconds, "seed {seed}: 12 days hold all of it");
    }
}

/// One device's random sessions, sent through `/api/sync` in small batches, each
/// session's ops in order (start, maybe heartbeats, end); the batches of all devices
/// interleave on the server as the threads race.
fn device_workload(jwt: String, device: String, seed: u64, now: i64) -> Vec<Made> {
    let mut rng = Lcg::new(seed);
    let mut made = Vec::new();
    let mut ops = Vec::new();
    // Each device works back in time from a random point: sessions of one device never
    // overlap, but those of different devices do, and late ones arrive after newer ones.
    let mut cursor = now - rng.range(1, 3 * 3600) * SECOND_MS;
    for _ in 0..12 {
        let seconds = rng.range(30, 2 * 3600);
        let end = cursor;
        let start = end - seconds * SECOND_MS;
        cursor = start - rng.range(0, 2 * 3600) * SECOND_MS;
        let (owner, name) = *rng.pick(&REPOS);
        let repo = (owner, name, rng.range(1, 4));
        let id = uuid();
        ops.push(json!({"op_id": uuid(), "type": "start", "session_id": id, "repo_owner": owner,
            "repo_name": name, "pr_number": repo.2, "start_time": rfc3339(start), "device_id": device}));
        if rng.range(0, 1) == 1 {
            ops.push(json!({"op_id": uuid(), "type": "heartbeat", "session_id": id,
                "at": rfc3339(start + seconds * SECOND_MS / 2), "device_id": device}));
        }
        ops.push(json!({"op_id": uuid(), "type": "end", "session_id": id,
            "end_time": rfc3339(end), "device_id": device}));
        made.push(Made { id, repo, start, end });
        if ops.len() >= 6 || made.len() == 12 {
            let answer = authed("POST", SYNC, &jwt, Some(&json!({ "ops": ops })));
            assert_eq!(answer.status, 200, "{}", answer.body);
            let results = answer.parse::<SyncResponse>().results;
            assert!(results.iter().all(|r| r.status == OpStatus::Applied), "{results:?}");
            ops.clear();
        }
    }
    made
}

#[test]
fn three_devices_syncing_at_once_keep_statistics_equal_to_a_recomputation() {
    let seed = std::env::var("WORKTIME_TEST_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(20_261_205_u64);
    println!("three-device seed: {seed} (set WORKTIME_TEST_SEED to replay)");
    let user = new_user();
    let now = now_s_ms();
    let threads: Vec<_> = (0..3_u64)
        .map(|n| {
            let (jwt, device) = (user.jwt.clone(), uuid());
            std::thread::spawn(move || device_workload(jwt, device, seed + n, now))
        })
        .collect();
    let mut made: Vec<Made> =
        threads.into_iter().flat_map(|t| t.join().expect("device thread")).collect();

    let list = list_sessions(&user.jwt, "limit=100");
    assert_eq!(list.total, made.len() as i64, "seed {seed}: every session stored once");
    made.sort_by(|a, b| (b.start, &b.id).cmp(&(a.start, &a.id)));
    let stored: Vec<(String, i64, i64)> = list
        .sessions
        .iter()
        .map(|s| {
            (
                s.id.clone(),
                parse_time(&s.start_time),
                parse_time(s.end_time.as_deref().unwrap_or_default()),
            )
        })
        .collect();
    let mut expected: Vec<(String, i64, i64)> =
        made.iter().map(|m| (m.id.clone(), m.start, m.end)).collect();
    let mut got = stored.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "seed {seed}: the server holds exactly the devices' sessions");

    let intervals: Vec<(i64, i64)> = made.iter().map(|m| (m.start, m.end)).collect();
    for tz in [0, 330, 7, -300] {
        let stats = assert_daily_matches(&user.jwt, &intervals, 3, tz);
        let union: i64 = owned_seconds(&owned(&made)).iter().sum();
        assert_eq!(
            stats.total_duration_seconds, union,
            "seed {seed}: overlaps counted once at {tz}"
        );
    }
    let mut repo_sum = 0;
    for (owner, name) in REPOS {
        check_repo(&user.jwt, &made, (owner, name), *Lcg::new(seed).pick(&[0, 330, 7]), seed);
        let answer = authed("GET", &format!("{}?days=3", stats_repo(owner, name)), &user.jwt, None);
        if answer.status == 200 {
            repo_sum += answer.parse::<RepoStats>().total_duration_seconds;
        }
    }
    let union: i64 = owned_seconds(&owned(&made)).iter().sum();
    assert_eq!(repo_sum, union, "seed {seed}: repositories' totals sum to the union");
}
