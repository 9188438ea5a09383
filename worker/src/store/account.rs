//! The account as a whole: a page of its data export, and its deletion from every table
//! that holds a row of the user — the one list of them (`migrations/`: `users`,
//! `time_sessions`, `daily_stats`, `hourly_stats`, `sync_ops`, `revoked_sign_ins`; a new
//! table keyed by user belongs in [`USER_TABLES`]).

use worker::Result;
use worktime_api::account::{DeletedRows, ExportedUser};
use worktime_core::sessions::StoredSession;

use super::{num, sessions, users};
use crate::d1::Db;

/// Every table with a `user_id` column, children of `users` (deleted before it).
pub const USER_TABLES: [&str; 5] =
    ["time_sessions", "daily_stats", "hourly_stats", "sync_ops", "revoked_sign_ins"];

/// The account and at most `limit` sessions after `after` (see
/// `sessions::export_page`): one batch of two statements, one consistent snapshot;
/// `None` when the user no longer exists.
pub async fn export_page(
    db: &Db,
    user_id: i64,
    after: (i64, &str),
    limit: i64,
) -> Result<Option<(ExportedUser, Vec<StoredSession>)>> {
    let statements =
        vec![users::exported(db, user_id)?, sessions::export_page(db, user_id, after, limit)?];
    let results = db.batch(statements).await?;
    let Some(user) = results.first().map(users::read_exported).transpose()?.flatten() else {
        return Ok(None);
    };
    let sessions = match results.get(1) {
        Some(result) => sessions::read_sessions(result)?,
        None => Vec::new(),
    };
    Ok(Some((user, sessions)))
}

/// Deletes every row of the user from every table in one batch (a transaction: all or
/// nothing), six statements whatever the user holds; how many rows each removed. A
/// concurrent write of the user either commits before (and is deleted) or fails its
/// ledger fence (the user row is gone).
pub async fn delete(db: &Db, user_id: i64) -> Result<DeletedRows> {
    let mut statements = Vec::with_capacity(USER_TABLES.len() + 1);
    for table in USER_TABLES {
        statements.push(
            db.prepare(format!("DELETE FROM {table} WHERE user_id = ?1")).bind(&[num(user_id)])?,
        );
    }
    statements.push(db.prepare("DELETE FROM users WHERE id = ?1").bind(&[num(user_id)])?);
    let results = db.batch(statements).await?;
    let changes = |i: usize| -> i64 {
        results
            .get(i)
            .and_then(|result| result.meta().ok().flatten())
            .and_then(|meta| meta.changes)
            .unwrap_or(0) as i64
    };
    Ok(DeletedRows {
        sessions: changes(0),
        daily_stats: changes(1),
        hourly_stats: changes(2),
        sync_ops: changes(3),
        revoked_sign_ins: changes(4),
        users: changes(5),
    })
}
