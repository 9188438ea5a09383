//! `time_sessions` as whole rows ([`StoredSession`]): the write path's reads (the sessions
//! a request names, a device's active session) and its writes (new sessions, their final
//! state, later heartbeats, deletions), `GET /api/sessions`' filtered page, and the
//! abandon job's silent sessions. Ended sessions read as spans are in `spans`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, D1Result, Result};
use worktime_api::sessions::SessionStatus;
use worktime_core::sessions::StoredSession;

use super::{num, text};
use crate::d1::Db;

/// Columns of `time_sessions` as read by [`SessionRow`].
const SESSION_COLUMNS: &str = "id, repo_owner, repo_name, pr_number, start_ms, end_ms, status, \
     last_heartbeat_ms, tz_offset_minutes, device_id";

#[derive(Deserialize)]
struct SessionRow {
    id: String,
    repo_owner: String,
    repo_name: String,
    pr_number: f64,
    start_ms: f64,
    end_ms: Option<f64>,
    status: String,
    last_heartbeat_ms: f64,
    tz_offset_minutes: Option<f64>,
    device_id: String,
}

impl SessionRow {
    fn into_stored(self) -> StoredSession {
        StoredSession {
            id: self.id,
            repo_owner: self.repo_owner,
            repo_name: self.repo_name,
            pr_number: self.pr_number as i64,
            start_ms: self.start_ms as i64,
            end_ms: self.end_ms.map(|v| v as i64),
            status: SessionStatus::parse(&self.status).unwrap_or(SessionStatus::Completed),
            last_heartbeat_ms: self.last_heartbeat_ms as i64,
            tz_offset_minutes: self.tz_offset_minutes.map(|v| v as i32),
            device_id: self.device_id,
        }
    }
}

/// The sessions in the result of [`named`] or [`silent`].
pub fn read_sessions(result: &D1Result) -> Result<Vec<StoredSession>> {
    Ok(result.results::<SessionRow>()?.into_iter().map(SessionRow::into_stored).collect())
}

/// The active session of `device_id`, if any (at most one, by a unique index).
pub async fn device_active(
    db: &Db,
    user_id: i64,
    device_id: &str,
) -> Result<Option<StoredSession>> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM time_sessions WHERE user_id = ?1 AND device_id = ?2 AND status = 'active'"
    );
    let row =
        db.first::<SessionRow>(db.prepare(&sql).bind(&[num(user_id), text(device_id)])?).await?;
    Ok(row.map(SessionRow::into_stored))
}

/// The user's sessions with these ids, and the active session of each of these devices
/// (read with [`read_sessions`]).
pub fn named(
    db: &Db,
    user_id: i64,
    ids: &[String],
    devices: &[String],
) -> Result<D1PreparedStatement> {
    // Two indexed lookups (the key; the one-active-per-device index), not a scan of the
    // user's sessions.
    db.prepare(format!(
        "SELECT {SESSION_COLUMNS} FROM time_sessions WHERE user_id = ?1 \
         AND id IN (SELECT value FROM json_each(?2)) \
         UNION SELECT {SESSION_COLUMNS} FROM time_sessions INDEXED BY idx_sessions_one_active_per_device \
         WHERE user_id = ?1 \
         AND status = 'active' AND device_id IN (SELECT value FROM json_each(?3))"
    ))
    .bind(&[num(user_id), super::json(&json!(ids)), super::json(&json!(devices))])
}

/// Which of the user's sessions a list holds: each field present narrows it.
#[derive(Default)]
pub struct ListFilter<'a> {
    pub repo_owner: Option<&'a str>,
    pub repo_name: Option<&'a str>,
    pub pr_number: Option<i64>,
    /// Started at or after.
    pub from_ms: Option<i64>,
    /// Started before.
    pub to_ms: Option<i64>,
}

/// One page of a session list and how many sessions match in all.
pub struct Page {
    pub total: i64,
    pub sessions: Vec<StoredSession>,
}

#[derive(Deserialize)]
struct CountRow {
    n: f64,
}

/// The user's sessions matching `filter`, newest first, `limit` from `offset`, and their
/// count: one batch of two statements.
pub async fn list(
    db: &Db,
    user_id: i64,
    filter: &ListFilter<'_>,
    limit: i64,
    offset: i64,
) -> Result<Page> {
    let mut clauses = String::from("user_id = ?1");
    let mut binds = vec![num(user_id)];
    let mut add = |clause: &str, value: JsValue| {
        binds.push(value);
        clauses.push_str(&format!(" AND {clause} ?{}", binds.len()));
    };
    if let Some(owner) = filter.repo_owner {
        add("repo_owner =", text(owner));
    }
    if let Some(name) = filter.repo_name {
        add("repo_name =", text(name));
    }
    if let Some(pr) = filter.pr_number {
        add("pr_number =", num(pr));
    }
    if let Some(from) = filter.from_ms {
        add("start_ms >=", num(from));
    }
    if let Some(to) = filter.to_ms {
        add("start_ms <", num(to));
    }
    let count = db
        .prepare(format!("SELECT COUNT(*) AS n FROM time_sessions WHERE {clauses}"))
        .bind(&binds)?;
    let n = binds.len();
    let mut page_binds = binds.clone();
    page_binds.extend([num(limit), num(offset)]);
    let page = db
        .prepare(format!(
            "SELECT {SESSION_COLUMNS} FROM time_sessions WHERE {clauses} \
             ORDER BY start_ms DESC, id DESC LIMIT ?{} OFFSET ?{}",
            n + 1,
            n + 2
        ))
        .bind(&page_binds)?;
    let results = db.batch(vec![count, page]).await?;
    let total = results
        .first()
        .map(|r| r.results::<CountRow>())
        .transpose()?
        .and_then(|rows| rows.first().map(|c| c.n as i64));
    let sessions = match results.get(1) {
        Some(result) => read_sessions(result)?,
        None => Vec::new(),
    };
    Ok(Page { total: total.unwrap_or(0), sessions })
}

/// The lowest `(start_ms, id)` an export page can start after: below every stored start.
pub const EXPORT_START: (i64, &str) = (-9_007_199_254_740_991, "");

/// At most `limit` of the user's sessions after `(start_ms, id)` in the order
/// `(start_ms, id)`, oldest first (read with [`read_sessions`]): one range of the
/// `(user_id, start_ms)` index, a data export's page; the next page starts after its last
/// row.
pub fn export_page(
    db: &Db,
    user_id: i64,
    (after_start_ms, after_id): (i64, &str),
    limit: i64,
) -> Result<D1PreparedStatement> {
    db.prepare(format!(
        "SELECT {SESSION_COLUMNS} FROM time_sessions WHERE user_id = ?1 \
         AND (start_ms > ?2 OR (start_ms = ?2 AND id > ?3)) \
         ORDER BY start_ms, id LIMIT ?4"
    ))
    .bind(&[num(user_id), num(after_start_ms), text(after_id), num(limit)])
}

/// The users with an active session silent since before `cutoff_ms`.
pub struct SilentUsers {
    /// At most the `limit` asked for, the users silent longest first.
    pub user_ids: Vec<i64>,
    /// How many users have such a session in all.
    pub waiting: i64,
}

#[derive(Deserialize)]
struct SilentUserRow {
    user_id: f64,
    users: f64,
}

/// The users whose active sessions went silent before `cutoff_ms`, silent longest first,
/// at most `limit` of them, and how many there are in all: one statement.
pub async fn silent_users(db: &Db, cutoff_ms: i64, limit: i64) -> Result<SilentUsers> {
    let slice = db
        .prepare(
            // Through the partial index of active sessions: one entry per session running
            // now, never a scan of ended ones (heartbeats do not touch this index).
            "SELECT user_id, (SELECT COUNT(DISTINCT user_id) FROM time_sessions \
             INDEXED BY idx_sessions_one_active_per_device \
             WHERE status = 'active' AND last_heartbeat_ms < ?1) AS users \
             FROM time_sessions INDEXED BY idx_sessions_one_active_per_device \
             WHERE status = 'active' AND last_heartbeat_ms < ?1 \
             GROUP BY user_id ORDER BY MIN(last_heartbeat_ms) LIMIT ?2",
        )
        .bind(&[num(cutoff_ms), num(limit)])?;
    let rows = db.all(slice).await?.results::<SilentUserRow>()?;
    Ok(SilentUsers {
        waiting: rows.first().map(|u| u.users as i64).unwrap_or(0),
        user_ids: rows.iter().map(|u| u.user_id as i64).collect(),
    })
}

/// The user's active sessions silent since before `cutoff_ms`, silent longest first, at
/// most `limit` (read with [`read_sessions`]).
pub fn silent(db: &Db, user_id: i64, cutoff_ms: i64, limit: i64) -> Result<D1PreparedStatement> {
    db.prepare(format!(
        "SELECT {SESSION_COLUMNS} FROM time_sessions WHERE user_id = ?1 AND status = 'active' \
         AND last_heartbeat_ms < ?2 ORDER BY last_heartbeat_ms LIMIT ?3"
    ))
    .bind(&[num(user_id), num(cutoff_ms), num(limit)])
}

/// A session row for `json_each`, with `attr`: the change of its attributed seconds that
/// the ledger delta brings (written in the same statement, so the row is written once).
fn session_json(s: &StoredSession, attributed: &BTreeMap<String, i64>) -> Value {
    json!({
        "id": s.id, "owner": s.repo_owner, "name": s.repo_name, "pr": s.pr_number,
        "start": s.start_ms, "end": s.end_ms, "duration": s.duration_seconds(),
        "status": s.status.as_str(), "beat": s.last_heartbeat_ms, "tz": s.tz_offset_minutes,
        "device": s.device_id, "attr": attributed.get(&s.id).copied().unwrap_or(0),
    })
}

/// Inserts new sessions in their final state, with their attributed seconds.
pub fn insert(
    db: &Db,
    user_id: i64,
    sessions: &[&StoredSession],
    attributed: &BTreeMap<String, i64>,
) -> Result<D1PreparedStatement> {
    let rows: Vec<Value> = sessions.iter().map(|s| session_json(s, attributed)).collect();
    db.prepare(
        "INSERT INTO time_sessions (user_id, id, repo_owner, repo_name, pr_number, start_ms, end_ms, \
         duration_seconds, status, last_heartbeat_ms, tz_offset_minutes, device_id, attributed_seconds) \
         SELECT ?1, value ->> '$.id', value ->> '$.owner', value ->> '$.name', value ->> '$.pr', \
         value ->> '$.start', value ->> '$.end', value ->> '$.duration', value ->> '$.status', \
         value ->> '$.beat', value ->> '$.tz', value ->> '$.device', value ->> '$.attr' FROM json_each(?2)",
    )
    .bind(&[num(user_id), super::json(&Value::Array(rows))])
}

/// Brings existing sessions to their final state (end, duration, status, last heartbeat)
/// and adds their change of attributed seconds.
pub fn update(
    db: &Db,
    user_id: i64,
    sessions: &[&StoredSession],
    attributed: &BTreeMap<String, i64>,
) -> Result<D1PreparedStatement> {
    let rows: Vec<Value> = sessions.iter().map(|s| session_json(s, attributed)).collect();
    db.prepare(
        "UPDATE time_sessions SET (end_ms, duration_seconds, status, last_heartbeat_ms, attributed_seconds) = \
         (SELECT value ->> '$.end', value ->> '$.duration', value ->> '$.status', value ->> '$.beat', \
          time_sessions.attributed_seconds + (value ->> '$.attr') \
          FROM json_each(?2) WHERE value ->> '$.id' = time_sessions.id) \
         WHERE user_id = ?1 AND id IN (SELECT value ->> '$.id' FROM json_each(?2))",
    )
    .bind(&[num(user_id), super::json(&Value::Array(rows))])
}

/// Moves active sessions' `last_heartbeat_ms` forward, each only if still active and
/// only ever later: written without the ledger fence (see `Rows::touch_ledger`).
pub fn heartbeats(
    db: &Db,
    user_id: i64,
    sessions: &[&StoredSession],
) -> Result<D1PreparedStatement> {
    let rows: BTreeMap<&str, i64> =
        sessions.iter().map(|s| (s.id.as_str(), s.last_heartbeat_ms)).collect();
    db.prepare(
        "UPDATE time_sessions SET last_heartbeat_ms =          max(last_heartbeat_ms, (SELECT value FROM json_each(?2) WHERE key = time_sessions.id))          WHERE user_id = ?1 AND status = 'active' AND id IN (SELECT key FROM json_each(?2))",
    )
    .bind(&[num(user_id), super::json(&json!(rows))])
}

/// Deletes the user's sessions with these ids (rows of another user are never reached).
pub fn delete(db: &Db, user_id: i64, ids: &[&str]) -> Result<D1PreparedStatement> {
    db.prepare(
        "DELETE FROM time_sessions WHERE user_id = ?1 AND id IN (SELECT value FROM json_each(?2))",
    )
    .bind(&[num(user_id), super::json(&json!(ids))])
}

/// Adds each session's change of attributed seconds (`id → seconds`), for sessions the
/// batch does not write anyway.
pub fn add_attributed(
    db: &Db,
    user_id: i64,
    changes: &BTreeMap<String, i64>,
) -> Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE time_sessions SET attributed_seconds = attributed_seconds + \
         (SELECT value FROM json_each(?2) WHERE key = time_sessions.id) \
         WHERE user_id = ?1 AND id IN (SELECT key FROM json_each(?2))",
    )
    .bind(&[num(user_id), super::json(&json!(changes))])
}
