//! The worker's configuration: binding names, variables and secrets, read once per request.

use worker::Env;
use worktime_api::sessions::SEND_INTERVAL_MINUTES;
use worktime_core::cors::CorsPolicy;
use worktime_core::jwt::{JwtKey, KeyTooShort};
use worktime_core::sessions;
use worktime_core::signin_dev::DevCodeKey;

/// D1 database binding: the source of truth.
pub const DB: &str = "DB";
/// Workers KV binding. Wave 1 kept GitHub tokens here; nothing needs them, so none are
/// written and sign-in deletes what an earlier version left.
pub const KV: &str = "KV";

/// Durable Object namespace holding one live-updates hub per user.
pub const LIVE: &str = "LIVE";

/// A plain-text variable or secret, or `default` when it is not set.
pub fn var_or(env: &Env, name: &str, default: &str) -> String {
    if let Ok(value) = env.var(name) {
        return value.to_string();
    }
    match env.secret(name) {
        Ok(value) => value.to_string(),
        Err(_) => default.to_owned(),
    }
}

fn number_or(env: &Env, name: &str, default: u32) -> u32 {
    var_or(env, name, "").trim().parse().unwrap_or(default)
}

/// The deployment's name (`development`, `test`, `production`, …).
pub fn environment(env: &Env) -> String {
    var_or(env, "ENVIRONMENT", "unknown")
}

/// Origins allowed to call the API from a browser, from `ALLOWED_ORIGINS`.
pub fn cors_policy(env: &Env) -> CorsPolicy {
    CorsPolicy::parse(&var_or(env, "ALLOWED_ORIGINS", ""))
}

/// The JWT signing key; an error when `JWT_SECRET` is missing or shorter than 32 bytes.
pub fn jwt_key(env: &Env) -> Result<JwtKey, KeyTooShort> {
    JwtKey::new(var_or(env, "JWT_SECRET", "").as_bytes())
}

/// The development sign-in's code key, derived from `JWT_SECRET` (the same minimum).
pub fn dev_code_key(env: &Env) -> Result<DevCodeKey, KeyTooShort> {
    DevCodeKey::derive(var_or(env, "JWT_SECRET", "").as_bytes())
}

/// Everything sign-in needs from the environment.
pub struct GitHubConfig {
    pub client_id: String,
    pub client_secret: String,
    pub oauth_base_url: String,
    pub api_base_url: String,
}

pub fn github(env: &Env) -> GitHubConfig {
    GitHubConfig {
        client_id: var_or(env, "GITHUB_CLIENT_ID", ""),
        client_secret: var_or(env, "GITHUB_CLIENT_SECRET", ""),
        oauth_base_url: var_or(env, "GITHUB_OAUTH_BASE_URL", "https://github.com")
            .trim_end_matches('/')
            .to_owned(),
        api_base_url: var_or(env, "GITHUB_API_BASE_URL", "https://api.github.com")
            .trim_end_matches('/')
            .to_owned(),
    }
}

/// How long an active session may go without a heartbeat before the scheduled job
/// abandons it, in minutes: `ABANDON_AFTER_MINUTES` (default 45), at least three of a
/// tracking client's request intervals (`SEND_INTERVAL_MINUTES`).
pub fn abandon_after_minutes(env: &Env) -> u32 {
    sessions::abandon_after_minutes(
        number_or(env, "ABANDON_AFTER_MINUTES", 45),
        SEND_INTERVAL_MINUTES,
    )
}

/// The longest session accepted, in hours (`MAX_SESSION_HOURS`, default 24).
pub fn max_session_hours(env: &Env) -> u32 {
    number_or(env, "MAX_SESSION_HOURS", worktime_api::sessions::DEFAULT_MAX_SESSION_HOURS).max(1)
}

/// How long applied sync op ids are remembered, in days (`SYNC_OPS_RETENTION_DAYS`,
/// default 7): a replay within it is answered `duplicate`.
pub fn sync_ops_retention_days(env: &Env) -> u32 {
    number_or(env, "SYNC_OPS_RETENTION_DAYS", 7).max(1)
}
