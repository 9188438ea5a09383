//! `POST /api/sync`: many queued offline operations in one request.

use serde::{Deserialize, Serialize};

use crate::error::ErrorDetail;

/// Most operations one sync request may carry.
pub const MAX_OPS: usize = 100;

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum OpType {
    /// Like `POST /api/sessions/start`.
    Start,
    /// Like `PATCH /api/sessions/{id}/end`.
    End,
    /// Like `POST /api/sessions/{id}/heartbeat`.
    Heartbeat,
    /// Like `DELETE /api/sessions/{id}`: the session and its time leave the statistics
    /// (the seconds it owned go back to the sessions it overlapped). Any device of the
    /// user may send it, for a running session too: that session's device then gets
    /// `not_found` for its heartbeats and end. A session that is not there (never synced,
    /// deleted already, or another user's) is applied all the same, so deleting twice
    /// changes nothing.
    Delete,
}

/// One operation. `session_id` names the session for every type; the other fields are
/// those of the matching endpoint (`start`: repo_owner, repo_name, pr_number, start_time?,
/// tz_offset_minutes?; `end`: end_time?; `heartbeat`: at?; `delete`: none). Fields of
/// another type are rejected. `device_id` may accompany every type: it names the device that recorded the
/// session (a start) or that asks (an end or heartbeat, which only that device may send).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SyncOp {
    /// Client-generated UUID, unique per user: a replayed op is reported `duplicate`.
    pub op_id: String,
    #[serde(rename = "type")]
    pub op_type: OpType,
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo_owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_number: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz_offset_minutes: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The sending device's UUID. Absent: the user's legacy device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

impl SyncOp {
    /// An op of `op_type` on `session_id` with no other field set.
    pub fn new(op_id: String, op_type: OpType, session_id: String) -> SyncOp {
        SyncOp {
            op_id,
            op_type,
            session_id,
            repo_owner: None,
            repo_name: None,
            pr_number: None,
            start_time: None,
            tz_offset_minutes: None,
            end_time: None,
            at: None,
            device_id: None,
        }
    }
}

/// `POST /api/sync` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// Applied in order; at most [`MAX_OPS`].
    pub ops: Vec<SyncOp>,
}

/// What happened to one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// Applied now.
    Applied,
    /// Applied by an earlier request with the same `op_id`; nothing changed.
    Duplicate,
    /// Not applied, and it never will be: see `error`. Retrying cannot help.
    Rejected,
}

/// One entry of [`SyncResponse::results`], in the order of the request's ops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpResult {
    pub op_id: String,
    pub status: OpStatus,
    /// Why the op was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

/// `POST /api/sync` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    pub results: Vec<OpResult>,
}
