//! D1 access for sessions, statistics buckets and the sync log: reads, and the statements
//! that write what `worktime_core::sessions` decided and what `worktime_core::overlap`
//! computed. Numbers are bound as `f64` (D1 has no BigInt); every value WorkTime stores
//! is below 2^53.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::Result;
use worktime_api::sessions::SessionStatus;
use worktime_core::overlap::Span;
use worktime_core::sessions::StoredSession;
use worktime_core::stats::{self, DayTotal};

use crate::d1::Db;

/// Columns of `time_sessions` as read by [`SessionRow`].
pub const SESSION_COLUMNS: &str =
    "id, repo_owner, repo_name, pr_number, start_ms, end_ms, status, \
     last_heartbeat_ms, tz_offset_minutes, device_id";

pub fn num(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}

pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

#[derive(Deserialize)]
pub struct SessionRow {
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
    pub fn into_stored(self) -> StoredSession {
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

/// The active session of `device_id`, if any (at most one, by a unique index).
pub async fn device_active_session(
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

#[derive(Deserialize)]
pub struct SpanSql {
    id: String,
    repo_owner: String,
    repo_name: String,
    start_ms: f64,
    end_ms: f64,
}

impl SpanSql {
    pub fn into_span(self) -> Span {
        Span {
            id: self.id,
            repo_owner: self.repo_owner,
            repo_name: self.repo_name,
            start_ms: self.start_ms as i64,
            end_ms: self.end_ms as i64,
        }
    }
}

/// A JSON value as one bound parameter: the statements below take whole lists this way
/// (`json_each`), so one statement writes any number of rows within D1's 100 parameters.
pub fn json(value: &serde_json::Value) -> JsValue {
    JsValue::from_str(&value.to_string())
}

#[derive(Deserialize)]
struct DaySql {
    day: f64,
    seconds: f64,
    sessions: f64,
}

/// Numbers are bound as floats (D1 has no BigInt): the offset is cast back to an integer so
/// that the division is an integer one and rows group by day, not by bucket.
///
/// Per local day of `[from_ms, to_ms)` (days since 1970-01-01 at `tz_offset_minutes`, a
/// multiple of 15 minutes): seconds and sessions, summed in D1 from the 15-minute bucket
/// rows, optionally for one repository. A day's sessions are those starting in it plus
/// those running across its first instant (see `worktime_core::stats`).
pub async fn day_totals(
    db: &Db,
    user_id: i64,
    from_ms: i64,
    to_ms: i64,
    tz_offset_minutes: i32,
    repo: Option<(&str, &str)>,
) -> Result<Vec<DayTotal>> {
    // All repositories at a whole-hour offset: the hourly rollup (at most 24 rows a day);
    // otherwise the 15-minute buckets.
    let (table, column) = if repo.is_none() && stats::hours_align(tz_offset_minutes) {
        ("hourly_stats", "hour_ms")
    } else {
        ("daily_stats", "bucket_ms")
    };
    let mut sql = format!(
        "SELECT ({column} + CAST(?4 AS INTEGER)) / 86400000 AS day, SUM(seconds) AS seconds, \
         SUM(starts) + SUM(CASE WHEN ({column} + CAST(?4 AS INTEGER)) % 86400000 = 0 \
         THEN running_in ELSE 0 END) AS sessions \
         FROM {table} WHERE user_id = ?1 AND {column} >= ?2 AND {column} < ?3",
    );
    let offset_ms = i64::from(tz_offset_minutes) * 60_000;
    let mut binds = vec![num(user_id), num(from_ms), num(to_ms), num(offset_ms)];
    if let Some((owner, name)) = repo {
        sql.push_str(" AND repo_owner = ?5 AND repo_name = ?6");
        binds.extend([text(owner), text(name)]);
    }
    sql.push_str(" GROUP BY day");
    let rows = db.all(db.prepare(&sql).bind(&binds)?).await?.results::<DaySql>()?;
    Ok(rows
        .into_iter()
        .map(|r| DayTotal {
            day_index: r.day as i64,
            seconds: r.seconds as i64,
            sessions: r.sessions as i64,
        })
        .collect())
}

/// Ended sessions overlapping `[from_ms, to_ms)` (all repositories: ownership of
/// overlaps is decided across them).
pub async fn ended_spans(db: &Db, user_id: i64, from_ms: i64, to_ms: i64) -> Result<Vec<Span>> {
    let statement = db
        .prepare(
            "SELECT id, repo_owner, repo_name, start_ms, end_ms FROM time_sessions \
             WHERE user_id = ?1 AND status != 'active' AND start_ms < ?3 AND end_ms > ?2",
        )
        .bind(&[num(user_id), num(from_ms), num(to_ms)])?;
    let rows = db.all(statement).await?.results::<SpanSql>()?;
    Ok(rows.into_iter().map(SpanSql::into_span).collect())
}
