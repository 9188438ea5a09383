//! One integration-test binary against the worker under `wrangler dev`.

mod account;
mod auth;
mod budget;
mod cors;
mod delete_session;
mod dev_signin;
mod devices;
mod health;
mod isolation;
mod jwt;
mod live;
mod migrations;
mod ratelimit;
mod revocation;
mod routing;
mod sessions;
mod sessions_input;
mod state;
mod stats;
mod stats_random;
mod stats_repos;
mod sync;
