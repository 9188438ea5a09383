//! What crosses the shell: the requests the engine wants sent ([`Transmit`]), what came
//! of them ([`Outcome`]), and how an outcome is sorted into the engine's cases.
//!
//! | outcome of `POST /api/sync`                 | verdict                                  |
//! |---------------------------------------------|------------------------------------------|
//! | 2xx whose `results` match the ops sent      | per-op results                           |
//! | 2xx otherwise (malformed answer)            | retry                                    |
//! | network error, timeout, 408, 5xx, 1xx, 3xx  | retry                                    |
//! | 429                                         | retry after `Retry-After` (default 1 s)  |
//! | 401                                         | sign-in needed                           |
//! | 400, 413, 422                               | bad batch: split it, or reject a lone op |
//! | 403 and every other 4xx                     | park: mark queued ops failed, stop       |

use serde::{Deserialize, Serialize};
use worktime_api::sync::{OpResult, SyncResponse};
use worktime_api::ErrorDetail;

use super::backoff::retry_after_wait;
use super::config::EngineConfig;
use super::failure::{error_detail, Failure};

/// One HTTP request for the shell to perform. The shell prefixes `path` with the API's
/// base URL, adds `Authorization: Bearer <bearer>` when set and
/// `Content-Type: application/json` when there is a body, and reports the result to
/// [`super::Engine::handle_response`] with the same `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transmit {
    pub id: u64,
    pub method: &'static str,
    pub path: String,
    pub bearer: Option<String>,
    pub body: Option<String>,
}

/// What came of a [`Transmit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An HTTP answer, any status. `retry_after_seconds` is the parsed `Retry-After`
    /// header (seconds form), when present.
    Http { status: u16, retry_after_seconds: Option<u32>, body: String },
    /// `fetch` failed: offline, DNS, connection reset, CORS, …
    NetworkError(String),
    /// The shell gave up waiting (it aborts after 10 s).
    Timeout,
}

/// How an answer to a sync request is handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SyncVerdict {
    /// One result per op sent, in order.
    Results(Vec<OpResult>),
    /// Try again later; `wait_ms` replaces the backoff step (429).
    Retry { reason: Failure, wait_ms: Option<i64> },
    /// The token was refused.
    Unauthorized(Failure),
    /// The request as a whole broke a rule: a poisoned op, or too large a batch.
    BadBatch(ErrorDetail),
    /// Forbidden (or an unexpected 4xx): retrying now cannot help.
    Park(Failure),
}

/// How an answer to `POST /auth/refresh` is handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefreshVerdict {
    /// A 2xx body to parse as the new token.
    Renewed(String),
    /// The token was refused: sign in again.
    Unauthorized(Failure),
    /// Anything else: carry on with the current token.
    Failed(Failure),
}

pub(crate) fn classify_sync(
    outcome: &Outcome,
    sent: &[String],
    config: &EngineConfig,
) -> SyncVerdict {
    let (status, retry_after, body) = match outcome {
        Outcome::NetworkError(detail) => {
            let reason = Failure::Network { detail: detail.clone() };
            return SyncVerdict::Retry { reason, wait_ms: None };
        }
        Outcome::Timeout => return SyncVerdict::Retry { reason: Failure::Timeout, wait_ms: None },
        Outcome::Http { status, retry_after_seconds, body } => {
            (*status, *retry_after_seconds, body)
        }
    };
    match status {
        200..=299 => match parse_results(body, sent) {
            Some(results) => SyncVerdict::Results(results),
            None => {
                SyncVerdict::Retry { reason: Failure::MalformedAnswer { status }, wait_ms: None }
            }
        },
        401 => SyncVerdict::Unauthorized(Failure::http(status, body)),
        429 => SyncVerdict::Retry {
            reason: Failure::http(status, body),
            wait_ms: Some(retry_after_wait(retry_after, config)),
        },
        400 | 413 | 422 => SyncVerdict::BadBatch(error_detail(status, body)),
        408 => SyncVerdict::Retry { reason: Failure::http(status, body), wait_ms: None },
        402..=499 => SyncVerdict::Park(Failure::http(status, body)),
        _ => SyncVerdict::Retry { reason: Failure::http(status, body), wait_ms: None },
    }
}

pub(crate) fn classify_refresh(outcome: &Outcome) -> RefreshVerdict {
    match outcome {
        Outcome::Http { status: 200..=299, body, .. } => RefreshVerdict::Renewed(body.clone()),
        Outcome::Http { status: 401, body, .. } => {
            RefreshVerdict::Unauthorized(Failure::http(401, body))
        }
        Outcome::Http { status, body, .. } => RefreshVerdict::Failed(Failure::http(*status, body)),
        Outcome::NetworkError(detail) => {
            RefreshVerdict::Failed(Failure::Network { detail: detail.clone() })
        }
        Outcome::Timeout => RefreshVerdict::Failed(Failure::Timeout),
    }
}

/// The results, if there is exactly one per op sent, in the same order.
fn parse_results(body: &str, sent: &[String]) -> Option<Vec<OpResult>> {
    let response: SyncResponse = serde_json::from_str(body).ok()?;
    let matches = response.results.len() == sent.len()
        && response.results.iter().zip(sent).all(|(result, op_id)| &result.op_id == op_id);
    matches.then_some(response.results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use worktime_api::ErrorCode;

    fn http(status: u16, body: &str) -> Outcome {
        Outcome::Http { status, retry_after_seconds: None, body: body.into() }
    }

    #[test]
    fn statuses_sort_into_verdicts() {
        let config = EngineConfig::default();
        let sent = ["a".to_owned()];
        let verdict = |outcome: Outcome| classify_sync(&outcome, &sent, &config);
        let ok = r#"{"results":[{"op_id":"a","status":"applied"}]}"#;
        assert!(matches!(verdict(http(200, ok)), SyncVerdict::Results(r) if r.len() == 1));
        assert!(matches!(verdict(http(200, r#"{"results":[]}"#)), SyncVerdict::Retry { .. }));
        assert!(matches!(verdict(http(200, "<html>")), SyncVerdict::Retry { .. }));
        assert!(matches!(verdict(http(503, "")), SyncVerdict::Retry { wait_ms: None, .. }));
        assert!(matches!(verdict(http(401, "")), SyncVerdict::Unauthorized(_)));
        assert!(matches!(verdict(http(403, "")), SyncVerdict::Park(_)));
        assert!(matches!(verdict(http(404, "")), SyncVerdict::Park(_)));
        assert!(matches!(verdict(http(408, "")), SyncVerdict::Retry { .. }));
        assert!(matches!(verdict(Outcome::Timeout), SyncVerdict::Retry { .. }));
        assert!(matches!(verdict(Outcome::NetworkError("x".into())), SyncVerdict::Retry { .. }));
        let limited =
            Outcome::Http { status: 429, retry_after_seconds: Some(3), body: String::new() };
        assert!(matches!(verdict(limited), SyncVerdict::Retry { wait_ms: Some(3_000), .. }));
        let SyncVerdict::BadBatch(detail) = verdict(http(413, "")) else { panic!("bad batch") };
        assert_eq!(detail.code, ErrorCode::PayloadTooLarge);
    }

    #[test]
    fn error_details_come_from_the_body_when_it_has_one() {
        let body = r#"{"error":{"code":"validation_failed","message":"pr_number must be …"}}"#;
        assert_eq!(error_detail(422, body).message, "pr_number must be …");
        assert_eq!(error_detail(400, "garbage").code, ErrorCode::InvalidJson);
        let SyncVerdict::Park(reason) = classify_sync(
            &http(403, r#"{"error":{"code":"forbidden","message":"Banned."}}"#),
            &["a".to_owned()],
            &EngineConfig::default(),
        ) else {
            panic!("403 parks")
        };
        assert_eq!(
            reason,
            Failure::Http { status: 403, code: ErrorCode::Forbidden, message: "Banned.".into() }
        );
    }
}
