//! The SDK's engine: time tracking and offline-first sync as a sans-IO state machine.
//!
//! [`Engine`] performs no IO and reads no clock (after quinn-proto and str0m): the wasm
//! shell in the extension's service worker passes the time in, performs the HTTP
//! requests the engine asks for, reports what came of them, arms a timer, and stores
//! the engine's snapshot. All rules — queueing, batching, retries, auth — live here.
//!
//! Modules, one concern each: [`tracking`] (active session and history), `queue`
//! (persisted op queue), `round` (batches and splitting), `backoff` (retry timing),
//! `token` (the JWT), `sync` (sending and answers), [`snapshot`], [`status`], [`wire`]
//! (requests and outcomes), [`config`], [`signout`] (ending the sign-in on the server), and
//! [`live`], the live connection's own state machine ([`Live`]), which uses the engine's
//! token and device id.

pub mod badge;
pub mod config;
mod control;
pub mod failure;
pub mod history;
pub mod js;
pub mod live;
pub mod signout;
pub mod snapshot;
mod state;
pub mod status;
pub mod timers;
pub mod tracking;
pub mod wire;

mod backoff;
mod queue;
mod round;
mod sync;
mod token;

#[cfg(test)]
mod tests;

use worktime_api::auth::User;
use worktime_api::sync::{OpType, SyncOp};

pub use self::config::EngineConfig;
pub use self::control::MAX_TIMED_PAUSE_MS;
pub use self::failure::Failure;
pub use self::live::{Live, LiveCommand, LiveConfig, LiveError, LiveEvent, LiveState};
pub use self::signout::{SignOutResult, SignOutScope};
pub use self::snapshot::{SnapshotError, SNAPSHOT_VERSION};
pub use self::state::{Pause, Recovery};
pub use self::status::{FailedItem, RejectedItem, Status, SyncReason};
pub use self::timers::{next_wake, Timer, Wake, ALARM_NAME, LONGEST_IN_MEMORY_TIMER_MS};
pub use self::tracking::{
    implicit_end_op_id, silent_end_op_id, LocalSession, StartInput, SyncState, TrackingError,
};
pub use self::wire::{Outcome, Transmit};

use self::round::Round;
use self::state::State;
use self::tracking::checked_uuid;
use crate::time::UnixMillis;

/// Time tracking plus the sync queue, driven by the shell.
///
/// # Methods
///
/// - Getters (`&self`): [`status`](Engine::status), [`history`](Engine::history),
///   [`bearer`](Engine::bearer),
///   [`active_session`](Engine::active_session), [`snapshot`](Engine::snapshot),
///   [`retry_at`](Engine::retry_at).
/// - Application commands: [`start_session`](Engine::start_session),
///   [`end_session`](Engine::end_session), [`heartbeat`](Engine::heartbeat),
///   [`pause`](Engine::pause), [`resume`](Engine::resume),
///   [`delete_session`](Engine::delete_session),
///   [`set_token`](Engine::set_token), [`sign_out`](Engine::sign_out),
///   [`request_sync`](Engine::request_sync), [`token_refused`](Engine::token_refused),
///   [`sign_out_request`](Engine::sign_out_request) and
///   [`finish_sign_out`](Engine::finish_sign_out).
/// - Inputs from the shell: [`handle_response`](Engine::handle_response),
///   [`handle_timeout`](Engine::handle_timeout).
/// - Outputs: [`poll_transmit`](Engine::poll_transmit), [`next_timer`](Engine::next_timer)
///   (the timer table, see [`timers`]).
///
/// # The call rule
///
/// After every command or input call:
/// 1. drain [`poll_transmit`](Engine::poll_transmit) until it returns `None` (today it
///    yields at most one request at a time);
/// 2. read [`next_timer`](Engine::next_timer) and arm one timer (an alarm, when the
///    service worker may sleep) that calls [`handle_timeout`](Engine::handle_timeout);
/// 3. persist [`snapshot`](Engine::snapshot) — before starting the requests from step 1;
/// 4. perform the requests, aborting each after 10 s, and report every one to
///    [`handle_response`](Engine::handle_response) (which is again an input call).
///
/// Every call takes `now`, the client's wall clock in epoch milliseconds. The engine
/// never compares it with the server's clock: a skewed client clock only skews the
/// times it records (see [`EngineConfig`] and the `token` notes on expiry).
///
/// On start-up, [`Engine::restore`] the stored snapshot and follow the rule as after any
/// call. A request that was in flight when the snapshot was taken is treated as lost:
/// its ops are still queued, are sent again at once, and the server reports the ones it
/// had applied as `duplicate`.
#[derive(Debug, Clone)]
pub struct Engine {
    state: State,
    /// The request awaiting an answer. Not persisted.
    in_flight: Option<sync::InFlight>,
}

impl Engine {
    /// A fresh engine: signed out, nothing tracked, nothing queued.
    pub fn new(config: EngineConfig) -> Engine {
        Engine { state: State::new(config.normalized()), in_flight: None }
    }

    /// The engine a [`snapshot`](Engine::snapshot) describes.
    pub fn restore(snapshot: &str) -> Result<Engine, SnapshotError> {
        Ok(Engine { state: snapshot::read(snapshot)?, in_flight: None })
    }

    /// The engine a stored snapshot describes, whatever it holds: restored when it can be
    /// read; otherwise a fresh engine with `config` that keeps what could be read of it
    /// (its queued ops, then its device id), signed out, whose status carries the
    /// [`Recovery`] note. Returns the error the snapshot was refused with, if any (the
    /// shell keeps the raw snapshot aside then). A missing snapshot is a fresh engine.
    pub fn restore_or_recover(
        snapshot: Option<&str>,
        config: EngineConfig,
        now: UnixMillis,
    ) -> (Engine, Option<SnapshotError>) {
        let Some(text) = snapshot else { return (Engine::new(config), None) };
        match snapshot::read(text) {
            Ok(state) => (Engine { state, in_flight: None }, None),
            Err(error) => {
                let state = snapshot::recover(text, &error, config, now);
                (Engine { state, in_flight: None }, Some(error))
            }
        }
    }

    /// The persisted state as JSON with `"version": 4` ([`SNAPSHOT_VERSION`]).
    pub fn snapshot(&self) -> String {
        snapshot::write(&self.state)
    }

    pub fn config(&self) -> &EngineConfig {
        &self.state.config
    }

    /// This installation's device id, once set.
    pub fn device_id(&self) -> Option<&str> {
        self.state.tracker.device_id.as_deref()
    }

    /// Gives the engine its device id: a UUID the shell makes once per installation. The
    /// first one set is kept for good (it travels in the snapshot); later calls return it
    /// and change nothing. Sessions started before it keep the legacy device.
    pub fn adopt_device_id(&mut self, device_id: &str) -> Result<String, TrackingError> {
        if let Some(id) = &self.state.tracker.device_id {
            return Ok(id.clone());
        }
        let id = checked_uuid(device_id, "device_id")?;
        self.state.tracker.device_id = Some(id.clone());
        Ok(id)
    }

    // --- auth ---

    /// Installs the token from a sign-in and clears `sign_in_needed`. It does not start a
    /// round: call [`request_sync`](Engine::request_sync) with [`SyncReason::SignIn`].
    pub fn set_token(&mut self, jwt: String, expires_at: UnixMillis, user: User) {
        self.state.auth.set(jwt, expires_at, user);
    }

    /// Installs the token of a sign-in answer (the body of `POST /auth/github/callback`'s
    /// 200, an `AuthResponse` whose `expires_at` is RFC 3339) and starts a
    /// [`SyncReason::SignIn`] round. Returns false, changing nothing, for any other body.
    pub fn sign_in_answered(&mut self, now: UnixMillis, body: &str) -> bool {
        let Some(renewal) = token::parse_renewal(body) else { return false };
        self.set_token(renewal.jwt, UnixMillis(renewal.expires_at_ms), renewal.user);
        self.request_sync(now, SyncReason::SignIn);
        true
    }

    /// The server deleted the account (`DELETE /api/account` answered 2xx): everything
    /// this engine holds of it goes — the token and user, the queued ops (they belonged to
    /// the deleted account), the history, the rejections and the round. The device id
    /// (this installation's, not the user's) and the configuration stay.
    pub fn forget_account(&mut self) {
        let device_id = self.state.tracker.device_id.take();
        let config = self.state.config.clone();
        let next_request_id = self.state.next_request_id;
        self.state = State::new(config);
        self.state.tracker.device_id = device_id;
        self.state.next_request_id = next_request_id;
        self.in_flight = None;
    }

    /// Forgets the token and the user and stops the running round.
    ///
    /// The queue is KEPT: ops recorded so far (and tracking while signed out) are sent
    /// after the next sign-in, with that sign-in's token. A shell that lets a different
    /// GitHub account sign in on the same profile should decide what to do about them.
    pub fn sign_out(&mut self) {
        self.state.auth.sign_out();
        self.state.round = None;
    }

    /// A request sent with `bearer` was refused with a 401, or the server closed the live
    /// socket of its sign-in (4001): when `bearer` is still the token held, it is dropped
    /// and a sign-in is needed, exactly as after a 401 on sync (the queue is kept). A
    /// replaced token's refusal changes nothing. Returns whether the token was dropped.
    pub fn token_refused(&mut self, bearer: &str, reason: Failure) -> bool {
        if self.state.auth.bearer().as_deref() != Some(bearer) {
            return false;
        }
        self.sign_in_needed(reason);
        true
    }

    // --- tracking ---

    /// Starts tracking a pull request at `now`. An active session is first ended at
    /// `now`: its end op (id [`implicit_end_op_id`]) is queued before the new start.
    /// Returns the new active session. Refused while tracking is paused.
    pub fn start_session(
        &mut self,
        now: UnixMillis,
        input: StartInput,
    ) -> Result<LocalSession, TrackingError> {
        if self.pause_state(now).is_some() {
            return Err(TrackingError::Paused);
        }
        let op_id = self.fresh_op_id(&input.op_id)?;
        if self.state.queue.contains_op(&implicit_end_op_id(&op_id)) {
            return Err(TrackingError::DuplicateId(op_id));
        }
        self.end_if_silent(now);
        let ops = self.state.tracker.start(now, input, &op_id, self.state.config.history_limit)?;
        for op in ops {
            self.enqueue(now, op);
        }
        self.active_session().ok_or(TrackingError::NoActiveSession)
    }

    /// Ends the active session at `now` (never before its start, nor more than 24 hours
    /// after it) and returns it.
    pub fn end_session(
        &mut self,
        now: UnixMillis,
        op_id: String,
    ) -> Result<LocalSession, TrackingError> {
        let op_id = self.fresh_op_id(&op_id)?;
        if let Some(ended) = self.end_if_silent(now) {
            return Ok(ended);
        }
        let op = self.state.tracker.end(now, op_id)?;
        let session_id = op.session_id.clone();
        self.enqueue(now, op);
        self.session(&session_id).ok_or(TrackingError::NoActiveSession)
    }

    /// Records that the user is still on the active session: every call updates the
    /// snapshot (the crash-recovery point), but the server gets a heartbeat only every
    /// `EngineConfig::server_heartbeat_ms`, or sooner when a request goes anyway. A queued
    /// heartbeat replaces the session's previous one (unless that one is being sent).
    /// From 24 hours after the start it ends the session there instead: the queued op is
    /// its end. A session silent for longer than `EngineConfig::silence_ms` ended at its
    /// last heartbeat (see [`end_if_silent`](Engine::end_if_silent)): then there is no active session.
    pub fn heartbeat(&mut self, now: UnixMillis, op_id: String) -> Result<(), TrackingError> {
        let op_id = self.fresh_op_id(&op_id)?;
        if self.end_if_silent(now).is_some() {
            return Err(TrackingError::NoActiveSession);
        }
        let every_ms = self.state.config.server_heartbeat_ms;
        let pending = self.state.round.is_some();
        if let Some(op) = self.state.tracker.heartbeat(now, op_id, every_ms, pending)? {
            self.enqueue(now, op);
        }
        Ok(())
    }

    /// Ends the active session at its last heartbeat when that is more than
    /// `EngineConfig::silence_ms` before `now`: the browser crashed, closed or slept
    /// meanwhile, and that time was not work. The end op's id is
    /// [`silent_end_op_id`]. Every tracking call does this first; the shell calls it
    /// before it looks at the browser. Returns the ended session.
    pub fn end_if_silent(&mut self, now: UnixMillis) -> Option<LocalSession> {
        let silence_ms = self.state.config.silence_ms;
        let last_ms = self.state.tracker.silent_since(now, silence_ms)?;
        let session_id = self.state.tracker.active_record()?.session_id.clone();
        let op = self.state.tracker.end(UnixMillis(last_ms), silent_end_op_id(&session_id)).ok()?;
        self.enqueue(now, op);
        self.session(&session_id)
    }

    // --- getters ---

    /// The active session, if any.
    pub fn active_session(&self) -> Option<LocalSession> {
        let record = self.state.tracker.active_record()?;
        Some(record.view(self.state.queue.has_session(&record.session_id)))
    }

    /// Up to `limit` sessions of the local history (active and ended, at most
    /// `EngineConfig::history_limit`), newest first, skipping `offset`.
    pub fn history(&self, limit: usize, offset: usize) -> Vec<LocalSession> {
        self.state
            .tracker
            .history
            .iter()
            .skip(offset)
            .take(limit)
            .map(|record| record.view(self.state.queue.has_session(&record.session_id)))
            .collect()
    }

    /// The token for requests the shell makes itself (e.g. `GET /api/stats/daily`):
    /// `None` when signed out, refused by the server, or expired at `now`.
    pub fn bearer(&self, now: UnixMillis) -> Option<String> {
        match self.state.auth.check(now, 0) {
            token::TokenCheck::Valid | token::TokenCheck::RefreshDue => self.state.auth.bearer(),
            token::TokenCheck::Missing | token::TokenCheck::Expired => None,
        }
    }

    /// The sync state at `now`.
    pub fn status(&self, now: UnixMillis) -> Status {
        let state = &self.state;
        let expired = matches!(state.auth.check(now, 0), token::TokenCheck::Expired);
        let failed_count = state.queue.failed_count();
        let failed_items = state.queue.failed_items(state.config.failed_items_shown);
        Status {
            pending_count: state.queue.len(),
            failed_count,
            failed_items_hidden: failed_count - failed_items.len(),
            failed_items,
            rejected_items: state.rejected.items(),
            signed_in: state.auth.has_token() && !expired,
            sign_in_needed: state.auth.sign_in_needed || expired,
            user: state.auth.user.clone(),
            last_sync_ms: state.last_sync_ms,
            next_retry_ms: self.retry_at().map(|at| at.0),
            last_error: state.last_error.clone(),
            round_active: state.round.is_some(),
            round_reason: state.round.as_ref().map(|round| round.reason),
            recovery: state.recovery.clone(),
        }
    }

    // --- internals ---

    fn session(&self, session_id: &str) -> Option<LocalSession> {
        let record =
            self.state.tracker.history.iter().find(|record| record.session_id == session_id)?;
        Some(record.view(self.state.queue.has_session(session_id)))
    }

    /// A checked, lowercased op id not already queued.
    fn fresh_op_id(&self, op_id: &str) -> Result<String, TrackingError> {
        let op_id = checked_uuid(op_id, "op_id")?;
        if self.state.queue.contains_op(&op_id) {
            return Err(TrackingError::DuplicateId(op_id));
        }
        Ok(op_id)
    }

    /// Queues `op`; starts a round when none runs and a token is held. Starts and ends go
    /// at once (other devices see them live). A heartbeat within
    /// `EngineConfig::send_interval_ms` of the last request waits for the end of that
    /// interval, unless a start or an end comes first and takes it along.
    fn enqueue(&mut self, now: UnixMillis, op: SyncOp) {
        let urgent = op.op_type != OpType::Heartbeat;
        let in_flight = self.in_flight.as_ref().map(sync::InFlight::op_ids).unwrap_or_default();
        self.state.queue.push(op, now.0, in_flight);
        if !self.state.auth.has_token() {
            return;
        }
        match self.state.round.as_mut() {
            Some(round) if urgent && round.deferred => {
                round.deferred = false;
                round.retry.wait_until_ms = None;
            }
            Some(_) => {}
            None => {
                let mut round = Round::new(SyncReason::Enqueued);
                let interval = self.state.config.send_interval_ms;
                let next_ms = self.state.last_request_ms.map(|last| last.saturating_add(interval));
                if let Some(next_ms) = next_ms.filter(|&next| next > now.0 && !urgent) {
                    round.retry.wait_until_ms = Some(next_ms);
                    round.deferred = true;
                }
                self.state.round = Some(round);
            }
        }
    }
}
