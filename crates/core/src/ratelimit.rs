//! Fixed-window rate limiting: at most `limit` requests per window per key.
//!
//! The window is state owned by one Durable Object per key (see the worker's
//! `ratelimit.rs`): a single-threaded, strongly consistent owner, which KV (eventual,
//! one write per second per key) cannot be.

use crate::time::UnixMillis;

/// One key's counter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub count: u32,
}

/// Whether a request may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow { remaining: u32 },
    /// Refused; the caller may retry after this many whole seconds (≥ 1).
    Deny { retry_after_seconds: u32 },
}

impl Window {
    /// Counts one request at `now` against `limit` per `window_ms`.
    pub fn hit(&mut self, now: UnixMillis, limit: u32, window_ms: i64) -> Verdict {
        let window_ms = window_ms.max(1);
        let start = now.0.div_euclid(window_ms) * window_ms;
        if start != self.start {
            *self = Window { start, count: 0 };
        }
        if self.count >= limit {
            let wait_ms = (start + window_ms - now.0).max(1);
            let retry_after_seconds = u32::try_from((wait_ms + 999) / 1000).unwrap_or(u32::MAX);
            return Verdict::Deny { retry_after_seconds };
        }
        self.count += 1;
        Verdict::Allow { remaining: limit - self.count }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_limit_then_denies_until_the_window_ends() {
        let mut window = Window::default();
        let t0 = UnixMillis(1_800_000_000_000); // a window boundary for 60 s windows
        for i in 0..3 {
            assert_eq!(window.hit(UnixMillis(t0.0 + i), 3, 60_000), Verdict::Allow { remaining: 2 - i as u32 });
        }
        assert_eq!(window.hit(UnixMillis(t0.0 + 10_500), 3, 60_000), Verdict::Deny { retry_after_seconds: 50 });
        assert_eq!(window.hit(UnixMillis(t0.0 + 59_999), 3, 60_000), Verdict::Deny { retry_after_seconds: 1 });
        assert_eq!(window.hit(UnixMillis(t0.0 + 60_000), 3, 60_000), Verdict::Allow { remaining: 2 });
    }

    #[test]
    fn a_zero_limit_denies_everything() {
        let mut window = Window::default();
        assert!(matches!(window.hit(UnixMillis(5), 0, 60_000), Verdict::Deny { .. }));
    }
}
