//! The one write path for sessions: `/api/sync` and the REST session endpoints alike.
//!
//! Read (one batch: the sessions and op ids the ops name, the active session of each
//! device they name, the user's ledger version) → decide every op in the core
//! (`worktime_core::sync_plan`) → read the ended sessions around every session whose end
//! moves (one batch) and compute what that does to the statistics
//! (`worktime_core::overlap::Ledger`) → write it all in one D1 batch, fenced on the
//! ledger version. A batch whose version moved meanwhile (another device of the user
//! wrote) fails whole and the request is decided again against fresh rows, so the
//! materialized statistics never drift, whatever runs concurrently.

use std::collections::HashMap;

use serde::Deserialize;
use worker::{console_warn, D1Database, D1PreparedStatement, Env};
use worktime_api::sessions::SessionStatus;
use worktime_api::sync::{OpResult, SyncOp};
use worktime_api::ErrorCode;
use worktime_core::overlap::{Ledger, LedgerDelta};
use worktime_core::sessions::{Ending, Limits, StoredSession};
use worktime_core::sync_plan::{self, op_type_name, Known, Logging, Write};
use worktime_core::time::UnixMillis;

use crate::request::{ApiError, Handled};
use crate::store::{self, num, text, SessionRow, SESSION_COLUMNS};
use crate::env;

/// Ids per lookup query: with the user id, under D1's 100 bound parameters.
const IDS_PER_QUERY: usize = 90;
/// Decisions per request before giving up on a user whose devices keep writing.
const ATTEMPTS: u32 = 4;

/// The session limits in force.
pub fn limits(env: &Env) -> Limits {
    Limits::from_hours(env::max_session_hours(env))
}

/// What a request's ops came to.
pub struct Applied {
    /// One per op, in order.
    pub results: Vec<OpResult>,
    /// The sessions the ops named, as they now stand.
    pub sessions: HashMap<String, StoredSession>,
    /// Whether a session was created.
    pub created: bool,
}

/// Decides and commits `ops` for `user_id`.
pub async fn apply(
    db: &D1Database,
    user_id: i64,
    ops: &[SyncOp],
    now: UnixMillis,
    limits: Limits,
    logging: Logging,
) -> Handled<Applied> {
    for attempt in 1..=ATTEMPTS {
        let (known, version) = read_known(db, user_id, ops, logging).await?;
        let (plan, sessions) = sync_plan::plan(ops, known, now, limits, logging);
        match commit(db, user_id, version, &plan.writes, limits, now).await {
            Ok(()) => {
                let created = plan.writes.iter().any(|w| matches!(w, Write::Insert(_)));
                return Ok(Applied { results: plan.results, sessions, created });
            }
            Err(err) => console_warn!("write of user {user_id} lost a race (attempt {attempt}): {err}"),
        }
    }
    Err(ApiError::new(
        ErrorCode::Unavailable,
        "Your devices are writing at the same moment; please retry in a few seconds.",
    ))
}

/// Writes `writes` and their statistics in one batch, fenced on the ledger `version`
/// they were decided at.
pub async fn commit(
    db: &D1Database,
    user_id: i64,
    version: i64,
    writes: &[Write],
    limits: Limits,
    now: UnixMillis,
) -> worker::Result<()> {
    if writes.is_empty() {
        return Ok(());
    }
    let delta = statistics(db, user_id, writes, limits).await?;
    let mut statements = store::fence(db, user_id, version)?;
    for write in writes {
        statements.push(match write {
            Write::Insert(session) => store::insert_session(db, user_id, session)?,
            Write::End(ending) => store::set_end(db, user_id, &ending.session)?,
            Write::Heartbeat(session) => store::update_heartbeat(db, user_id, session)?,
            Write::Log { op_id, op_type, session_id } => log_op(db, user_id, op_id, op_type_name(*op_type), session_id, now)?,
        });
    }
    statements.extend(store::ledger_statements(db, user_id, &delta)?);
    statements.push(store::unfence(db));
    db.batch(statements).await?;
    Ok(())
}

/// What the writes' moved ends do to attributed seconds and `daily_stats`.
async fn statistics(db: &D1Database, user_id: i64, writes: &[Write], limits: Limits) -> worker::Result<LedgerDelta> {
    let endings: Vec<&Ending> = writes
        .iter()
        .filter_map(|w| match w {
            Write::End(ending) => Some(ending),
            _ => None,
        })
        .collect();
    let mut delta = LedgerDelta::default();
    if endings.is_empty() {
        return Ok(delta);
    }
    let windows = merged_windows(endings.iter().flat_map(|e| [e.before.span(), e.session.span()]).flatten().map(|s| (s.start_ms, s.end_ms)));
    let queries = store::overlapping_queries(db, user_id, &windows, limits.max_session_ms)?;
    // Zero-length sessions cover no time: nothing to read, nothing to count.
    let results = if queries.is_empty() { Vec::new() } else { db.batch(queries).await? };
    let mut ledger = Ledger::new(store::spans_of(&results)?);
    for ending in endings {
        ledger.change(ending.before.span().as_ref(), ending.session.span().as_ref(), &mut delta);
    }
    Ok(delta)
}

/// Sorted, disjoint windows covering every given one.
fn merged_windows(windows: impl Iterator<Item = (i64, i64)>) -> Vec<(i64, i64)> {
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

fn log_op(
    db: &D1Database,
    user_id: i64,
    op_id: &str,
    op_type: &str,
    session_id: &str,
    now: UnixMillis,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO sync_ops (user_id, op_id, op_type, session_id, applied_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(&[num(user_id), text(op_id), text(op_type), text(session_id), num(now.0)])
}

#[derive(Deserialize)]
struct Seen {
    op_id: String,
}

#[derive(Deserialize)]
struct Version {
    ledger_version: f64,
}

enum Read {
    Ops,
    Sessions,
    Version,
}

/// The sessions and applied op ids the ops name, the active session of every device
/// they name, and the ledger version: one batch (a consistent snapshot).
async fn read_known(db: &D1Database, user_id: i64, ops: &[SyncOp], logging: Logging) -> Handled<(Known, i64)> {
    let (op_ids, session_ids) = sync_plan::referenced_ids(ops);
    let devices = sync_plan::referenced_devices(ops);
    let mut statements = vec![store::ledger_version_query(db, user_id)?];
    let mut kinds = vec![Read::Version];
    if logging == Logging::OpLog {
        for chunk in op_ids.chunks(IDS_PER_QUERY) {
            statements.push(in_query(db, "SELECT op_id FROM sync_ops WHERE user_id = ?1 AND op_id IN", user_id, chunk)?);
            kinds.push(Read::Ops);
        }
    }
    let sessions_sql = format!("SELECT {SESSION_COLUMNS} FROM time_sessions WHERE user_id = ?1 AND id IN");
    for chunk in session_ids.chunks(IDS_PER_QUERY) {
        statements.push(in_query(db, &sessions_sql, user_id, chunk)?);
        kinds.push(Read::Sessions);
    }
    let active_sql =
        format!("SELECT {SESSION_COLUMNS} FROM time_sessions WHERE user_id = ?1 AND status = 'active' AND device_id IN");
    for chunk in devices.chunks(IDS_PER_QUERY) {
        statements.push(in_query(db, &active_sql, user_id, chunk)?);
        kinds.push(Read::Sessions);
    }
    let results = db.batch(statements).await?;
    let mut known = Known::default();
    let mut version = -1;
    for (result, kind) in results.iter().zip(kinds) {
        match kind {
            Read::Version => {
                version = result.results::<Version>()?.first().map(|v| v.ledger_version as i64).unwrap_or(-1);
            }
            Read::Ops => known.applied_ops.extend(result.results::<Seen>()?.into_iter().map(|s| s.op_id)),
            Read::Sessions => {
                for row in result.results::<SessionRow>()? {
                    let session = row.into_stored();
                    if session.status == SessionStatus::Active {
                        known.active.insert(session.device_id.clone(), session.id.clone());
                    }
                    known.sessions.insert(session.id.clone(), session);
                }
            }
        }
    }
    Ok((known, version))
}

fn in_query(db: &D1Database, head: &str, user_id: i64, ids: &[String]) -> worker::Result<D1PreparedStatement> {
    let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("?{}", i + 2)).collect();
    let mut binds = vec![num(user_id)];
    binds.extend(ids.iter().map(|id| text(id)));
    db.prepare(format!("{head} ({})", placeholders.join(", "))).bind(&binds)
}

#[cfg(test)]
mod tests {
    use super::merged_windows;

    #[test]
    fn windows_merge_when_they_touch_or_overlap() {
        let merged = merged_windows([(5, 9), (1, 3), (3, 4), (8, 12), (20, 20)].into_iter());
        assert_eq!(merged, vec![(1, 4), (5, 12)]);
    }
}
