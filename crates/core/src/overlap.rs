//! Overlaps counted once: how a user's ended sessions, from any number of devices, share
//! the time they cover.
//!
//! A user's time is the **union** of their ended sessions' intervals: two browsers open
//! on two PRs for the same ten minutes are ten minutes of the user's time, not twenty.
//! Every covered second belongs to exactly one session, its *owner*: of the sessions
//! covering that second, the one that started last (ties: the larger id). The most
//! recently started session is where the user's attention went; a session left running
//! on another device yields to it. A session's `attributed` seconds are the seconds it
//! owns; per-repository and per-PR totals add those, so they sum to the union.
//!
//! The owner of a second depends only on the sessions covering it, so a change to one
//! session (it ends, is corrected or is deleted) changes ownership only inside that
//! session's old and new intervals. [`Ledger::change`] recomputes that window before and
//! after the change and returns the difference: what to add to each affected session's
//! attributed seconds and to each 15-minute bucket row. Applied in the same write as the
//! change, against the rows it was computed from (the worker fences the write on the
//! user's ledger version), the materialized figures stay equal to a recomputation from
//! scratch, whatever order sessions arrive in.

use std::collections::{BTreeMap, BTreeSet};

use crate::stats::{split_into_buckets, BUCKET_MS};

/// An ended session as far as time is concerned: `[start_ms, end_ms)`, whole seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub id: String,
    pub repo_owner: String,
    pub repo_name: String,
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Span {
    fn overlaps(&self, from: i64, to: i64) -> bool {
        self.start_ms < to && self.end_ms > from && self.end_ms > self.start_ms
    }

    /// The ownership rank: a later start wins, then the larger id.
    fn rank(&self) -> (i64, &str) {
        (self.start_ms, self.id.as_str())
    }
}

/// A piece of time owned by one span: `(index into the spans, start_ms, end_ms)`.
pub type Piece = (usize, i64, i64);

/// The pieces of `[from, to)` covered by `spans`, each given to its owner, in time order.
/// Adjacent pieces of the same owner are merged. `O(n log n)` in the number of spans.
pub fn attribute(spans: &[Span], from: i64, to: i64) -> Vec<Piece> {
    let mut events: Vec<(i64, bool, usize)> = Vec::new();
    for (i, span) in spans.iter().enumerate() {
        if span.overlaps(from, to) {
            events.push((span.start_ms.max(from), true, i));
            events.push((span.end_ms.min(to), false, i));
        }
    }
    // At one instant, ends before starts: a span ending at t does not cover t.
    events.sort_by_key(|&(t, is_start, i)| (t, is_start, i));
    let mut covering: BTreeSet<((i64, &str), usize)> = BTreeSet::new();
    let mut pieces: Vec<Piece> = Vec::new();
    let mut last_t = from;
    for (t, is_start, i) in events {
        if t > last_t {
            if let Some(&(_, owner)) = covering.last() {
                match pieces.last_mut() {
                    Some(piece) if piece.0 == owner && piece.2 == last_t => piece.2 = t,
                    _ => pieces.push((owner, last_t, t)),
                }
            }
            last_t = t;
        }
        let key = (spans[i].rank(), i);
        if is_start {
            covering.insert(key);
        } else {
            covering.remove(&key);
        }
    }
    pieces
}

/// Seconds of the union of `spans` inside `[from, to)`.
pub fn union_seconds(spans: &[Span], from: i64, to: i64) -> i64 {
    attribute(spans, from, to).iter().map(|&(_, a, b)| (b - a) / 1000).sum()
}

/// Sorted, disjoint windows covering every given `[from, to)` (empty ones dropped): what
/// the ended sessions around a write's moved ends must be read for.
pub fn merged_windows(windows: impl Iterator<Item = (i64, i64)>) -> Vec<(i64, i64)> {
    let mut windows: Vec<(i64, i64)> = windows.filter(|(from, to)| to > from).collect();
    windows.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(windows.len());
    for (from, to) in windows {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

/// What one bucket row of one repository gains (or loses).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketChange {
    /// The repository as stored (the database compares names case-insensitively).
    pub repo_owner: String,
    pub repo_name: String,
    pub seconds: i64,
    pub starts: i64,
    pub running_in: i64,
}

impl BucketChange {
    fn is_zero(&self) -> bool {
        self.seconds == 0 && self.starts == 0 && self.running_in == 0
    }
}

/// Everything one write adds to the materialized figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerDelta {
    /// Session id → change of its attributed seconds (zero entries dropped).
    pub sessions: BTreeMap<String, i64>,
    /// (bucket_ms, lowercase owner, lowercase name) → change of that bucket row.
    pub buckets: BTreeMap<(i64, String, String), BucketChange>,
}

impl LedgerDelta {
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.buckets.is_empty()
    }

    fn add_seconds(&mut self, span: &Span, from: i64, to: i64, sign: i64) {
        *self.sessions.entry(span.id.clone()).or_default() += sign * (to - from) / 1000;
        let mut bucket = from - from.rem_euclid(BUCKET_MS);
        while bucket < to {
            let seconds = (to.min(bucket + BUCKET_MS) - from.max(bucket)) / 1000;
            self.bucket(bucket, span).seconds += sign * seconds;
            bucket += BUCKET_MS;
        }
    }

    /// The session's own `starts` and `running_in` marks, which do not depend on overlaps.
    fn add_marks(&mut self, span: &Span, sign: i64) {
        for delta in split_into_buckets(span.start_ms, span.end_ms) {
            let row = self.bucket(delta.bucket_ms, span);
            row.starts += sign * delta.starts;
            row.running_in += sign * delta.running_in;
        }
    }

    fn bucket(&mut self, bucket_ms: i64, span: &Span) -> &mut BucketChange {
        let key =
            (bucket_ms, span.repo_owner.to_ascii_lowercase(), span.repo_name.to_ascii_lowercase());
        self.buckets.entry(key).or_insert_with(|| BucketChange {
            repo_owner: span.repo_owner.clone(),
            repo_name: span.repo_name.clone(),
            ..BucketChange::default()
        })
    }

    fn prune(&mut self) {
        self.sessions.retain(|_, seconds| *seconds != 0);
        self.buckets.retain(|_, change| !change.is_zero());
    }
}

/// The user's ended sessions around the windows a write touches, kept current as the
/// write's changes are applied one after the other.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    spans: Vec<Span>,
}

impl Ledger {
    /// `spans` must hold every ended session overlapping each window later changed.
    pub fn new(spans: Vec<Span>) -> Ledger {
        Ledger { spans }
    }

    /// Replaces session `before` (absent: a new ended session) by `after` (absent: the
    /// session no longer counts) and adds the difference to `delta`.
    pub fn change(&mut self, before: Option<&Span>, after: Option<&Span>, delta: &mut LedgerDelta) {
        let id = match (before, after) {
            (Some(span), _) | (None, Some(span)) => span.id.clone(),
            (None, None) => return,
        };
        let counted = |span: Option<&Span>| span.filter(|s| s.end_ms > s.start_ms).cloned();
        let (before, after) = (counted(before), counted(after));
        let bounds = before.iter().chain(after.iter()).map(|s| (s.start_ms, s.end_ms));
        let from = bounds.clone().map(|b| b.0).min();
        let to = bounds.map(|b| b.1).max();
        self.spans.retain(|s| s.id != id);
        if let (Some(from), Some(to)) = (from, to) {
            let mut around: Vec<Span> =
                self.spans.iter().filter(|s| s.overlaps(from, to)).cloned().collect();
            let others = around.len();
            for (side, sign) in [(&before, -1), (&after, 1)] {
                around.truncate(others);
                around.extend(side.iter().cloned());
                for (i, a, b) in attribute(&around, from, to) {
                    delta.add_seconds(&around[i], a, b, sign);
                }
                if let Some(span) = side {
                    delta.add_marks(span, sign);
                }
            }
            delta.prune();
        }
        if let Some(span) = after {
            self.spans.push(span);
        }
    }
}

#[cfg(test)]
mod tests;
