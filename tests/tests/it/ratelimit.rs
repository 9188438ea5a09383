//! Rate limiting (the Workers Rate Limiting binding, limits from `limited_config` in
//! `scripts/test.sh`): on `/api/*` 600 requests per user per minute (one-minute windows on
//! the wall clock), then 429 `rate_limited` with `Retry-After`; other users are unaffected.
//! Requests without a valid token count against their client address, and so does
//! `/auth/*`.

use std::time::Duration;

use worktime_api::paths::SESSIONS;
use worktime_tests::{assert_error, authed, call, new_user, now_ms, Answer, MINUTE_MS, SECOND_MS};

const LIMIT: usize = 600;
const MAX_REQUESTS: usize = 700;

/// One run with a fresh user: successes before the first 429 (if any), and whether the
/// run crossed a minute boundary (allowing a second of clock difference at each end).
fn hammer() -> (usize, Option<Answer>, bool) {
    let user = new_user();
    hammer_with(200, || authed("GET", &format!("{SESSIONS}?limit=1"), &user.jwt, None))
}

/// `send` until the first 429 (at most `MAX_REQUESTS`), each answered `expected` before.
fn hammer_with(expected: u16, send: impl Fn() -> Answer) -> (usize, Option<Answer>, bool) {
    let started = now_ms();
    let mut successes = 0;
    let mut refused = None;
    for _ in 0..MAX_REQUESTS {
        let answer = send();
        match answer.status {
            status if status == expected => successes += 1,
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

/// Start early in a minute, so that one run usually fits in one window.
fn early_in_a_minute() {
    let into_minute = now_ms().rem_euclid(MINUTE_MS);
    if into_minute > 40 * SECOND_MS {
        std::thread::sleep(Duration::from_millis((MINUTE_MS - into_minute + 200) as u64));
    }
}

#[test]
fn a_user_over_600_requests_a_minute_gets_429_with_retry_after() {
    early_in_a_minute();
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

#[test]
fn requests_without_a_valid_token_are_limited_per_client_address() {
    // A documentation address of its own (wrangler dev passes CF-Connecting-IP through),
    // so the other tests' sign-ins from 127.0.0.1 keep their budget.
    let address = format!("198.51.100.{}", 1 + now_ms().rem_euclid(250));
    let unauthenticated = |address: &str, token: Option<&str>| {
        let mut headers = vec![("CF-Connecting-IP", address.to_owned())];
        if let Some(token) = token {
            headers.push(("Authorization", format!("Bearer {token}")));
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        call("GET", SESSIONS, &headers, None)
    };
    early_in_a_minute();
    let (mut successes, mut refused, mut crossed) =
        hammer_with(401, || unauthenticated(&address, Some("not-a-token")));
    if refused.is_none() && crossed {
        (successes, refused, crossed) = hammer_with(401, || unauthenticated(&address, None));
    }
    let refused = refused
        .unwrap_or_else(|| panic!("no 429 within {MAX_REQUESTS} ({successes} answered 401)"));
    assert_error(&refused, 429, "rate_limited");
    assert!(refused.header("retry-after").is_some(), "429 carries Retry-After");
    if !crossed {
        assert_eq!(successes, LIMIT, "exactly {LIMIT} refused tokens in one window");
    }
    // Without any token, from the same address: still limited. Another address is not.
    assert_error(&unauthenticated(&address, None), 429, "rate_limited");
    assert_error(&unauthenticated("198.51.100.254", None), 401, "unauthorized");
}
