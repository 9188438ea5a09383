//! `POST /api/sync`: applies queued offline operations in order, each exactly once.
//!
//! Read the rows the request names (one round trip), let `worktime_core::sync_plan` decide
//! every op in memory, write all of it — sessions, `daily_stats` buckets and the `sync_ops`
//! log — in one D1 batch (a transaction). If that batch fails (a concurrent request changed
//! the rows), the ops are re-planned and written one at a time against fresh rows, so each
//! op is still applied atomically with its log row. A replayed op_id is `duplicate`; a
//! rejected op carries its error and does not block the next.

use serde::Deserialize;
use worker::{console_warn, D1Database, D1PreparedStatement, Env, Request, Response};
use worktime_api::sync::{SyncOp, SyncRequest, SyncResponse, MAX_OPS};
use worktime_api::ErrorCode;
use worktime_core::sync_plan::{self, op_type_name, Known, Plan, Write};
use worktime_core::time::UnixMillis;

use crate::request::{json_body, ApiError, Handled};
use crate::store::{self, num, text, SessionRow, SESSION_COLUMNS};
use crate::{env, respond};

/// Ids per lookup query: with the user id, under D1's 100 bound parameters.
const IDS_PER_QUERY: usize = 90;

pub async fn sync(req: &mut Request, env: &Env, user_id: i64, now: UnixMillis) -> Handled<Response> {
    let body: SyncRequest = json_body(req).await?;
    if body.ops.len() > MAX_OPS {
        return Err(ApiError::new(
            ErrorCode::ValidationFailed,
            format!("A sync request carries at most {MAX_OPS} ops; send the rest in another request."),
        ));
    }
    let db = env.d1(env::DB)?;
    let plan = sync_plan::plan(&body.ops, read_known(&db, user_id, &body.ops).await?, now);
    let results = match write(&db, user_id, &plan, now).await {
        Ok(()) => plan.results,
        Err(err) => {
            console_warn!("sync batch lost a race, applying op by op: {err}");
            one_by_one(&db, user_id, &body.ops, now).await?
        }
    };
    Ok(respond::private_json(200, &SyncResponse { results })?)
}

/// Fallback: each op planned against fresh rows and written with its log row.
async fn one_by_one(
    db: &D1Database,
    user_id: i64,
    ops: &[SyncOp],
    now: UnixMillis,
) -> Handled<Vec<worktime_api::sync::OpResult>> {
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        let single = std::slice::from_ref(op);
        let plan = sync_plan::plan(single, read_known(db, user_id, single).await?, now);
        write(db, user_id, &plan, now).await?;
        results.extend(plan.results);
    }
    Ok(results)
}

async fn write(db: &D1Database, user_id: i64, plan: &Plan, now: UnixMillis) -> worker::Result<()> {
    let now_ms = now.0;
    let mut statements: Vec<D1PreparedStatement> = Vec::new();
    for write in &plan.writes {
        match write {
            Write::Insert(session) => statements.push(store::insert_session(db, user_id, session)?),
            Write::End(ending) => statements.extend(store::end_session(db, user_id, ending)?),
            Write::Heartbeat(session) => statements.push(store::update_heartbeat(db, user_id, session)?),
            Write::Log { op_id, op_type, session_id } => statements.push(
                db.prepare(
                    "INSERT INTO sync_ops (user_id, op_id, op_type, session_id, applied_ms) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .bind(&[num(user_id), text(op_id), text(op_type_name(*op_type)), text(session_id), num(now_ms)])?,
            ),
        }
    }
    if !statements.is_empty() {
        db.batch(statements).await?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct Seen {
    op_id: String,
}

/// The sessions and applied op ids the ops name, plus the active session: one batch.
async fn read_known(db: &D1Database, user_id: i64, ops: &[SyncOp]) -> Handled<Known> {
    let (op_ids, session_ids) = sync_plan::referenced_ids(ops);
    let mut statements = Vec::new();
    let mut kinds = Vec::new();
    for chunk in op_ids.chunks(IDS_PER_QUERY) {
        statements.push(in_query(db, "SELECT op_id FROM sync_ops WHERE user_id = ?1 AND op_id IN", user_id, chunk)?);
        kinds.push(false);
    }
    let sessions_sql = format!("SELECT {SESSION_COLUMNS} FROM time_sessions WHERE user_id = ?1 AND id IN");
    for chunk in session_ids.chunks(IDS_PER_QUERY) {
        statements.push(in_query(db, &sessions_sql, user_id, chunk)?);
        kinds.push(true);
    }
    statements.push(
        db.prepare(format!(
            "SELECT {SESSION_COLUMNS} FROM time_sessions WHERE user_id = ?1 AND status = 'active'"
        ))
        .bind(&[num(user_id)])?,
    );
    kinds.push(true);
    let results = db.batch(statements).await?;
    let mut known = Known::default();
    for (result, is_session) in results.iter().zip(kinds) {
        if is_session {
            for row in result.results::<SessionRow>()? {
                let session = row.into_stored();
                if session.status == worktime_api::sessions::SessionStatus::Active {
                    known.active = Some(session.id.clone());
                }
                known.sessions.insert(session.id.clone(), session);
            }
        } else {
            known.applied_ops.extend(result.results::<Seen>()?.into_iter().map(|s| s.op_id));
        }
    }
    Ok(known)
}

fn in_query(db: &D1Database, head: &str, user_id: i64, ids: &[String]) -> worker::Result<D1PreparedStatement> {
    let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("?{}", i + 2)).collect();
    let mut binds = vec![num(user_id)];
    binds.extend(ids.iter().map(|id| text(id)));
    db.prepare(format!("{head} ({})", placeholders.join(", "))).bind(&binds)
}
