//! The ledger: the user's `ledger_version` that fences every write batch, and the
//! statements of a batch's statistics delta (attributed seconds, `daily_stats`,
//! `hourly_stats`).
//!
//! The write path's statements each take their whole list of rows as one JSON parameter
//! (`json_each`): whatever a request holds — 100 ops, sessions of 24 hours, thousands of
//! bucket rows — its reads are five statements and its write batch at most nine, far
//! inside the Free plan's 50 per invocation, and no statement binds more than four
//! parameters (D1 allows 100).

use serde::Deserialize;
use worker::{D1PreparedStatement, D1Result, Result};
use worktime_core::overlap::LedgerDelta;
use worktime_core::stats::hours_of_buckets;

use super::{num, sessions, stats};
use crate::d1::Db;

/// The user's ledger version (the fence's value), read in the same batch as the rows
/// (read with [`read_version`]).
pub fn version(db: &Db, user_id: i64) -> Result<D1PreparedStatement> {
    db.prepare("SELECT ledger_version FROM users WHERE id = ?1").bind(&[num(user_id)])
}

#[derive(Deserialize)]
struct VersionRow {
    ledger_version: f64,
}

/// The version in the result of [`version`]; -1 when the user has no row (a fence on it
/// then fails).
pub fn read_version(result: &D1Result) -> Result<i64> {
    Ok(result.results::<VersionRow>()?.first().map(|v| v.ledger_version as i64).unwrap_or(-1))
}

/// The first statements of a write batch: fail the whole batch (a transaction) unless the
/// user's ledger is still at `version`, then move it on. The check writes nothing: when the
/// version moved, `json()` of a text that is not JSON raises an error, which aborts the
/// batch; otherwise it selects one value. Only the version's own update is a row written.
pub fn fence(db: &Db, user_id: i64, version: i64) -> Result<[D1PreparedStatement; 2]> {
    Ok([
        db.prepare(
            "SELECT json(CASE WHEN (SELECT ledger_version FROM users WHERE id = ?1) IS ?2 \
             THEN '0' ELSE 'the ledger moved' END) AS fence",
        )
        .bind(&[num(user_id), num(version)])?,
        db.prepare("UPDATE users SET ledger_version = ledger_version + 1 WHERE id = ?1")
            .bind(&[num(user_id)])?,
    ])
}

/// The statements adding `delta` to sessions' attributed seconds, to `daily_stats` and to
/// its hourly rollup `hourly_stats` (none for an empty part). Run after the sessions are
/// inserted; the sessions the batch writes anyway take their share in that write
/// (`attributed` of `sessions::insert` and `sessions::update`), so `delta.sessions` here
/// holds only the others.
pub fn delta(db: &Db, user_id: i64, delta: &LedgerDelta) -> Result<Vec<D1PreparedStatement>> {
    let mut statements = Vec::new();
    if !delta.sessions.is_empty() {
        statements.push(sessions::add_attributed(db, user_id, &delta.sessions)?);
    }
    if !delta.buckets.is_empty() {
        statements.push(stats::add_buckets(db, user_id, &delta.buckets)?);
        let hours = hours_of_buckets(
            delta
                .buckets
                .iter()
                .map(|((bucket, _, _), c)| (*bucket, c.seconds, c.starts, c.running_in)),
        );
        if !hours.is_empty() {
            statements.push(stats::add_hours(db, user_id, &hours)?);
        }
    }
    Ok(statements)
}
