//! `POST /api/sync`: applies queued offline operations in order, each exactly once.
//!
//! Each op runs as its own read → decide → batch, and its `sync_ops` row is written in
//! that same batch: an op is either applied and logged, or neither. A replayed op_id is
//! reported `duplicate`; a rejected op is reported with its error and the next op runs.
//! A platform failure stops the request with a 5xx: ops applied so far are logged, so
//! the client's retry reports them as duplicates.

use std::collections::HashSet;

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, Env, Request, Response};
use worktime_api::sync::{OpResult, OpStatus, OpType, SyncOp, SyncRequest, SyncResponse, MAX_OPS};
use worktime_api::{ErrorCode, ErrorDetail};
use worktime_core::time::UnixMillis;
use worktime_core::validate::{self, Violation};

use crate::request::{json_body, ApiError, Handled};
use crate::session_ops::{self, StartFields};
use crate::store::{num, text};
use crate::{env, respond};

pub async fn sync(req: &mut Request, env: &Env, user_id: i64, now: UnixMillis) -> Handled<Response> {
    let body: SyncRequest = json_body(req).await?;
    if body.ops.len() > MAX_OPS {
        return Err(ApiError::new(
            ErrorCode::ValidationFailed,
            format!("A sync request carries at most {MAX_OPS} ops; send the rest in another request."),
        ));
    }
    let db = env.d1(env::DB)?;
    let mut seen = already_applied(&db, user_id, &body.ops).await?;
    let mut results = Vec::with_capacity(body.ops.len());
    for op in &body.ops {
        let result = match validate::uuid(&op.op_id, "op_id") {
            Err(violation) => rejected(op, violation.into()),
            Ok(op_id) if seen.contains(&op_id) => {
                OpResult { op_id: op.op_id.clone(), status: OpStatus::Duplicate, error: None }
            }
            Ok(op_id) => match apply(&db, user_id, op, &op_id, now).await {
                Ok(()) => {
                    seen.insert(op_id);
                    OpResult { op_id: op.op_id.clone(), status: OpStatus::Applied, error: None }
                }
                Err(err) if err.code == ErrorCode::Internal => return Err(err),
                Err(err) => rejected(op, err),
            },
        };
        results.push(result);
    }
    Ok(respond::private_json(200, &SyncResponse { results })?)
}

fn rejected(op: &SyncOp, err: ApiError) -> OpResult {
    OpResult {
        op_id: op.op_id.clone(),
        status: OpStatus::Rejected,
        error: Some(ErrorDetail { code: err.code, message: err.message }),
    }
}

async fn apply(db: &D1Database, user_id: i64, op: &SyncOp, op_id: &str, now: UnixMillis) -> Handled<()> {
    check_fields(op)?;
    let session_id = validate::uuid(&op.session_id, "session_id")?;
    let log = || -> worker::Result<Vec<D1PreparedStatement>> {
        Ok(vec![db
            .prepare(
                "INSERT INTO sync_ops (user_id, op_id, op_type, session_id, applied_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .bind(&[num(user_id), text(op_id), text(op_type(op.op_type)), text(&session_id), num(now.0)])?])
    };
    match op.op_type {
        OpType::Start => {
            let fields = StartFields {
                id: &session_id,
                repo_owner: op.repo_owner.as_deref().unwrap_or_default(),
                repo_name: op.repo_name.as_deref().unwrap_or_default(),
                pr_number: op.pr_number.unwrap_or(0),
                start_time: op.start_time.as_deref(),
                tz_offset_minutes: op.tz_offset_minutes,
            };
            let start = session_ops::validate_start(&fields, now)?;
            session_ops::start(db, user_id, start, &log).await?;
        }
        OpType::End => {
            session_ops::end(db, user_id, &session_id, op.end_time.as_deref(), now, &log).await?;
        }
        OpType::Heartbeat => {
            session_ops::heartbeat(db, user_id, &session_id, op.at.as_deref(), now, &log).await?;
        }
    }
    Ok(())
}

fn op_type(op_type: OpType) -> &'static str {
    match op_type {
        OpType::Start => "start",
        OpType::End => "end",
        OpType::Heartbeat => "heartbeat",
    }
}

/// Each op type takes only its endpoint's fields.
fn check_fields(op: &SyncOp) -> Result<(), Violation> {
    let start_fields = op.repo_owner.is_some()
        || op.repo_name.is_some()
        || op.pr_number.is_some()
        || op.start_time.is_some()
        || op.tz_offset_minutes.is_some();
    let misplaced = match op.op_type {
        OpType::Start => op.end_time.is_some() || op.at.is_some(),
        OpType::End => start_fields || op.at.is_some(),
        OpType::Heartbeat => start_fields || op.end_time.is_some(),
    };
    if misplaced {
        return Err(Violation::rule(format!("A {} op has fields of another op type.", op_type(op.op_type))));
    }
    if op.op_type == OpType::Start && (op.repo_owner.is_none() || op.repo_name.is_none() || op.pr_number.is_none()) {
        return Err(Violation::rule("A start op needs repo_owner, repo_name and pr_number."));
    }
    Ok(())
}

#[derive(Deserialize)]
struct Seen {
    op_id: String,
}

/// Op ids per lookup query: with the user id, under D1's 100 bound parameters.
const IDS_PER_QUERY: usize = 90;

/// The op_ids of this request the caller already applied (one query per 90 ops).
async fn already_applied(db: &D1Database, user_id: i64, ops: &[SyncOp]) -> Handled<HashSet<String>> {
    let ids: Vec<String> = ops.iter().filter_map(|op| validate::uuid(&op.op_id, "op_id").ok()).collect();
    let mut seen = HashSet::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("?{}", i + 2)).collect();
        let mut binds = vec![num(user_id)];
        binds.extend(chunk.iter().map(|id| text(id)));
        let sql = format!(
            "SELECT op_id FROM sync_ops WHERE user_id = ?1 AND op_id IN ({})",
            placeholders.join(", ")
        );
        let rows = db.prepare(&sql).bind(&binds)?.all().await?.results::<Seen>()?;
        seen.extend(rows.into_iter().map(|row| row.op_id));
    }
    Ok(seen)
}
