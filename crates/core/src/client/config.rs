//! The engine's configuration: every knob explicit, no globals.
//!
//! The configuration is part of the snapshot, so an engine restored from storage keeps
//! the settings it was created with. [`EngineConfig::default`] holds the product's values.

use serde::{Deserialize, Serialize};
use worktime_api::sessions::{SEND_INTERVAL_MINUTES, SERVER_HEARTBEAT_MINUTES};
use worktime_api::sync::MAX_OPS;

/// Settings of one [`super::Engine`]. Out-of-range values are clamped by
/// [`EngineConfig::normalized`], which [`super::Engine::new`] applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineConfig {
    /// Most ops per `POST /api/sync` request; 1…[`MAX_OPS`] (default 100).
    pub batch_size: usize,
    /// Waits between the attempts of one round, in milliseconds: one attempt plus one
    /// retry per step (default 1, 2, 4, 8, 16 s, i.e. five retries).
    pub backoff_steps_ms: Vec<i64>,
    /// The wait after a 429 without a usable `Retry-After` (default 1 s).
    pub default_retry_after_ms: i64,
    /// Longest `Retry-After` honoured; longer ones are cut to this (default 1 h).
    pub max_retry_after_ms: i64,
    /// Refresh the token before a sync when it expires sooner than this (default 24 h).
    pub refresh_window_ms: i64,
    /// Sessions kept in the local history (default 100).
    pub history_limit: usize,
    /// Rejected ops remembered for the status, newest kept (default 50).
    pub rejected_limit: usize,
    /// Failed ops listed one by one in the status; the rest are only counted (default 50).
    pub failed_items_shown: usize,
    /// Least time between two heartbeats of a session sent to the server (default
    /// [`SERVER_HEARTBEAT_MINUTES`]). Heartbeats in between stay local, in the snapshot,
    /// unless a request goes anyway: then the latest one rides along.
    #[serde(default = "default_server_heartbeat_ms")]
    pub server_heartbeat_ms: i64,
    /// A running session whose last local heartbeat (one a minute) is older than this
    /// stopped there: the browser crashed, was closed or slept (default 5 min). The next
    /// call ends it at that heartbeat, so the gap is never counted.
    #[serde(default = "default_silence_ms")]
    pub silence_ms: i64,
    /// Least time between two requests the engine starts by itself (default
    /// [`SEND_INTERVAL_MINUTES`], the extension's periodic sync): ops queued sooner after a
    /// request wait and go together in the next one. A manual sync, a sign-in or a
    /// reconnect sends at once; retries keep their own timing.
    #[serde(default = "default_send_interval_ms")]
    pub send_interval_ms: i64,
    /// How often the shell records that the user is still on the session (the
    /// `Heartbeat` timer; default one minute).
    #[serde(default = "default_heartbeat_interval_ms")]
    pub heartbeat_interval_ms: i64,
}

fn default_heartbeat_interval_ms() -> i64 {
    60_000
}

fn default_server_heartbeat_ms() -> i64 {
    i64::from(SERVER_HEARTBEAT_MINUTES) * 60_000
}

fn default_send_interval_ms() -> i64 {
    i64::from(SEND_INTERVAL_MINUTES) * 60_000
}

fn default_silence_ms() -> i64 {
    5 * 60_000
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            batch_size: MAX_OPS,
            backoff_steps_ms: vec![1_000, 2_000, 4_000, 8_000, 16_000],
            default_retry_after_ms: 1_000,
            max_retry_after_ms: 60 * 60 * 1_000,
            refresh_window_ms: 24 * 60 * 60 * 1_000,
            history_limit: 100,
            rejected_limit: 50,
            failed_items_shown: 50,
            server_heartbeat_ms: default_server_heartbeat_ms(),
            silence_ms: default_silence_ms(),
            send_interval_ms: default_send_interval_ms(),
            heartbeat_interval_ms: default_heartbeat_interval_ms(),
        }
    }
}

impl EngineConfig {
    /// The same settings with every value in its range: a batch holds 1…100 ops, waits
    /// are not negative, lists keep at least one entry.
    pub fn normalized(mut self) -> EngineConfig {
        self.batch_size = self.batch_size.clamp(1, MAX_OPS);
        for step in &mut self.backoff_steps_ms {
            *step = (*step).max(0);
        }
        self.default_retry_after_ms = self.default_retry_after_ms.max(0);
        self.max_retry_after_ms = self.max_retry_after_ms.max(self.default_retry_after_ms);
        self.refresh_window_ms = self.refresh_window_ms.max(0);
        self.history_limit = self.history_limit.max(1);
        self.rejected_limit = self.rejected_limit.max(1);
        self.failed_items_shown = self.failed_items_shown.max(1);
        self.server_heartbeat_ms = self.server_heartbeat_ms.max(0);
        // Above the one-minute heartbeat, with room for a late alarm.
        self.silence_ms = self.silence_ms.max(2 * 60_000);
        self.send_interval_ms = self.send_interval_ms.max(0);
        self.heartbeat_interval_ms = self.heartbeat_interval_ms.clamp(1_000, self.silence_ms / 2);
        self
    }

    /// The longest wait the engine can schedule: a deadline further away than this can
    /// only come from the clock jumping backwards, and is treated as due.
    pub(crate) fn longest_wait_ms(&self) -> i64 {
        let longest_step = self.backoff_steps_ms.iter().copied().max().unwrap_or(0);
        longest_step.max(self.max_retry_after_ms).max(self.send_interval_ms)
    }

    /// Whether a deadline `at` is reached at `now`. One further ahead than the longest
    /// wait the engine schedules means the clock went backwards: it is due rather than
    /// stalling.
    pub(crate) fn deadline_due(&self, at: i64, now: i64) -> bool {
        at <= now || at - now > self.longest_wait_ms()
    }
}
