//! Building responses: JSON bodies and the one error shape.

use serde::Serialize;
use worker::{console_error, Response};
use worktime_api::{ErrorBody, ErrorCode};

/// A JSON response with `status`.
pub fn json<T: Serialize>(status: u16, body: &T) -> worker::Result<Response> {
    Ok(Response::from_json(body)?.with_status(status))
}

/// The error response for `code`, with its contract status.
pub fn error(code: ErrorCode, message: &str) -> worker::Result<Response> {
    json(code.http_status(), &ErrorBody::new(code, message))
}

/// A 500 for an unexpected failure: the cause goes to the log, never to the caller.
pub fn internal_error(err: &worker::Error) -> worker::Result<Response> {
    console_error!("internal error: {err}");
    error(ErrorCode::Internal, "Something went wrong on our side; please try again.")
}
