//! `POST /api/sync`: applies queued offline operations in order, each exactly once.
//!
//! The whole request is decided in the core and written in one fenced D1 batch
//! (`writes::apply`): sessions, their statistics and the `sync_ops` log commit together.
//! A replayed op_id is `duplicate`; a rejected op carries its error and does not block
//! the next.

use worker::{Context, Env, Request, Response};
use worktime_api::sync::{SyncRequest, SyncResponse, MAX_OPS};
use worktime_api::ErrorCode;
use worktime_core::sync_plan::Logging;
use worktime_core::time::UnixMillis;

use crate::request::{json_body, ApiError, Handled};
use crate::d1::Db;
use crate::ratelimit::Gate;
use crate::{respond, writes};

pub async fn sync(req: &mut Request, env: &Env, ctx: &Context, db: &Db, gate: &Gate, user_id: i64, now: UnixMillis) -> Handled<Response> {
    let body: SyncRequest = json_body(req).await?;
    if body.ops.len() > MAX_OPS {
        return Err(ApiError::new(
            ErrorCode::ValidationFailed,
            format!("A sync request carries at most {MAX_OPS} ops; send the rest in another request."),
        ));
    }
    let applied = writes::apply(db, gate, user_id, &body.ops, now, writes::limits(env), Logging::OpLog).await?;
    writes::announce(env, ctx, user_id, &body.ops, &applied, now);
    Ok(respond::private_json(200, &SyncResponse { results: applied.results })?)
}
