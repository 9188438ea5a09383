//! One integration-test binary against the worker under `wrangler dev`.

mod cors;
mod health;
mod routing;
