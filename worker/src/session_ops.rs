//! Start, end and heartbeat for the REST endpoints: read → decide
//! (`worktime_core::sessions`) → one D1 batch.

use worker::D1Database;
use worktime_api::ErrorCode;
use worktime_core::sessions::{
    decide_end, decide_heartbeat, decide_start, EndDecision, NewStart, StartDecision, StoredSession,
};
use worktime_core::time::UnixMillis;
use worktime_core::validate;

use crate::request::{ApiError, Handled};
use crate::store;

/// The outcome of an operation: HTTP status (200 or 201) and the session as stored.
pub struct Applied {
    pub status: u16,
    pub session: StoredSession,
}

/// Starts a session (or recognises a replay). A batch that loses a race (a concurrent
/// start of the same id, or of another session) is re-decided once against fresh rows.
pub async fn start(
    db: &D1Database,
    user_id: i64,
    start: NewStart,
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
            StartDecision::Replay(session) => return Ok(Applied { status: 200, session }),
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
) -> Handled<Applied> {
    let session = find(db, user_id, id).await?;
    let end_ms = validate::client_time(end_time, "end_time", now)?.0;
    match decide_end(&session, end_ms) {
        EndDecision::AlreadyEnded(session) => Ok(Applied { status: 200, session }),
        EndDecision::EndBeforeStart => Err(ApiError::new(
            ErrorCode::ValidationFailed,
            "end_time is before the session's start_time.",
        )),
        EndDecision::End(ending) => {
            db.batch(store::end_session(db, user_id, &ending)?).await?;
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
) -> Handled<Applied> {
    let session = find(db, user_id, id).await?;
    let at_ms = validate::client_time(at, "at", now)?.0;
    match decide_heartbeat(&session, at_ms) {
        None => Ok(Applied { status: 200, session }),
        Some(updated) => {
            db.batch(vec![store::update_heartbeat(db, user_id, &updated)?]).await?;
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
