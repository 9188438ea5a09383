//! The user's controls over tracking: pausing it (until resumed, or for a while) and
//! deleting a session that was tracked by mistake.
//!
//! A pause ends the running session at once and holds until [`Engine::resume`] or its
//! `until_ms`; while it holds no session starts ([`TrackingError::Paused`]). It is part of
//! the snapshot, so it survives the service worker's restarts, and the timer table wakes
//! the shell when it runs out ([`Timer::PauseEnds`](super::Timer::PauseEnds)).
//!
//! A deletion removes the session from the local history, drops its queued ops that are
//! not being sent, and queues a `delete` op like any other: offline it waits, and the
//! server applies it once (deleting what it never had, or twice, changes nothing).

use worktime_api::sync::{OpType, SyncOp};

use super::state::Pause;
use super::tracking::{checked_uuid, TrackingError};
use super::{sync, Engine};
use crate::time::UnixMillis;

/// The longest pause for a while: a day. Longer means "until I resume".
pub const MAX_TIMED_PAUSE_MS: i64 = 24 * 3_600_000;

impl Engine {
    /// Pauses tracking from `now`, until [`resume`](Engine::resume) or `until` (later
    /// than `now`, at most [`MAX_TIMED_PAUSE_MS`] after it). A running session ends at `now` (its end op's id is `op_id`). Pausing
    /// while paused replaces the pause's end. Returns the pause.
    pub fn pause(
        &mut self,
        now: UnixMillis,
        until: Option<UnixMillis>,
        op_id: String,
    ) -> Result<Pause, TrackingError> {
        if let Some(until) = until {
            if until.0 <= now.0 || until.0 - now.0 > MAX_TIMED_PAUSE_MS {
                return Err(TrackingError::Invalid(
                    "a pause for a while ends after it begins and within a day".into(),
                ));
            }
        }
        let op_id = self.fresh_op_id(&op_id)?;
        if self.end_if_silent(now).is_none() && self.state.tracker.active {
            let op = self.state.tracker.end(now, op_id)?;
            self.enqueue(now, op);
        }
        let since_ms = self.pause_state(now).map_or(now.0, |pause| pause.since_ms);
        let pause = Pause { since_ms, until_ms: until.map(|until| until.0) };
        self.state.pause = Some(pause);
        Ok(pause)
    }

    /// Ends the pause; tracking follows the browser again. Returns whether one held.
    pub fn resume(&mut self, now: UnixMillis) -> bool {
        let held = self.pause_state(now).is_some();
        self.state.pause = None;
        held
    }

    /// The pause shortcut: resumes when a pause holds at `now`, else pauses until resumed
    /// (a running session ends, its end op's id is `op_id`). Returns the pause now held.
    pub fn toggle_pause(
        &mut self,
        now: UnixMillis,
        op_id: String,
    ) -> Result<Option<Pause>, TrackingError> {
        if self.resume(now) {
            return Ok(None);
        }
        self.pause(now, None, op_id).map(Some)
    }

    /// The pause holding at `now`, if any (one whose `until_ms` passed no longer holds).
    pub fn pause_state(&self, now: UnixMillis) -> Option<Pause> {
        self.state.pause.filter(|pause| pause.holds_at(now.0))
    }

    /// Deletes a session of the signed-in user — one of this device's history or one the
    /// server listed — by queuing a `delete` op (`op_id`). The running session cannot be
    /// deleted ([`TrackingError::SessionRunning`]): pause first. Its queued ops that are
    /// not being sent are dropped, and it leaves the local history at once.
    pub fn delete_session(
        &mut self,
        now: UnixMillis,
        session_id: &str,
        op_id: String,
    ) -> Result<(), TrackingError> {
        let session_id = checked_uuid(session_id, "session_id")?;
        let op_id = self.fresh_op_id(&op_id)?;
        self.end_if_silent(now);
        let running = self.state.tracker.active_record().map(|r| r.session_id.as_str());
        if running == Some(session_id.as_str()) {
            return Err(TrackingError::SessionRunning);
        }
        let in_flight = self.in_flight.as_ref().map(sync::InFlight::op_ids).unwrap_or_default();
        self.state.queue.drop_session(&session_id, in_flight);
        self.state.tracker.history.retain(|record| record.session_id != session_id);
        let op = SyncOp {
            device_id: self.state.tracker.device_id.clone(),
            ..SyncOp::new(op_id, OpType::Delete, session_id)
        };
        self.enqueue(now, op);
        Ok(())
    }
}
