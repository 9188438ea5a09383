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

use std::collections::{HashMap, HashSet};

use worker::{console_warn, Env};
use worktime_api::sessions::SessionStatus;
use worktime_api::sync::{OpResult, SyncOp};
use worktime_api::ErrorCode;
use worktime_core::overlap::{Ledger, LedgerDelta};
use worktime_core::sessions::{Ending, Limits, StoredSession};
use worktime_core::sync_plan::{self, op_type_name, Known, Logging, Write};
use worktime_core::time::UnixMillis;

use crate::d1::Db;
use crate::ledger_sql::{self, Seen, Version};
use crate::request::{ApiError, Handled};
use crate::store::SessionRow;
use crate::env;

/// Decisions per request before giving up on a user whose devices keep writing: each
/// costs at most 3 + 1 + 8 statements, so three stay inside the 50 of one invocation.
const ATTEMPTS: u32 = 3;

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
    /// Whether anything was written.
    pub changed: bool,
}

/// After a committed write: tell the user's live sockets, without delaying the answer.
pub fn announce(env: &Env, ctx: &worker::Context, user_id: i64, ops: &[SyncOp], applied: &Applied, now: UnixMillis) {
    if applied.changed {
        let device = ops.iter().find_map(|op| op.device_id.clone());
        ctx.wait_until(crate::live::notify(env.clone(), user_id, device, now));
    }
}

/// Decides and commits `ops` for `user_id`.
pub async fn apply(
    db: &Db,
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
                let changed = !plan.writes.is_empty();
                return Ok(Applied { results: plan.results, sessions, created, changed });
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
/// they were decided at: each session once, in its final state; the applied ops; the
/// ledger delta. At most eight statements, whatever the request.
pub async fn commit(
    db: &Db,
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
    let mut created: HashSet<&str> = HashSet::new();
    let mut last: HashMap<&str, &StoredSession> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut logs = Vec::new();
    for write in writes {
        let session = match write {
            Write::Insert(session) => {
                created.insert(&session.id);
                session
            }
            Write::End(ending) => &ending.session,
            Write::Heartbeat(session) => session,
            Write::Log { op_id, op_type, session_id } => {
                logs.push((op_id.clone(), op_type_name(*op_type), session_id.clone()));
                continue;
            }
        };
        if last.insert(&session.id, session).is_none() {
            order.push(&session.id);
        }
    }
    let (new, old): (Vec<&str>, Vec<&str>) = order.into_iter().partition(|id| created.contains(id));
    let finals = |ids: Vec<&str>| ids.into_iter().filter_map(|id| last.get(id).copied()).collect::<Vec<_>>();
    let mut statements = Vec::from(ledger_sql::fence(db, user_id, version)?);
    // Existing sessions first: a start's new active session may only be inserted once the
    // same device's previous one is no longer active (one active session per device).
    if !old.is_empty() {
        statements.push(ledger_sql::update_sessions(db, user_id, &finals(old))?);
    }
    if !new.is_empty() {
        statements.push(ledger_sql::insert_sessions(db, user_id, &finals(new))?);
    }
    if !logs.is_empty() {
        statements.push(ledger_sql::log_ops(db, user_id, &logs, now.0)?);
    }
    statements.extend(ledger_sql::ledger(db, user_id, &delta)?);
    statements.push(ledger_sql::unfence(db));
    db.batch(statements).await?;
    Ok(())
}

/// What the writes' moved ends do to attributed seconds and `daily_stats`.
async fn statistics(db: &Db, user_id: i64, writes: &[Write], limits: Limits) -> worker::Result<LedgerDelta> {
    let endings: Vec<&Ending> = writes
        .iter()
        .filter_map(|w| match w {
            Write::End(ending) => Some(ending),
            _ => None,
        })
        .collect();
    let mut delta = LedgerDelta::default();
    let spans = endings.iter().flat_map(|e| [e.before.span(), e.session.span()]).flatten();
    let windows = merged_windows(spans.map(|s| (s.start_ms, s.end_ms)));
    // Zero-length sessions cover no time: nothing to read, nothing to count.
    if windows.is_empty() {
        return Ok(delta);
    }
    let found = db.all(ledger_sql::overlapping(db, user_id, &windows, limits.max_session_ms)?).await?;
    let mut ledger = Ledger::new(ledger_sql::spans_of(&found)?);
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

/// The sessions and applied op ids the ops name, the active session of every device
/// they name, and the ledger version: one batch (a consistent snapshot), three statements.
async fn read_known(db: &Db, user_id: i64, ops: &[SyncOp], logging: Logging) -> Handled<(Known, i64)> {
    let (op_ids, session_ids) = sync_plan::referenced_ids(ops);
    let devices = sync_plan::referenced_devices(ops);
    let check_ops = logging == Logging::OpLog && !op_ids.is_empty();
    let mut statements = vec![ledger_sql::ledger_version(db, user_id)?, ledger_sql::named_sessions(db, user_id, &session_ids, &devices)?];
    if check_ops {
        statements.push(ledger_sql::applied_ops(db, user_id, &op_ids)?);
    }
    let results = db.batch(statements).await?;
    let mut known = Known::default();
    let version = match results.first() {
        Some(result) => result.results::<Version>()?.first().map(|v| v.ledger_version as i64).unwrap_or(-1),
        None => -1,
    };
    if let Some(result) = results.get(1) {
        for row in result.results::<SessionRow>()? {
            let session = row.into_stored();
            if session.status == SessionStatus::Active {
                known.active.insert(session.device_id.clone(), session.id.clone());
            }
            known.sessions.insert(session.id.clone(), session);
        }
    }
    if let Some(result) = results.get(2) {
        known.applied_ops.extend(result.results::<Seen>()?.into_iter().map(|s| s.op_id));
    }
    Ok((known, version))
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
