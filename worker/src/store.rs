//! D1 access for sessions, statistics buckets and the sync log: reads, and the statements
//! that write what `worktime_core::sessions` decided. Numbers are bound as `f64` (D1 has
//! no BigInt); every value WorkTime stores is below 2^53.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};
use worktime_api::sessions::SessionStatus;
use worktime_core::sessions::{Ending, StoredSession};
use worktime_core::stats::{BucketDelta, BucketRow};

/// Columns of `time_sessions` as read by [`SessionRow`].
pub const SESSION_COLUMNS: &str = "id, repo_owner, repo_name, pr_number, start_ms, end_ms, status, \
     last_heartbeat_ms, tz_offset_minutes";

/// Buckets per upsert statement: 6 bound values each, under D1's 100-parameter limit.
const BUCKETS_PER_STATEMENT: usize = 16;

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
        }
    }
}

/// The caller's session `id`, if it exists.
pub async fn session(db: &D1Database, user_id: i64, id: &str) -> Result<Option<StoredSession>> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM time_sessions WHERE user_id = ?1 AND id = ?2");
    let row = db.prepare(&sql).bind(&[num(user_id), text(id)])?.first::<SessionRow>(None).await?;
    Ok(row.map(SessionRow::into_stored))
}

/// The caller's active session, if any (at most one, by a unique index).
pub async fn active_session(db: &D1Database, user_id: i64) -> Result<Option<StoredSession>> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM time_sessions WHERE user_id = ?1 AND status = 'active'"
    );
    let row = db.prepare(&sql).bind(&[num(user_id)])?.first::<SessionRow>(None).await?;
    Ok(row.map(SessionRow::into_stored))
}

/// Inserts a new session.
pub fn insert_session(db: &D1Database, user_id: i64, s: &StoredSession) -> Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO time_sessions (user_id, id, repo_owner, repo_name, pr_number, start_ms, \
         end_ms, duration_seconds, status, last_heartbeat_ms, tz_offset_minutes) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
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
    ])
}

/// Records a heartbeat; guarded so a concurrent end is never undone.
pub fn update_heartbeat(db: &D1Database, user_id: i64, s: &StoredSession) -> Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE time_sessions SET last_heartbeat_ms = MAX(last_heartbeat_ms, ?3) \
         WHERE user_id = ?1 AND id = ?2 AND status = 'active'",
    )
    .bind(&[num(user_id), text(&s.id), num(s.last_heartbeat_ms)])
}

/// The statements that end a session and add its time to `daily_stats`. The update is
/// guarded on `status = 'active'` and the bucket upserts only add rows when that update
/// changed one (checked with `changes()` inside the same batch), so two concurrent ends
/// can never count the same session twice.
pub fn end_session(db: &D1Database, user_id: i64, ending: &Ending) -> Result<Vec<D1PreparedStatement>> {
    let s = &ending.session;
    let mut statements = vec![db
        .prepare(
            "UPDATE time_sessions SET end_ms = ?3, duration_seconds = ?4, status = ?5 \
             WHERE user_id = ?1 AND id = ?2 AND status = 'active'",
        )
        .bind(&[
            num(user_id),
            text(&s.id),
            opt_num(s.end_ms),
            opt_num(s.duration_seconds()),
            text(s.status.as_str()),
        ])?];
    // Remember whether the update above applied; `changes()` only sees the last statement.
    statements.push(db.prepare(
        "INSERT INTO ending_guard (applied) SELECT changes() WHERE changes() = 1 \
         ON CONFLICT DO NOTHING",
    ));
    for chunk in ending.buckets.chunks(BUCKETS_PER_STATEMENT) {
        statements.push(upsert_buckets(db, user_id, s, chunk)?);
    }
    statements.push(db.prepare("DELETE FROM ending_guard"));
    Ok(statements)
}

fn upsert_buckets(
    db: &D1Database,
    user_id: i64,
    s: &StoredSession,
    buckets: &[BucketDelta],
) -> Result<D1PreparedStatement> {
    let mut values = Vec::with_capacity(buckets.len());
    let mut binds = vec![num(user_id), text(&s.repo_owner), text(&s.repo_name)];
    for bucket in buckets {
        let i = binds.len();
        values.push(format!("(?1, ?{}, ?2, ?3, ?{}, ?{}, ?{})", i + 1, i + 2, i + 3, i + 4));
        binds.extend([num(bucket.bucket_ms), num(bucket.seconds), num(bucket.starts), num(bucket.running_in)]);
    }
    let sql = format!(
        "INSERT INTO daily_stats (user_id, bucket_ms, repo_owner, repo_name, seconds, starts, running_in) \
         SELECT * FROM (VALUES {}) WHERE EXISTS (SELECT 1 FROM ending_guard) \
         ON CONFLICT (user_id, bucket_ms, repo_owner, repo_name) DO UPDATE SET \
         seconds = seconds + excluded.seconds, starts = starts + excluded.starts, \
         running_in = running_in + excluded.running_in",
        values.join(", ")
    );
    db.prepare(&sql).bind(&binds)
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

#[derive(Deserialize)]
struct IntervalSql {
    start_ms: f64,
    end_ms: f64,
}

/// Ended sessions overlapping `[from_ms, to_ms)` as intervals, optionally for one repository.
pub async fn ended_intervals(
    db: &D1Database,
    user_id: i64,
    from_ms: i64,
    to_ms: i64,
    repo: Option<(&str, &str)>,
) -> Result<Vec<(i64, i64)>> {
    let mut sql = String::from(
        "SELECT start_ms, end_ms FROM time_sessions WHERE user_id = ?1 AND status != 'active' \
         AND start_ms < ?3 AND end_ms > ?2",
    );
    let mut binds = vec![num(user_id), num(from_ms), num(to_ms)];
    if let Some((owner, name)) = repo {
        sql.push_str(" AND repo_owner = ?4 AND repo_name = ?5");
        binds.extend([text(owner), text(name)]);
    }
    let rows = db.prepare(&sql).bind(&binds)?.all().await?.results::<IntervalSql>()?;
    Ok(rows.into_iter().map(|r| (r.start_ms as i64, r.end_ms as i64)).collect())
}
