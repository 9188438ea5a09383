//! Daily statistics: the pure arithmetic behind WorkTime's per-day totals.
//!
//! Ended sessions are half-open UTC intervals `[start_ms, end_ms)` in whole seconds. The
//! backend materializes each one into 15-minute UTC buckets ([`split_into_buckets`]): every
//! bucket `[b, b + 15 min)`, with `b` a multiple of [`BUCKET_MS`] since the epoch, gets the
//! seconds of the session inside it, `starts = 1` if the session starts in it and
//! `running_in = 1` if the session is already running at the bucket's start instant.
//!
//! Why this is exact. A user's local day is `[local midnight - offset, +24 h)` in UTC. UTC
//! midnights are multiples of 15 minutes, so when the offset is a multiple of 15 minutes
//! ([`buckets_align`]; true of every real-world zone, e.g. +05:45 or +12:45) every local day
//! boundary is a bucket boundary and each bucket lies wholly inside one local day. Hence:
//! - a day's seconds are the sum of its buckets' seconds, and since sessions are whole
//!   seconds no per-bucket rounding is lost;
//! - a session overlapping day `[a, b)` with positive length either starts in `[a, b)` (its
//!   single `starts` bucket is in the day) or started before `a` and ends after `a` (then
//!   the bucket beginning at `a` is touched and has `running_in = 1`). The two cases are
//!   disjoint, so `Σ starts + running_in(first bucket)` counts each session exactly once,
//!   and a session ending exactly at `a` counts nowhere.
//!
//! Overlaps between sessions (several devices) are counted once: the backend materializes
//! the seconds each session *owns* (`crate::overlap`), so bucket seconds add up to the
//! union of the user's sessions. Offsets that are not multiples of 15 minutes fall back
//! to [`days_from_spans`], which applies the same ownership rule to the sessions.

use chrono::{Days, NaiveDate};

use crate::overlap::{attribute, Span};

/// Width of one materialized bucket: 15 minutes.
pub const BUCKET_MS: i64 = 15 * 60 * 1000;
/// Width of one hourly rollup row (all repositories of a user together).
pub const HOUR_MS: i64 = 60 * 60 * 1000;
/// One day in milliseconds.
pub const DAY_MS: i64 = 24 * 3600 * 1000;
/// Westernmost accepted offset, minutes east of UTC (UTC-12:00).
pub const MIN_OFFSET_MINUTES: i32 = -720;
/// Easternmost accepted offset, minutes east of UTC (UTC+14:00).
pub const MAX_OFFSET_MINUTES: i32 = 840;

const MINUTE_MS: i64 = 60 * 1000;
/// `NaiveDate::from_num_days_from_ce` of 1970-01-01.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// One bucket's contribution from one session (what an UPSERT adds to a row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketDelta {
    /// Start of the bucket, UTC epoch ms, a multiple of [`BUCKET_MS`].
    pub bucket_ms: i64,
    /// Seconds of the session inside the bucket.
    pub seconds: i64,
    /// 1 in the bucket containing the session's start, else 0.
    pub starts: i64,
    /// 1 when the session runs across the bucket's start instant, else 0.
    pub running_in: i64,
}

/// A materialized row (same fields, summed over sessions).
pub type BucketRow = BucketDelta;

/// A calendar date plus totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayStat {
    pub date: NaiveDate,
    pub total_seconds: i64,
    pub session_count: i64,
    /// `total_seconds / session_count`, 0 when there is no session.
    pub avg_session_seconds: i64,
}

/// Consecutive local dates and the UTC half-open range `[from_ms, to_ms)` they cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalRange {
    pub first_day: NaiveDate,
    pub days: u32,
    pub from_ms: i64,
    pub to_ms: i64,
}

fn offset_ms(tz_offset_minutes: i32) -> i64 {
    i64::from(tz_offset_minutes) * MINUTE_MS
}

/// Local days since 1970-01-01 of the local date containing `ms`.
fn local_day_index(ms: i64, tz_offset_minutes: i32) -> i64 {
    ms.saturating_add(offset_ms(tz_offset_minutes)).div_euclid(DAY_MS)
}

/// The date `index` days after 1970-01-01, clamped to chrono's representable range.
fn date_of_index(index: i64) -> NaiveDate {
    index
        .checked_add(EPOCH_DAYS_FROM_CE)
        .and_then(|days| i32::try_from(days).ok())
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or(if index < 0 { NaiveDate::MIN } else { NaiveDate::MAX })
}

/// The local date of the UTC instant `ms` at `tz_offset_minutes` east of UTC. Instants beyond
/// chrono's date range clamp to `NaiveDate::MIN` / `NaiveDate::MAX`.
pub fn day_of(ms: i64, tz_offset_minutes: i32) -> NaiveDate {
    date_of_index(local_day_index(ms, tz_offset_minutes))
}

/// Splits one ended session into per-bucket deltas, ascending by bucket_ms, only buckets with
/// positive overlap. `seconds` = overlap seconds within [bucket, bucket+15min). `starts` = 1 in
/// the bucket containing start_ms, else 0. `running_in` = 1 in every touched bucket whose start
/// instant lies strictly inside the session (start_ms < bucket_ms < end_ms), else 0.
/// A zero-length (or reversed) session yields no deltas. The result has one entry per touched
/// bucket, so callers must bound session lengths.
pub fn split_into_buckets(start_ms: i64, end_ms: i64) -> Vec<BucketDelta> {
    let mut deltas = Vec::new();
    if end_ms <= start_ms {
        return deltas;
    }
    let first = start_ms.saturating_sub(start_ms.rem_euclid(BUCKET_MS));
    let mut bucket = first;
    // `bucket < end_ms <= i64::MAX`, so the saturating step always advances.
    while bucket < end_ms {
        let next = bucket.saturating_add(BUCKET_MS);
        let overlap = end_ms.min(next) - start_ms.max(bucket);
        deltas.push(BucketDelta {
            bucket_ms: bucket,
            seconds: overlap / 1000,
            starts: i64::from(bucket == first),
            running_in: i64::from(bucket > start_ms),
        });
        bucket = next;
    }
    deltas
}

/// The `days` local dates ending with the local date of `now_ms` (oldest first) and the UTC
/// half-open range [from_ms, to_ms) they cover. `days` below 1 is treated as 1.
pub fn local_range(now_ms: i64, days: u32, tz_offset_minutes: i32) -> LocalRange {
    let days = days.max(1);
    let last = local_day_index(now_ms, tz_offset_minutes);
    let first = last.saturating_sub(i64::from(days) - 1);
    let from_ms = first.saturating_mul(DAY_MS).saturating_sub(offset_ms(tz_offset_minutes));
    let to_ms = from_ms.saturating_add(i64::from(days) * DAY_MS);
    LocalRange { first_day: date_of_index(first), days, from_ms, to_ms }
}

/// Whether bucket rows can answer this offset exactly (offset is a multiple of 15 minutes).
pub fn buckets_align(tz_offset_minutes: i32) -> bool {
    tz_offset_minutes.rem_euclid(15) == 0
}

/// Whether the hourly rollup can answer this offset exactly (a whole number of hours: the
/// local day starts at a UTC hour). Other offsets are answered from the 15-minute buckets.
pub fn hours_align(tz_offset_minutes: i32) -> bool {
    tz_offset_minutes.rem_euclid(60) == 0
}

/// One hour of a user's statistics, all repositories together: the rollup that answers
/// daily totals for a year with at most 8,784 rows, whatever the number of sessions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourChange {
    pub seconds: i64,
    pub starts: i64,
    /// Sessions running at the hour's first instant.
    pub running_in: i64,
}

/// The hourly rollup's change for a set of 15-minute bucket changes `(bucket_ms,
/// seconds, starts, running_in)`: seconds and starts add up; what runs into the hour is
/// what runs into its first bucket. Zero changes are left out.
pub fn hours_of_buckets(
    buckets: impl IntoIterator<Item = (i64, i64, i64, i64)>,
) -> std::collections::BTreeMap<i64, HourChange> {
    let mut hours = std::collections::BTreeMap::<i64, HourChange>::new();
    for (bucket_ms, seconds, starts, running_in) in buckets {
        let hour_ms = bucket_ms - bucket_ms.rem_euclid(HOUR_MS);
        let hour = hours.entry(hour_ms).or_default();
        hour.seconds += seconds;
        hour.starts += starts;
        if bucket_ms == hour_ms {
            hour.running_in += running_in;
        }
    }
    hours.retain(|_, change| *change != HourChange::default());
    hours
}

/// Turns per-day `(total_seconds, session_count)` accumulators into dated stats, starting
/// at `range.first_day`.
fn finish(range: &LocalRange, acc: Vec<(i64, i64)>) -> Vec<DayStat> {
    let mut date = range.first_day;
    acc.into_iter()
        .map(|(total_seconds, session_count)| {
            let avg_session_seconds =
                if session_count > 0 { total_seconds / session_count } else { 0 };
            let stat = DayStat { date, total_seconds, session_count, avg_session_seconds };
            date = date.checked_add_days(Days::new(1)).unwrap_or(date);
            stat
        })
        .collect()
}

/// Daily stats from materialized rows (rows may be outside the range: ignored; any order;
/// rows sharing bucket_ms, e.g. one per repository, are summed). Returns None when
/// !buckets_align(offset) or the range does not start on a bucket boundary. Every day of the
/// range is present, zeros included.
/// Counting rule: sessions touching a day = Σ starts of the day's buckets + running_in of
/// the day's first bucket (that bucket's start is the day's start instant).
pub fn days_from_buckets(
    rows: &[BucketRow],
    range: &LocalRange,
    tz_offset_minutes: i32,
) -> Option<Vec<DayStat>> {
    if !buckets_align(tz_offset_minutes) || range.from_ms.rem_euclid(BUCKET_MS) != 0 {
        return None;
    }
    // (Totals summed from hourly rows are exact only for whole-hour offsets; the worker
    // reads those only then, see `hours_align`.)
    let mut acc = vec![(0_i64, 0_i64); range.days as usize];
    for row in rows {
        if row.bucket_ms < range.from_ms || row.bucket_ms >= range.to_ms {
            continue;
        }
        let since = row.bucket_ms - range.from_ms;
        let Some(slot) = usize::try_from(since / DAY_MS).ok().and_then(|i| acc.get_mut(i)) else {
            continue;
        };
        slot.0 = slot.0.saturating_add(row.seconds);
        slot.1 = slot.1.saturating_add(row.starts);
        if since % DAY_MS == 0 {
            slot.1 = slot.1.saturating_add(row.running_in);
        }
    }
    Some(finish(range, acc))
}

/// Exact daily stats straight from session intervals `(start_ms, end_ms)`, for any offset.
/// Every day of the range is present, zeros included. The day boundaries come from `range`
/// (built by [`local_range`] with the same offset), so the offset itself is not needed here.
pub fn days_from_sessions(
    sessions: &[(i64, i64)],
    range: &LocalRange,
    tz_offset_minutes: i32,
) -> Vec<DayStat> {
    let _ = tz_offset_minutes;
    let mut acc = vec![(0_i64, 0_i64); range.days as usize];
    let last_slot = i64::from(range.days) - 1;
    for &(start, end) in sessions {
        let lo = start.max(range.from_ms);
        let hi = end.min(range.to_ms);
        if hi <= lo {
            continue;
        }
        let first_day = (lo - range.from_ms) / DAY_MS;
        let last_day = (hi.saturating_sub(range.from_ms) - 1) / DAY_MS;
        for day in first_day..=last_day.min(last_slot) {
            let day_start = range.from_ms.saturating_add(day * DAY_MS);
            let overlap = hi.min(day_start.saturating_add(DAY_MS)) - lo.max(day_start);
            let slot = usize::try_from(day).ok().and_then(|i| acc.get_mut(i));
            if let Some(slot) = slot.filter(|_| overlap > 0) {
                slot.0 = slot.0.saturating_add(overlap / 1000);
                slot.1 += 1;
            }
        }
    }
    finish(range, acc)
}

/// One local day's totals as the database sums them from bucket rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayTotal {
    /// Days since 1970-01-01 in the range's offset.
    pub day_index: i64,
    pub seconds: i64,
    pub sessions: i64,
}

/// Daily stats from per-day totals summed in the database (rows outside the range are
/// ignored). Every day of the range is present, zeros included. `None` when buckets cannot
/// answer the offset exactly (see [`buckets_align`]).
pub fn days_from_totals(
    rows: &[DayTotal],
    range: &LocalRange,
    tz_offset_minutes: i32,
) -> Option<Vec<DayStat>> {
    if !buckets_align(tz_offset_minutes) || range.from_ms.rem_euclid(BUCKET_MS) != 0 {
        return None;
    }
    // (Totals summed from hourly rows are exact only for whole-hour offsets; the worker
    // reads those only then, see `hours_align`.)
    let first = local_day_index(range.from_ms, tz_offset_minutes);
    let mut acc = vec![(0_i64, 0_i64); range.days as usize];
    for row in rows {
        let slot = usize::try_from(row.day_index - first).ok().and_then(|i| acc.get_mut(i));
        if let Some(slot) = slot {
            *slot = (slot.0 + row.seconds, slot.1 + row.sessions);
        }
    }
    Some(finish(range, acc))
}

/// Exact daily stats from the ended sessions overlapping the range, for any offset, with
/// overlaps counted once (`crate::overlap`): each day's seconds are those its sessions own;
/// with `repo`, only that repository's sessions' owned seconds and sessions count (the
/// ownership is still decided among all of `spans`). Every day of the range is present.
pub fn days_from_spans(
    spans: &[Span],
    range: &LocalRange,
    repo: Option<(&str, &str)>,
) -> Vec<DayStat> {
    let wanted = |span: &Span| {
        repo.is_none_or(|(owner, name)| {
            span.repo_owner.eq_ignore_ascii_case(owner) && span.repo_name.eq_ignore_ascii_case(name)
        })
    };
    let mut acc = vec![(0_i64, 0_i64); range.days as usize];
    let day_of = |ms: i64| usize::try_from((ms - range.from_ms) / DAY_MS).ok();
    for (owner, mut from, to) in attribute(spans, range.from_ms, range.to_ms) {
        if !wanted(&spans[owner]) {
            continue;
        }
        while from < to {
            let Some(day) = day_of(from) else { break };
            let day_end = range.from_ms.saturating_add((day as i64 + 1) * DAY_MS);
            let piece_end = to.min(day_end);
            if let Some(slot) = acc.get_mut(day) {
                slot.0 += (piece_end - from) / 1000;
            }
            from = piece_end;
        }
    }
    for span in spans.iter().filter(|s| wanted(s) && s.end_ms > s.start_ms) {
        let lo = span.start_ms.max(range.from_ms);
        let hi = span.end_ms.min(range.to_ms);
        if hi <= lo {
            continue;
        }
        let (Some(first), Some(last)) = (day_of(lo), day_of(hi - 1)) else { continue };
        for slot in acc.iter_mut().take(last + 1).skip(first) {
            slot.1 += 1;
        }
    }
    finish(range, acc)
}

#[cfg(test)]
mod tests {
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
        let expected = vec![
            delta(at(0, 0), 300, 1, 0),
            delta(at(15, 0), 900, 0, 1),
            delta(at(30, 0), 630, 0, 1),
        ];
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
        assert_eq!(
            (r.from_ms, r.to_ms),
            (utc(2026, 11, 17, 18, 30, 0), utc(2026, 11, 19, 18, 30, 0))
        );
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
}
