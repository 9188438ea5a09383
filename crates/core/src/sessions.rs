//! Session rules: what a start, end, heartbeat or silence does to stored sessions.
//!
//! Handlers read the rows involved, call one `decide_*` function, and write what it
//! returns in one D1 batch. Every decision is idempotent: replaying the same request
//! against the state it produced changes nothing.
//!
//! Devices. Every session belongs to the device that started it (`device_id`; requests
//! without one belong to the user's legacy device, [`LEGACY_DEVICE_ID`]). Each device has
//! at most one active session. A start ends only the same device's active session, at
//! the new start but never before that session's own start. Ends and heartbeats are
//! accepted only from the session's own device: no request of one device ends, shortens
//! or alters another device's session. Overlaps between devices are resolved in the
//! statistics (`crate::overlap`), never by cutting sessions. The one exception is the
//! user's own decision to delete a session (`crate::sync_plan`): any of their devices may
//! delete any of their sessions, running or ended.
//!
//! After the end. A completed session is final: a replay of the same end answers the
//! stored row, any other end or a heartbeat is `session_not_active` (409). An abandoned
//! session (ended by the server at its last heartbeat after its device went silent) may
//! still be corrected by its own device: a later heartbeat moves its end forward to that
//! heartbeat, and an end sets its true end and completes it.
//!
//! Bounds. A session lasts at most [`Limits::max_session_ms`]; a start more than
//! [`MAX_START_AGE_DAYS`] days before the server's clock is refused. Both are 422 and
//! nothing is written, so every session costs bounded work.

use worktime_api::sessions::{Session, SessionStatus, LEGACY_DEVICE_ID, MAX_START_AGE_DAYS};
use worktime_api::ErrorCode;

use crate::overlap::Span;
use crate::time::UnixMillis;
use crate::validate::{self, Violation};

const HOUR_MS: i64 = 3_600_000;

/// The server's bounds on sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest session, in milliseconds (`MAX_SESSION_HOURS`).
    pub max_session_ms: i64,
}

impl Limits {
    pub fn from_hours(hours: u32) -> Limits {
        Limits { max_session_ms: i64::from(hours.max(1)) * HOUR_MS }
    }

    fn hours(self) -> i64 {
        self.max_session_ms / HOUR_MS
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::from_hours(worktime_api::sessions::DEFAULT_MAX_SESSION_HOURS)
    }
}

/// The device a request names, validated and lowercased; the legacy device when absent.
pub fn device_of(device_id: Option<&str>) -> Result<String, Violation> {
    match device_id {
        Some(id) => validate::uuid(id, "device_id"),
        None => Ok(LEGACY_DEVICE_ID.to_owned()),
    }
}

/// A `time_sessions` row, times in epoch milliseconds (whole seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub id: String,
    pub repo_owner: String,
    pub repo_name: String,
    pub pr_number: i64,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub status: SessionStatus,
    pub last_heartbeat_ms: i64,
    pub tz_offset_minutes: Option<i32>,
    pub device_id: String,
}

impl StoredSession {
    /// Whole seconds from start to end, once ended.
    pub fn duration_seconds(&self) -> Option<i64> {
        self.end_ms.map(|end| (end - self.start_ms) / 1000)
    }

    /// The API's view of this row.
    pub fn to_api(&self) -> Session {
        Session {
            id: self.id.clone(),
            repo_owner: self.repo_owner.clone(),
            repo_name: self.repo_name.clone(),
            pr_number: self.pr_number,
            start_time: UnixMillis(self.start_ms).to_rfc3339(),
            end_time: self.end_ms.map(|end| UnixMillis(end).to_rfc3339()),
            duration_seconds: self.duration_seconds(),
            status: self.status,
            last_heartbeat: UnixMillis(self.last_heartbeat_ms).to_rfc3339(),
            tz_offset_minutes: self.tz_offset_minutes,
            device_id: self.device_id.clone(),
        }
    }

    /// The time this session covers, once ended.
    pub fn span(&self) -> Option<Span> {
        Some(Span {
            id: self.id.clone(),
            repo_owner: self.repo_owner.clone(),
            repo_name: self.repo_name.clone(),
            start_ms: self.start_ms,
            end_ms: self.end_ms?,
        })
    }
}

/// A validated start request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStart {
    pub id: String,
    pub repo_owner: String,
    pub repo_name: String,
    pub pr_number: i64,
    pub start_ms: i64,
    /// Whether the client gave the start time (a replay without one matches any time).
    pub start_given: bool,
    pub tz_offset_minutes: Option<i32>,
    pub device_id: String,
}

/// The fields of a start, as received (validated here).
pub struct StartFields<'a> {
    pub id: &'a str,
    pub repo_owner: &'a str,
    pub repo_name: &'a str,
    pub pr_number: i64,
    pub start_time: Option<&'a str>,
    pub tz_offset_minutes: Option<i32>,
    pub device_id: Option<&'a str>,
}

pub fn validate_start(fields: &StartFields<'_>, now: UnixMillis) -> Result<NewStart, Violation> {
    let id = validate::uuid(fields.id, "id")?;
    validate::github_owner(fields.repo_owner)?;
    validate::github_repo(fields.repo_name)?;
    validate::pr_number(fields.pr_number)?;
    if let Some(offset) = fields.tz_offset_minutes {
        validate::tz_offset(offset)?;
    }
    let device_id = device_of(fields.device_id)?;
    let start = validate::client_time(fields.start_time, "start_time", now)?;
    if start.0 < now.0 - MAX_START_AGE_DAYS * 24 * HOUR_MS {
        return Err(Violation::rule(format!(
            "start_time is more than {MAX_START_AGE_DAYS} days in the past; WorkTime does not accept sessions that old."
        )));
    }
    Ok(NewStart {
        device_id,
        id,
        repo_owner: fields.repo_owner.to_owned(),
        repo_name: fields.repo_name.to_owned(),
        pr_number: fields.pr_number,
        start_ms: start.0,
        start_given: fields.start_time.is_some(),
        tz_offset_minutes: fields.tz_offset_minutes,
    })
}

/// A session whose end is set or moved: its row before and after. Its time enters the
/// statistics through `crate::overlap::Ledger::change(before.span(), after.span())`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    /// The row as read (active, or abandoned for a correction).
    pub before: StoredSession,
    /// The row as written.
    pub session: StoredSession,
}

#[derive(Debug, Clone, PartialEq, Eq)]
// A decision is made once per op and matched at once: boxing `Create` would add an
// allocation to every start for no gain.
#[allow(clippy::large_enum_variant)]
pub enum StartDecision {
    /// The same start again: answer 200 with the stored session, write nothing.
    Replay(StoredSession),
    /// The id exists with other content: 409, write nothing.
    Conflict,
    /// Insert `session` (201); first end the same device's active session, if any.
    Create { session: StoredSession, end_previous: Option<Ending> },
}

/// Decides a start. `existing` is the caller's row with the same id; `device_active` the
/// active session of the start's device (if any). Other devices' sessions play no part.
pub fn decide_start(
    start: NewStart,
    existing: Option<&StoredSession>,
    device_active: Option<&StoredSession>,
    limits: Limits,
) -> StartDecision {
    if let Some(existing) = existing {
        let same = existing.repo_owner.eq_ignore_ascii_case(&start.repo_owner)
            && existing.repo_name.eq_ignore_ascii_case(&start.repo_name)
            && existing.pr_number == start.pr_number
            && existing.device_id == start.device_id
            && (!start.start_given || existing.start_ms == start.start_ms);
        return if same {
            StartDecision::Replay(existing.clone())
        } else {
            StartDecision::Conflict
        };
    }
    // The device's previous session ends when the new one starts, never before its own
    // start, and never past its maximum length.
    let end_previous =
        device_active.filter(|previous| previous.device_id == start.device_id).map(|previous| {
            let end_ms = start
                .start_ms
                .max(previous.start_ms)
                .min(previous.start_ms + limits.max_session_ms);
            end(previous, end_ms, SessionStatus::Completed)
        });
    let session = StoredSession {
        id: start.id,
        repo_owner: start.repo_owner,
        repo_name: start.repo_name,
        pr_number: start.pr_number,
        start_ms: start.start_ms,
        end_ms: None,
        status: SessionStatus::Active,
        last_heartbeat_ms: start.start_ms,
        tz_offset_minutes: start.tz_offset_minutes,
        device_id: start.device_id,
    };
    StartDecision::Create { session, end_previous }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndDecision {
    /// The same end again (or an end without a time of an ended session): answer 200
    /// with the stored row, write nothing.
    AlreadyEnded(StoredSession),
    /// End (or correct) the session.
    End(Ending),
}

/// Decides an end of `session` at `end_ms`, asked by `device`. `end_given`: whether the
/// client named the time (an end without one of a completed session is a replay).
pub fn decide_end(
    session: &StoredSession,
    end_ms: i64,
    end_given: bool,
    device: &str,
    limits: Limits,
) -> Result<EndDecision, Violation> {
    own_device(session, device)?;
    match session.status {
        SessionStatus::Completed if session.end_ms == Some(end_ms) || !end_given => {
            return Ok(EndDecision::AlreadyEnded(session.clone()))
        }
        SessionStatus::Completed => return Err(not_active(session)),
        // An abandoned session is corrected only by a stated end: "now" would count the
        // silence the abandon job cut off.
        SessionStatus::Abandoned if !end_given => {
            return Ok(EndDecision::AlreadyEnded(session.clone()))
        }
        SessionStatus::Active | SessionStatus::Abandoned => {}
    }
    if end_ms < session.start_ms {
        return Err(Violation::rule("end_time is before the session's start_time."));
    }
    within_limit(session, end_ms, "end_time", limits)?;
    Ok(EndDecision::End(end(session, end_ms, SessionStatus::Completed)))
}

/// The row after a heartbeat at `at_ms` from `device`, or `None` when nothing changes (a
/// later heartbeat is already recorded). A heartbeat after an abandoned session's end
/// moves the end there: the device was still working. A completed session takes no
/// heartbeat after its end (409), and one within it changes nothing: heartbeats are not
/// in the op log, so that is how the replay of one sent before the end is answered.
pub fn decide_heartbeat(
    session: &StoredSession,
    at_ms: i64,
    device: &str,
    limits: Limits,
) -> Result<Option<Ending>, Violation> {
    own_device(session, device)?;
    if session.status == SessionStatus::Completed {
        return match session.end_ms {
            Some(end_ms) if at_ms <= end_ms => Ok(None),
            _ => Err(not_active(session)),
        };
    }
    within_limit(session, at_ms, "at", limits)?;
    if at_ms <= session.last_heartbeat_ms && session.end_ms.is_none_or(|end| at_ms <= end) {
        return Ok(None);
    }
    let mut after = StoredSession {
        last_heartbeat_ms: at_ms.max(session.last_heartbeat_ms),
        ..session.clone()
    };
    if session.status == SessionStatus::Abandoned {
        after.end_ms = after.end_ms.map(|end| end.max(at_ms));
    }
    Ok(Some(Ending { before: session.clone(), session: after }))
}

/// Minutes of server-side silence after which the abandon job ends a session: the
/// configured value, but never under three of a tracking client's request intervals
/// (`send_interval_minutes`). Each of those requests carries the running session's latest
/// heartbeat, so two late or lost requests never cut a session that is still running; and
/// a session cut anyway is corrected by its device's next heartbeat or end.
pub fn abandon_after_minutes(configured: u32, send_interval_minutes: u32) -> u32 {
    configured.max(send_interval_minutes.saturating_mul(3)).max(1)
}

/// Ends a silent session at its last heartbeat when none came for longer than
/// `silence_limit_ms` before `now`.
pub fn decide_abandon(
    session: &StoredSession,
    now: UnixMillis,
    silence_limit_ms: i64,
) -> Option<Ending> {
    let silent = now.0 - session.last_heartbeat_ms > silence_limit_ms;
    if session.status != SessionStatus::Active || !silent {
        return None;
    }
    let end_ms = session.last_heartbeat_ms.max(session.start_ms);
    Some(end(session, end_ms, SessionStatus::Abandoned))
}

fn end(session: &StoredSession, end_ms: i64, status: SessionStatus) -> Ending {
    let ended = StoredSession { end_ms: Some(end_ms), status, ..session.clone() };
    Ending { before: session.clone(), session: ended }
}

fn own_device(session: &StoredSession, device: &str) -> Result<(), Violation> {
    if session.device_id == device {
        return Ok(());
    }
    Err(Violation {
        code: ErrorCode::Conflict,
        message: "This session belongs to another of your devices; only that device can end it or send its heartbeats.".into(),
    })
}

fn not_active(session: &StoredSession) -> Violation {
    let ended = session.end_ms.map(|end| UnixMillis(end).to_rfc3339()).unwrap_or_default();
    Violation {
        code: ErrorCode::SessionNotActive,
        message: format!("This session already ended at {ended}; it can no longer be changed."),
    }
}

fn within_limit(
    session: &StoredSession,
    ms: i64,
    field: &str,
    limits: Limits,
) -> Result<(), Violation> {
    if ms - session.start_ms <= limits.max_session_ms {
        return Ok(());
    }
    Err(Violation::rule(format!(
        "{field} would make the session longer than {} hours, the longest WorkTime accepts; split longer work into several sessions.",
        limits.hours()
    )))
}

#[cfg(test)]
mod tests;
