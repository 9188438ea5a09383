//! What the popup shows about syncing: plain serde values, handed to JavaScript as-is.
//!
//! Field names are snake_case and instants are epoch milliseconds (`i64`), like
//! everything else the engine exposes.

use serde::{Deserialize, Serialize};
use worktime_api::auth::User;
use worktime_api::sync::OpType;
use worktime_api::ErrorCode;

use super::failure::Failure;
use super::state::Recovery;

/// Why the shell asks for a sync round. Every reason starts a round the same way; the
/// reason is recorded in [`Status::round_reason`] for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SyncReason {
    /// The periodic alarm (every 15 minutes).
    Periodic,
    /// The backend became reachable again (e.g. `GET /health` succeeded).
    Reconnect,
    /// The user pressed "sync now".
    Manual,
    /// A sign-in just installed a token.
    SignIn,
    /// An op was enqueued while no round ran (set by the engine itself).
    Enqueued,
}

/// A queued op whose last round gave up on it. It is still queued and will be sent again
/// by the next round: being failed never removes an op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FailedItem {
    pub op_id: String,
    pub session_id: String,
    pub op_type: OpType,
    /// The error that ended the round.
    pub reason: Failure,
    /// When the op was enqueued.
    pub enqueued_ms: i64,
}

/// An op the server refused for good. It has left the queue and is never sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RejectedItem {
    pub op_id: String,
    pub session_id: String,
    pub op_type: OpType,
    /// The server's code (`validation_failed`, `not_found`, `conflict`, …).
    pub code: ErrorCode,
    /// The server's message.
    pub message: String,
    pub rejected_ms: i64,
}

/// The sync state at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Status {
    /// Ops waiting for the server's confirmation, failed ones included.
    pub pending_count: usize,
    /// Queued ops marked failed by the last round that gave up.
    pub failed_count: usize,
    /// The oldest failed ops, at most `EngineConfig::failed_items_shown` (50).
    pub failed_items: Vec<FailedItem>,
    /// Failed ops not listed in `failed_items` (`failed_count - failed_items.len()`).
    /// They are still queued: the limit is on the list, never on the queue.
    pub failed_items_hidden: usize,
    /// Ops the server rejected, newest first, at most `EngineConfig::rejected_limit` (50).
    pub rejected_items: Vec<RejectedItem>,
    /// A token is held and has not expired.
    pub signed_in: bool,
    /// The server refused the token or it expired: the user must sign in again.
    pub sign_in_needed: bool,
    /// The signed-in user (kept while `sign_in_needed`).
    pub user: Option<User>,
    /// When the server last confirmed a batch.
    pub last_sync_ms: Option<i64>,
    /// When the running round tries again, if it is waiting.
    pub next_retry_ms: Option<i64>,
    /// The latest sync error; cleared by the next confirmed batch.
    pub last_error: Option<Failure>,
    /// A round is running (sending, or waiting to retry).
    pub round_active: bool,
    /// Why the running round started.
    pub round_reason: Option<SyncReason>,
    /// Set when the stored state could not be read and the engine started from what
    /// could be recovered of it; cleared when the server next confirms a batch.
    pub recovery: Option<Recovery>,
}
