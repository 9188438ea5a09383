//! The error body every endpoint returns, and the stable error codes.

use serde::{Deserialize, Serialize};

/// `{"error":{"code":"…","message":"…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The inside of an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable, machine-readable code; clients branch on this, never on the message.
    pub code: ErrorCode,
    /// A sentence for humans; may change between versions.
    pub message: String,
}

/// Stable error codes. New codes may be added; clients must treat unknown ones as
/// [`ErrorCode::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ErrorCode {
    /// 400: the body is not valid JSON or has fields the endpoint does not know.
    InvalidJson,
    /// 400: a query parameter or path segment is malformed.
    InvalidRequest,
    /// 401: no valid token was presented.
    Unauthorized,
    /// 403: the caller is known but may not do this.
    Forbidden,
    /// 404: no such route or no such resource owned by the caller.
    NotFound,
    /// 405: the route exists but not with this method.
    MethodNotAllowed,
    /// 409: the same id was used before with different content, or the session belongs
    /// to another of the user's devices.
    Conflict,
    /// 409: the session has already ended; this end or heartbeat would change it.
    SessionNotActive,
    /// 413: the body is larger than the API accepts.
    PayloadTooLarge,
    /// 422: well-formed input that breaks a rule.
    ValidationFailed,
    /// 429: too many requests; see `Retry-After`.
    RateLimited,
    /// 500: a bug on our side; the message never carries internals.
    Internal,
    /// 502: an upstream (GitHub) failed or answered nonsense.
    UpstreamFailed,
    /// 503: a dependency (the database) is unavailable.
    Unavailable,
    /// A code this build does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status that goes with this code: the only such table in WorkTime.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidJson | ErrorCode::InvalidRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict | ErrorCode::SessionNotActive => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::ValidationFailed => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal | ErrorCode::Unknown => 500,
            ErrorCode::UpstreamFailed => 502,
            ErrorCode::Unavailable => 503,
        }
    }
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody { error: ErrorDetail { code, message: message.into() } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_the_documented_shape() {
        let body = ErrorBody::new(ErrorCode::RateLimited, "Slow down.");
        let json = serde_json::to_string(&body).expect("serializes");
        assert_eq!(json, r#"{"error":{"code":"rate_limited","message":"Slow down."}}"#);
    }

    #[test]
    fn unknown_codes_decode_as_unknown() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":{"code":"from_the_future","message":"m"}}"#)
                .expect("decodes");
        assert_eq!(body.error.code, ErrorCode::Unknown);
    }

    #[test]
    fn statuses_follow_the_contract() {
        assert_eq!(ErrorCode::InvalidJson.http_status(), 400);
        assert_eq!(ErrorCode::Unauthorized.http_status(), 401);
        assert_eq!(ErrorCode::Conflict.http_status(), 409);
        assert_eq!(ErrorCode::ValidationFailed.http_status(), 422);
        assert_eq!(ErrorCode::RateLimited.http_status(), 429);
        assert_eq!(ErrorCode::UpstreamFailed.http_status(), 502);
        assert_eq!(ErrorCode::Unavailable.http_status(), 503);
    }
}
