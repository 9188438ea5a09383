//! `/api/sessions*`: start, end, stop, heartbeat, delete and list. Writes are one-op plans
//! on the same path as `/api/sync` (`writes`).

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
use crate::store::{self, sessions::ListFilter};
use crate::writes::Writer;
use crate::{respond, writes};

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
        store::sessions::device_active(w.db, w.user_id, &device).await?.ok_or_else(|| {
            ApiError::new(ErrorCode::NotFound, "This device has no active session to stop.")
        })?;
    let op = SyncOp {
        end_time: body.end_time,
        device_id: Some(device),
        ..rest_op(OpType::End, active.id)
    };
    one_op(w, op).await
}

/// `DELETE /api/sessions/{id}`: removes one of the caller's sessions, from whichever
/// device, running or ended, and its time from the statistics, in one batch. 204 whether
/// it was there or not (deleting twice changes nothing); another user's id is not there.
pub async fn delete(w: &Writer<'_>, id: &str) -> Handled<Response> {
    let ops = [rest_op(OpType::Delete, path_id(id)?)];
    let mut applied = writes::apply(w, &ops, Logging::Unlogged).await?;
    writes::announce(w, &ops, &applied);
    if let Some(error) = applied.results.pop().and_then(|result| result.error) {
        return Err(ApiError::new(error.code, error.message));
    }
    let mut response = Response::empty()?.with_status(204);
    response.headers_mut().set("Cache-Control", "private, no-store")?;
    Ok(response)
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

/// `GET /api/sessions`: the caller's sessions, newest first, filtered and paged.
pub async fn list(req: &Request, db: &Db, user_id: i64) -> Handled<Response> {
    let query = Query::of(req)?;
    query.only(&["limit", "offset", "repo_owner", "repo_name", "pr_number", "from", "to"])?;
    let limit = query.int("limit", LIST_DEFAULT_LIMIT, 1..=LIST_MAX_LIMIT)?;
    let offset = query.int("offset", 0, 0..=1_000_000_000)?;
    let mut filter = ListFilter::default();
    if let Some(owner) = query.text("repo_owner") {
        validate::github_owner(owner).map_err(|v| bad(v.message))?;
        filter.repo_owner = Some(owner);
    }
    if let Some(name) = query.text("repo_name") {
        validate::github_repo(name).map_err(|v| bad(v.message))?;
        filter.repo_name = Some(name);
    }
    if query.text("pr_number").is_some() {
        filter.pr_number = Some(query.int("pr_number", 1, 1..=validate::MAX_PR_NUMBER)?);
    }
    for (name, bound) in [("from", &mut filter.from_ms), ("to", &mut filter.to_ms)] {
        if let Some(time) = query.text(name) {
            let ms = UnixMillis::parse_rfc3339(time)
                .ok_or_else(|| bad(format!("{name} must be an RFC 3339 time.")))?;
            *bound = Some(ms.0);
        }
    }
    let page = store::sessions::list(db, user_id, &filter, limit, offset).await?;
    let body = SessionList {
        sessions: page.sessions.iter().map(|session| session.to_api()).collect(),
        total: page.total,
        limit,
        offset,
    };
    Ok(respond::private_json(200, &body)?)
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, message)
}
