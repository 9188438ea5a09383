//! The statements of the write path, each taking its whole list of rows as one JSON
//! parameter (`json_each`): whatever a request holds — 100 ops, sessions of 24 hours,
//! thousands of bucket rows — its reads are five statements and its write batch at most
//! eight, far inside the Free plan's 50 per invocation, and no statement binds more than
//! four parameters (D1 allows 100).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};
use worker::{D1PreparedStatement, D1Result, Result};
use worktime_core::overlap::{LedgerDelta, Span};
use worktime_core::sessions::StoredSession;
use worktime_core::stats::hours_of_buckets;

use crate::d1::Db;
use crate::store::{self, num, SpanSql, SESSION_COLUMNS};

/// The user's ledger version (the fence's value), read in the same batch as the rows.
pub fn ledger_version(db: &Db, user_id: i64) -> Result<D1PreparedStatement> {
    db.prepare("SELECT ledger_version FROM users WHERE id = ?1").bind(&[num(user_id)])
}

/// The op ids among `op_ids` the user applied before.
pub fn applied_ops(db: &Db, user_id: i64, op_ids: &[String]) -> Result<D1PreparedStatement> {
    db.prepare("SELECT op_id FROM sync_ops WHERE user_id = ?1 AND op_id IN (SELECT value FROM json_each(?2))")
        .bind(&[num(user_id), store::json(&json!(op_ids))])
}

/// The user's sessions with these ids, and the active session of each of these devices.
pub fn named_sessions(
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
    .bind(&[num(user_id), store::json(&json!(ids)), store::json(&json!(devices))])
}

/// The user's ended sessions overlapping any window `[from, to)`; sessions last at most
/// `max_session_ms`, which bounds each window's index range. `CROSS JOIN` keeps the windows
/// outside, so each is an index range on `(user_id, start_ms)`, never a scan of the user.
pub fn overlapping(
    db: &Db,
    user_id: i64,
    windows: &[(i64, i64)],
    max_session_ms: i64,
) -> Result<D1PreparedStatement> {
    let windows: Vec<[i64; 2]> = windows.iter().map(|&(from, to)| [from, to]).collect();
    db.prepare(
        "SELECT DISTINCT t.id, t.repo_owner, t.repo_name, t.start_ms, t.end_ms \
         FROM json_each(?2) AS w CROSS JOIN time_sessions AS t \
         ON t.user_id = ?1 AND t.status != 'active' AND t.end_ms > t.start_ms \
         AND t.start_ms >= json_extract(w.value, '$[0]') - ?3 \
         AND t.start_ms < json_extract(w.value, '$[1]') \
         AND t.end_ms > json_extract(w.value, '$[0]')",
    )
    .bind(&[num(user_id), store::json(&json!(windows)), num(max_session_ms)])
}

/// The user's ended sessions overlapping `[from, to)`: one index range on
/// `(user_id, start_ms)`, as sessions last at most `max_session_ms`.
pub fn ended_in(
    db: &Db,
    user_id: i64,
    (from, to): (i64, i64),
    max_session_ms: i64,
) -> Result<D1PreparedStatement> {
    db.prepare(
        "SELECT id, repo_owner, repo_name, start_ms, end_ms FROM time_sessions \
         WHERE user_id = ?1 AND start_ms >= ?2 AND start_ms < ?3 AND end_ms > ?4 \
         AND status != 'active' AND end_ms > start_ms",
    )
    .bind(&[num(user_id), num(from - max_session_ms), num(to), num(from)])
}

/// The spans in the result of [`overlapping`] or [`ended_in`].
pub fn spans_of(result: &D1Result) -> Result<Vec<Span>> {
    Ok(result.results::<SpanSql>()?.into_iter().map(SpanSql::into_span).collect())
}

/// The first statements of a write batch: fail the whole batch (a transaction) unless the
/// user's ledger is still at `version`, then move it on. The check writes nothing: when the
/// version moved, `json()` of a text that is not JSON raises an error, which aborts the
/// batch; otherwise it selects one value. Only the version's own update is a row written.
pub fn fence(db: &Db, user_id: i64, version: i64) -> Result<[D1PreparedStatement; 2]> {
    Ok([
        db.prepare(
            "SELECT json(CASE WHEN (SELECT ledger_version FROM users WHERE id = ?1) IS ?2 \
             THEN '0' ELSE 'the ledger moved' END) AS fence",
        )
        .bind(&[num(user_id), num(version)])?,
        db.prepare("UPDATE users SET ledger_version = ledger_version + 1 WHERE id = ?1")
            .bind(&[num(user_id)])?,
    ])
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
pub fn insert_sessions(
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
    .bind(&[num(user_id), store::json(&Value::Array(rows))])
}

/// Brings existing sessions to their final state (end, duration, status, last heartbeat)
/// and adds their change of attributed seconds.
pub fn update_sessions(
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
    .bind(&[num(user_id), store::json(&Value::Array(rows))])
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
    .bind(&[num(user_id), store::json(&json!(rows))])
}

/// Records applied ops: `(op_id, op_type, session_id)`.
pub fn log_ops(
    db: &Db,
    user_id: i64,
    ops: &[(&str, &str, &str)],
    now_ms: i64,
) -> Result<D1PreparedStatement> {
    let rows: Vec<Value> =
        ops.iter().map(|(op, kind, session)| json!([op, kind, session])).collect();
    db.prepare(
        "INSERT INTO sync_ops (user_id, op_id, op_type, session_id, applied_ms) \
         SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', ?3 FROM json_each(?2)",
    )
    .bind(&[num(user_id), store::json(&Value::Array(rows)), num(now_ms)])
}

/// The statements adding `delta` to sessions' attributed seconds, to `daily_stats` and to
/// its hourly rollup `hourly_stats` (none for an empty part). Run after the sessions are inserted; the sessions the batch
/// writes anyway take their share in that write (`attributed` of [`insert_sessions`] and
/// [`update_sessions`]), so `delta.sessions` here holds only the others.
pub fn ledger(db: &Db, user_id: i64, delta: &LedgerDelta) -> Result<Vec<D1PreparedStatement>> {
    let mut statements = Vec::new();
    if !delta.sessions.is_empty() {
        let rows: BTreeMap<&String, &i64> = delta.sessions.iter().collect();
        statements.push(
            db.prepare(
                "UPDATE time_sessions SET attributed_seconds = attributed_seconds + \
                 (SELECT value FROM json_each(?2) WHERE key = time_sessions.id) \
                 WHERE user_id = ?1 AND id IN (SELECT key FROM json_each(?2))",
            )
            .bind(&[num(user_id), store::json(&json!(rows))])?,
        );
    }
    if !delta.buckets.is_empty() {
        let rows: Vec<Value> = delta
            .buckets
            .iter()
            .map(|((bucket, _, _), c)| {
                json!([bucket, c.repo_owner, c.repo_name, c.seconds, c.starts, c.running_in])
            })
            .collect();
        statements.push(
            db.prepare(
                "INSERT INTO daily_stats (user_id, bucket_ms, repo_owner, repo_name, seconds, starts, running_in) \
                 SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', \
                 value ->> '$[4]', value ->> '$[5]' FROM json_each(?2) WHERE true \
                 ON CONFLICT (user_id, bucket_ms, repo_owner, repo_name) DO UPDATE SET \
                 seconds = seconds + excluded.seconds, starts = starts + excluded.starts, \
                 running_in = running_in + excluded.running_in",
            )
            .bind(&[num(user_id), store::json(&Value::Array(rows))])?,
        );
        let hours = hours_of_buckets(
            delta
                .buckets
                .iter()
                .map(|((bucket, _, _), c)| (*bucket, c.seconds, c.starts, c.running_in)),
        );
        if !hours.is_empty() {
            let rows: Vec<Value> = hours
                .iter()
                .map(|(hour, c)| json!([hour, c.seconds, c.starts, c.running_in]))
                .collect();
            statements.push(
                db.prepare(
                    "INSERT INTO hourly_stats (user_id, hour_ms, seconds, starts, running_in) \
                     SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]' \
                     FROM json_each(?2) WHERE true \
                     ON CONFLICT (user_id, hour_ms) DO UPDATE SET \
                     seconds = seconds + excluded.seconds, starts = starts + excluded.starts, \
                     running_in = running_in + excluded.running_in",
                )
                .bind(&[num(user_id), store::json(&Value::Array(rows))])?,
            );
        }
    }
    Ok(statements)
}

#[derive(Deserialize)]
pub struct Version {
    pub ledger_version: f64,
}

#[derive(Deserialize)]
pub struct Seen {
    pub op_id: String,
}
