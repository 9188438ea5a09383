//! Sending: rounds, the token refresh before a batch, and what each answer does.
//!
//! One request is in flight at a time. Before a batch, the token is checked: expired →
//! sign-in needed and nothing is sent; expiring within the refresh window → one
//! `POST /auth/refresh` per round first. Per-op results settle ops one by one; failures
//! of the whole request go through the round's retry state (see `wire` for the table).

use worktime_api::paths;
use worktime_api::sync::{OpResult, OpStatus, SyncRequest};
use worktime_api::{ErrorCode, ErrorDetail};

use super::backoff::AfterFailure;
use super::failure::Failure;
use super::round::Round;
use super::status::{RejectedItem, SyncReason};
use super::token::{parse_renewal, TokenCheck};
use super::wire::{
    classify_refresh, classify_sync, Outcome, RefreshVerdict, SyncVerdict, Transmit,
};
use super::Engine;
use crate::time::UnixMillis;

/// The request awaiting an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InFlight {
    id: u64,
    /// The token epoch the request was sent with.
    epoch: u64,
    request: Request,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Request {
    Refresh,
    Sync { op_ids: Vec<String> },
}

impl InFlight {
    /// The op ids being sent (none for a refresh).
    pub fn op_ids(&self) -> &[String] {
        match &self.request {
            Request::Sync { op_ids } => op_ids,
            Request::Refresh => &[],
        }
    }
}

impl Engine {
    /// Starts a round. Needs a token. While a round runs, a periodic or automatic
    /// request does nothing (the round already drains the queue); a manual sync, a
    /// reconnect or a sign-in instead starts a fresh round at once — the user asked, or
    /// the reason to wait is gone — unless a request is in flight or the server asked
    /// for the wait (`Retry-After`). A round also starts with an empty queue when the
    /// token is due for a refresh, so the periodic alarm keeps an idle user's token fresh.
    pub fn request_sync(&mut self, now: UnixMillis, reason: SyncReason) {
        if !self.state.auth.has_token() {
            return;
        }
        if let Some(round) = &self.state.round {
            let urgent =
                matches!(reason, SyncReason::Manual | SyncReason::Reconnect | SyncReason::SignIn);
            if !urgent || self.in_flight.is_some() || round.retry.server_wait {
                return;
            }
            self.state.round = None;
        }
        let check = self.state.auth.check(now, self.state.config.refresh_window_ms);
        if self.state.queue.is_empty() && check == TokenCheck::Valid {
            return;
        }
        self.state.round = Some(Round::new(reason));
    }

    /// The next request to perform, if any (at most one is in flight).
    pub fn poll_transmit(&mut self, now: UnixMillis) -> Option<Transmit> {
        if self.in_flight.is_some() {
            return None;
        }
        let config = &self.state.config;
        let round = self.state.round.as_mut()?;
        if !round.retry.is_due(now, config) {
            return None;
        }
        round.retry.wait_until_ms = None;
        match self.state.auth.check(now, config.refresh_window_ms) {
            TokenCheck::Missing => {
                self.state.round = None;
                return None;
            }
            TokenCheck::Expired => {
                self.state.auth.revoke();
                self.state.last_error = Some(Failure::SignInExpired);
                self.state.round = None;
                return None;
            }
            TokenCheck::RefreshDue if !round.refresh_tried => {
                round.refresh_tried = true;
                self.state.last_request_ms = Some(now.0);
                return Some(self.transmit(Request::Refresh, paths::AUTH_REFRESH, None));
            }
            TokenCheck::RefreshDue | TokenCheck::Valid => {}
        }
        let ops = round.next_batch(&self.state.queue, config.batch_size);
        if ops.is_empty() {
            self.state.round = None;
            return None;
        }
        let op_ids = ops.iter().map(|op| op.op_id.clone()).collect();
        let body = serde_json::to_string(&SyncRequest { ops }).unwrap_or_default();
        self.state.last_request_ms = Some(now.0);
        Some(self.transmit(Request::Sync { op_ids }, paths::SYNC, Some(body)))
    }

    /// The running round's retry deadline (the `Retry` entry of the timer table, see
    /// `timers`). `None` while a request is in flight or nothing waits.
    pub fn retry_at(&self) -> Option<UnixMillis> {
        if self.in_flight.is_some() {
            return None;
        }
        self.state.round.as_ref()?.retry.wait_until_ms.map(UnixMillis)
    }

    /// What came of the request `id`. Unknown and stale ids are ignored.
    pub fn handle_response(&mut self, now: UnixMillis, id: u64, outcome: Outcome) {
        match &self.in_flight {
            Some(in_flight) if in_flight.id == id => {}
            _ => return,
        }
        let Some(in_flight) = self.in_flight.take() else { return };
        let current_token = in_flight.epoch == self.state.auth.epoch;
        match in_flight.request {
            Request::Refresh => self.on_refresh(&outcome, current_token),
            Request::Sync { op_ids } => {
                let verdict = classify_sync(&outcome, &op_ids, &self.state.config);
                self.on_sync(now, &op_ids, verdict, current_token);
            }
        }
    }

    fn transmit(&mut self, request: Request, path: &str, body: Option<String>) -> Transmit {
        let id = self.state.next_request_id;
        self.state.next_request_id += 1;
        let bearer = self.state.auth.bearer();
        self.in_flight = Some(InFlight { id, epoch: self.state.auth.epoch, request });
        Transmit { id, method: "POST", path: path.to_owned(), bearer, body }
    }

    fn on_refresh(&mut self, outcome: &Outcome, current_token: bool) {
        if !current_token {
            return;
        }
        match classify_refresh(outcome) {
            RefreshVerdict::Renewed(body) => {
                if let Some(renewal) = parse_renewal(&body) {
                    self.state.auth.set(
                        renewal.jwt,
                        UnixMillis(renewal.expires_at_ms),
                        renewal.user,
                    );
                }
            }
            RefreshVerdict::Unauthorized(reason) => self.sign_in_needed(reason),
            // Carry on with the current token; the batch follows at once.
            RefreshVerdict::Failed(_) => {}
        }
    }

    fn on_sync(
        &mut self,
        now: UnixMillis,
        sent: &[String],
        verdict: SyncVerdict,
        current_token: bool,
    ) {
        match verdict {
            SyncVerdict::Results(results) => {
                for result in results {
                    self.settle(now, result);
                }
                self.state.last_sync_ms = Some(now.0);
                self.state.last_error = None;
                self.state.recovery = None;
                self.batch_settled();
            }
            SyncVerdict::BadBatch(detail) => match sent {
                [op_id] => {
                    let result = OpResult {
                        op_id: op_id.clone(),
                        status: OpStatus::Rejected,
                        error: Some(detail),
                    };
                    self.settle(now, result);
                    self.batch_settled();
                }
                _ => {
                    if let Some(round) = self.state.round.as_mut() {
                        round.split_batch(sent);
                    }
                }
            },
            SyncVerdict::Unauthorized(reason) if current_token => self.sign_in_needed(reason),
            // A 401 for a token replaced since: try again with the new one.
            SyncVerdict::Unauthorized(_) => {}
            SyncVerdict::Park(reason) => self.give_up(reason),
            SyncVerdict::Retry { reason, wait_ms } => {
                let config = &self.state.config;
                let Some(round) = self.state.round.as_mut() else { return };
                match round.retry.on_failure(now, config, wait_ms) {
                    AfterFailure::RetryAt(_) => self.state.last_error = Some(reason),
                    AfterFailure::GiveUp => self.give_up(reason),
                }
            }
        }
    }

    /// One op's result: confirmed ops leave the queue, rejected ones too and are recorded.
    fn settle(&mut self, now: UnixMillis, result: OpResult) {
        let Some(queued) = self.state.queue.remove(&result.op_id) else { return };
        if result.status != OpStatus::Rejected {
            return;
        }
        let detail = result.error.unwrap_or(ErrorDetail {
            code: ErrorCode::Unknown,
            message: "Rejected without a reason.".into(),
        });
        if let Some(record) = self.state.tracker.find_mut(&queued.op.session_id) {
            record.rejected = true;
        }
        let item = RejectedItem {
            op_id: queued.op.op_id,
            session_id: queued.op.session_id,
            op_type: queued.op.op_type,
            code: detail.code,
            message: detail.message,
            rejected_ms: now.0,
        };
        self.state.rejected.record(item, self.state.config.rejected_limit);
    }

    /// The batch is done; the round ends when the queue is empty.
    fn batch_settled(&mut self) {
        if let Some(round) = self.state.round.as_mut() {
            round.batch_settled();
        }
        if self.state.queue.is_empty() {
            self.state.round = None;
        }
    }

    /// Ends the round, marking every queued op failed with `reason`; they stay queued.
    fn give_up(&mut self, reason: Failure) {
        self.state.queue.mark_all_failed(&reason);
        self.state.last_error = Some(reason);
        self.state.round = None;
    }

    /// 401: drop the token, keep the queue, send nothing until `set_token`.
    pub(super) fn sign_in_needed(&mut self, reason: Failure) {
        self.state.auth.revoke();
        self.state.last_error = Some(reason);
        self.state.round = None;
    }
}
