//! Building responses: JSON bodies and the one error shape.

use serde::Serialize;
use worker::Response;
use worktime_api::{ErrorBody, ErrorCode};

use crate::request::ApiError;

/// A JSON response with `status`.
pub fn json<T: Serialize>(status: u16, body: &T) -> worker::Result<Response> {
    Ok(Response::from_json(body)?.with_status(status))
}

/// A JSON response that no shared cache may keep (per-user data).
pub fn private_json<T: Serialize>(status: u16, body: &T) -> worker::Result<Response> {
    let mut response = json(status, body)?;
    response.headers_mut().set("Cache-Control", "private, no-store")?;
    Ok(response)
}

/// The error response for `err`, with its contract status.
pub fn error(err: &ApiError) -> worker::Result<Response> {
    let mut response =
        json(err.code.http_status(), &ErrorBody::new(err.code, err.message.clone()))?;
    let headers = response.headers_mut();
    headers.set("Cache-Control", "no-store")?;
    if err.code == ErrorCode::Unauthorized {
        headers.set("WWW-Authenticate", "Bearer")?;
    }
    if let Some(seconds) = err.retry_after {
        headers.set("Retry-After", &seconds.to_string())?;
    }
    Ok(response)
}
