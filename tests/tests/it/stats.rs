//! Statistics on hand-placed sessions in the past, with every number worked out by hand:
//! local days at +05:30, +00:07, −05:00 and UTC, sessions across local midnight, ended
//! sessions only, parameters, and the per-repository view.

use worktime_api::paths::{stats_repo, STATS_DAILY};
use worktime_api::stats::{DailyStats, PrTotals, RepoStats};
use worktime_tests::model::{assert_daily_matches, expected_days};
use worktime_tests::{
    assert_error, authed, daily_stats, date_of_index, end_session, local_day_index,
    local_midnight_ms, new_user, now_ms, now_s_ms, rfc3339, start_session, uuid, DAY_MS, HOUR_MS,
    MINUTE_MS, SECOND_MS,
};

const REPO: (&str, &str, i64) = ("stats-org", "numbers", 1);

/// Records the completed session `[start, end)` (recorded at `tz`) and checks its duration.
fn record(jwt: &str, repo: (&str, &str, i64), (start, end): (i64, i64), tz: i32) {
    let id = uuid();
    start_session(jwt, &id, repo, Some(start), Some(tz));
    let ended = end_session(jwt, &id, Some(end));
    assert_eq!(ended.duration_seconds, Some((end - start) / SECOND_MS));
}

/// Asserts the days of `stats` (a range ending today at `tz`): `expected` by date as
/// `(total, count, avg)`, every other day zero, dates consecutive and ascending.
fn assert_days(stats: &DailyStats, tz: i32, days: usize, expected: &[(i64, (i64, i64, i64))]) {
    assert_eq!(stats.days.len(), days, "{stats:?}");
    assert_eq!(stats.tz_offset_minutes, tz);
    let today = local_day_index(now_ms(), tz);
    let last = &stats.days[days - 1].date;
    assert!(
        *last == date_of_index(today) || *last == date_of_index(today - 1),
        "the last day is today at {tz}: {last}"
    );
    assert_eq!((&stats.from, &stats.to), (&stats.days[0].date, last));
    for pair in stats.days.windows(2) {
        assert!(pair[0].date < pair[1].date, "oldest first: {stats:?}");
    }
    for day in &stats.days {
        let want = expected
            .iter()
            .find(|(index, _)| date_of_index(*index) == day.date)
            .map_or((0, 0, 0), |(_, totals)| *totals);
        let got = (day.total_duration_seconds, day.session_count, day.avg_session_seconds);
        assert_eq!(got, want, "{} at {tz}: {stats:?}", day.date);
    }
    let total: i64 = expected.iter().map(|(_, (seconds, _, _))| seconds).sum();
    let count: i64 = expected.iter().map(|(_, (_, count, _))| count).sum();
    assert_eq!((stats.total_duration_seconds, stats.session_count), (total, count), "{stats:?}");
}

#[test]
fn a_session_across_midnight_at_plus_0530_counts_in_both_days() {
    let user = new_user();
    let today = local_day_index(now_ms(), 330);
    let midnight = local_midnight_ms(today - 1, 330);
    let sessions = [
        (midnight - 10 * HOUR_MS, midnight - 10 * HOUR_MS + 100 * SECOND_MS),
        (midnight - 3617 * SECOND_MS, midnight + 1805 * SECOND_MS),
        (midnight + 2 * HOUR_MS, midnight + 2 * HOUR_MS + 600 * SECOND_MS),
    ];
    for session in sessions {
        record(&user.jwt, REPO, session, 330);
    }
    let local = daily_stats(&user.jwt, 4, 330);
    assert_days(&local, 330, 4, &[(today - 2, (3717, 2, 1858)), (today - 1, (2405, 2, 1202))]);
    // In UTC all three fall on one day (+05:30's midnight is 18:30 UTC).
    let utc = daily_stats(&user.jwt, 4, 0);
    assert_days(&utc, 0, 4, &[(midnight.div_euclid(DAY_MS), (6122, 3, 2040))]);
    assert_daily_matches(&user.jwt, &sessions, 4, 330);
}

#[test]
fn an_offset_of_seven_minutes_is_exact() {
    let user = new_user();
    let today = local_day_index(now_ms(), 7);
    let midnight = local_midnight_ms(today - 1, 7);
    let sessions = [
        (midnight - 300 * SECOND_MS, midnight),
        (midnight - 65 * SECOND_MS, midnight + 130 * SECOND_MS),
        (midnight, midnight + 40 * SECOND_MS),
    ];
    for session in sessions {
        record(&user.jwt, REPO, session, 7);
    }
    // Overlapping seconds count once: the day before holds 300 s (the 65 s both earlier
    // sessions cover count once), the day after 130 s (the 40 s session lies inside).
    let at_seven = daily_stats(&user.jwt, 4, 7);
    assert_days(&at_seven, 7, 4, &[(today - 2, (300, 2, 150)), (today - 1, (130, 2, 65))]);
    // At UTC and at +00:15 all of it is in one day: 23:48–23:55:10 UTC, after 23:45.
    let utc = daily_stats(&user.jwt, 4, 0);
    assert_days(&utc, 0, 4, &[(midnight.div_euclid(DAY_MS), (430, 3, 143))]);
    let at_fifteen = daily_stats(&user.jwt, 4, 15);
    let day = local_day_index(midnight, 15);
    assert_days(&at_fifteen, 15, 4, &[(day, (430, 3, 143))]);
    assert_daily_matches(&user.jwt, &sessions, 4, 7);
}

#[test]
fn west_of_utc_days_start_later() {
    let user = new_user();
    let today = local_day_index(now_ms(), -300);
    let midnight = local_midnight_ms(today - 1, -300);
    // The first one starts at 19:00 local, exactly midnight UTC.
    let sessions = [
        (midnight - 5 * HOUR_MS, midnight - 5 * HOUR_MS + 777 * SECOND_MS),
        (midnight + HOUR_MS, midnight + HOUR_MS + 1234 * SECOND_MS),
    ];
    for session in sessions {
        record(&user.jwt, REPO, session, -300);
    }
    let west = daily_stats(&user.jwt, 4, -300);
    assert_days(&west, -300, 4, &[(today - 2, (777, 1, 777)), (today - 1, (1234, 1, 1234))]);
    let utc = daily_stats(&user.jwt, 4, 0);
    assert_days(&utc, 0, 4, &[((midnight - 5 * HOUR_MS) / DAY_MS, (2011, 2, 1005))]);
    assert_daily_matches(&user.jwt, &sessions, 4, -300);
}

#[test]
fn only_ended_sessions_count() {
    let user = new_user();
    let ended = (now_s_ms() - 20 * MINUTE_MS, now_s_ms() - 15 * MINUTE_MS);
    record(&user.jwt, REPO, ended, 0);
    start_session(&user.jwt, &uuid(), REPO, Some(now_s_ms() - 10 * MINUTE_MS), None);
    let stats = assert_daily_matches(&user.jwt, &[ended], 2, 0);
    assert_eq!(stats.total_duration_seconds, 300, "the running session is not counted");
}

#[test]
fn daily_parameters_default_and_are_checked() {
    let user = new_user();
    let answer = authed("GET", STATS_DAILY, &user.jwt, None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let cache = answer.header("cache-control").unwrap_or_default();
    assert!(cache.contains("private"), "per-user data is private: {cache:?}");
    let stats: DailyStats = answer.parse();
    assert_eq!((stats.days.len(), stats.tz_offset_minutes), (30, 0), "defaults: 30 days, UTC");
    assert!(stats.days.iter().all(|d| d.session_count == 0 && d.avg_session_seconds == 0));
    assert_eq!(daily_stats(&user.jwt, 1, -720).days.len(), 1);
    assert_eq!(daily_stats(&user.jwt, 366, 840).days.len(), 366);
    for query in [
        "days=0",
        "days=367",
        "days=-1",
        "days=abc",
        "tz_offset_minutes=-721",
        "tz_offset_minutes=841",
        "tz_offset_minutes=5.5",
    ] {
        let answer = authed("GET", &format!("{STATS_DAILY}?{query}"), &user.jwt, None);
        assert_eq!(answer.status, 400, "{query}: {}", answer.body);
        assert_error(&answer, 400, "invalid_request");
    }
}

#[test]
fn repository_stats_per_pr_and_per_day() {
    let user = new_user();
    let today = local_day_index(now_ms(), 0);
    let at = |days_ago: i64, hour: i64| local_midnight_ms(today - days_ago, 0) + hour * HOUR_MS;
    let pr1_old = (at(20, 9), at(20, 9) + 4000 * SECOND_MS);
    let pr1 = (at(3, 10), at(3, 10) + 500 * SECOND_MS);
    let pr1_late = (at(2, 23), at(1, 0) + 700 * SECOND_MS);
    let pr2 = (at(1, 8), at(1, 8) + 250 * SECOND_MS);
    record(&user.jwt, (REPO.0, REPO.1, 1), pr1_old, 0);
    record(&user.jwt, (REPO.0, REPO.1, 1), pr1, 0);
    record(&user.jwt, (REPO.0, REPO.1, 1), pr1_late, 0);
    record(&user.jwt, (REPO.0, REPO.1, 2), pr2, 0);
    record(&user.jwt, (REPO.0, "elsewhere", 1), (at(1, 12), at(1, 13)), 0);

    let path = format!("{}?days=5&tz_offset_minutes=0", stats_repo(REPO.0, REPO.1));
    let answer = authed("GET", &path, &user.jwt, None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.header("cache-control").unwrap_or_default().contains("private"));
    let stats: RepoStats = answer.parse();
    assert_eq!((stats.repo_owner.as_str(), stats.repo_name.as_str()), (REPO.0, REPO.1));
    assert_eq!(stats.total_duration_seconds, 4000 + 500 + 4300 + 250, "all time, this repo only");
    assert_eq!(stats.session_count, 4);
    let pr = |number, seconds, count, last: i64| PrTotals {
        pr_number: number,
        total_duration_seconds: seconds,
        session_count: count,
        last_worked: rfc3339(last),
    };
    let expected_prs = vec![pr(2, 250, 1, pr2.1), pr(1, 8800, 3, pr1_late.1)];
    assert_eq!(stats.prs, expected_prs, "most recently worked first");
    assert_eq!(stats.tz_offset_minutes, 0);
    if local_day_index(now_ms(), 0) == today {
        let days = expected_days(&[pr1_old, pr1, pr1_late, pr2], today, 5, 0);
        assert_eq!(stats.days, days);
        let totals: Vec<(i64, i64)> =
            days.iter().map(|d| (d.total_duration_seconds, d.session_count)).collect();
        assert_eq!(totals, vec![(0, 0), (500, 1), (3600, 1), (950, 2), (0, 0)]);
    }
    let default_days = authed("GET", &stats_repo(REPO.0, REPO.1), &user.jwt, None);
    assert_eq!(default_days.parse::<RepoStats>().days.len(), 30);

    let none = authed("GET", &stats_repo(REPO.0, "never-worked-on"), &user.jwt, None);
    assert_error(&none, 404, "not_found");
    let bad = authed("GET", &format!("{}?days=0", stats_repo(REPO.0, REPO.1)), &user.jwt, None);
    assert_error(&bad, 400, "invalid_request");
}
