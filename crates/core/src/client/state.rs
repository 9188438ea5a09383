//! Everything the engine keeps, persisted through the snapshot format (`snapshot`).

use serde::{Deserialize, Serialize};

use super::config::EngineConfig;
use super::failure::Failure;
use super::queue::{OpQueue, Rejections};
use super::round::Round;
use super::timers::Timers;
use super::token::Auth;
use super::tracking::Tracker;

/// Everything the engine persists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct State {
    pub config: EngineConfig,
    pub auth: Auth,
    pub tracker: Tracker,
    pub queue: OpQueue,
    pub rejected: Rejections,
    pub round: Option<Round>,
    /// The id of the next request; persisted so ids stay unique across restarts.
    pub next_request_id: u64,
    pub last_sync_ms: Option<i64>,
    pub last_error: Option<Failure>,
    /// When the engine last sent a request (see `EngineConfig::send_interval_ms`).
    pub last_request_ms: Option<i64>,
    pub timers: Timers,
    /// Set when the state was recovered from a snapshot that could not be read.
    pub recovery: Option<Recovery>,
    /// Set while the user has paused tracking.
    pub pause: Option<Pause>,
}

impl State {
    pub fn new(config: EngineConfig) -> State {
        State {
            config,
            auth: Auth::default(),
            tracker: Tracker::default(),
            queue: OpQueue::default(),
            rejected: Rejections::default(),
            round: None,
            next_request_id: 1,
            last_sync_ms: None,
            last_error: None,
            last_request_ms: None,
            timers: Timers::default(),
            recovery: None,
            pause: None,
        }
    }
}

/// What happened when the stored snapshot could not be restored: the engine started
/// from what could be read of it. Shown in the status until the server confirms a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Recovery {
    /// When the engine recovered (epoch ms).
    pub at_ms: i64,
    /// Why the snapshot could not be restored.
    pub problem: String,
    /// The version the unreadable snapshot said it was, if any.
    pub version: Option<u64>,
    /// Queued ops read back from it (they are queued again, oldest first).
    pub recovered_ops: usize,
    /// Whether this installation's device id was read back.
    pub recovered_device_id: bool,
}

/// The user paused tracking: nothing is tracked from `since_ms` until they resume, or
/// until `until_ms` when the pause was for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Pause {
    /// When the pause began (epoch ms).
    pub since_ms: i64,
    /// When tracking resumes by itself (epoch ms); `None`: until the user resumes.
    pub until_ms: Option<i64>,
}

impl Pause {
    /// Whether the pause still holds at `now_ms`.
    pub fn holds_at(&self, now_ms: i64) -> bool {
        self.until_ms.is_none_or(|until| now_ms < until)
    }
}
