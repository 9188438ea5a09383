//! Tracking: the active session and the local history of the latest sessions.
//!
//! Every change becomes an op for the queue, built here from the same values the history
//! records, so the server ends up with exactly what the popup shows. Times are cut to
//! whole seconds before they are recorded, as the server stores them: the RFC 3339 text
//! on the wire has second precision, and a duration is whole seconds.
//!
//! Ids are client-generated UUIDs passed in by the shell; the engine makes no
//! randomness. It derives two: the end op written when a start implicitly ends the
//! active session ([`implicit_end_op_id`]), and the end of a session that went silent
//! ([`silent_end_op_id`]).

use std::collections::VecDeque;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use worktime_api::sessions::DEFAULT_MAX_SESSION_HOURS;
use worktime_api::sync::{OpType, SyncOp};

use crate::time::UnixMillis;
use crate::validate::{self, truncate_to_second};

/// What the shell knows when the user starts working on a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartInput {
    /// New UUID for the session.
    pub session_id: String,
    /// New UUID for the start op.
    pub op_id: String,
    pub repo_owner: String,
    pub repo_name: String,
    pub pr_number: i64,
    /// Minutes east of UTC (JavaScript's `-getTimezoneOffset()`).
    pub tz_offset_minutes: Option<i32>,
}

/// Whether the server has all of a session's ops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SyncState {
    /// Some op of the session is still queued.
    Pending,
    /// The server confirmed every op.
    Synced,
    /// The server rejected an op of the session: its copy differs from this one.
    Rejected,
}

/// One session as the popup shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LocalSession {
    pub session_id: String,
    pub repo_owner: String,
    pub repo_name: String,
    pub pr_number: i64,
    pub tz_offset_minutes: Option<i32>,
    /// Epoch ms, whole seconds.
    pub start_ms: i64,
    /// Epoch ms, whole seconds; `None` while active.
    pub end_ms: Option<i64>,
    /// Whole seconds from start to end; `None` while active.
    pub duration_seconds: Option<i64>,
    /// The latest heartbeat (the start until the first one).
    pub last_heartbeat_ms: i64,
    /// The latest heartbeat queued for the server (the start until the first one): the
    /// server's `last_heartbeat` once the queue is through.
    #[serde(default)]
    pub last_sent_heartbeat_ms: i64,
    pub sync_state: SyncState,
    /// The PR's page on GitHub (`None` for names GitHub would not accept).
    pub pr_url: Option<String>,
}

/// Why a tracking call changed nothing. Failure is a value: no call panics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackingError {
    /// `end_session` or `heartbeat` without an active session.
    NoActiveSession,
    /// An input breaks the API's rules (the message names the field); it would only
    /// be rejected by the server.
    Invalid(String),
    /// The session id or op id is already in use.
    DuplicateId(String),
    /// The user paused tracking: nothing starts until they resume.
    Paused,
    /// The session is the one being tracked: pause (or leave the PR) before deleting it.
    SessionRunning,
}

impl fmt::Display for TrackingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrackingError::NoActiveSession => f.write_str("no session is active"),
            TrackingError::Invalid(message) => f.write_str(message),
            TrackingError::DuplicateId(id) => write!(f, "the id {id} is already in use"),
            TrackingError::Paused => f.write_str("tracking is paused"),
            TrackingError::SessionRunning => {
                f.write_str("this session is being tracked: pause tracking before deleting it")
            }
        }
    }
}

impl std::error::Error for TrackingError {}

/// The active session and the history, newest first. When `active` is set, the first
/// history entry is the active session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tracker {
    /// This installation's device id, sent with every op; `None` until the shell sets it
    /// (snapshots from before device ids), when ops belong to the legacy device.
    pub device_id: Option<String>,
    pub active: bool,
    pub history: VecDeque<SessionRecord>,
}

/// A history entry as persisted: the rejected mark is stored, pending/synced is read
/// from the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionRecord {
    pub session_id: String,
    pub repo_owner: String,
    pub repo_name: String,
    pub pr_number: i64,
    pub tz_offset_minutes: Option<i32>,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub last_heartbeat_ms: i64,
    /// The latest heartbeat queued for the server; 0 (snapshots before it) reads as the
    /// start.
    pub sent_heartbeat_ms: i64,
    pub rejected: bool,
    /// The device the session was started on: its end and heartbeats name the same one.
    pub device_id: Option<String>,
}

impl SessionRecord {
    pub fn view(&self, queued: bool) -> LocalSession {
        let sync_state = if self.rejected {
            SyncState::Rejected
        } else if queued {
            SyncState::Pending
        } else {
            SyncState::Synced
        };
        LocalSession {
            session_id: self.session_id.clone(),
            repo_owner: self.repo_owner.clone(),
            repo_name: self.repo_name.clone(),
            pr_number: self.pr_number,
            tz_offset_minutes: self.tz_offset_minutes,
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            duration_seconds: self.end_ms.map(|end| (end - self.start_ms) / 1000),
            last_heartbeat_ms: self.last_heartbeat_ms,
            last_sent_heartbeat_ms: self.sent_heartbeat_ms.max(self.start_ms),
            sync_state,
            pr_url: crate::presence::pr_url(&self.repo_owner, &self.repo_name, self.pr_number),
        }
    }
}

/// Checks a client-generated UUID; returns it lowercased, as the server stores it.
pub(crate) fn checked_uuid(text: &str, field: &str) -> Result<String, TrackingError> {
    validate::uuid(text, field).map_err(|violation| TrackingError::Invalid(violation.message))
}

/// The op id of the end op written when starting `start_op_id`'s session implicitly
/// ends the active one: a UUID (version 8) made of SHA-256 of the start op's id, so it
/// is unique per start and the same on every replay.
pub fn implicit_end_op_id(start_op_id: &str) -> String {
    derived_uuid("implicit-end", start_op_id)
}

/// The op id of the end op of a session that went silent (ended at its last heartbeat,
/// see [`Tracker::silent_since`]): derived from the session id, as a session ends once.
pub fn silent_end_op_id(session_id: &str) -> String {
    derived_uuid("silent-end", session_id)
}

fn derived_uuid(purpose: &str, from: &str) -> String {
    let digest = Sha256::digest(format!("worktime:{purpose}:{}", from.to_ascii_lowercase()));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

impl Tracker {
    /// The active session's record.
    pub fn active_record(&self) -> Option<&SessionRecord> {
        if self.active {
            self.history.front()
        } else {
            None
        }
    }

    pub fn find_mut(&mut self, session_id: &str) -> Option<&mut SessionRecord> {
        self.history.iter_mut().find(|record| record.session_id == session_id)
    }

    /// Starts a session at `now`, first ending the active one there. Returns the ops in
    /// queue order: the implicit end (if any), then the start. `op_id` is the checked
    /// start op id.
    pub fn start(
        &mut self,
        now: UnixMillis,
        input: StartInput,
        op_id: &str,
        history_limit: usize,
    ) -> Result<Vec<SyncOp>, TrackingError> {
        let session_id = checked_uuid(&input.session_id, "session_id")?;
        let invalid = |v: validate::Violation| TrackingError::Invalid(v.message);
        validate::github_owner(&input.repo_owner).map_err(invalid)?;
        validate::github_repo(&input.repo_name).map_err(invalid)?;
        validate::pr_number(input.pr_number).map_err(invalid)?;
        if let Some(offset) = input.tz_offset_minutes {
            validate::tz_offset(offset).map_err(invalid)?;
        }
        if self.history.iter().any(|record| record.session_id == session_id) {
            return Err(TrackingError::DuplicateId(session_id));
        }
        let mut ops = Vec::with_capacity(2);
        if self.active {
            ops.push(self.end(now, implicit_end_op_id(op_id))?);
        }
        let start_ms = truncate_to_second(now).0;
        ops.push(SyncOp {
            start_time: Some(UnixMillis(start_ms).to_rfc3339()),
            repo_owner: Some(input.repo_owner.clone()),
            repo_name: Some(input.repo_name.clone()),
            pr_number: Some(input.pr_number),
            tz_offset_minutes: input.tz_offset_minutes,
            device_id: self.device_id.clone(),
            ..bare_op(op_id.to_owned(), OpType::Start, session_id.clone())
        });
        self.history.push_front(SessionRecord {
            session_id,
            repo_owner: input.repo_owner,
            repo_name: input.repo_name,
            pr_number: input.pr_number,
            tz_offset_minutes: input.tz_offset_minutes,
            start_ms,
            end_ms: None,
            last_heartbeat_ms: start_ms,
            sent_heartbeat_ms: start_ms,
            rejected: false,
            device_id: self.device_id.clone(),
        });
        self.active = true;
        self.history.truncate(history_limit);
        Ok(ops)
    }

    /// Ends the active session at `now`: never before its start, and never later than
    /// the longest session the server accepts after it.
    pub fn end(&mut self, now: UnixMillis, op_id: String) -> Result<SyncOp, TrackingError> {
        let record = match self.history.front_mut() {
            Some(record) if self.active => record,
            _ => return Err(TrackingError::NoActiveSession),
        };
        let end_ms =
            truncate_to_second(now).0.max(record.start_ms).min(record.start_ms + MAX_SESSION_MS);
        record.end_ms = Some(end_ms);
        self.active = false;
        Ok(SyncOp {
            end_time: Some(UnixMillis(end_ms).to_rfc3339()),
            device_id: record.device_id.clone(),
            ..bare_op(op_id, OpType::End, record.session_id.clone())
        })
    }

    /// Records that the user is still working on the active session, and returns the op
    /// for the server when one is due: `send_every_ms` after the last one sent, or at once
    /// when `request_pending` (it rides along, at no extra request). A session that has
    /// reached the longest length the server accepts ends there instead (the op is its
    /// end): the shell's next observation starts a new one.
    pub fn heartbeat(
        &mut self,
        now: UnixMillis,
        op_id: String,
        send_every_ms: i64,
        request_pending: bool,
    ) -> Result<Option<SyncOp>, TrackingError> {
        let record = match self.history.front_mut() {
            Some(record) if self.active => record,
            _ => return Err(TrackingError::NoActiveSession),
        };
        let at_ms = truncate_to_second(now).0;
        if at_ms - record.start_ms >= MAX_SESSION_MS {
            return self.end(now, op_id).map(Some);
        }
        record.last_heartbeat_ms = record.last_heartbeat_ms.max(at_ms);
        let sent_ms = record.sent_heartbeat_ms.max(record.start_ms);
        let due = record.last_heartbeat_ms - sent_ms >= send_every_ms;
        if record.last_heartbeat_ms <= sent_ms || !(due || request_pending) {
            return Ok(None);
        }
        record.sent_heartbeat_ms = record.last_heartbeat_ms;
        Ok(Some(SyncOp {
            at: Some(UnixMillis(record.last_heartbeat_ms).to_rfc3339()),
            device_id: record.device_id.clone(),
            ..bare_op(op_id, OpType::Heartbeat, record.session_id.clone())
        }))
    }

    /// The active session, when its last heartbeat is more than `silence_ms` before
    /// `now`: it stopped there (see `EngineConfig::silence_ms`).
    pub fn silent_since(&self, now: UnixMillis, silence_ms: i64) -> Option<i64> {
        let record = self.active_record()?;
        (now.0 - record.last_heartbeat_ms > silence_ms).then_some(record.last_heartbeat_ms)
    }
}

/// The longest session the server accepts by default: the engine never records longer.
pub const MAX_SESSION_MS: i64 = DEFAULT_MAX_SESSION_HOURS as i64 * 3_600_000;

fn bare_op(op_id: String, op_type: OpType, session_id: String) -> SyncOp {
    SyncOp::new(op_id, op_type, session_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implicit_end_ids_are_stable_valid_uuids() {
        let id = implicit_end_op_id("123E4567-E89B-42D3-A456-426614174000");
        assert_eq!(id, implicit_end_op_id("123e4567-e89b-42d3-a456-426614174000"));
        assert!(validate::uuid(&id, "op_id").is_ok(), "{id}");
        assert_eq!(&id[14..15], "8");
        assert_ne!(id, implicit_end_op_id("123e4567-e89b-42d3-a456-426614174001"));
    }
}
