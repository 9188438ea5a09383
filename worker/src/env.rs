//! Names of the worker's bindings and variables, and typed access to them.

use worker::Env;
use worktime_core::cors::CorsPolicy;

/// D1 database binding: the source of truth.
pub const DB: &str = "DB";
/// Workers KV binding: GitHub tokens with a TTL.
#[allow(dead_code)]
pub const KV: &str = "KV";

/// A plain-text variable, or `default` when it is not set.
pub fn var_or(env: &Env, name: &str, default: &str) -> String {
    env.var(name).map(|value| value.to_string()).unwrap_or_else(|_| default.to_owned())
}

/// The deployment's name (`development`, `test`, `production`, …).
pub fn environment(env: &Env) -> String {
    var_or(env, "ENVIRONMENT", "unknown")
}

/// Origins allowed to call the API from a browser, from `ALLOWED_ORIGINS`.
pub fn cors_policy(env: &Env) -> CorsPolicy {
    CorsPolicy::parse(&var_or(env, "ALLOWED_ORIGINS", ""))
}
