//! `sync_ops`: the log of applied sync op ids, the shortcut by which a replayed op is
//! answered `duplicate` (every write is idempotent by content, so the log may be pruned).
//! REST writes and heartbeats are never logged.

use serde::Deserialize;
use serde_json::{json, Value};
use worker::{D1PreparedStatement, D1Result, Result};

use super::num;
use crate::d1::Db;

/// The op ids among `op_ids` the user applied before (read with [`read_applied`]).
pub fn applied(db: &Db, user_id: i64, op_ids: &[String]) -> Result<D1PreparedStatement> {
    db.prepare("SELECT op_id FROM sync_ops WHERE user_id = ?1 AND op_id IN (SELECT value FROM json_each(?2))")
        .bind(&[num(user_id), super::json(&json!(op_ids))])
}

#[derive(Deserialize)]
struct AppliedRow {
    op_id: String,
}

/// The op ids in the result of [`applied`].
pub fn read_applied(result: &D1Result) -> Result<Vec<String>> {
    Ok(result.results::<AppliedRow>()?.into_iter().map(|row| row.op_id).collect())
}

/// Records applied ops, `(op_id, op_type, session_id)`, as applied at `now_ms`.
pub fn log(
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
    .bind(&[num(user_id), super::json(&Value::Array(rows)), num(now_ms)])
}

/// Forgets at most `limit` op ids applied before `cutoff_ms`, oldest first: one statement.
pub async fn prune(db: &Db, cutoff_ms: i64, limit: i64) -> Result<()> {
    let prune = db
        .prepare(
            "DELETE FROM sync_ops WHERE (user_id, op_id) IN \
             (SELECT user_id, op_id FROM sync_ops WHERE applied_ms < ?1 ORDER BY applied_ms LIMIT ?2)",
        )
        .bind(&[num(cutoff_ms), num(limit)])?;
    db.run(prune).await
}
