//! The route table: which handler answers which method and path.

use worker::{Env, Method, Request, Response, Result};
use worktime_api::{paths, ErrorCode};

use crate::{cors, health, respond};

/// Answers one request; only unexpected failures come back as `Err`.
pub async fn dispatch(req: Request, env: &Env) -> Result<Response> {
    let path = req.path();
    let method = req.method();
    if method == Method::Options {
        return cors::preflight();
    }
    match (path.as_str(), method) {
        (paths::HEALTH, Method::Get | Method::Head) => health::get(env).await,
        (paths::HEALTH, _) => respond::error(
            ErrorCode::MethodNotAllowed,
            "This path does not accept that method.",
        ),
        _ => respond::error(ErrorCode::NotFound, "There is nothing at this path."),
    }
}
