//! The network between the devices and the server: offline windows, faults (drops,
//! delays, lost replies, duplicates, 5xx and 429) and the round trip of one request.

use worktime_api::paths;
use worktime_api::ErrorCode;
use worktime_core::client::{Outcome, Transmit};

use super::super::server::error;
use super::super::{HOUR, MIN, SEC};
use super::{Pending, Sim};

impl Sim {
    pub(super) fn is_offline(&self, d: usize) -> bool {
        !self.healed
            && self.devices[d].offline.iter().any(|(from, to)| (*from..*to).contains(&self.t))
    }

    /// Performs a request: the network and the server decide what comes back, and when.
    pub(super) fn send(&mut self, d: usize, transmit: Transmit) {
        assert!(self.devices[d].pending.is_none(), "one request at a time");
        self.counts.bump("request");
        if transmit.path == paths::AUTH_REFRESH {
            self.counts.bump("refresh");
        }
        let latency = self.rng.range(20, 1_500);
        let (delay, outcome) = self.fate(d, &transmit, latency);
        match &outcome {
            Outcome::Http { status: 401, .. } => self.counts.bump("unauthorized"),
            Outcome::Http { status: 413, .. } => self.counts.bump("too_large"),
            _ => {}
        }
        self.devices[d].pending = Some(Pending { at: self.t + delay, id: transmit.id, outcome });
    }

    pub(super) fn fault(&mut self, rate: u32, what: &'static str) -> bool {
        let hit = !self.healed && self.rng.chance(rate);
        if hit {
            self.counts.bump(what);
        }
        hit
    }

    pub(super) fn fate(&mut self, d: usize, transmit: &Transmit, latency: i64) -> (i64, Outcome) {
        let network_error = || Outcome::NetworkError("Failed to fetch".into());
        if self.is_offline(d) {
            self.counts.bump("offline");
            return if self.rng.chance(300) {
                (10 * SEC, Outcome::Timeout)
            } else {
                (latency / 10, network_error())
            };
        }
        let f = &self.devices[d].faults;
        let (drop, timeout_before, unavailable, rate_limited, revoke, partial) =
            (f.drop, f.timeout_before, f.unavailable, f.rate_limited, f.revoke, f.partial);
        let (duplicate, lost_reply, timeout_after, garbled, max_ops) =
            (f.duplicate_delivery, f.lost_reply, f.timeout_after, f.garbled, f.max_ops);
        if self.fault(drop, "dropped") {
            return (latency / 2, network_error());
        }
        if self.fault(timeout_before, "timeout") {
            return (10 * SEC, Outcome::Timeout);
        }
        if self.fault(unavailable, "unavailable") {
            let (status, body) = error(ErrorCode::Unavailable, "Try later.");
            return (latency, Outcome::Http { status, retry_after_seconds: None, body });
        }
        if self.fault(rate_limited, "rate_limited") {
            let (status, body) = error(ErrorCode::RateLimited, "Slow down.");
            let retry_after =
                if self.rng.chance(500) { Some(self.rng.range(1, 5) as u32) } else { None };
            return (latency, Outcome::Http { status, retry_after_seconds: retry_after, body });
        }
        if self.fault(revoke, "revoked") {
            if let Some(jwt) = &transmit.bearer {
                self.server.tokens.remove(jwt);
            }
        }
        let ops = transmit.body.as_deref().map_or(0, |b| b.matches("\"op_id\"").count()) as i64;
        let fail_after = if ops > 0 && self.fault(partial, "partial") {
            Some(self.rng.range(0, ops - 1) as usize)
        } else {
            None
        };
        self.server.now = self.t;
        let device = &self.devices[d];
        let slack = if device.strict { 0 } else { device.skew.max(0) };
        let (mut status, mut body) = self.server.handle(transmit, d, slack, fail_after, max_ops);
        if self.fault(duplicate, "delivered_twice") {
            (status, body) = self.server.handle(transmit, d, slack, None, max_ops);
        }
        if self.fault(lost_reply, "lost_reply") {
            return (latency, network_error());
        }
        if self.fault(timeout_after, "timeout") {
            return (10 * SEC, Outcome::Timeout);
        }
        if status == 200 && self.fault(garbled, "garbled") {
            body = if self.rng.chance(500) {
                "<html>proxy</html>".into()
            } else {
                r#"{"results":[]}"#.into()
            };
        }
        (latency, Outcome::Http { status, retry_after_seconds: None, body })
    }

    /// The call rule: drain `poll_transmit` (persisting is modelled by `kill`, which
    /// restores the state as of the last call); then the user signs in when asked.
    pub(super) fn pump(&mut self, d: usize) {
        loop {
            let now = self.client_now(d);
            let Some(transmit) = self.devices[d].engine.poll_transmit(now) else { break };
            self.send(d, transmit);
        }
        let status = self.devices[d].engine.status(self.client_now(d));
        if status.failed_count > 0 && !self.devices[d].had_failed {
            self.counts.bump("round_given_up");
        }
        self.devices[d].had_failed = status.failed_count > 0;
        if status.sign_in_needed && self.devices[d].sign_in_at.is_none() {
            let wait = if self.healed {
                self.rng.range(MIN, 10 * MIN)
            } else {
                self.rng.range(2 * MIN, HOUR)
            };
            self.devices[d].sign_in_at = Some(self.t + wait);
        }
    }
}
