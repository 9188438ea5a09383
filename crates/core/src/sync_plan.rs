//! Planning a `/api/sync` request: every op decided in order, in memory, against the rows
//! read once before — exactly what applying the ops one by one would do — so the worker
//! can write the whole request in a single D1 batch.
//!
//! Deletion. A `delete` op (and `DELETE /api/sessions/{id}`) removes one of the caller's
//! sessions, whichever device recorded it and whatever its state: its time leaves the
//! statistics, the seconds it owned go back to the sessions it overlapped, and the row
//! goes. A running session may be deleted too (it has no time in the statistics yet): its
//! device's later heartbeats and end then get `not_found`, as for any unknown session. A
//! session that is not there — never synced, deleted already, or another user's — is
//! applied all the same and nothing is written (but the op log), so deleting twice
//! changes nothing.

use std::collections::{HashMap, HashSet};

use worktime_api::sync::{OpResult, OpStatus, OpType, SyncOp};
use worktime_api::{ErrorCode, ErrorDetail};

use crate::overlap::{merged_windows, Ledger, LedgerDelta, Span};
use crate::sessions::{
    decide_end, decide_heartbeat, decide_start, device_of, validate_start, EndDecision, Ending,
    Limits, StartDecision, StartFields, StoredSession,
};
use crate::time::UnixMillis;
use crate::validate::{self, Violation};

/// What the worker read before planning.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The caller's sessions named by the request's ops, by (lowercase) id.
    pub sessions: HashMap<String, StoredSession>,
    /// The active session of each device the request names, by device id (also in
    /// `sessions`).
    pub active: HashMap<String, String>,
    /// Op ids of this request the caller applied before.
    pub applied_ops: HashSet<String>,
}

/// One write, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Insert(StoredSession),
    /// A session's end set or moved (its time enters the statistics).
    End(Ending),
    /// An active session's later heartbeat.
    Heartbeat(StoredSession),
    /// A session removed, as it stood: its time leaves the statistics, then its row goes.
    Delete(StoredSession),
    /// Records an applied op in `sync_ops`.
    Log {
        op_id: String,
        op_type: OpType,
        session_id: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// One per op, in order.
    pub results: Vec<OpResult>,
    pub writes: Vec<Write>,
}

/// The op ids and session ids a request names (valid UUIDs only, lowercased): what the
/// worker must read into [`Known`].
pub fn referenced_ids(ops: &[SyncOp]) -> (Vec<String>, Vec<String>) {
    let op_ids = ops.iter().filter_map(|op| validate::uuid(&op.op_id, "op_id").ok()).collect();
    let mut session_ids: Vec<String> =
        ops.iter().filter_map(|op| validate::uuid(&op.session_id, "session_id").ok()).collect();
    session_ids.sort();
    session_ids.dedup();
    (op_ids, session_ids)
}

/// The devices a request's ops name (the legacy device for ops without one; invalid ids
/// skipped): the worker reads each one's active session into [`Known`].
pub fn referenced_devices(ops: &[SyncOp]) -> Vec<String> {
    let mut devices: Vec<String> =
        ops.iter().filter_map(|op| device_of(op.device_id.as_deref()).ok()).collect();
    devices.sort();
    devices.dedup();
    devices
}

/// Where every moved end of `ops` must lie, when that is a short window: the worker reads
/// the ended sessions in it with the rows, and a write costs two round trips, not three.
/// A session lasts at most `max_session_ms` and a moved end is an op's time, so the spans
/// of a moved end lie within that much of the ops' times; only a session left running for
/// longer (ended by a start at its limit) can fall outside, and then the worker reads the
/// exact windows. `None` for heartbeats and deletes only (heartbeats rarely move an end;
/// a deletion's window is its session's own, unknown before the read: when the window
/// misses it, the worker reads it exactly) and for ops spread over more than
/// `max_session_ms`.
pub fn window_around(ops: &[SyncOp], now: UnixMillis, limits: Limits) -> Option<(i64, i64)> {
    let timed = |op: &&SyncOp| !matches!(op.op_type, OpType::Heartbeat | OpType::Delete);
    if !ops.iter().any(|op| timed(&op)) {
        return None;
    }
    let time = |op: &SyncOp| match op
        .start_time
        .as_deref()
        .or(op.end_time.as_deref())
        .or(op.at.as_deref())
    {
        None => Some(now.0),
        Some(text) => UnixMillis::parse_rfc3339(text).map(|t| t.0),
    };
    let times: Vec<i64> = ops.iter().filter(timed).filter_map(time).collect();
    let (low, high) = (*times.iter().min()?, *times.iter().max()?);
    let max = limits.max_session_ms;
    (high - low <= max).then(|| (low - max, high + max))
}

/// Whether applied ops are logged in `sync_ops` (and replays recognised by op id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logging {
    /// `/api/sync`: every op has an op id, logged when applied.
    OpLog,
    /// The REST endpoints: one op without an id; replays are recognised by content.
    Unlogged,
}

/// Decides every op in order. Returns the plan and the sessions as they stand after it.
pub fn plan(
    ops: &[SyncOp],
    mut known: Known,
    now: UnixMillis,
    limits: Limits,
    logging: Logging,
) -> (Plan, HashMap<String, StoredSession>) {
    let mut plan = Plan::default();
    for op in ops {
        let writes_before = plan.writes.len();
        let op_id = match logging {
            Logging::Unlogged => Ok(None),
            Logging::OpLog => validate::uuid(&op.op_id, "op_id").map(Some),
        };
        let result = match op_id {
            Err(violation) => rejected(op, violation),
            Ok(Some(op_id)) if known.applied_ops.contains(&op_id) => {
                OpResult { op_id: op.op_id.clone(), status: OpStatus::Duplicate, error: None }
            }
            Ok(op_id) => match apply(op, &mut known, &mut plan.writes, now, limits) {
                // A heartbeat already covered (its replay, or an older one) changes nothing:
                // heartbeats are not logged, so this is how a replay is recognised.
                Ok(_) if op.op_type == OpType::Heartbeat && plan.writes.len() == writes_before => {
                    OpResult { op_id: op.op_id.clone(), status: OpStatus::Duplicate, error: None }
                }
                Ok(session_id) => {
                    // Heartbeats are not logged: a replay only moves `last_heartbeat` to
                    // where it is, so the log would cost a row a heartbeat for nothing.
                    if let Some(op_id) = op_id.filter(|_| op.op_type != OpType::Heartbeat) {
                        plan.writes.push(Write::Log {
                            op_id: op_id.clone(),
                            op_type: op.op_type,
                            session_id,
                        });
                        known.applied_ops.insert(op_id);
                    }
                    OpResult { op_id: op.op_id.clone(), status: OpStatus::Applied, error: None }
                }
                Err(violation) => rejected(op, violation),
            },
        };
        plan.results.push(result);
    }
    (plan, known.sessions)
}

fn rejected(op: &SyncOp, violation: Violation) -> OpResult {
    OpResult {
        op_id: op.op_id.clone(),
        status: OpStatus::Rejected,
        error: Some(ErrorDetail { code: violation.code, message: violation.message }),
    }
}

/// Applies one op to `known`, appending its writes; the session id on success.
fn apply(
    op: &SyncOp,
    known: &mut Known,
    writes: &mut Vec<Write>,
    now: UnixMillis,
    limits: Limits,
) -> Result<String, Violation> {
    check_fields(op)?;
    let session_id = validate::uuid(&op.session_id, "session_id")?;
    let device = device_of(op.device_id.as_deref())?;
    match op.op_type {
        OpType::Start => {
            let fields = StartFields {
                id: &session_id,
                repo_owner: op.repo_owner.as_deref().unwrap_or_default(),
                repo_name: op.repo_name.as_deref().unwrap_or_default(),
                pr_number: op.pr_number.unwrap_or(0),
                start_time: op.start_time.as_deref(),
                tz_offset_minutes: op.tz_offset_minutes,
                device_id: op.device_id.as_deref(),
            };
            let start = validate_start(&fields, now)?;
            let existing = known.sessions.get(&session_id);
            let active = known.active.get(&device).and_then(|id| known.sessions.get(id));
            let active = if existing.is_some() { None } else { active };
            match decide_start(start, existing, active, limits) {
                StartDecision::Replay(_) => {}
                StartDecision::Conflict => {
                    return Err(Violation {
                        code: ErrorCode::Conflict,
                        message: "This session id was already used for a different session.".into(),
                    })
                }
                StartDecision::Create { session, end_previous } => {
                    if let Some(ending) = end_previous {
                        known.sessions.insert(ending.session.id.clone(), ending.session.clone());
                        writes.push(Write::End(ending));
                    }
                    known.active.insert(device, session.id.clone());
                    known.sessions.insert(session.id.clone(), session.clone());
                    writes.push(Write::Insert(session));
                }
            }
        }
        OpType::End => {
            let session = find(known, &session_id)?;
            let end_ms = validate::client_time(op.end_time.as_deref(), "end_time", now)?.0;
            match decide_end(&session, end_ms, op.end_time.is_some(), &device, limits)? {
                EndDecision::AlreadyEnded(_) => {}
                EndDecision::End(ending) => {
                    if known.active.get(&device) == Some(&session_id) {
                        known.active.remove(&device);
                    }
                    known.sessions.insert(session_id.clone(), ending.session.clone());
                    writes.push(Write::End(ending));
                }
            }
        }
        OpType::Heartbeat => {
            let session = find(known, &session_id)?;
            let at_ms = validate::client_time(op.at.as_deref(), "at", now)?.0;
            if let Some(change) = decide_heartbeat(&session, at_ms, &device, limits)? {
                known.sessions.insert(session_id.clone(), change.session.clone());
                if change.before.end_ms == change.session.end_ms {
                    writes.push(Write::Heartbeat(change.session));
                } else {
                    writes.push(Write::End(change));
                }
            }
        }
        OpType::Delete => {
            // Any device of the user may delete any of the user's sessions, running or
            // ended; one that is not there is applied all the same (nothing to write).
            if let Some(session) = known.sessions.remove(&session_id) {
                known.active.retain(|_, active| *active != session_id);
                writes.push(Write::Delete(session));
            }
        }
    }
    Ok(session_id)
}

fn find(known: &Known, session_id: &str) -> Result<StoredSession, Violation> {
    known
        .sessions
        .get(session_id)
        .cloned()
        .ok_or_else(|| Violation { code: ErrorCode::NotFound, message: "No such session.".into() })
}

fn op_name(op_type: OpType) -> &'static str {
    match op_type {
        OpType::Start => "start",
        OpType::End => "end",
        OpType::Heartbeat => "heartbeat",
        OpType::Delete => "delete",
    }
}

/// Each op type takes only its endpoint's fields.
fn check_fields(op: &SyncOp) -> Result<(), Violation> {
    let start_fields = op.repo_owner.is_some()
        || op.repo_name.is_some()
        || op.pr_number.is_some()
        || op.start_time.is_some()
        || op.tz_offset_minutes.is_some();
    let misplaced = match op.op_type {
        OpType::Start => op.end_time.is_some() || op.at.is_some(),
        OpType::End => start_fields || op.at.is_some(),
        OpType::Heartbeat => start_fields || op.end_time.is_some(),
        OpType::Delete => start_fields || op.end_time.is_some() || op.at.is_some(),
    };
    if misplaced {
        return Err(Violation::rule(format!(
            "A {} op has fields of another op type.",
            op_name(op.op_type)
        )));
    }
    let incomplete = op.repo_owner.is_none() || op.repo_name.is_none() || op.pr_number.is_none();
    if op.op_type == OpType::Start && incomplete {
        return Err(Violation::rule("A start op needs repo_owner, repo_name and pr_number."));
    }
    Ok(())
}

/// A plan's writes as the database takes them: each session once, in its final state.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rows<'a> {
    /// Sessions that existed before the plan and that it deleted, to delete first (one
    /// deleted and then started again under the same id is also in `inserted`).
    pub deleted: Vec<&'a str>,
    /// Sessions that existed before the plan, to update.
    pub updated: Vec<&'a StoredSession>,
    /// Sessions the plan created, to insert (after the updates: a start's new active
    /// session may exist only once the same device's previous one is no longer active).
    pub inserted: Vec<&'a StoredSession>,
    /// Applied ops to log: `(op_id, op_type name, session_id)`.
    pub logs: Vec<(&'a str, &'static str, &'a str)>,
    /// Every change to the statistics, in order: moved ends and deletions.
    pub changes: Vec<Change<'a>>,
}

/// One change a plan brings to the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<'a> {
    /// A session's end set or moved: its time enters the statistics.
    End(&'a Ending),
    /// A session removed (as it stood): its time leaves the statistics and the seconds it
    /// owned go back to the sessions it overlapped, as if its end moved to its start.
    Delete(&'a StoredSession),
}

impl Change<'_> {
    /// The session's span before and after the change (`None`: not in the statistics).
    pub fn spans(&self) -> (Option<Span>, Option<Span>) {
        match self {
            Change::End(ending) => (ending.before.span(), ending.session.span()),
            Change::Delete(session) => (session.span(), None),
        }
    }
}

impl Rows<'_> {
    /// Whether the rows touch the ledger: a new or deleted session, a moved end or a
    /// logged op. Only then must the batch be fenced on the ledger version it was decided
    /// at. Rows that are only later heartbeats of active sessions need no fence: each is
    /// written as "at least this heartbeat, if still active", which no concurrent write
    /// can make wrong.
    pub fn touch_ledger(&self) -> bool {
        !self.inserted.is_empty()
            || !self.deleted.is_empty()
            || !self.changes.is_empty()
            || !self.logs.is_empty()
    }

    /// Where the ledger must know every ended session: each change's old and new
    /// interval, merged (empty when no change touches the statistics).
    pub fn windows(&self) -> Vec<(i64, i64)> {
        let spans = self.changes.iter().flat_map(|change| {
            let (before, after) = change.spans();
            [before, after]
        });
        merged_windows(spans.flatten().map(|span| (span.start_ms, span.end_ms)))
    }

    /// What the changes do to the statistics, applied in order to `ledger` (which holds
    /// every ended session overlapping [`Rows::windows`]). A deleted session's own
    /// attributed seconds leave the delta with it: its row is gone (or, started again
    /// under the same id, inserted afresh with only what came after).
    pub fn delta(&self, ledger: &mut Ledger) -> LedgerDelta {
        let mut delta = LedgerDelta::default();
        for change in &self.changes {
            let (before, after) = change.spans();
            ledger.change(before.as_ref(), after.as_ref(), &mut delta);
            if let Change::Delete(session) = change {
                delta.sessions.remove(&session.id);
            }
        }
        delta
    }
}

/// What the plan does to one session, in the order of its writes.
struct Fate<'a> {
    /// Whether the row existed before the plan (its first write is not an insert).
    existed: bool,
    /// Whether the plan deleted the row that existed.
    deleted: bool,
    /// The row as it stands after the plan; `None` when deleted.
    last: Option<&'a StoredSession>,
}

impl Plan {
    /// The writes folded per session: the last write of a session is its final state.
    pub fn rows(&self) -> Rows<'_> {
        let mut rows = Rows::default();
        let mut fates: HashMap<&str, Fate<'_>> = HashMap::new();
        let mut order: Vec<&str> = Vec::new();
        for write in &self.writes {
            let (id, state) = match write {
                Write::Insert(session) | Write::Heartbeat(session) => {
                    (session.id.as_str(), Some(session))
                }
                Write::End(ending) => {
                    rows.changes.push(Change::End(ending));
                    (ending.session.id.as_str(), Some(&ending.session))
                }
                Write::Delete(session) => {
                    rows.changes.push(Change::Delete(session));
                    (session.id.as_str(), None)
                }
                Write::Log { op_id, op_type, session_id } => {
                    rows.logs.push((op_id, op_name(*op_type), session_id));
                    continue;
                }
            };
            let fate = fates.entry(id).or_insert_with(|| {
                order.push(id);
                let existed = !matches!(write, Write::Insert(_));
                Fate { existed, deleted: false, last: None }
            });
            fate.deleted |= fate.existed && state.is_none();
            fate.last = state;
        }
        for id in order {
            let Some(fate) = fates.get(id) else { continue };
            if fate.deleted {
                rows.deleted.push(id);
            }
            match fate.last {
                Some(session) if fate.existed && !fate.deleted => rows.updated.push(session),
                Some(session) => rows.inserted.push(session),
                None => {}
            }
        }
        rows
    }
}

/// The name stored in `sync_ops.op_type`.
pub fn op_type_name(op_type: OpType) -> &'static str {
    op_name(op_type)
}

#[cfg(test)]
mod tests;
