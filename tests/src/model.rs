//! An independent model of the daily statistics, for comparing the worker's answers with:
//! ended sessions as UTC intervals `[start, end)`, cut at local midnights. A day's total
//! is the length of the union of its pieces (overlapping sessions, e.g. on two devices,
//! count once); its session count is every session overlapping it by at least a
//! millisecond. Plus a tiny seeded PRNG.

use worktime_api::stats::{DailyStats, DayTotals};

use crate::{date_of_index, local_day_index, local_midnight_ms, DAY_MS};

/// Per-day totals of `sessions` (`(start_ms, end_ms)`, whole seconds) over the `days`
/// local days ending with local day `today` at `tz` minutes east of UTC.
pub fn expected_days(sessions: &[(i64, i64)], today: i64, days: u32, tz: i32) -> Vec<DayTotals> {
    let first = today - i64::from(days) + 1;
    (first..=today)
        .map(|day| {
            let day_start = local_midnight_ms(day, tz);
            let day_end = day_start + DAY_MS;
            let mut pieces: Vec<(i64, i64)> = sessions
                .iter()
                .map(|&(start, end)| (start.max(day_start), end.min(day_end)))
                .filter(|(start, end)| end > start)
                .collect();
            let count = pieces.len() as i64;
            pieces.sort_unstable();
            // Length of the union: sweep the sorted pieces, extending the covered edge.
            let (mut total_ms, mut covered_to) = (0, i64::MIN);
            for (start, end) in pieces {
                if end > covered_to {
                    total_ms += end - start.max(covered_to);
                    covered_to = end;
                }
            }
            let total = total_ms / 1000;
            DayTotals {
                date: date_of_index(day),
                total_duration_seconds: total,
                session_count: count,
                avg_session_seconds: if count == 0 { 0 } else { total / count },
            }
        })
        .collect()
}

/// An ended session for the ownership model: `(id, start_ms, end_ms)`.
pub type Owned<'a> = (&'a str, i64, i64);

/// Who owns each stretch of time: the boundaries of all sessions cut time into
/// elementary pieces, and each piece goes to the covering session that started last
/// (ties: the larger id). Returns `(index, from, to)` pieces. Quadratic and obvious on
/// purpose: it checks the worker's sweep, it is not one.
pub fn owned_pieces(sessions: &[Owned<'_>]) -> Vec<(usize, i64, i64)> {
    let mut cuts: Vec<i64> = sessions.iter().flat_map(|&(_, s, e)| [s, e]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut pieces = Vec::new();
    for pair in cuts.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let owner = (0..sessions.len())
            .filter(|&i| sessions[i].1 <= from && sessions[i].2 >= to)
            .max_by_key(|&i| (sessions[i].1, sessions[i].0));
        if let Some(i) = owner {
            pieces.push((i, from, to));
        }
    }
    pieces
}

/// Seconds each session owns (index → seconds).
pub fn owned_seconds(sessions: &[Owned<'_>]) -> Vec<i64> {
    let mut owned = vec![0; sessions.len()];
    for (i, from, to) in owned_pieces(sessions) {
        owned[i] += (to - from) / 1000;
    }
    owned
}

/// Per-day totals of the sessions `mine` selects, as `GET /api/stats/repo` reports them:
/// the seconds they own among all `sessions`, and how many of them touch each day.
pub fn expected_owned_days(
    sessions: &[Owned<'_>],
    mine: impl Fn(usize) -> bool,
    today: i64,
    days: u32,
    tz: i32,
) -> Vec<DayTotals> {
    let pieces: Vec<(usize, i64, i64)> =
        owned_pieces(sessions).into_iter().filter(|p| mine(p.0)).collect();
    let first = today - i64::from(days) + 1;
    (first..=today)
        .map(|day| {
            let day_start = local_midnight_ms(day, tz);
            let day_end = day_start + DAY_MS;
            let clip = |s: i64, e: i64| (e.min(day_end) - s.max(day_start)).max(0);
            let total: i64 = pieces.iter().map(|&(_, s, e)| clip(s, e)).sum::<i64>() / 1000;
            let count = (0..sessions.len())
                .filter(|&i| mine(i) && clip(sessions[i].1, sessions[i].2) > 0)
                .count() as i64;
            DayTotals {
                date: date_of_index(day),
                total_duration_seconds: total,
                session_count: count,
                avg_session_seconds: if count == 0 { 0 } else { total / count },
            }
        })
        .collect()
}

/// The whole `GET /api/stats/daily` answer the model predicts. Range totals are sums over
/// the days (a session crossing midnight counts once in each day it touches).
pub fn expected_daily(sessions: &[(i64, i64)], today: i64, days: u32, tz: i32) -> DailyStats {
    let days = expected_days(sessions, today, days, tz);
    DailyStats {
        from: days.first().map(|d| d.date.clone()).unwrap_or_default(),
        to: days.last().map(|d| d.date.clone()).unwrap_or_default(),
        tz_offset_minutes: tz,
        total_duration_seconds: days.iter().map(|d| d.total_duration_seconds).sum(),
        session_count: days.iter().map(|d| d.session_count).sum(),
        days,
    }
}

/// Asks the worker for `days` days at `tz` and asserts it equals the model. Retries once
/// when the local date changes during the request; returns the answer.
pub fn assert_daily_matches(jwt: &str, sessions: &[(i64, i64)], days: u32, tz: i32) -> DailyStats {
    for _ in 0..2 {
        let before = local_day_index(crate::now_ms(), tz);
        let answer = crate::daily_stats(jwt, days, tz);
        if local_day_index(crate::now_ms(), tz) != before {
            continue;
        }
        let expected = expected_daily(sessions, before, days, tz);
        assert_eq!(answer, expected, "days={days} tz_offset_minutes={tz}");
        return answer;
    }
    panic!("the local date kept changing during the request");
}

/// A 64-bit linear congruential generator (Knuth's MMIX constants): reproducible from
/// its seed, good enough to spread test data.
#[derive(Debug, Clone)]
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    /// Uniform-ish in `low..=high`.
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        let span = (high - low + 1).max(1) as u64;
        low + (self.next_u64() % span) as i64
    }

    /// One element of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as i64 - 1) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_splits_at_local_midnight() {
        // Local day 20_000 at +05:30 starts at 20_000 days minus 5.5 hours, UTC.
        let midnight = local_midnight_ms(20_000, 330);
        let sessions = [
            (midnight - 3_617_000, midnight + 1_805_000),
            (midnight + 7_200_000, midnight + 7_800_000),
        ];
        let stats = expected_daily(&sessions, 20_000, 3, 330);
        let totals: Vec<(i64, i64, i64)> = stats
            .days
            .iter()
            .map(|d| (d.total_duration_seconds, d.session_count, d.avg_session_seconds))
            .collect();
        assert_eq!(totals, vec![(0, 0, 0), (3617, 1, 3617), (2405, 2, 1202)]);
        assert_eq!((stats.total_duration_seconds, stats.session_count), (6022, 3));
        assert_eq!(stats.to, date_of_index(20_000));
        // A session ending exactly at midnight stays in the day before.
        let edge = expected_days(&[(midnight - 1000, midnight)], 20_000, 2, 330);
        assert_eq!((edge[0].session_count, edge[1].session_count), (1, 0));
    }

    #[test]
    fn the_model_counts_overlapping_time_once() {
        let midnight = local_midnight_ms(20_000, 0);
        let minute = 60_000;
        // Two devices: 0-30 and 10-20 overlap fully; 25-40 overlaps the first by 5 minutes.
        let sessions = [
            (midnight, midnight + 30 * minute),
            (midnight + 10 * minute, midnight + 20 * minute),
            (midnight + 25 * minute, midnight + 40 * minute),
        ];
        let day = &expected_days(&sessions, 20_000, 1, 0)[0];
        assert_eq!((day.total_duration_seconds, day.session_count), (40 * 60, 3));
    }

    #[test]
    fn the_latest_start_owns_overlapping_time() {
        let m = 60_000;
        let sessions = [("a", 0, 30 * m), ("b", 10 * m, 20 * m), ("c", 10 * m, 15 * m)];
        // c and b start together: the larger id (c) wins; b keeps 15-20; a the rest.
        assert_eq!(owned_seconds(&sessions), vec![20 * 60, 5 * 60, 5 * 60]);
    }

    #[test]
    fn lcg_is_reproducible_and_in_range() {
        let (mut a, mut b) = (Lcg::new(7), Lcg::new(7));
        for _ in 0..100 {
            let x = a.range(-3, 5);
            assert_eq!(x, b.range(-3, 5));
            assert!((-3..=5).contains(&x));
        }
    }
}
