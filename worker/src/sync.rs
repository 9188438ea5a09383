//! `POST /api/sync`: applies queued offline operations in order, each exactly once.
//!
//! The whole request is decided in the core and written in one fenced D1 batch
//! (`writes::apply`): sessions, their statistics and the `sync_ops` log commit together.
//! A replayed op_id is `duplicate`; a rejected op carries its error and does not block
//! the next.

use worker::{Request, Response};
use worktime_api::sync::{SyncRequest, SyncResponse, MAX_OPS};
use worktime_api::ErrorCode;
use worktime_core::sync_plan::Logging;

use crate::request::{json_body, ApiError, Handled};
use crate::writes::Writer;
use crate::{respond, writes};

pub async fn sync(req: &mut Request, w: &Writer<'_>) -> Handled<Response> {
    let body: SyncRequest = json_body(req).await?;
    if body.ops.len() > MAX_OPS {
        return Err(ApiError::new(
            ErrorCode::ValidationFailed,
            format!(
                "A sync request carries at most {MAX_OPS} ops; send the rest in another request."
            ),
        ));
    }
    let applied = writes::apply(w, &body.ops, Logging::OpLog).await?;
    writes::announce(w, &body.ops, &applied);
    Ok(respond::private_json(200, &SyncResponse { results: applied.results })?)
}
