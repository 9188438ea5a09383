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

pub mod report;

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
mod tests;
