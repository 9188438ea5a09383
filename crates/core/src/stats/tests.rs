#[test]
fn hours_add_their_buckets_and_take_running_in_from_the_first() {
    let h = 5 * HOUR_MS;
    let hours = hours_of_buckets([
        (h, 100, 1, 2),
        (h + BUCKET_MS, 200, 1, 3),
        (h + 3 * BUCKET_MS, 50, 0, 1),
        (h + HOUR_MS, 10, 1, 0),
        (h + 2 * HOUR_MS + BUCKET_MS, 0, 0, 4),
    ]);
    assert_eq!(hours[&h], HourChange { seconds: 350, starts: 2, running_in: 2 });
    assert_eq!(hours[&(h + HOUR_MS)], HourChange { seconds: 10, starts: 1, running_in: 0 });
    assert!(!hours.contains_key(&(h + 2 * HOUR_MS)), "a change of nothing is left out");
    assert!(hours_align(-300) && hours_align(0) && !hours_align(330) && !hours_align(345));
}

use super::*;
use chrono::{DateTime, NaiveTime, TimeDelta};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    let date = NaiveDate::from_ymd_opt(y, mo, d).expect("valid date");
    date.and_hms_opt(h, mi, s).expect("valid time").and_utc().timestamp_millis()
}

fn date(y: i32, mo: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, mo, d).expect("valid date")
}

fn delta(bucket_ms: i64, seconds: i64, starts: i64, running_in: i64) -> BucketDelta {
    BucketDelta { bucket_ms, seconds, starts, running_in }
}

fn stat(date: NaiveDate, total_seconds: i64, count: i64) -> DayStat {
    let avg = if count == 0 { 0 } else { total_seconds / count };
    DayStat { date, total_seconds, session_count: count, avg_session_seconds: avg }
}

fn range(first_day: NaiveDate, days: u32, from_ms: i64, to_ms: i64) -> LocalRange {
    LocalRange { first_day, days, from_ms, to_ms }
}

fn all_deltas(sessions: &[(i64, i64)]) -> Vec<BucketRow> {
    sessions.iter().flat_map(|&(s, e)| split_into_buckets(s, e)).collect()
}

/// Both computations, checking that the bucket path agrees with the exact one.
fn both(sessions: &[(i64, i64)], range: &LocalRange, tz: i32) -> Vec<DayStat> {
    let exact = days_from_sessions(sessions, range, tz);
    let bucketed = days_from_buckets(&all_deltas(sessions), range, tz).expect("aligned");
    assert_eq!(bucketed, exact);
    exact
}

/// Brute force via chrono calendars: walks each session local day by local day.
fn reference(sessions: &[(i64, i64)], now_ms: i64, days: u32, tz: i32) -> Vec<DayStat> {
    let offset = TimeDelta::minutes(i64::from(tz));
    let local =
        |ms: i64| DateTime::from_timestamp_millis(ms).expect("in range").naive_utc() + offset;
    let day_start =
        |d: NaiveDate| (d.and_time(NaiveTime::MIN) - offset).and_utc().timestamp_millis();
    let mut per_day: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for &(start, end) in sessions {
        let mut day = local(start).date();
        while day_start(day) < end {
            let next = day.succ_opt().expect("next day");
            let overlap = end.min(day_start(next)) - start.max(day_start(day));
            if overlap > 0 {
                let slot = per_day.entry(day).or_default();
                slot.0 += overlap / 1000;
                slot.1 += 1;
            }
            day = next;
        }
    }
    let last = local(now_ms).date();
    (0..days)
        .rev()
        .map(|back| {
            let d = last - Days::new(u64::from(back));
            let (total, count) = per_day.get(&d).copied().unwrap_or_default();
            stat(d, total, count)
        })
        .collect()
}

#[test]
fn totals_summed_per_day_equal_the_bucket_sums() {
    let range = local_range(utc(2026, 11, 20, 12, 0, 0), 3, 330);
    let sessions = [
        (utc(2026, 11, 18, 18, 20, 0), utc(2026, 11, 18, 19, 0, 0)),
        (utc(2026, 11, 19, 9, 0, 7), utc(2026, 11, 19, 9, 30, 0)),
    ];
    let rows = all_deltas(&sessions);
    let offset_ms = 330 * 60_000;
    let mut per_day: BTreeMap<i64, DayTotal> = BTreeMap::new();
    for row in &rows {
        let day = (row.bucket_ms + offset_ms).div_euclid(DAY_MS);
        let first = (row.bucket_ms + offset_ms).rem_euclid(DAY_MS) == 0;
        let total =
            per_day.entry(day).or_insert(DayTotal { day_index: day, seconds: 0, sessions: 0 });
        total.seconds += row.seconds;
        total.sessions += row.starts + if first { row.running_in } else { 0 };
    }
    let totals: Vec<DayTotal> = per_day.into_values().collect();
    assert_eq!(days_from_totals(&totals, &range, 330), days_from_buckets(&rows, &range, 330));
    assert_eq!(days_from_totals(&totals, &range, 7), None);
}

#[test]
fn session_inside_one_bucket() {
    let start = utc(2026, 11, 18, 11, 6, 40);
    let deltas = split_into_buckets(start, start + 200_000);
    assert_eq!(deltas, vec![delta(utc(2026, 11, 18, 11, 0, 0), 200, 1, 0)]);
    assert_eq!(split_into_buckets(start, start), vec![]);
}

#[test]
fn session_spanning_three_buckets() {
    let at = |mi, s| utc(2026, 11, 18, 11, mi, s);
    let expected =
        vec![delta(at(0, 0), 300, 1, 0), delta(at(15, 0), 900, 0, 1), delta(at(30, 0), 630, 0, 1)];
    assert_eq!(split_into_buckets(at(10, 0), at(40, 30)), expected);
}

#[test]
fn session_exactly_on_bucket_boundaries() {
    let at = |mi| utc(2026, 11, 18, 11, mi, 0);
    let expected = vec![delta(at(0), 900, 1, 0), delta(at(15), 900, 0, 1)];
    assert_eq!(split_into_buckets(at(0), at(30)), expected);
}

#[test]
fn crossing_local_midnight_at_plus_0530() {
    // 23:30 to 00:45 IST on 18/19 November is 18:00 to 19:15 UTC on the 18th.
    let session = (utc(2026, 11, 18, 18, 0, 0), utc(2026, 11, 18, 19, 15, 0));
    let r = local_range(utc(2026, 11, 19, 6, 0, 0), 2, 330);
    assert_eq!((r.from_ms, r.to_ms), (utc(2026, 11, 17, 18, 30, 0), utc(2026, 11, 19, 18, 30, 0)));
    let day = |d| date(2026, 11, d);
    assert_eq!(both(&[session], &r, 330), vec![stat(day(18), 1800, 1), stat(day(19), 2700, 1)]);
}

#[test]
fn offset_minus_0500_across_a_month_boundary() {
    // 23:50 to 00:20 EST on 1/2 March, then 10:00 to 10:30 EST on 2 March.
    let sessions = [
        (utc(2026, 3, 2, 4, 50, 0), utc(2026, 3, 2, 5, 20, 0)),
        (utc(2026, 3, 2, 15, 0, 0), utc(2026, 3, 2, 15, 30, 0)),
    ];
    let r = local_range(utc(2026, 3, 2, 20, 0, 0), 3, -300);
    assert_eq!((r.first_day, r.from_ms), (date(2026, 2, 28), utc(2026, 2, 28, 5, 0, 0)));
    let days = both(&sessions, &r, -300);
    let (feb28, mar1, mar2) = (date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2));
    assert_eq!(days, vec![stat(feb28, 0, 0), stat(mar1, 600, 1), stat(mar2, 3000, 2)]);
    assert_eq!(days[2].avg_session_seconds, 1500);
}

#[test]
fn rows_outside_the_range_are_ignored_and_shared_buckets_summed() {
    let r = local_range(utc(2026, 11, 18, 12, 0, 0), 1, 0);
    let bucket = utc(2026, 11, 18, 0, 0, 0);
    let (inside, before, after) = (bucket + BUCKET_MS, bucket - BUCKET_MS, bucket + DAY_MS);
    let rows = [delta(inside, 900, 0, 1), delta(bucket, 100, 0, 1), delta(bucket, 50, 1, 0)];
    let outside = [delta(before, 900, 1, 0), delta(after, 900, 1, 1)];
    let days = days_from_buckets(&[&outside[..], &rows[..]].concat(), &r, 0);
    // running_in counts only in the day's first bucket.
    assert_eq!(days, Some(vec![stat(date(2026, 11, 18), 1050, 2)]));
}

#[test]
fn local_range_single_day() {
    let from = utc(2026, 11, 18, 0, 0, 0);
    let expected = range(date(2026, 11, 18), 1, from, from + DAY_MS);
    assert_eq!(local_range(utc(2026, 11, 18, 11, 6, 40), 1, 0), expected);
    // 10:00 UTC on 28 February is 00:00 on 1 March at UTC+14.
    let from = utc(2026, 2, 28, 10, 0, 0);
    assert_eq!(local_range(from, 1, 840), range(date(2026, 3, 1), 1, from, from + DAY_MS));
    assert_eq!(local_range(from - 1000, 1, 840).first_day, date(2026, 2, 28));
}

#[test]
fn local_range_thirty_days_at_extreme_offsets() {
    // 11:00 UTC on 1 March is 23:00 on 28 February at UTC-12.
    let (from, to) = (utc(2026, 1, 30, 12, 0, 0), utc(2026, 3, 1, 12, 0, 0));
    let expected = range(date(2026, 1, 30), 30, from, to);
    assert_eq!(local_range(utc(2026, 3, 1, 11, 0, 0), 30, -720), expected);
    // At UTC+14 the 30 days end on 1 March; February 2026 has 28 days.
    let (from, to) = (utc(2026, 1, 30, 10, 0, 0), utc(2026, 3, 1, 10, 0, 0));
    let expected = range(date(2026, 1, 31), 30, from, to);
    assert_eq!(local_range(utc(2026, 2, 28, 10, 0, 0), 30, 840), expected);
    let days = days_from_sessions(&[], &expected, 840);
    assert_eq!(days.len(), 30);
    assert_eq!(days[29], stat(date(2026, 3, 1), 0, 0));
}

#[test]
fn unaligned_offset_has_no_bucket_answer() {
    let r = local_range(utc(2026, 11, 18, 12, 0, 0), 1, 7);
    assert_eq!(days_from_buckets(&[], &r, 7), None);
    assert!(buckets_align(-720) && buckets_align(345) && !buckets_align(-7));
    // Local 18 November at UTC+00:07 starts at 23:53 UTC on the 17th.
    let session = (utc(2026, 11, 17, 23, 50, 0), utc(2026, 11, 18, 0, 10, 0));
    assert_eq!(days_from_sessions(&[session], &r, 7), vec![stat(date(2026, 11, 18), 1020, 1)]);
}

#[test]
fn negative_and_extreme_instants() {
    assert_eq!(day_of(-1, 0), date(1969, 12, 31));
    assert_eq!(day_of(-1, 1), date(1970, 1, 1));
    assert_eq!(day_of(0, -1), date(1969, 12, 31));
    let expected = vec![delta(-BUCKET_MS, 1, 1, 0), delta(0, 1, 0, 1)];
    assert_eq!(split_into_buckets(-1000, 1000), expected);
    let huge = 1_i64 << 53;
    assert_eq!(day_of(huge, 840), NaiveDate::MAX);
    assert_eq!(day_of(-huge, -720), NaiveDate::MIN);
    for now in [huge, -huge, i64::MAX, i64::MIN] {
        let r = local_range(now, 3, 840);
        assert_eq!(days_from_sessions(&[(now.saturating_sub(5000), now)], &r, 840).len(), 3);
        let bucketed = days_from_buckets(&[delta(now, 1, 1, 1)], &r, 840);
        assert!(bucketed.is_none_or(|d| d.len() == 3));
    }
}

/// Second offsets: either any second in the window, or a whole number of buckets.
fn seconds_in(max_seconds: i64) -> impl Strategy<Value = i64> {
    prop_oneof![0..max_seconds, (0..max_seconds / 900).prop_map(|q| q * 900)]
}

fn sessions_strategy() -> impl Strategy<Value = Vec<(i64, i64)>> {
    proptest::collection::vec((seconds_in(10 * 86_400), seconds_in(3 * 86_400)), 0..40)
}

fn to_ms(base_day: i64, raw: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let base = base_day * DAY_MS;
    raw.iter().map(|&(s, len)| (base + s * 1000, base + (s + len) * 1000)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn buckets_equal_sessions_equal_reference(
        base_day in -30_000_i64..30_000,
        raw in sessions_strategy(),
        now_s in 0_i64..14 * 86_400,
        quarters in (MIN_OFFSET_MINUTES / 15)..=(MAX_OFFSET_MINUTES / 15),
        days in 1_u32..=12,
    ) {
        let tz = quarters * 15;
        let sessions = to_ms(base_day, &raw);
        let now = base_day * DAY_MS + now_s * 1000;
        let range = local_range(now, days, tz);
        let expected = reference(&sessions, now, days, tz);
        let rows = all_deltas(&sessions);
        prop_assert_eq!(days_from_buckets(&rows, &range, tz), Some(expected.clone()));
        // A materialized table: one row per bucket, in descending order.
        let mut table: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
        for d in &rows {
            let row = table.entry(d.bucket_ms).or_default();
            *row = (row.0 + d.seconds, row.1 + d.starts, row.2 + d.running_in);
        }
        let table: Vec<BucketRow> =
            table.into_iter().rev().map(|(b, r)| delta(b, r.0, r.1, r.2)).collect();
        prop_assert_eq!(days_from_buckets(&table, &range, tz), Some(expected.clone()));
        prop_assert_eq!(days_from_sessions(&sessions, &range, tz), expected);
    }

    #[test]
    fn sessions_equal_reference_for_any_offset(
        base_day in -30_000_i64..30_000,
        raw in sessions_strategy(),
        now_s in 0_i64..14 * 86_400,
        tz in MIN_OFFSET_MINUTES..=MAX_OFFSET_MINUTES,
        days in 1_u32..=12,
    ) {
        let sessions = to_ms(base_day, &raw);
        let now = base_day * DAY_MS + now_s * 1000;
        let range = local_range(now, days, tz);
        let expected = reference(&sessions, now, days, tz);
        let first = expected[0].date;
        let midnight = first.and_time(NaiveTime::MIN).and_utc().timestamp_millis();
        prop_assert_eq!(range.first_day, first);
        prop_assert_eq!(range.from_ms, midnight - i64::from(tz) * 60_000);
        prop_assert_eq!(range.to_ms, range.from_ms + i64::from(days) * DAY_MS);
        prop_assert_eq!(days_from_sessions(&sessions, &range, tz), expected);
        let bucketed = days_from_buckets(&all_deltas(&sessions), &range, tz);
        prop_assert_eq!(bucketed.is_some(), buckets_align(tz));
    }

    #[test]
    fn split_conserves_seconds_and_marks_one_start(
        start_s in -10_000_000_000_i64..10_000_000_000,
        len_s in seconds_in(3 * 86_400),
    ) {
        let (start, end) = (start_s * 1000, (start_s + len_s) * 1000);
        let deltas = split_into_buckets(start, end);
        prop_assert_eq!(deltas.iter().map(|d| d.seconds).sum::<i64>(), len_s);
        let starts = deltas.iter().filter(|d| d.starts == 1).count();
        prop_assert_eq!(starts, usize::from(len_s > 0));
        prop_assert_eq!(deltas.first().map(|d| d.starts), (len_s > 0).then_some(1));
        for (i, d) in deltas.iter().enumerate() {
            prop_assert!(d.seconds > 0 && d.bucket_ms.rem_euclid(BUCKET_MS) == 0);
            prop_assert!(i == 0 || d.bucket_ms == deltas[i - 1].bucket_ms + BUCKET_MS);
            prop_assert_eq!(d.running_in, i64::from(start < d.bucket_ms && d.bucket_ms < end));
        }
    }
}
