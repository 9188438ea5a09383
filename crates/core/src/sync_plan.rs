//! Planning a `/api/sync` request: every op decided in order, in memory, against the rows
//! read once before — exactly what applying the ops one by one would do — so the worker
//! can write the whole request in a single D1 batch.

use std::collections::{HashMap, HashSet};

use worktime_api::sync::{OpResult, OpStatus, OpType, SyncOp};
use worktime_api::{ErrorCode, ErrorDetail};

use crate::sessions::{
    decide_end, decide_heartbeat, decide_start, validate_start, EndDecision, Ending, StartDecision,
    StartFields, StoredSession,
};
use crate::time::UnixMillis;
use crate::validate::{self, Violation};

/// What the worker read before planning.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The caller's sessions named by the request's ops, by (lowercase) id.
    pub sessions: HashMap<String, StoredSession>,
    /// The caller's active session, if any (also in `sessions`).
    pub active: Option<String>,
    /// Op ids of this request the caller applied before.
    pub applied_ops: HashSet<String>,
}

/// One write, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Insert(StoredSession),
    End(Ending),
    Heartbeat(StoredSession),
    /// Records an applied op in `sync_ops`.
    Log { op_id: String, op_type: OpType, session_id: String },
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

/// Decides every op in order.
pub fn plan(ops: &[SyncOp], mut known: Known, now: UnixMillis) -> Plan {
    let mut plan = Plan::default();
    for op in ops {
        let result = match validate::uuid(&op.op_id, "op_id") {
            Err(violation) => rejected(op, violation),
            Ok(op_id) if known.applied_ops.contains(&op_id) => {
                OpResult { op_id: op.op_id.clone(), status: OpStatus::Duplicate, error: None }
            }
            Ok(op_id) => match apply(op, &mut known, &mut plan.writes, now) {
                Ok(session_id) => {
                    plan.writes.push(Write::Log { op_id: op_id.clone(), op_type: op.op_type, session_id });
                    known.applied_ops.insert(op_id);
                    OpResult { op_id: op.op_id.clone(), status: OpStatus::Applied, error: None }
                }
                Err(violation) => rejected(op, violation),
            },
        };
        plan.results.push(result);
    }
    plan
}

fn rejected(op: &SyncOp, violation: Violation) -> OpResult {
    OpResult {
        op_id: op.op_id.clone(),
        status: OpStatus::Rejected,
        error: Some(ErrorDetail { code: violation.code, message: violation.message }),
    }
}

/// Applies one op to `known`, appending its writes; the session id on success.
fn apply(op: &SyncOp, known: &mut Known, writes: &mut Vec<Write>, now: UnixMillis) -> Result<String, Violation> {
    check_fields(op)?;
    let session_id = validate::uuid(&op.session_id, "session_id")?;
    match op.op_type {
        OpType::Start => {
            let fields = StartFields {
                id: &session_id,
                repo_owner: op.repo_owner.as_deref().unwrap_or_default(),
                repo_name: op.repo_name.as_deref().unwrap_or_default(),
                pr_number: op.pr_number.unwrap_or(0),
                start_time: op.start_time.as_deref(),
                tz_offset_minutes: op.tz_offset_minutes,
            };
            let start = validate_start(&fields, now)?;
            let existing = known.sessions.get(&session_id);
            let active = known.active.as_ref().and_then(|id| known.sessions.get(id));
            let active = if existing.is_some() { None } else { active };
            match decide_start(start, existing, active) {
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
                    known.active = Some(session.id.clone());
                    known.sessions.insert(session.id.clone(), session.clone());
                    writes.push(Write::Insert(session));
                }
            }
        }
        OpType::End => {
            let session = find(known, &session_id)?;
            let end_ms = validate::client_time(op.end_time.as_deref(), "end_time", now)?.0;
            match decide_end(&session, end_ms) {
                EndDecision::AlreadyEnded(_) => {}
                EndDecision::EndBeforeStart => {
                    return Err(Violation::rule("end_time is before the session's start_time."))
                }
                EndDecision::End(ending) => {
                    if known.active.as_deref() == Some(session_id.as_str()) {
                        known.active = None;
                    }
                    known.sessions.insert(session_id.clone(), ending.session.clone());
                    writes.push(Write::End(ending));
                }
            }
        }
        OpType::Heartbeat => {
            let session = find(known, &session_id)?;
            let at_ms = validate::client_time(op.at.as_deref(), "at", now)?.0;
            if let Some(updated) = decide_heartbeat(&session, at_ms) {
                known.sessions.insert(session_id.clone(), updated.clone());
                writes.push(Write::Heartbeat(updated));
            }
        }
    }
    Ok(session_id)
}

fn find(known: &Known, session_id: &str) -> Result<StoredSession, Violation> {
    known.sessions.get(session_id).cloned().ok_or_else(|| Violation {
        code: ErrorCode::NotFound,
        message: "No such session.".into(),
    })
}

fn op_name(op_type: OpType) -> &'static str {
    match op_type {
        OpType::Start => "start",
        OpType::End => "end",
        OpType::Heartbeat => "heartbeat",
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
    };
    if misplaced {
        return Err(Violation::rule(format!("A {} op has fields of another op type.", op_name(op.op_type))));
    }
    let incomplete = op.repo_owner.is_none() || op.repo_name.is_none() || op.pr_number.is_none();
    if op.op_type == OpType::Start && incomplete {
        return Err(Violation::rule("A start op needs repo_owner, repo_name and pr_number."));
    }
    Ok(())
}

/// The name stored in `sync_ops.op_type`.
pub fn op_type_name(op_type: OpType) -> &'static str {
    op_name(op_type)
}

#[cfg(test)]
mod tests;
