//! Rate limiting on `/api/*`: 600 requests per user per minute (fixed one-minute windows),
//! then 429 `rate_limited` with `Retry-After`; other users are unaffected.

use std::time::Duration;

use worktime_api::paths::SESSIONS;
use worktime_tests::{assert_error, authed, new_user, now_ms, Answer, MINUTE_MS, SECOND_MS};

const LIMIT: usize = 600;
const MAX_REQUESTS: usize = 700;

/// One run with a fresh user: successes before the first 429 (if any), and whether the
/// run crossed a minute boundary (allowing a second of clock difference at each end).
fn hammer() -> (usize, Option<Answer>, bool) {
    let user = new_user();
    let started = now_ms();
    let mut successes = 0;
    let mut refused = None;
    for _ in 0..MAX_REQUESTS {
        let answer = authed("GET", &format!("{SESSIONS}?limit=1"), &user.jwt, None);
        match answer.status {
            200 => successes += 1,
            429 => {
                refused = Some(answer);
                break;
            }
            other => panic!("unexpected {other} after {successes} successes: {}", answer.body),
        }
    }
    let minute = |ms: i64| ms.div_euclid(MINUTE_MS);
    let crossed = minute(started - SECOND_MS) != minute(now_ms() + SECOND_MS);
    (successes, refused, crossed)
}

#[test]
fn a_user_over_600_requests_a_minute_gets_429_with_retry_after() {
    // Start early in a minute, so that one run usually fits in one window.
    let into_minute = now_ms().rem_euclid(MINUTE_MS);
    if into_minute > 40 * SECOND_MS {
        std::thread::sleep(Duration::from_millis((MINUTE_MS - into_minute + 200) as u64));
    }
    let (mut successes, mut refused, mut crossed) = hammer();
    if refused.is_none() && crossed {
        // The window rolled over mid-run and the new one had room left: once more.
        (successes, refused, crossed) = hammer();
    }
    let refused = refused.unwrap_or_else(|| {
        panic!("no 429 within {MAX_REQUESTS} requests ({successes} succeeded, crossed: {crossed})")
    });
    assert_error(&refused, 429, "rate_limited");
    let retry_after = refused.header("retry-after").expect("429 carries Retry-After");
    let seconds: u64 = retry_after
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After is whole seconds: {retry_after:?}"));
    assert!((1..=60).contains(&seconds), "Retry-After {seconds}");
    if crossed {
        assert!(successes >= 1, "the first request of a fresh user is allowed");
    } else {
        assert_eq!(successes, LIMIT, "exactly {LIMIT} requests in one window");
    }

    // The limit is per user: someone else is still served.
    let other = new_user();
    let answer = authed("GET", SESSIONS, &other.jwt, None);
    assert_eq!(answer.status, 200, "{}", answer.body);
}
