//! `/api/sessions*`: start, end, stop, heartbeat and list.

use serde::Deserialize;
use worker::{Env, Request, Response};
use worktime_api::sessions::{
    EndSessionRequest, HeartbeatRequest, SessionList, StartSessionRequest, LIST_DEFAULT_LIMIT,
    LIST_MAX_LIMIT,
};
use worktime_api::ErrorCode;
use worktime_core::time::UnixMillis;
use worktime_core::validate;

use crate::request::{json_body, ApiError, Handled, Query};
use crate::session_ops;
use worktime_core::sessions::{validate_start, StartFields};
use crate::store::{self, num, text, SessionRow, SESSION_COLUMNS};
use crate::{env, respond};

pub async fn start(req: &mut Request, env: &Env, user_id: i64, now: UnixMillis) -> Handled<Response> {
    let body: StartSessionRequest = json_body(req).await?;
    let fields = StartFields {
        id: &body.id,
        repo_owner: &body.repo_owner,
        repo_name: &body.repo_name,
        pr_number: body.pr_number,
        start_time: body.start_time.as_deref(),
        tz_offset_minutes: body.tz_offset_minutes,
    };
    let new_start = validate_start(&fields, now)?;
    let db = env.d1(env::DB)?;
    let applied = session_ops::start(&db, user_id, new_start).await?;
    Ok(respond::private_json(applied.status, &applied.session.to_api())?)
}

pub async fn end(req: &mut Request, env: &Env, user_id: i64, id: &str, now: UnixMillis) -> Handled<Response> {
    let body: EndSessionRequest = json_body(req).await?;
    let db = env.d1(env::DB)?;
    let applied = session_ops::end(&db, user_id, id, body.end_time.as_deref(), now).await?;
    Ok(respond::private_json(applied.status, &applied.session.to_api())?)
}

pub async fn heartbeat(req: &mut Request, env: &Env, user_id: i64, id: &str, now: UnixMillis) -> Handled<Response> {
    let body: HeartbeatRequest = json_body(req).await?;
    let db = env.d1(env::DB)?;
    let applied = session_ops::heartbeat(&db, user_id, id, body.at.as_deref(), now).await?;
    Ok(respond::private_json(applied.status, &applied.session.to_api())?)
}

/// `POST /api/sessions/stop`: ends the caller's active session now.
pub async fn stop(env: &Env, user_id: i64, now: UnixMillis) -> Handled<Response> {
    let db = env.d1(env::DB)?;
    let active = store::active_session(&db, user_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "There is no active session to stop."))?;
    let applied = session_ops::end(&db, user_id, &active.id, None, now).await?;
    Ok(respond::private_json(applied.status, &applied.session.to_api())?)
}

#[derive(Deserialize)]
struct Count {
    n: f64,
}

/// `GET /api/sessions`: the caller's sessions, newest first, filtered and paged.
pub async fn list(req: &Request, env: &Env, user_id: i64) -> Handled<Response> {
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
    let db = env.d1(env::DB)?;
    let count = db.prepare(format!("SELECT COUNT(*) AS n FROM time_sessions WHERE {filter}")).bind(&binds)?;
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
    let total = results.first().map(|r| r.results::<Count>()).transpose()?.and_then(|rows| rows.first().map(|c| c.n as i64));
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
