//! `/api/export` and `/api/account`: the caller's data as a download (JSON or CSV, in
//! pages of at most `EXPORT_MAX_LIMIT` sessions), and the deletion of the account with
//! everything of it.

use worker::{Date, Request, Response};
use worktime_api::account::{
    AccountDeleted, AccountExport, ExportFormat, EXPORT_FORMAT_VERSION, EXPORT_MAX_LIMIT,
};
use worktime_api::sessions::Session;
use worktime_api::{paths, ErrorCode};
use worktime_core::sessions::StoredSession;
use worktime_core::time::UnixMillis;

use crate::d1::Db;
use crate::request::{ApiError, Handled, Query};
use crate::store::{self, sessions::EXPORT_START};
use crate::writes::Writer;
use crate::{env, live, respond, standing};

/// Longest session id a cursor may carry.
const MAX_CURSOR_ID: usize = 128;

/// `GET /api/export?format=&cursor=&limit=`: one page of the caller's data, sessions
/// oldest first. Two statements in one round trip, whatever the user holds.
pub async fn export(req: &Request, db: &Db, user_id: i64) -> Handled<Response> {
    let query = Query::of(req)?;
    query.only(&["format", "cursor", "limit"])?;
    let format = match query.text("format") {
        None => ExportFormat::Json,
        Some(text) => ExportFormat::parse(text).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidRequest, "format must be json or csv.")
        })?,
    };
    let limit = query.int("limit", EXPORT_MAX_LIMIT, 1..=EXPORT_MAX_LIMIT)?;
    let after = match query.text("cursor") {
        Some(cursor) => parse_cursor(cursor)?,
        None => (EXPORT_START.0, EXPORT_START.1.to_owned()),
    };
    // One row more than the page tells whether another page follows.
    let (user, mut sessions) =
        store::account::export_page(db, user_id, (after.0, &after.1), limit + 1)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
    let next_cursor = if sessions.len() as i64 > limit {
        sessions.truncate(limit as usize);
        sessions.last().map(cursor_of)
    } else {
        None
    };
    let sessions: Vec<Session> = sessions.iter().map(StoredSession::to_api).collect();
    let now = UnixMillis::from_js(Date::now().as_millis() as f64);
    let mut response = match format {
        ExportFormat::Json => {
            let body = AccountExport {
                format_version: EXPORT_FORMAT_VERSION,
                exported_at: now.to_rfc3339(),
                user,
                sessions,
                next_cursor: next_cursor.clone(),
            };
            respond::private_json(200, &body)?
        }
        ExportFormat::Csv => {
            let mut response = Response::ok(worktime_core::export::csv(&sessions))?;
            response.headers_mut().set("Content-Type", "text/csv; charset=utf-8")?;
            response.headers_mut().set("Cache-Control", "private, no-store")?;
            response
        }
    };
    let (name, format_text) = match format {
        ExportFormat::Json => ("worktime-export.json", "json"),
        ExportFormat::Csv => ("worktime-export.csv", "csv"),
    };
    let headers = response.headers_mut();
    headers.set("Content-Disposition", &format!("attachment; filename=\"{name}\""))?;
    if let Some(cursor) = next_cursor {
        headers
            .set("Link", &format!("<{}>; rel=\"next\"", next_url(format_text, &cursor, limit)?))?;
    }
    Ok(response)
}

/// A cursor names the last session of a page: `<start_ms>:<id>`; opaque to clients.
fn cursor_of(session: &StoredSession) -> String {
    format!("{}:{}", session.start_ms, session.id)
}

fn parse_cursor(cursor: &str) -> Handled<(i64, String)> {
    let parsed = cursor.split_once(':').and_then(|(start, id)| {
        let start = start.parse::<i64>().ok()?;
        (!id.is_empty() && id.len() <= MAX_CURSOR_ID).then(|| (start, id.to_owned()))
    });
    parsed.ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidRequest,
            "cursor must be a next_cursor this endpoint returned.",
        )
    })
}

/// The next page's path and query.
fn next_url(format: &str, cursor: &str, limit: i64) -> Handled<String> {
    let mut url = worker::Url::parse(&format!("https://export{}", paths::EXPORT))
        .map_err(|err| worker::Error::RustError(err.to_string()))?;
    url.query_pairs_mut()
        .append_pair("format", format)
        .append_pair("limit", &limit.to_string())
        .append_pair("cursor", cursor);
    Ok(format!("{}?{}", url.path(), url.query().unwrap_or_default()))
}

/// `DELETE /api/account`: the caller's key-value entries, then every row of theirs in
/// one D1 batch (six statements), then their live sockets closed. Each step is safe to
/// repeat, so a failure part-way leaves a retry with a valid token. Afterwards every
/// token of the user gets 401: their user row is gone.
pub async fn delete(w: &Writer<'_>) -> Handled<Response> {
    let env = w.env;
    let user_id = w.user_id;
    w.gate.admit().await?;
    // Wave 1 kept the user's GitHub token under this key; nothing else per user is in KV.
    let kv_key = format!("token:{user_id}");
    env.kv(env::KV)?.delete(&kv_key).await.map_err(|err| {
        ApiError::from(worker::Error::RustError(format!("KV delete failed: {err}")))
    })?;
    let deleted = store::account::delete(w.db, user_id).await?;
    standing::forget(user_id);
    if deleted.users == 0 {
        // Deleted meanwhile by another request of the same token's user.
        return Err(ApiError::unauthorized());
    }
    live::revoke(env, user_id, live::Revocation::Account).await;
    let body = AccountDeleted { user_id, deleted, kv_keys: vec![kv_key] };
    Ok(respond::private_json(200, &body)?)
}
