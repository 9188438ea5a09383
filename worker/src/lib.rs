//! The WorkTime backend as a Cloudflare Worker.
//!
//! Requests flow: [`fetch`] → [`routes::dispatch`] (route, JWT, rate limit) → a handler
//! that reads from D1, asks `worktime-core` to decide, writes in one D1 batch, and
//! responds. Every answer, errors included, is JSON in the shape of
//! `worktime_api::ErrorBody` and carries the CORS headers `worktime_core::cors` grants.
//! [`scheduled`] runs the abandon job.

mod abandon;
mod auth;
mod cors;
mod env;
mod github;
mod health;
mod ratelimit;
mod request;
mod respond;
mod routes;
mod sessions;
mod stats;
mod store;
mod sync;
mod writes;

use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

pub use ratelimit::RateLimiter;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let policy = env::cors_policy(&env);
    let origin = req.headers().get("Origin").ok().flatten();
    let response = routes::dispatch(req, &env).await?;
    cors::apply(response, &policy, origin.as_deref())
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    if let Err(err) = abandon::run(&env).await {
        worker::console_error!("abandon job failed: {err}");
    }
}
