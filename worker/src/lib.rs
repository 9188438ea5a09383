//! The WorkTime backend as a Cloudflare Worker.
//!
//! Requests flow: [`fetch`] → CORS preflight or [`routes`] → a handler that reads, asks
//! `worktime-core` to decide, writes, and responds. Every answer, errors included, is
//! JSON in the shape of `worktime_api::ErrorBody`, and carries the CORS headers
//! `worktime_core::cors` grants.

mod cors;
mod env;
mod health;
mod respond;
mod routes;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let policy = env::cors_policy(&env);
    let origin = req.headers().get("Origin").ok().flatten();
    let response = match routes::dispatch(req, &env).await {
        Ok(response) => response,
        Err(err) => respond::internal_error(&err)?,
    };
    cors::apply(response, &policy, origin.as_deref())
}
