//! Retry timing of one sync round: exponential steps, `Retry-After`, absolute deadlines.
//!
//! A round is one attempt plus at most one retry per configured step (five by default),
//! with waits of exactly 1, 2, 4, 8 and 16 s between them. A 429 waits for the server's
//! `Retry-After` instead of the step, and counts as a retry. Deadlines are wall-clock
//! epoch milliseconds kept in the persisted state, so a service worker that is killed
//! during a wait resumes at the same deadline after a restart. No jitter: one browser
//! profile sends at most one request at a time, so there is no herd to spread.

use super::config::EngineConfig;
use crate::time::UnixMillis;

/// How far a round is in its retries, and when it may try again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Retry {
    /// Failed attempts since the round started or since its last confirmed batch.
    pub retries: u32,
    /// No attempt before this instant (epoch ms); `None` when the round may send now.
    pub wait_until_ms: Option<i64>,
    /// Whether the wait is the server's (`Retry-After`), which nothing cuts short.
    pub server_wait: bool,
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterFailure {
    /// Try again at this instant.
    RetryAt(UnixMillis),
    /// Every retry is used up: the round ends and its ops are marked failed.
    GiveUp,
}

impl Retry {
    /// Records a failed attempt at `now`. `retry_after_ms` is the server's wait for a
    /// 429 (already defaulted and capped); otherwise the next backoff step applies.
    pub fn on_failure(
        &mut self,
        now: UnixMillis,
        config: &EngineConfig,
        retry_after_ms: Option<i64>,
    ) -> AfterFailure {
        let used = self.retries as usize;
        let Some(step) = config.backoff_steps_ms.get(used) else {
            self.wait_until_ms = None;
            return AfterFailure::GiveUp;
        };
        let wait = retry_after_ms.unwrap_or(*step);
        self.server_wait = retry_after_ms.is_some();
        self.retries += 1;
        let at = now.0.saturating_add(wait);
        self.wait_until_ms = Some(at);
        AfterFailure::RetryAt(UnixMillis(at))
    }

    /// A confirmed batch: the next failure starts again at the first step.
    pub fn on_success(&mut self) {
        *self = Retry::default();
    }

    /// Whether the round may send at `now` (see `EngineConfig::deadline_due`).
    pub fn is_due(&self, now: UnixMillis, config: &EngineConfig) -> bool {
        self.wait_until_ms.is_none_or(|at| config.deadline_due(at, now.0))
    }
}

/// The wait a 429 asks for: `Retry-After` seconds, the configured default when absent,
/// never more than the configured cap.
pub(crate) fn retry_after_wait(seconds: Option<u32>, config: &EngineConfig) -> i64 {
    let wait = match seconds {
        Some(seconds) => i64::from(seconds) * 1_000,
        None => config.default_retry_after_ms,
    };
    wait.min(config.max_retry_after_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_one_two_four_eight_sixteen_seconds_then_give_up() {
        let config = EngineConfig::default();
        let mut retry = Retry::default();
        let mut now = 1_000_000;
        for expected in [1_000, 2_000, 4_000, 8_000, 16_000] {
            assert_eq!(
                retry.on_failure(UnixMillis(now), &config, None),
                AfterFailure::RetryAt(UnixMillis(now + expected))
            );
            now += expected;
        }
        assert_eq!(retry.on_failure(UnixMillis(now), &config, None), AfterFailure::GiveUp);
    }

    #[test]
    fn retry_after_replaces_the_step_and_counts_as_a_retry() {
        let config = EngineConfig::default();
        let mut retry = Retry::default();
        let wait = retry_after_wait(Some(7), &config);
        assert_eq!(
            retry.on_failure(UnixMillis(0), &config, Some(wait)),
            AfterFailure::RetryAt(UnixMillis(7_000))
        );
        assert_eq!(retry.retries, 1);
        assert_eq!(
            retry.on_failure(UnixMillis(7_000), &config, None),
            AfterFailure::RetryAt(UnixMillis(9_000))
        );
        assert_eq!(retry_after_wait(None, &config), 1_000);
        assert_eq!(retry_after_wait(Some(u32::MAX), &config), config.max_retry_after_ms);
    }

    #[test]
    fn success_resets_and_a_backwards_clock_does_not_stall() {
        let config = EngineConfig::default();
        let mut retry = Retry::default();
        retry.on_failure(UnixMillis(10_000), &config, None);
        assert!(!retry.is_due(UnixMillis(10_500), &config));
        assert!(retry.is_due(UnixMillis(11_000), &config));
        assert!(retry.is_due(UnixMillis(10_000 - 2 * config.longest_wait_ms()), &config));
        retry.on_success();
        assert_eq!(retry, Retry::default());
    }
}
