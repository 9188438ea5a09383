//! Rate limits: the worker counts requests with the Workers Rate Limiting binding, whose
//! windows are aligned to the wall clock (a one-minute window starts at every full
//! minute). What is left to decide here is how long a refused client should wait.

use crate::time::UnixMillis;

/// The whole seconds until the window of `period_seconds` that holds `now` ends: the
/// `Retry-After` of a refused request (at least 1).
pub fn retry_after_seconds(now: UnixMillis, period_seconds: u32) -> u32 {
    let period_ms = i64::from(period_seconds.max(1)) * 1000;
    let left_ms = period_ms - now.0.rem_euclid(period_ms);
    u32::try_from((left_ms + 999) / 1000).unwrap_or(u32::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_until_the_wall_clock_window_ends() {
        let t0 = 1_800_000_000_000; // a full minute
        assert_eq!(retry_after_seconds(UnixMillis(t0), 60), 60);
        assert_eq!(retry_after_seconds(UnixMillis(t0 + 10_500), 60), 50);
        assert_eq!(retry_after_seconds(UnixMillis(t0 + 59_999), 60), 1);
        assert_eq!(retry_after_seconds(UnixMillis(t0 + 3_000), 10), 7);
        assert_eq!(retry_after_seconds(UnixMillis(t0 + 1), 0), 1, "a zero period is one second");
    }
}
