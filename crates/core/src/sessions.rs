//! Session rules: what a start, end, heartbeat or silence does to stored sessions.
//!
//! Handlers read the rows involved, call one `decide_*` function, and write what it
//! returns in one D1 batch. Every decision is idempotent: replaying the same request
//! against the state it produced changes nothing.

use worktime_api::sessions::{Session, SessionStatus};

use crate::stats::{split_into_buckets, BucketDelta};
use crate::time::UnixMillis;
use crate::validate::{self, Violation};

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
        }
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
}

/// The fields of a start, as received (validated here).
pub struct StartFields<'a> {
    pub id: &'a str,
    pub repo_owner: &'a str,
    pub repo_name: &'a str,
    pub pr_number: i64,
    pub start_time: Option<&'a str>,
    pub tz_offset_minutes: Option<i32>,
}

pub fn validate_start(fields: &StartFields<'_>, now: UnixMillis) -> Result<NewStart, Violation> {
    let id = validate::uuid(fields.id, "id")?;
    validate::github_owner(fields.repo_owner)?;
    validate::github_repo(fields.repo_name)?;
    validate::pr_number(fields.pr_number)?;
    if let Some(offset) = fields.tz_offset_minutes {
        validate::tz_offset(offset)?;
    }
    let start = validate::client_time(fields.start_time, "start_time", now)?;
    Ok(NewStart {
        id,
        repo_owner: fields.repo_owner.to_owned(),
        repo_name: fields.repo_name.to_owned(),
        pr_number: fields.pr_number,
        start_ms: start.0,
        start_given: fields.start_time.is_some(),
        tz_offset_minutes: fields.tz_offset_minutes,
    })
}

/// A session that ends now: its updated row and what it adds to `daily_stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub session: StoredSession,
    pub buckets: Vec<BucketDelta>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartDecision {
    /// The same start again: answer 200 with the stored session, write nothing.
    Replay(StoredSession),
    /// The id exists with other content: 409, write nothing.
    Conflict,
    /// Insert `session` (201); first end the caller's previous active session, if any.
    Create { session: StoredSession, end_previous: Option<Ending> },
}

/// Decides a start. `existing` is the caller's row with the same id; `active` the
/// caller's active session (if any).
pub fn decide_start(
    start: NewStart,
    existing: Option<&StoredSession>,
    active: Option<&StoredSession>,
) -> StartDecision {
    if let Some(existing) = existing {
        let same = existing.repo_owner.eq_ignore_ascii_case(&start.repo_owner)
            && existing.repo_name.eq_ignore_ascii_case(&start.repo_name)
            && existing.pr_number == start.pr_number
            && (!start.start_given || existing.start_ms == start.start_ms);
        return if same { StartDecision::Replay(existing.clone()) } else { StartDecision::Conflict };
    }
    // The previous session ends when the new one starts, never before its own start.
    let end_previous = active.map(|previous| {
        let end_ms = start.start_ms.max(previous.start_ms);
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
    };
    StartDecision::Create { session, end_previous }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndDecision {
    /// Already ended (by an earlier end, a newer start, or the abandon job): answer
    /// 200 with the stored result, write nothing.
    AlreadyEnded(StoredSession),
    /// 422: the end is before the start.
    EndBeforeStart,
    End(Ending),
}

/// Decides an end of `session` at `end_ms`.
pub fn decide_end(session: &StoredSession, end_ms: i64) -> EndDecision {
    if session.status != SessionStatus::Active {
        return EndDecision::AlreadyEnded(session.clone());
    }
    if end_ms < session.start_ms {
        return EndDecision::EndBeforeStart;
    }
    EndDecision::End(end(session, end_ms, SessionStatus::Completed))
}

/// The row after a heartbeat at `at_ms`, or `None` when nothing changes (the session
/// has ended, or a later heartbeat is already recorded).
pub fn decide_heartbeat(session: &StoredSession, at_ms: i64) -> Option<StoredSession> {
    if session.status != SessionStatus::Active || at_ms <= session.last_heartbeat_ms {
        return None;
    }
    Some(StoredSession { last_heartbeat_ms: at_ms, ..session.clone() })
}

/// Ends a silent session at its last heartbeat when none came for longer than
/// `silence_limit_ms` before `now`.
pub fn decide_abandon(session: &StoredSession, now: UnixMillis, silence_limit_ms: i64) -> Option<Ending> {
    let silent = now.0 - session.last_heartbeat_ms > silence_limit_ms;
    if session.status != SessionStatus::Active || !silent {
        return None;
    }
    let end_ms = session.last_heartbeat_ms.max(session.start_ms);
    Some(end(session, end_ms, SessionStatus::Abandoned))
}

fn end(session: &StoredSession, end_ms: i64, status: SessionStatus) -> Ending {
    let ended = StoredSession {
        end_ms: Some(end_ms),
        status,
        ..session.clone()
    };
    let buckets = split_into_buckets(ended.start_ms, end_ms);
    Ending { session: ended, buckets }
}

#[cfg(test)]
mod tests;
