//! `/api/sessions*`: start, end, stop, heartbeat and list. Writes are one-op plans on the
//! same path as `/api/sync` (`writes`).

use serde::Deserialize;
use worker::{Request, Response};
use worktime_api::sessions::{
    EndSessionRequest, HeartbeatRequest, SessionList, StartSessionRequest, StopSessionRequest,
    LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT,
};
use worktime_api::sync::{OpType, SyncOp};
use worktime_api::ErrorCode;
use worktime_core::sessions::device_of;
use worktime_core::sync_plan::Logging;
use worktime_core::time::UnixMillis;
use worktime_core::validate;

use crate::d1::Db;
use crate::request::{json_body, ApiError, Handled, Query};
use crate::store::{num, text, SessionRow, SESSION_COLUMNS};
use crate::writes::Writer;
use crate::{respond, store, writes};

pub async fn start(req: &mut Request, w: &Writer<'_>) -> Handled<Response> {
    let body: StartSessionRequest = json_body(req).await?;
    let id = validate::uuid(&body.id, "id")?;
    let op = SyncOp {
        repo_owner: Some(body.repo_owner),
        repo_name: Some(body.repo_name),
        pr_number: Some(body.pr_number),
        start_time: body.start_time,
        tz_offset_minutes: body.tz_offset_minutes,
        device_id: body.device_id,
        ..rest_op(OpType::Start, id)
    };
    one_op(w, op).await
}

pub async fn end(req: &mut Request, w: &Writer<'_>, id: &str) -> Handled<Response> {
    let body: EndSessionRequest = json_body(req).await?;
    let op = SyncOp {
        end_time: body.end_time,
        device_id: body.device_id,
        ..rest_op(OpType::End, path_id(id)?)
    };
    one_op(w, op).await
}

pub async fn heartbeat(req: &mut Request, w: &Writer<'_>, id: &str) -> Handled<Response> {
    let body: HeartbeatRequest = json_body(req).await?;
    let op = SyncOp {
        at: body.at,
        device_id: body.device_id,
        ..rest_op(OpType::Heartbeat, path_id(id)?)
    };
    one_op(w, op).await
}

/// `POST /api/sessions/stop`: ends the calling device's active session.
pub async fn stop(req: &mut Request, w: &Writer<'_>) -> Handled<Response> {
    let body: StopSessionRequest = json_body(req).await?;
    let device = device_of(body.device_id.as_deref())?;
    let active =
        store::device_active_session(w.db, w.user_id, &device).await?.ok_or_else(|| {
            ApiError::new(ErrorCode::NotFound, "This device has no active session to stop.")
        })?;
    let op = SyncOp {
        end_time: body.end_time,
        device_id: Some(device),
        ..rest_op(OpType::End, active.id)
    };
    one_op(w, op).await
}

/// A REST session request as a one-op plan on the sync write path: 201 for a created
/// session, 200 otherwise, or the op's error with its status.
async fn one_op(w: &Writer<'_>, op: SyncOp) -> Handled<Response> {
    let session_id = op.session_id.clone();
    let ops = [op];
    let mut applied = writes::apply(w, &ops, Logging::Unlogged).await?;
    writes::announce(w, &ops, &applied);
    if let Some(error) = applied.results.pop().and_then(|result| result.error) {
        return Err(ApiError::new(error.code, error.message));
    }
    let session =
        applied.sessions.remove(&session_id).ok_or_else(|| ApiError::not_found("session"))?;
    let status = if applied.created { 201 } else { 200 };
    Ok(respond::private_json(status, &session.to_api())?)
}

/// A REST request as an op: no op id (REST writes are not logged; replays are
/// recognised by content).
fn rest_op(op_type: OpType, session_id: String) -> SyncOp {
    SyncOp::new(String::new(), op_type, session_id)
}

/// A session id in a path: 400 when malformed.
fn path_id(id: &str) -> Handled<String> {
    validate::uuid(id, "id").map_err(|v| ApiError::new(ErrorCode::InvalidRequest, v.message))
}

#[derive(Deserialize)]
struct Count {
    n: f64,
}

/// `GET /api/sessions`: the caller's sessions, newest first, filtered and paged.
pub async fn list(req: &Request, db: &Db, user_id: i64) -> Handled<Response> {
    let query = Query::of(req)?;
    query.only(&["limit", "offset", "repo_owner", "repo_name", "pr_number", "from", "to"])?;
    let limit = query.int("limit", LIST_DEFAULT_LIMIT, 1..=LIST_MAX_LIMIT)?;
    let offset = query.int("offset", 0, 0..=1_000_000_000)?;
    let mut filter = String::from("user_id = ?1");
    let mut binds = vec![num(user_id)];
    let mut add = |clause: &str, value| {
        binds.push(value);
        filter.push_str(&format!(" AND {clause} ?{}", binds.len()));
    };
    if let Some(owner) = query.text("repo_owner") {
        validate::github_owner(owner).map_err(|v| bad(v.message))?;
        add("repo_owner =", text(owner));
    }
    if let Some(name) = query.text("repo_name") {
        validate::github_repo(name).map_err(|v| bad(v.message))?;
        add("repo_name =", text(name));
    }
    if query.text("pr_number").is_some() {
        add("pr_number =", num(query.int("pr_number", 1, 1..=validate::MAX_PR_NUMBER)?));
    }
    for (name, clause) in [("from", "start_ms >="), ("to", "start_ms <")] {
        if let Some(time) = query.text(name) {
            let ms = UnixMillis::parse_rfc3339(time)
                .ok_or_else(|| bad(format!("{name} must be an RFC 3339 time.")))?;
            add(clause, num(ms.0));
        }
    }
    let count = db
        .prepare(format!("SELECT COUNT(*) AS n FROM time_sessions WHERE {filter}"))
        .bind(&binds)?;
    let n = binds.len();
    let mut page_binds = binds.clone();
    page_binds.extend([num(limit), num(offset)]);
    let page = db
        .prepare(format!(
            "SELECT {SESSION_COLUMNS} FROM time_sessions WHERE {filter} \
             ORDER BY start_ms DESC, id DESC LIMIT ?{} OFFSET ?{}",
            n + 1,
            n + 2
        ))
        .bind(&page_binds)?;
    let results = db.batch(vec![count, page]).await?;
    let total = results
        .first()
        .map(|r| r.results::<Count>())
        .transpose()?
        .and_then(|rows| rows.first().map(|c| c.n as i64));
    let sessions = match results.get(1) {
        Some(result) => result.results::<SessionRow>()?,
        None => Vec::new(),
    };
    let body = SessionList {
        sessions: sessions.into_iter().map(|row| row.into_stored().to_api()).collect(),
        total: total.unwrap_or(0),
        limit,
        offset,
    };
    Ok(respond::private_json(200, &body)?)
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, message)
}
