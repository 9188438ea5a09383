//! The WorkTime backend as a Cloudflare Worker.
//!
//! Requests flow: [`fetch`] → [`routes::dispatch`] (route, JWT, rate limit) → a handler
//! that reads from D1, asks `worktime-core` to decide, writes in one D1 batch, and
//! responds. Every answer, errors included, is JSON in the shape of
//! `worktime_api::ErrorBody` and carries the CORS headers `worktime_core::cors` grants.
//! [`scheduled`] runs the abandon job and forgets expired sign-out records and old op ids.

mod abandon;
mod account;
mod auth;
mod cors;
mod d1;
mod dev_signin;
mod env;
mod github;
mod health;
mod live;
mod ratelimit;
mod request;
mod respond;
mod routes;
mod sessions;
mod standing;
mod stats;
mod store;
mod sync;
mod writes;

use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

pub use live::LiveHub;

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let policy = env::cors_policy(&env);
    let origin = req.headers().get("Origin").ok().flatten();
    let response = routes::dispatch(req, &env, &ctx).await?;
    if response.status_code() == 101 {
        return Ok(response); // a WebSocket: its headers are final
    }
    cors::apply(response, &policy, origin.as_deref())
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let db = match d1::Db::open(&env) {
        Ok(db) => db,
        Err(err) => return worker::console_error!("scheduled job: D1 unavailable: {err}"),
    };
    if let Err(err) = abandon::run(&env, &db).await {
        worker::console_error!("abandon job failed: {err}");
    }
    let now = worktime_core::time::UnixMillis::from_js(worker::Date::now().as_millis() as f64);
    if let Err(err) = standing::prune(&db, now).await {
        worker::console_error!("pruning revoked sign-ins failed: {err}");
    }
    if let Err(err) = abandon::prune_op_log(&env, &db).await {
        worker::console_error!("pruning the sync op log failed: {err}");
    }
}
