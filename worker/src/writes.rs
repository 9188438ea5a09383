//! The one write path for sessions: `/api/sync` and the REST session endpoints alike.
//!
//! Read (one batch: the sessions and op ids the ops name, the active session of each
//! device they name, the user's ledger version) → decide every op in the core
//! (`worktime_core::sync_plan`) → read the ended sessions around every session whose end
//! moves or that is deleted (one batch) and compute what that does to the statistics
//! (`worktime_core::overlap::Ledger`) → write it all in one D1 batch, fenced on the
//! ledger version. A batch whose version moved meanwhile (another device of the user
//! wrote) fails whole and the request is decided again against fresh rows, so the
//! materialized statistics never drift, whatever runs concurrently.

use std::collections::HashMap;

use worker::{console_warn, Env};
use worktime_api::sessions::SessionStatus;
use worktime_api::sync::{OpResult, OpType, SyncOp};
use worktime_api::ErrorCode;
use worktime_core::overlap::{Ledger, LedgerDelta, Span};
use worktime_core::sessions::{Limits, StoredSession};
use worktime_core::sync_plan::{self, Known, Logging, Plan, Rows, Write};
use worktime_core::time::UnixMillis;

use crate::d1::Db;
use crate::env;
use crate::ratelimit::Gate;
use crate::request::{ApiError, Handled};
use crate::store::{self, ledger, sessions, spans};

/// Decisions per request before giving up on a user whose devices keep writing: each
/// costs at most 4 + 1 + 9 statements, so three stay inside the 50 of one invocation.
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
pub fn announce(w: &Writer<'_>, ops: &[SyncOp], applied: &Applied) {
    if applied.changed {
        let device = ops.iter().find_map(|op| op.device_id.clone());
        w.ctx.wait_until(crate::live::notify(w.env.clone(), w.user_id, device, w.now));
    }
}

/// One authenticated write request: who writes, through what, when.
pub struct Writer<'a> {
    pub env: &'a Env,
    pub ctx: &'a worker::Context,
    pub db: &'a Db,
    /// The request's pending rate-limit verdict, awaited before the first write.
    pub gate: &'a Gate,
    pub user_id: i64,
    pub now: UnixMillis,
}

/// Decides and commits `ops` for `user_id`; nothing is written unless `gate` admits.
pub async fn apply(w: &Writer<'_>, ops: &[SyncOp], logging: Logging) -> Handled<Applied> {
    let (db, user_id, now, limits) = (w.db, w.user_id, w.now, limits(w.env));
    let around = sync_plan::window_around(ops, now, limits);
    for attempt in 1..=ATTEMPTS {
        let (known, version, nearby) =
            read_known(db, user_id, ops, logging, around, limits).await?;
        if version < 0 {
            // The account was deleted since the token was checked: nothing to write to.
            return Err(ApiError::unauthorized());
        }
        let (plan, sessions) = sync_plan::plan(ops, known, now, limits, logging);
        // Over the rate limit: nothing is written (the limiter ran during the read).
        w.gate.admit().await?;
        match commit(db, user_id, version, &plan, limits, now, nearby.as_ref()).await {
            Ok(()) => {
                let created = plan.writes.iter().any(|w| matches!(w, Write::Insert(_)));
                let changed = !plan.writes.is_empty();
                return Ok(Applied { results: plan.results, sessions, created, changed });
            }
            Err(err) => {
                console_warn!("write of user {user_id} lost a race (attempt {attempt}): {err}")
            }
        }
    }
    Err(ApiError::new(
        ErrorCode::Unavailable,
        "Your devices are writing at the same moment; please retry in a few seconds.",
    ))
}

/// Writes `plan` and its statistics in one batch, fenced on the ledger `version`
/// they were decided at: the deleted sessions; each other session once, in its final
/// state; the applied ops; the ledger delta. At most nine statements, whatever the
/// request. A plan of active
/// sessions' heartbeats only is one unfenced statement. `nearby`: the ended sessions read
/// with the rows; when they cover every moved end, the overlap read is skipped.
pub async fn commit(
    db: &Db,
    user_id: i64,
    version: i64,
    plan: &Plan,
    limits: Limits,
    now: UnixMillis,
    nearby: Option<&Nearby>,
) -> worker::Result<()> {
    if plan.writes.is_empty() {
        return Ok(());
    }
    let rows = plan.rows();
    if !rows.touch_ledger() {
        // Only later heartbeats of active sessions: one statement, one row each.
        db.batch(vec![sessions::heartbeats(db, user_id, &rows.updated)?]).await?;
        return Ok(());
    }
    let mut delta = statistics(db, user_id, &rows, limits, nearby).await?;
    // The attributed seconds of the sessions written anyway go into their own row's write
    // (one row written, not two); the ledger statement keeps the others.
    let mut attributed = std::collections::BTreeMap::new();
    for session in rows.updated.iter().chain(&rows.inserted) {
        if let Some(change) = delta.sessions.remove(&session.id) {
            attributed.insert(session.id.clone(), change);
        }
    }
    let mut statements = Vec::from(ledger::fence(db, user_id, version)?);
    // First: a session deleted and started again under its id is then inserted afresh,
    // and a deleted running session frees its device's one active slot.
    if !rows.deleted.is_empty() {
        statements.push(sessions::delete(db, user_id, &rows.deleted)?);
    }
    if !rows.updated.is_empty() {
        statements.push(sessions::update(db, user_id, &rows.updated, &attributed)?);
    }
    if !rows.inserted.is_empty() {
        statements.push(sessions::insert(db, user_id, &rows.inserted, &attributed)?);
    }
    if !rows.logs.is_empty() {
        statements.push(store::ops::log(db, user_id, &rows.logs, now.0)?);
    }
    statements.extend(ledger::delta(db, user_id, &delta)?);
    db.batch(statements).await?;
    Ok(())
}

/// The ended sessions overlapping `window`, read in the same batch as the rows a write is
/// decided from.
pub struct Nearby {
    window: (i64, i64),
    spans: Vec<Span>,
}

/// What the moved ends and deletions do to attributed seconds, `daily_stats` and
/// `hourly_stats`.
async fn statistics(
    db: &Db,
    user_id: i64,
    rows: &Rows<'_>,
    limits: Limits,
    nearby: Option<&Nearby>,
) -> worker::Result<LedgerDelta> {
    let windows = rows.windows();
    // Zero-length and running sessions cover no time: nothing to read, nothing to count.
    if windows.is_empty() {
        return Ok(LedgerDelta::default());
    }
    let covered =
        |n: &&Nearby| windows.iter().all(|&(from, to)| n.window.0 <= from && to <= n.window.1);
    let spans = match nearby.filter(covered) {
        Some(nearby) => nearby.spans.clone(),
        None => {
            let query = spans::overlapping(db, user_id, &windows, limits.max_session_ms)?;
            spans::read_spans(&db.all(query).await?)?
        }
    };
    Ok(rows.delta(&mut Ledger::new(spans)))
}

/// The sessions and applied op ids the ops name, the active session of every device
/// they name, the ledger version and the ended sessions `around` the ops: one batch (a
/// consistent snapshot), at most four statements.
async fn read_known(
    db: &Db,
    user_id: i64,
    ops: &[SyncOp],
    logging: Logging,
    around: Option<(i64, i64)>,
    limits: Limits,
) -> Handled<(Known, i64, Option<Nearby>)> {
    let (op_ids, session_ids) = sync_plan::referenced_ids(ops);
    let devices = sync_plan::referenced_devices(ops);
    // Heartbeats are never logged, so a request of heartbeats only has no op ids to check.
    let logged = ops.iter().any(|op| op.op_type != OpType::Heartbeat);
    let check_ops = logging == Logging::OpLog && logged && !op_ids.is_empty();
    let mut statements =
        vec![ledger::version(db, user_id)?, sessions::named(db, user_id, &session_ids, &devices)?];
    if check_ops {
        statements.push(store::ops::applied(db, user_id, &op_ids)?);
    }
    if let Some(window) = around {
        statements.push(spans::ended_in(db, user_id, window, limits.max_session_ms)?);
    }
    let results = db.batch(statements).await?;
    let mut known = Known::default();
    let version = match results.first() {
        Some(result) => ledger::read_version(result)?,
        None => -1,
    };
    if let Some(result) = results.get(1) {
        for session in sessions::read_sessions(result)? {
            if session.status == SessionStatus::Active {
                known.active.insert(session.device_id.clone(), session.id.clone());
            }
            known.sessions.insert(session.id.clone(), session);
        }
    }
    if check_ops {
        if let Some(result) = results.get(2) {
            known.applied_ops.extend(store::ops::read_applied(result)?);
        }
    }
    let nearby = match (around, results.last()) {
        (Some(window), Some(found)) => Some(Nearby { window, spans: spans::read_spans(found)? }),
        _ => None,
    };
    Ok((known, version, nearby))
}
