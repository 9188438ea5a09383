//! One integration-test binary against the worker under `wrangler dev`.

mod auth;
mod cors;
mod devices;
mod health;
mod isolation;
mod jwt;
mod migrations;
mod ratelimit;
mod routing;
mod sessions;
mod sessions_input;
mod stats;
mod stats_random;
mod sync;
