//! Snapshot format version 4: the explicit types of what is written, separate from the
//! engine's internal structs. Version 4 is version 3 plus the user's `pause` (and op
//! type `delete` in the queue). Every field is required (no `serde(default)`) and unknown
//! fields are refused, so a change to this file is a change of format and takes a new
//! version with a migration (see `legacy`).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use worktime_api::auth::User;
use worktime_api::sync::{OpType, SyncOp};
use worktime_api::ErrorCode;

use super::super::backoff::Retry;
use super::super::config::EngineConfig;
use super::super::failure::Failure;
use super::super::queue::{OpQueue, QueuedOp, Rejections};
use super::super::round::Round;
use super::super::state::{Pause, Recovery, State};
use super::super::status::{RejectedItem, SyncReason};
use super::super::timers::Timers;
use super::super::token::{Auth, Token};
use super::super::tracking::{SessionRecord, Tracker};

/// The whole snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SnapshotV4 {
    /// Always 4.
    pub version: u64,
    pub config: ConfigV4,
    pub auth: AuthV4,
    /// This installation's device id; `null` before the shell set one.
    pub device_id: Option<String>,
    /// Whether `history[0]` is the running session.
    pub tracking: bool,
    /// Newest first.
    pub history: Vec<SessionV4>,
    /// Oldest first.
    pub queue: Vec<QueuedOpV4>,
    /// Newest first.
    pub rejected: Vec<RejectedV4>,
    pub round: Option<RoundV4>,
    pub next_request_id: u64,
    pub last_sync_ms: Option<i64>,
    pub last_request_ms: Option<i64>,
    pub last_error: Option<Failure>,
    pub timers: TimersV4,
    /// Set when this state was recovered from an unreadable snapshot.
    pub recovery: Option<Recovery>,
    /// Set while the user has paused tracking.
    pub pause: Option<PauseV4>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PauseV4 {
    pub since_ms: i64,
    pub until_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigV4 {
    pub batch_size: usize,
    pub backoff_steps_ms: Vec<i64>,
    pub default_retry_after_ms: i64,
    pub max_retry_after_ms: i64,
    pub refresh_window_ms: i64,
    pub history_limit: usize,
    pub rejected_limit: usize,
    pub failed_items_shown: usize,
    pub server_heartbeat_ms: i64,
    pub silence_ms: i64,
    pub send_interval_ms: i64,
    pub heartbeat_interval_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthV4 {
    pub jwt: Option<String>,
    pub expires_at_ms: Option<i64>,
    pub user: Option<User>,
    pub sign_in_needed: bool,
    pub epoch: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SessionV4 {
    pub session_id: String,
    pub repo_owner: String,
    pub repo_name: String,
    pub pr_number: i64,
    pub tz_offset_minutes: Option<i32>,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub last_heartbeat_ms: i64,
    pub sent_heartbeat_ms: i64,
    pub rejected: bool,
    pub device_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QueuedOpV4 {
    /// The op exactly as the contract sends it.
    pub op: SyncOp,
    pub enqueued_ms: i64,
    pub failed: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RejectedV4 {
    pub op_id: String,
    pub session_id: String,
    pub op_type: OpType,
    pub code: ErrorCode,
    pub message: String,
    pub rejected_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoundV4 {
    pub reason: SyncReason,
    pub retries: u32,
    pub wait_until_ms: Option<i64>,
    pub server_wait: bool,
    pub refresh_tried: bool,
    pub split: Vec<Vec<String>>,
    pub deferred: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimersV4 {
    pub sync_at_ms: Option<i64>,
    pub heartbeat_fired_ms: Option<i64>,
}

impl SnapshotV4 {
    pub fn of(state: &State) -> SnapshotV4 {
        let c = &state.config;
        let auth = &state.auth;
        SnapshotV4 {
            version: 4,
            config: ConfigV4 {
                batch_size: c.batch_size,
                backoff_steps_ms: c.backoff_steps_ms.clone(),
                default_retry_after_ms: c.default_retry_after_ms,
                max_retry_after_ms: c.max_retry_after_ms,
                refresh_window_ms: c.refresh_window_ms,
                history_limit: c.history_limit,
                rejected_limit: c.rejected_limit,
                failed_items_shown: c.failed_items_shown,
                server_heartbeat_ms: c.server_heartbeat_ms,
                silence_ms: c.silence_ms,
                send_interval_ms: c.send_interval_ms,
                heartbeat_interval_ms: c.heartbeat_interval_ms,
            },
            auth: AuthV4 {
                jwt: auth.token.as_ref().map(|t| t.jwt.clone()),
                expires_at_ms: auth.token.as_ref().map(|t| t.expires_at_ms),
                user: auth.user.clone(),
                sign_in_needed: auth.sign_in_needed,
                epoch: auth.epoch,
            },
            device_id: state.tracker.device_id.clone(),
            tracking: state.tracker.active,
            history: state.tracker.history.iter().map(SessionV4::of).collect(),
            queue: state
                .queue
                .iter()
                .map(|q| QueuedOpV4 {
                    op: q.op.clone(),
                    enqueued_ms: q.enqueued_ms,
                    failed: q.failed.clone(),
                })
                .collect(),
            rejected: state.rejected.iter().map(RejectedV4::of).collect(),
            round: state.round.as_ref().map(|r| RoundV4 {
                reason: r.reason,
                retries: r.retry.retries,
                wait_until_ms: r.retry.wait_until_ms,
                server_wait: r.retry.server_wait,
                refresh_tried: r.refresh_tried,
                split: r.split.clone(),
                deferred: r.deferred,
            }),
            next_request_id: state.next_request_id,
            last_sync_ms: state.last_sync_ms,
            last_request_ms: state.last_request_ms,
            last_error: state.last_error.clone(),
            timers: TimersV4 {
                sync_at_ms: state.timers.sync_at_ms,
                heartbeat_fired_ms: state.timers.heartbeat_fired_ms,
            },
            recovery: state.recovery.clone(),
            pause: state.pause.map(|p| PauseV4 { since_ms: p.since_ms, until_ms: p.until_ms }),
        }
    }

    pub fn into_state(self) -> State {
        let c = self.config;
        let config = EngineConfig {
            batch_size: c.batch_size,
            backoff_steps_ms: c.backoff_steps_ms,
            default_retry_after_ms: c.default_retry_after_ms,
            max_retry_after_ms: c.max_retry_after_ms,
            refresh_window_ms: c.refresh_window_ms,
            history_limit: c.history_limit,
            rejected_limit: c.rejected_limit,
            failed_items_shown: c.failed_items_shown,
            server_heartbeat_ms: c.server_heartbeat_ms,
            silence_ms: c.silence_ms,
            send_interval_ms: c.send_interval_ms,
            heartbeat_interval_ms: c.heartbeat_interval_ms,
        };
        let token = match (self.auth.jwt, self.auth.expires_at_ms) {
            (Some(jwt), Some(expires_at_ms)) => Some(Token { jwt, expires_at_ms }),
            _ => None,
        };
        let queue: VecDeque<QueuedOp> = self
            .queue
            .into_iter()
            .map(|q| QueuedOp { op: q.op, enqueued_ms: q.enqueued_ms, failed: q.failed })
            .collect();
        State {
            config: config.normalized(),
            auth: Auth {
                token,
                user: self.auth.user,
                sign_in_needed: self.auth.sign_in_needed,
                epoch: self.auth.epoch,
            },
            tracker: Tracker {
                device_id: self.device_id,
                active: self.tracking && !self.history.is_empty(),
                history: self.history.into_iter().map(SessionV4::into_record).collect(),
            },
            queue: OpQueue::from_ops(queue),
            rejected: Rejections::from_items(
                self.rejected.into_iter().map(RejectedV4::into_item).collect(),
            ),
            round: self.round.map(|r| Round {
                reason: r.reason,
                retry: Retry {
                    retries: r.retries,
                    wait_until_ms: r.wait_until_ms,
                    server_wait: r.server_wait,
                },
                refresh_tried: r.refresh_tried,
                split: r.split,
                deferred: r.deferred,
            }),
            next_request_id: self.next_request_id,
            last_sync_ms: self.last_sync_ms,
            last_request_ms: self.last_request_ms,
            last_error: self.last_error,
            timers: Timers {
                sync_at_ms: self.timers.sync_at_ms,
                heartbeat_fired_ms: self.timers.heartbeat_fired_ms,
            },
            recovery: self.recovery,
            pause: self.pause.map(|p| Pause { since_ms: p.since_ms, until_ms: p.until_ms }),
        }
    }
}

impl SessionV4 {
    fn of(r: &SessionRecord) -> SessionV4 {
        SessionV4 {
            session_id: r.session_id.clone(),
            repo_owner: r.repo_owner.clone(),
            repo_name: r.repo_name.clone(),
            pr_number: r.pr_number,
            tz_offset_minutes: r.tz_offset_minutes,
            start_ms: r.start_ms,
            end_ms: r.end_ms,
            last_heartbeat_ms: r.last_heartbeat_ms,
            sent_heartbeat_ms: r.sent_heartbeat_ms,
            rejected: r.rejected,
            device_id: r.device_id.clone(),
        }
    }

    fn into_record(self) -> SessionRecord {
        SessionRecord {
            session_id: self.session_id,
            repo_owner: self.repo_owner,
            repo_name: self.repo_name,
            pr_number: self.pr_number,
            tz_offset_minutes: self.tz_offset_minutes,
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            last_heartbeat_ms: self.last_heartbeat_ms,
            sent_heartbeat_ms: self.sent_heartbeat_ms,
            rejected: self.rejected,
            device_id: self.device_id,
        }
    }
}

impl RejectedV4 {
    fn of(item: &RejectedItem) -> RejectedV4 {
        RejectedV4 {
            op_id: item.op_id.clone(),
            session_id: item.session_id.clone(),
            op_type: item.op_type,
            code: item.code,
            message: item.message.clone(),
            rejected_ms: item.rejected_ms,
        }
    }

    fn into_item(self) -> RejectedItem {
        RejectedItem {
            op_id: self.op_id,
            session_id: self.session_id,
            op_type: self.op_type,
            code: self.code,
            message: self.message,
            rejected_ms: self.rejected_ms,
        }
    }
}
