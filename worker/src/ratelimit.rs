//! Rate limits with the Workers Rate Limiting binding: per user on `/api/*`
//! (`API_LIMITER`), per client address on `/auth/*` and on `/api/*` requests without a
//! valid token (`ADDRESS_LIMITER`). Limits and periods are in `wrangler.toml`.
//!
//! No sequential round trip on the hot path: [`Gate::open`] asks the binding at once
//! (the call starts a JavaScript promise, which runs whether or not anyone awaits it), and
//! the request goes on reading D1 meanwhile. Reads have no effects, so the verdict is
//! needed only before the first write (`writes::apply`) and before answering
//! (`routes`); both await the same promise. A refused request writes nothing and gets
//! 429 `rate_limited` with `Retry-After`, the time left in the binding's window.
//!
//! If the binding is missing or fails, requests are let through (and logged): an outage
//! of the limiter must not become an outage of the API.

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{console_error, Env};
use worktime_api::ErrorCode;
use worktime_core::ratelimit::retry_after_seconds;
use worktime_core::time::UnixMillis;

use crate::request::{ApiError, Handled};

/// The period of both limiters' windows, in seconds (`simple.period` in wrangler.toml).
const PERIOD_SECONDS: u32 = 60;

/// Which counter a request is charged to.
#[derive(Debug, Clone, Copy)]
pub enum Limiter {
    /// Per user, on `/api/*` with a valid token.
    Api,
    /// Per client address, on `/auth/*` and on `/api/*` without a valid token.
    Address,
}

impl Limiter {
    fn binding(self) -> &'static str {
        match self {
            Limiter::Api => "API_LIMITER",
            Limiter::Address => "ADDRESS_LIMITER",
        }
    }
}

/// One request's pending verdict.
pub struct Gate {
    verdict: Option<Promise>,
    now: UnixMillis,
}

impl Gate {
    /// Charges one request to `key` and returns at once; the verdict comes later.
    pub fn open(env: &Env, limiter: Limiter, key: &str, now: UnixMillis) -> Gate {
        let verdict = ask(env, limiter, key)
            .map_err(|err| {
                console_error!("rate limiter {} unavailable: {err:?}", limiter.binding())
            })
            .ok();
        Gate { verdict, now }
    }

    /// The client's address, as Cloudflare reports it.
    pub fn address(req: &worker::Request) -> String {
        let address = req.headers().get("CF-Connecting-IP").ok().flatten();
        format!("ip:{}", address.as_deref().unwrap_or("unknown"))
    }

    /// `Ok` when the request is within its limit; else 429 with `Retry-After`.
    pub async fn admit(&self) -> Handled<()> {
        let Some(promise) = &self.verdict else { return Ok(()) };
        let success = match JsFuture::from(promise.clone()).await {
            Ok(outcome) => Reflect::get(&outcome, &"success".into()).ok().and_then(|v| v.as_bool()),
            Err(err) => {
                console_error!("rate limiter failed: {err:?}");
                None
            }
        };
        if success != Some(false) {
            return Ok(());
        }
        let retry_after = retry_after_seconds(self.now, PERIOD_SECONDS);
        Err(ApiError {
            code: ErrorCode::RateLimited,
            message: format!("Too many requests; try again in {retry_after} seconds."),
            retry_after: Some(retry_after),
        })
    }
}

/// `binding.limit({ key })`: the call is made now; its promise settles later.
fn ask(env: &Env, limiter: Limiter, key: &str) -> Result<Promise, JsValue> {
    // Read raw: the binding's class name differs between workerd and Cloudflare.
    let binding = Reflect::get(env.as_ref(), &limiter.binding().into())?;
    let limit = Reflect::get(&binding, &"limit".into())?.dyn_into::<js_sys::Function>()?;
    let options = Object::new();
    Reflect::set(&options, &"key".into(), &key.into())?;
    limit.call1(&binding, &options)?.dyn_into::<Promise>()
}
