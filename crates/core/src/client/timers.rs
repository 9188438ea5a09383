//! The engine's timer table, in the quinn-proto style: every deadline the engine keeps,
//! one entry per [`Timer`]. The shell arms ONE timer (or one `chrome.alarms` alarm) for
//! the earliest entry ([`Engine::next_timer`]) and calls [`Engine::handle_timeout`] when it
//! fires, which handles every entry that is due and says which fired.
//!
//! | timer       | deadline                                             | when it fires                     |
//! |-------------|------------------------------------------------------|-----------------------------------|
//! | `Retry`     | the running round's backoff or server wait           | the round may send again          |
//! | `Sync`      | every `send_interval_ms` (15 min)                    | a periodic round (`Periodic`)     |
//! | `Heartbeat` | a minute after the active session's last heartbeat   | the shell looks at the browser    |
//! | `Reconnect` | the live connection's own wait ([`super::Live`])     | the live machine's `handle_timeout` |
//! | `PauseEnds` | the end of a pause for a while (`Pause::until_ms`)   | tracking follows the browser again |
//!
//! The live connection is its own state machine, so its entry is merged in by
//! [`next_wake`]; everything else is the engine's. Deadlines are absolute epoch
//! milliseconds and persist with the snapshot, so a restarted service worker re-arms the
//! same instant (a missed one fires at once).

use serde::{Deserialize, Serialize};

use super::control::MAX_TIMED_PAUSE_MS;
use super::live::Live;
use super::status::SyncReason;
use super::Engine;
use crate::time::UnixMillis;

/// Timers further away than this are left to `chrome.alarms` by the extension's shell
/// (an in-memory timer dies with the service worker, which sleeps after 30 s idle).
pub const LONGEST_IN_MEMORY_TIMER_MS: i64 = 25_000;

/// The name of the one `chrome.alarms` alarm the extension arms for [`next_wake`].
pub const ALARM_NAME: &str = "worktime-wake";

/// One entry of the timer table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Timer {
    Retry,
    Sync,
    Heartbeat,
    Reconnect,
    PauseEnds,
}

/// The persisted deadlines that are not derived from other state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Timers {
    /// The next periodic round; `None` (a fresh engine) is due at once.
    pub sync_at_ms: Option<i64>,
    /// When the heartbeat timer last fired: it fires again a minute after the later of
    /// this and the last heartbeat, so a shell that finds nothing to do is not woken in a
    /// loop.
    pub heartbeat_fired_ms: Option<i64>,
}

/// The earliest deadline of the whole table, the live connection's included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Wake {
    pub timer: Timer,
    pub at_ms: i64,
}

/// The earliest entry of the engine's table and the live connection's wait.
pub fn next_wake(engine: &Engine, live: Option<&Live>) -> Option<Wake> {
    let live = live.and_then(Live::next_timer).map(|at| (Timer::Reconnect, at));
    engine
        .timer_table()
        .into_iter()
        .chain(live)
        .min_by_key(|(_, at)| at.0)
        .map(|(timer, at)| Wake { timer, at_ms: at.0 })
}

impl Engine {
    /// Every armed entry of the engine's table.
    pub(crate) fn timer_table(&self) -> Vec<(Timer, UnixMillis)> {
        let mut table = Vec::with_capacity(4);
        if self.in_flight.is_none() {
            if let Some(at) = self.state.round.as_ref().and_then(|r| r.retry.wait_until_ms) {
                table.push((Timer::Retry, UnixMillis(at)));
            }
        }
        table.push((Timer::Sync, UnixMillis(self.state.timers.sync_at_ms.unwrap_or(0))));
        if let Some(record) = self.state.tracker.active_record() {
            let since = self.state.timers.heartbeat_fired_ms.unwrap_or(0);
            let base = record.last_heartbeat_ms.max(since);
            let at = base.saturating_add(self.state.config.heartbeat_interval_ms);
            table.push((Timer::Heartbeat, UnixMillis(at)));
        }
        if let Some(until) = self.state.pause.and_then(|pause| pause.until_ms) {
            table.push((Timer::PauseEnds, UnixMillis(until)));
        }
        table
    }

    /// The earliest deadline of the engine's table, with its timer.
    pub fn next_timer(&self) -> Option<(Timer, UnixMillis)> {
        self.timer_table().into_iter().min_by_key(|(_, at)| at.0)
    }

    /// The timer armed from [`next_timer`](Engine::next_timer) fired (early or late calls
    /// are fine: a deadline not yet reached is kept). Handles every due entry and returns
    /// the ones that fired; on `Heartbeat` and `PauseEnds` the shell looks at the browser and calls
    /// [`heartbeat`](Engine::heartbeat) or [`end_session`](Engine::end_session).
    pub fn handle_timeout(&mut self, now: UnixMillis) -> Vec<Timer> {
        let mut fired = Vec::new();
        for (timer, at) in self.timer_table() {
            let due = match timer {
                // A pause may be longer than any wait the engine schedules itself.
                Timer::PauseEnds => at.0 <= now.0 || at.0 - now.0 > MAX_TIMED_PAUSE_MS,
                _ => self.state.config.deadline_due(at.0, now.0),
            };
            if !due {
                continue;
            }
            fired.push(timer);
            match timer {
                Timer::Retry => {
                    if let Some(round) = self.state.round.as_mut() {
                        round.retry.wait_until_ms = None;
                    }
                }
                Timer::Sync => {
                    let interval = self.state.config.send_interval_ms.max(60_000);
                    self.state.timers.sync_at_ms = Some(now.0.saturating_add(interval));
                    self.request_sync(now, SyncReason::Periodic);
                }
                Timer::Heartbeat => self.state.timers.heartbeat_fired_ms = Some(now.0),
                Timer::Reconnect => {}
                Timer::PauseEnds => self.state.pause = None,
            }
        }
        fired
    }
}
