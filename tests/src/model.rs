//! An independent model of the daily statistics, for comparing the worker's answers with:
//! ended sessions as UTC intervals `[start, end)`, cut at local midnights, counted in
//! every local day they overlap by at least a millisecond. Plus a tiny seeded PRNG.

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
            let (mut total_ms, mut count) = (0, 0);
            for &(start, end) in sessions {
                let overlap = end.min(day_end) - start.max(day_start);
                if overlap > 0 {
                    total_ms += overlap;
                    count += 1;
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
    fn lcg_is_reproducible_and_in_range() {
        let (mut a, mut b) = (Lcg::new(7), Lcg::new(7));
        for _ in 0..100 {
            let x = a.range(-3, 5);
            assert_eq!(x, b.range(-3, 5));
            assert!((-3..=5).contains(&x));
        }
    }
}
