//! Rate limits: one Durable Object per key (a user or a client address) owns its window.
//!
//! Why a Durable Object: a counter needs a single, strongly consistent owner. KV is
//! eventually consistent and takes one write per second per key, so concurrent requests
//! would all read the same old count. D1 could count, but every request would add a write
//! to the database that holds users' data. A Durable Object is one single-threaded
//! instance per key, so `Window::hit` sees every request in order, in memory. If the
//! object is evicted its window restarts — at worst a client gets one extra window.

use std::cell::RefCell;

use worker::{durable_object, Date, DurableObject, Env, Request, Response, Result, State};
use worktime_core::ratelimit::{Verdict, Window};
use worktime_core::time::UnixMillis;

use crate::env;

const WINDOW_MS: i64 = 60_000;

#[durable_object]
pub struct RateLimiter {
    window: RefCell<Window>,
}

impl DurableObject for RateLimiter {
    fn new(_state: State, _env: Env) -> Self {
        RateLimiter { window: RefCell::new(Window::default()) }
    }

    /// `GET /?limit=N` counts one request; answers `{"retry_after":0}` when allowed, else
    /// the seconds to wait.
    async fn fetch(&self, req: Request) -> Result<Response> {
        let limit = req
            .url()?
            .query_pairs()
            .find(|(k, _)| k == "limit")
            .and_then(|(_, v)| v.parse::<u32>().ok())
            .unwrap_or(0);
        let now = UnixMillis::from_js(Date::now().as_millis() as f64);
        let verdict = self.window.borrow_mut().hit(now, limit, WINDOW_MS);
        let retry_after = match verdict {
            Verdict::Allow { .. } => 0,
            Verdict::Deny { retry_after_seconds } => retry_after_seconds,
        };
        Response::ok(retry_after.to_string())
    }
}

/// Counts one request for `key` against `limit` per minute: `None` when allowed, else the
/// seconds after which to retry.
pub async fn check(env: &Env, key: &str, limit: u32) -> Result<Option<u32>> {
    let namespace = env.durable_object(env::RATE_LIMITER)?;
    let stub = namespace.id_from_name(key)?.get_stub()?;
    let mut response = stub.fetch_with_str(&format!("https://rate-limiter/?limit={limit}")).await?;
    let retry_after = response.text().await?.trim().parse::<u32>().unwrap_or(0);
    Ok((retry_after > 0).then_some(retry_after))
}
