//! Start, end and heartbeat as read → decide (`worktime_core::sessions`) → one D1 batch.
//! Shared by the REST endpoints and `/api/sync`, which adds its own statements (the op
//! log) to the same batch so an op and its effect commit together or not at all.

use worker::{D1Database, D1PreparedStatement};
use worktime_api::ErrorCode;
use worktime_core::sessions::{
    decide_end, decide_heartbeat, decide_start, EndDecision, NewStart, StartDecision, StoredSession,
};
use worktime_core::time::UnixMillis;
use worktime_core::validate::{self, Violation};

use crate::request::{ApiError, Handled};
use crate::store;

/// The outcome of an operation: HTTP status (200 or 201) and the session as stored.
pub struct Applied {
    pub status: u16,
    pub session: StoredSession,
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

/// Starts a session (or recognises a replay). A batch that loses a race (a concurrent
/// start of the same id, or of another session) is re-decided once against fresh rows.
pub async fn start(
    db: &D1Database,
    user_id: i64,
    start: NewStart,
    extra: &dyn Fn() -> worker::Result<Vec<D1PreparedStatement>>,
) -> Handled<Applied> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let existing = store::session(db, user_id, &start.id).await?;
        let active = match existing {
            Some(_) => None,
            None => store::active_session(db, user_id).await?,
        };
        let (session, mut batch) = match decide_start(start.clone(), existing.as_ref(), active.as_ref()) {
            StartDecision::Replay(session) => {
                run_extra(db, extra).await?;
                return Ok(Applied { status: 200, session });
            }
            StartDecision::Conflict => {
                return Err(ApiError::new(
                    ErrorCode::Conflict,
                    "This session id was already used for a different session.",
                ))
            }
            StartDecision::Create { session, end_previous } => {
                let mut batch = Vec::new();
                if let Some(ending) = &end_previous {
                    batch.extend(store::end_session(db, user_id, ending)?);
                }
                (session, batch)
            }
        };
        batch.push(store::insert_session(db, user_id, &session)?);
        batch.extend(extra()?);
        match db.batch(batch).await {
            Ok(_) => return Ok(Applied { status: 201, session }),
            Err(err) if attempt < 2 => worker::console_warn!("start raced, re-deciding: {err}"),
            Err(err) => return Err(err.into()),
        }
    }
}

/// Ends a session at `end_time` (default now).
pub async fn end(
    db: &D1Database,
    user_id: i64,
    id: &str,
    end_time: Option<&str>,
    now: UnixMillis,
    extra: &dyn Fn() -> worker::Result<Vec<D1PreparedStatement>>,
) -> Handled<Applied> {
    let session = find(db, user_id, id).await?;
    let end_ms = validate::client_time(end_time, "end_time", now)?.0;
    match decide_end(&session, end_ms) {
        EndDecision::AlreadyEnded(session) => {
            run_extra(db, extra).await?;
            Ok(Applied { status: 200, session })
        }
        EndDecision::EndBeforeStart => Err(ApiError::new(
            ErrorCode::ValidationFailed,
            "end_time is before the session's start_time.",
        )),
        EndDecision::End(ending) => {
            let mut batch = store::end_session(db, user_id, &ending)?;
            batch.extend(extra()?);
            db.batch(batch).await?;
            // A concurrent end may have won; answer with what is stored.
            let stored = find(db, user_id, id).await?;
            Ok(Applied { status: 200, session: stored })
        }
    }
}

/// Records a heartbeat at `at` (default now); a no-op for ended sessions.
pub async fn heartbeat(
    db: &D1Database,
    user_id: i64,
    id: &str,
    at: Option<&str>,
    now: UnixMillis,
    extra: &dyn Fn() -> worker::Result<Vec<D1PreparedStatement>>,
) -> Handled<Applied> {
    let session = find(db, user_id, id).await?;
    let at_ms = validate::client_time(at, "at", now)?.0;
    match decide_heartbeat(&session, at_ms) {
        None => {
            run_extra(db, extra).await?;
            Ok(Applied { status: 200, session })
        }
        Some(updated) => {
            let mut batch = vec![store::update_heartbeat(db, user_id, &updated)?];
            batch.extend(extra()?);
            db.batch(batch).await?;
            Ok(Applied { status: 200, session: updated })
        }
    }
}

/// The caller's session `id`; 400 for a malformed id, 404 for a missing one or another
/// user's (which is indistinguishable from a missing one).
pub async fn find(db: &D1Database, user_id: i64, id: &str) -> Handled<StoredSession> {
    let id = validate::uuid(id, "id").map_err(|v| ApiError::new(ErrorCode::InvalidRequest, v.message))?;
    store::session(db, user_id, &id).await?.ok_or_else(|| ApiError::not_found("session"))
}

async fn run_extra(
    db: &D1Database,
    extra: &dyn Fn() -> worker::Result<Vec<D1PreparedStatement>>,
) -> Handled<()> {
    let statements = extra()?;
    if !statements.is_empty() {
        db.batch(statements).await?;
    }
    Ok(())
}

/// No statements to add: the REST endpoints.
pub fn nothing() -> worker::Result<Vec<D1PreparedStatement>> {
    Ok(Vec::new())
}
