//! Why a request did not get through, as a typed value: the engine records it on failed
//! ops and as the status's `last_error`, and the popup words each kind itself (it never
//! parses text).
//!
//! Serialized with a `kind` tag: `{"kind":"network","detail":"…"}`, `{"kind":"timeout"}`,
//! `{"kind":"malformed_answer","status":200}`,
//! `{"kind":"http","status":503,"code":"unavailable","message":"…"}`,
//! `{"kind":"sign_in_expired"}`.

use serde::{Deserialize, Serialize};
use worktime_api::{ErrorBody, ErrorCode, ErrorDetail};

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Failure {
    /// `fetch` failed: offline, DNS, connection refused, CORS. `detail` is the browser's
    /// text, for diagnostics only.
    Network { detail: String },
    /// No answer within the shell's time limit (10 s).
    Timeout,
    /// A 2xx answer that is not what the contract says.
    MalformedAnswer { status: u16 },
    /// An HTTP error: the server's code and message when its body is the contract's
    /// error body, else the code that goes with the status and `HTTP <status>`.
    Http { status: u16, code: ErrorCode, message: String },
    /// The token expired before it could be renewed: the user must sign in again.
    SignInExpired,
}

impl Failure {
    /// The failure an HTTP error answer stands for.
    pub fn http(status: u16, body: &str) -> Failure {
        let ErrorDetail { code, message } = error_detail(status, body);
        Failure::Http { status, code, message }
    }

    /// Reads the text a version-1 or -2 snapshot stored (`network error: …`,
    /// `the request timed out`, `malformed answer from the server (HTTP 200)`,
    /// `HTTP 503: …`, `the sign-in expired`). Only the snapshot migration calls this.
    pub(crate) fn from_legacy_text(text: &str) -> Failure {
        if let Some(detail) = text.strip_prefix("network error: ") {
            return Failure::Network { detail: detail.to_owned() };
        }
        if text == "the request timed out" {
            return Failure::Timeout;
        }
        if text == "the sign-in expired" {
            return Failure::SignInExpired;
        }
        if let Some(rest) = text.strip_prefix("malformed answer from the server (HTTP ") {
            let status = rest.trim_end_matches(')').parse().unwrap_or(200);
            return Failure::MalformedAnswer { status };
        }
        if let Some(rest) = text.strip_prefix("HTTP ") {
            let (status, message) = rest.split_once(": ").unwrap_or((rest, ""));
            if let Ok(status) = status.parse::<u16>() {
                let message =
                    if message.is_empty() { format!("HTTP {status}") } else { message.to_owned() };
                return Failure::Http { status, code: code_for(status), message };
            }
        }
        Failure::Network { detail: text.to_owned() }
    }
}

/// The fields of every kind at once: read flat (a derived internally tagged read would
/// buffer the value first, more code in the SDK's wasm for the same result).
#[derive(Deserialize)]
struct Fields {
    kind: Kind,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    code: Option<ErrorCode>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Network,
    Timeout,
    MalformedAnswer,
    Http,
    SignInExpired,
}

impl<'de> Deserialize<'de> for Failure {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Failure, D::Error> {
        let fields = Fields::deserialize(deserializer)?;
        let status = fields.status.unwrap_or(0);
        Ok(match fields.kind {
            Kind::Network => Failure::Network { detail: fields.detail.unwrap_or_default() },
            Kind::Timeout => Failure::Timeout,
            Kind::MalformedAnswer => Failure::MalformedAnswer { status },
            Kind::Http => Failure::Http {
                status,
                code: fields.code.unwrap_or(ErrorCode::Unknown),
                message: fields.message.unwrap_or_default(),
            },
            Kind::SignInExpired => Failure::SignInExpired,
        })
    }
}

/// The server's error detail, or one made from the status when the body is not an
/// [`ErrorBody`].
pub(crate) fn error_detail(status: u16, body: &str) -> ErrorDetail {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(parsed) => parsed.error,
        Err(_) => ErrorDetail { code: code_for(status), message: format!("HTTP {status}") },
    }
}

/// The code that goes with a status, through the contract's one table.
fn code_for(status: u16) -> ErrorCode {
    const CODES: [ErrorCode; 12] = [
        ErrorCode::InvalidJson,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::ValidationFailed,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::UpstreamFailed,
        ErrorCode::Unavailable,
    ];
    CODES.into_iter().find(|code| code.http_status() == status).unwrap_or(ErrorCode::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_serialize_with_a_kind_tag() {
        let json = |failure: &Failure| serde_json::to_value(failure).expect("JSON");
        assert_eq!(json(&Failure::Timeout), serde_json::json!({"kind": "timeout"}));
        let http = Failure::http(403, r#"{"error":{"code":"forbidden","message":"Banned."}}"#);
        assert_eq!(
            json(&http),
            serde_json::json!({"kind": "http", "status": 403, "code": "forbidden", "message": "Banned."})
        );
        assert_eq!(
            Failure::http(502, "<html>"),
            Failure::Http {
                status: 502,
                code: ErrorCode::UpstreamFailed,
                message: "HTTP 502".into()
            }
        );
    }

    #[test]
    fn failures_read_back_as_written() {
        let all = [
            Failure::Network { detail: "offline".into() },
            Failure::Timeout,
            Failure::MalformedAnswer { status: 200 },
            Failure::http(503, r#"{"error":{"code":"unavailable","message":"Busy."}}"#),
            Failure::SignInExpired,
        ];
        for failure in all {
            let text = serde_json::to_string(&failure).expect("JSON");
            assert_eq!(serde_json::from_str::<Failure>(&text).expect(&text), failure);
        }
        assert!(serde_json::from_str::<Failure>(r#"{"kind":"gone"}"#).is_err());
    }

    #[test]
    fn legacy_texts_become_their_kinds() {
        assert_eq!(
            Failure::from_legacy_text("network error: TypeError: Failed to fetch"),
            Failure::Network { detail: "TypeError: Failed to fetch".into() }
        );
        assert_eq!(Failure::from_legacy_text("the request timed out"), Failure::Timeout);
        assert_eq!(Failure::from_legacy_text("the sign-in expired"), Failure::SignInExpired);
        assert_eq!(
            Failure::from_legacy_text("malformed answer from the server (HTTP 204)"),
            Failure::MalformedAnswer { status: 204 }
        );
        assert_eq!(
            Failure::from_legacy_text("HTTP 503: D1 is busy."),
            Failure::Http {
                status: 503,
                code: ErrorCode::Unavailable,
                message: "D1 is busy.".into()
            }
        );
        assert_eq!(
            Failure::from_legacy_text("HTTP 418"),
            Failure::Http { status: 418, code: ErrorCode::Unknown, message: "HTTP 418".into() }
        );
    }
}
