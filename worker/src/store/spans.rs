//! Ended sessions of `time_sessions` as [`Span`]s (id, repository, start, end): what
//! overlap ownership is decided from (`worktime_core::overlap::Ledger`) on the write path,
//! and the exact fallback of daily totals at an offset the buckets do not align with.
//!
//! Sessions last at most `max_session_ms`, which bounds each read to one index range on
//! `(user_id, start_ms)`.

use serde::Deserialize;
use serde_json::json;
use worker::{D1PreparedStatement, D1Result, Result};
use worktime_core::overlap::Span;

use super::num;
use crate::d1::Db;

#[derive(Deserialize)]
struct SpanRow {
    id: String,
    repo_owner: String,
    repo_name: String,
    start_ms: f64,
    end_ms: f64,
}

impl SpanRow {
    fn into_span(self) -> Span {
        Span {
            id: self.id,
            repo_owner: self.repo_owner,
            repo_name: self.repo_name,
            start_ms: self.start_ms as i64,
            end_ms: self.end_ms as i64,
        }
    }
}

/// The spans in the result of [`overlapping`] or [`ended_in`].
pub fn read_spans(result: &D1Result) -> Result<Vec<Span>> {
    Ok(result.results::<SpanRow>()?.into_iter().map(SpanRow::into_span).collect())
}

/// The user's ended sessions overlapping any window `[from, to)`; sessions last at most
/// `max_session_ms`, which bounds each window's index range. `CROSS JOIN` keeps the windows
/// outside, so each is an index range on `(user_id, start_ms)`, never a scan of the user.
pub fn overlapping(
    db: &Db,
    user_id: i64,
    windows: &[(i64, i64)],
    max_session_ms: i64,
) -> Result<D1PreparedStatement> {
    let windows: Vec<[i64; 2]> = windows.iter().map(|&(from, to)| [from, to]).collect();
    db.prepare(
        "SELECT DISTINCT t.id, t.repo_owner, t.repo_name, t.start_ms, t.end_ms \
         FROM json_each(?2) AS w CROSS JOIN time_sessions AS t \
         ON t.user_id = ?1 AND t.status != 'active' AND t.end_ms > t.start_ms \
         AND t.start_ms >= json_extract(w.value, '$[0]') - ?3 \
         AND t.start_ms < json_extract(w.value, '$[1]') \
         AND t.end_ms > json_extract(w.value, '$[0]')",
    )
    .bind(&[num(user_id), super::json(&json!(windows)), num(max_session_ms)])
}

/// The user's ended sessions overlapping `[from, to)`: one index range on
/// `(user_id, start_ms)`, as sessions last at most `max_session_ms`.
pub fn ended_in(
    db: &Db,
    user_id: i64,
    (from, to): (i64, i64),
    max_session_ms: i64,
) -> Result<D1PreparedStatement> {
    db.prepare(
        "SELECT id, repo_owner, repo_name, start_ms, end_ms FROM time_sessions \
         WHERE user_id = ?1 AND start_ms >= ?2 AND start_ms < ?3 AND end_ms > ?4 \
         AND status != 'active' AND end_ms > start_ms",
    )
    .bind(&[num(user_id), num(from - max_session_ms), num(to), num(from)])
}

/// Ended sessions overlapping `[from_ms, to_ms)` (all repositories: ownership of
/// overlaps is decided across them), for daily totals: one statement.
pub async fn ended(db: &Db, user_id: i64, from_ms: i64, to_ms: i64) -> Result<Vec<Span>> {
    let statement = db
        .prepare(
            "SELECT id, repo_owner, repo_name, start_ms, end_ms FROM time_sessions \
             WHERE user_id = ?1 AND status != 'active' AND start_ms < ?3 AND end_ms > ?2",
        )
        .bind(&[num(user_id), num(from_ms), num(to_ms)])?;
    read_spans(&db.all(statement).await?)
}
