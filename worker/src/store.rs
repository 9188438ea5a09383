//! D1 access for sessions, statistics buckets and the sync log: reads, and the statements
//! that write what `worktime_core::sessions` decided and what `worktime_core::overlap`
//! computed. Numbers are bound as `f64` (D1 has no BigInt); every value WorkTime stores
//! is below 2^53.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};
use worktime_api::sessions::SessionStatus;
use worktime_core::overlap::{BucketChange, LedgerDelta, Span};
use worktime_core::sessions::StoredSession;
use worktime_core::stats::BucketRow;

/// Columns of `time_sessions` as read by [`SessionRow`].
pub const SESSION_COLUMNS: &str = "id, repo_owner, repo_name, pr_number, start_ms, end_ms, status, \
     last_heartbeat_ms, tz_offset_minutes, device_id";

/// Bucket rows per upsert statement: 6 bound values each (+1 for the user), under D1's
/// 100-parameter limit.
const BUCKETS_PER_STATEMENT: usize = 16;
/// Sessions per attributed-seconds update: 2 bound values each (+1 for the user).
const SESSIONS_PER_STATEMENT: usize = 49;

pub fn num(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}

pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

fn opt_num(value: Option<i64>) -> JsValue {
    value.map(num).unwrap_or(JsValue::NULL)
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

/// The caller's session `id`, if it exists.
pub async fn session(db: &D1Database, user_id: i64, id: &str) -> Result<Option<StoredSession>> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM time_sessions WHERE user_id = ?1 AND id = ?2");
    let row = db.prepare(&sql).bind(&[num(user_id), text(id)])?.first::<SessionRow>(None).await?;
    Ok(row.map(SessionRow::into_stored))
}

/// The active session of `device_id`, if any (at most one, by a unique index).
pub async fn device_active_session(db: &D1Database, user_id: i64, device_id: &str) -> Result<Option<StoredSession>> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM time_sessions WHERE user_id = ?1 AND device_id = ?2 AND status = 'active'"
    );
    let row = db.prepare(&sql).bind(&[num(user_id), text(device_id)])?.first::<SessionRow>(None).await?;
    Ok(row.map(SessionRow::into_stored))
}

/// Inserts a new session.
pub fn insert_session(db: &D1Database, user_id: i64, s: &StoredSession) -> Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO time_sessions (user_id, id, repo_owner, repo_name, pr_number, start_ms, \
         end_ms, duration_seconds, status, last_heartbeat_ms, tz_offset_minutes, device_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .bind(&[
        num(user_id),
        text(&s.id),
        text(&s.repo_owner),
        text(&s.repo_name),
        num(s.pr_number),
        num(s.start_ms),
        opt_num(s.end_ms),
        opt_num(s.duration_seconds()),
        text(s.status.as_str()),
        num(s.last_heartbeat_ms),
        opt_num(s.tz_offset_minutes.map(i64::from)),
        text(&s.device_id),
    ])
}

/// Records a heartbeat of an active session.
pub fn update_heartbeat(db: &D1Database, user_id: i64, s: &StoredSession) -> Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE time_sessions SET last_heartbeat_ms = MAX(last_heartbeat_ms, ?3) \
         WHERE user_id = ?1 AND id = ?2 AND status = 'active'",
    )
    .bind(&[num(user_id), text(&s.id), num(s.last_heartbeat_ms)])
}

/// Writes a session's (new) end, status and last heartbeat. Its time enters the
/// statistics through [`ledger_statements`] in the same batch.
pub fn set_end(db: &D1Database, user_id: i64, s: &StoredSession) -> Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE time_sessions SET end_ms = ?3, duration_seconds = ?4, status = ?5, \
         last_heartbeat_ms = ?6 WHERE user_id = ?1 AND id = ?2",
    )
    .bind(&[
        num(user_id),
        text(&s.id),
        opt_num(s.end_ms),
        opt_num(s.duration_seconds()),
        text(s.status.as_str()),
        num(s.last_heartbeat_ms),
    ])
}

/// The user's ledger version: every write batch is fenced on it ([`fence`]).
pub async fn ledger_version(db: &D1Database, user_id: i64) -> Result<i64> {
    #[derive(Deserialize)]
    struct Version {
        ledger_version: f64,
    }
    let row = db
        .prepare("SELECT ledger_version FROM users WHERE id = ?1")
        .bind(&[num(user_id)])?
        .first::<Version>(None)
        .await?;
    Ok(row.map(|v| v.ledger_version as i64).unwrap_or(-1))
}

/// The statement reading [`ledger_version`] inside a read batch.
pub fn ledger_version_query(db: &D1Database, user_id: i64) -> Result<D1PreparedStatement> {
    db.prepare("SELECT ledger_version FROM users WHERE id = ?1").bind(&[num(user_id)])
}

/// The first statements of a write batch: fail the whole batch (a transaction) unless the
/// user's ledger is still at `version`, then move it on. The batch ends with [`unfence`].
pub fn fence(db: &D1Database, user_id: i64, version: i64) -> Result<Vec<D1PreparedStatement>> {
    Ok(vec![
        db.prepare(
            "INSERT INTO ledger_fence (ok) VALUES ((SELECT ledger_version FROM users WHERE id = ?1) IS ?2)",
        )
        .bind(&[num(user_id), num(version)])?,
        db.prepare("UPDATE users SET ledger_version = ledger_version + 1 WHERE id = ?1").bind(&[num(user_id)])?,
    ])
}

/// The last statement of a fenced batch.
pub fn unfence(db: &D1Database) -> D1PreparedStatement {
    db.prepare("DELETE FROM ledger_fence")
}

/// The statements adding `delta` to sessions' attributed seconds and to `daily_stats`.
pub fn ledger_statements(db: &D1Database, user_id: i64, delta: &LedgerDelta) -> Result<Vec<D1PreparedStatement>> {
    let mut statements = Vec::new();
    let sessions: Vec<(&String, &i64)> = delta.sessions.iter().collect();
    for chunk in sessions.chunks(SESSIONS_PER_STATEMENT) {
        let mut binds = vec![num(user_id)];
        let mut cases = String::new();
        let mut ids = Vec::new();
        for (id, seconds) in chunk {
            let i = binds.len();
            cases.push_str(&format!(" WHEN ?{} THEN ?{}", i + 1, i + 2));
            ids.push(format!("?{}", i + 1));
            binds.extend([text(id), num(**seconds)]);
        }
        let sql = format!(
            "UPDATE time_sessions SET attributed_seconds = attributed_seconds + CASE id{cases} ELSE 0 END \
             WHERE user_id = ?1 AND id IN ({})",
            ids.join(", ")
        );
        statements.push(db.prepare(&sql).bind(&binds)?);
    }
    let buckets: Vec<(&(i64, String, String), &BucketChange)> = delta.buckets.iter().collect();
    for chunk in buckets.chunks(BUCKETS_PER_STATEMENT) {
        let mut values = Vec::with_capacity(chunk.len());
        let mut binds = vec![num(user_id)];
        for ((bucket_ms, _, _), change) in chunk {
            let i = binds.len();
            values.push(format!("(?1, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})", i + 1, i + 2, i + 3, i + 4, i + 5, i + 6));
            binds.extend([
                num(*bucket_ms),
                text(&change.repo_owner),
                text(&change.repo_name),
                num(change.seconds),
                num(change.starts),
                num(change.running_in),
            ]);
        }
        let sql = format!(
            "INSERT INTO daily_stats (user_id, bucket_ms, repo_owner, repo_name, seconds, starts, running_in) \
             VALUES {} ON CONFLICT (user_id, bucket_ms, repo_owner, repo_name) DO UPDATE SET \
             seconds = seconds + excluded.seconds, starts = starts + excluded.starts, \
             running_in = running_in + excluded.running_in",
            values.join(", ")
        );
        statements.push(db.prepare(&sql).bind(&binds)?);
    }
    Ok(statements)
}

#[derive(Deserialize)]
struct SpanSql {
    id: String,
    repo_owner: String,
    repo_name: String,
    start_ms: f64,
    end_ms: f64,
}

impl SpanSql {
    fn into_span(self) -> Span {
        Span {
            id: self.id,
            repo_owner: self.repo_owner,
            repo_name: self.repo_name,
            start_ms: self.start_ms as i64,
            end_ms: self.end_ms as i64,
        }
    }
}

/// Windows per overlap query: 3 bound values each (+1 for the user).
const WINDOWS_PER_QUERY: usize = 30;

/// Statements reading the user's ended sessions overlapping any of `windows`
/// (`[from, to)`); sessions last at most `max_session_ms`, which bounds the index range.
pub fn overlapping_queries(
    db: &D1Database,
    user_id: i64,
    windows: &[(i64, i64)],
    max_session_ms: i64,
) -> Result<Vec<D1PreparedStatement>> {
    let mut statements = Vec::new();
    for chunk in windows.chunks(WINDOWS_PER_QUERY) {
        let mut binds = vec![num(user_id)];
        let mut clauses = Vec::new();
        for (from, to) in chunk {
            let i = binds.len();
            clauses.push(format!("(start_ms >= ?{} AND start_ms < ?{} AND end_ms > ?{})", i + 1, i + 2, i + 3));
            binds.extend([num(from - max_session_ms), num(*to), num(*from)]);
        }
        let sql = format!(
            "SELECT id, repo_owner, repo_name, start_ms, end_ms FROM time_sessions \
             WHERE user_id = ?1 AND status != 'active' AND end_ms > start_ms AND ({})",
            clauses.join(" OR ")
        );
        statements.push(db.prepare(&sql).bind(&binds)?);
    }
    Ok(statements)
}

/// The spans in the results of [`overlapping_queries`].
pub fn spans_of(results: &[worker::D1Result]) -> Result<Vec<Span>> {
    let mut spans: Vec<Span> = Vec::new();
    for result in results {
        spans.extend(result.results::<SpanSql>()?.into_iter().map(SpanSql::into_span));
    }
    spans.sort_by(|a, b| a.id.cmp(&b.id));
    spans.dedup_by(|a, b| a.id == b.id);
    Ok(spans)
}

#[derive(Deserialize)]
struct BucketSql {
    bucket_ms: f64,
    seconds: f64,
    starts: f64,
    running_in: f64,
}

/// The caller's bucket rows in `[from_ms, to_ms)`, optionally for one repository.
pub async fn buckets(
    db: &D1Database,
    user_id: i64,
    from_ms: i64,
    to_ms: i64,
    repo: Option<(&str, &str)>,
) -> Result<Vec<BucketRow>> {
    let mut sql = String::from(
        "SELECT bucket_ms, SUM(seconds) AS seconds, SUM(starts) AS starts, \
         SUM(running_in) AS running_in FROM daily_stats \
         WHERE user_id = ?1 AND bucket_ms >= ?2 AND bucket_ms < ?3",
    );
    let mut binds = vec![num(user_id), num(from_ms), num(to_ms)];
    if let Some((owner, name)) = repo {
        sql.push_str(" AND repo_owner = ?4 AND repo_name = ?5");
        binds.extend([text(owner), text(name)]);
    }
    sql.push_str(" GROUP BY bucket_ms");
    let rows = db.prepare(&sql).bind(&binds)?.all().await?.results::<BucketSql>()?;
    Ok(rows
        .into_iter()
        .map(|r| BucketRow {
            bucket_ms: r.bucket_ms as i64,
            seconds: r.seconds as i64,
            starts: r.starts as i64,
            running_in: r.running_in as i64,
        })
        .collect())
}

/// Ended sessions overlapping `[from_ms, to_ms)` (all repositories: ownership of
/// overlaps is decided across them).
pub async fn ended_spans(db: &D1Database, user_id: i64, from_ms: i64, to_ms: i64) -> Result<Vec<Span>> {
    let rows = db
        .prepare(
            "SELECT id, repo_owner, repo_name, start_ms, end_ms FROM time_sessions \
             WHERE user_id = ?1 AND status != 'active' AND start_ms < ?3 AND end_ms > ?2",
        )
        .bind(&[num(user_id), num(from_ms), num(to_ms)])?
        .all()
        .await?
        .results::<SpanSql>()?;
    Ok(rows.into_iter().map(SpanSql::into_span).collect())
}
