//! What can go wrong when the SDK talks to the backend.

use worktime_api::ErrorBody;

/// An SDK failure, shown to JavaScript as an `Error` with this message.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// The request never got an HTTP answer (offline, refused, DNS, CORS).
    #[error("the WorkTime server could not be reached: {0}")]
    Network(String),
    /// The server answered with an error body in the contract's shape.
    #[error("the WorkTime server refused the request (HTTP {status}): {}", .body.error.message)]
    Api { status: u16, body: ErrorBody },
    /// The server answered something that is not the contract's JSON.
    #[error("the WorkTime server sent an unexpected answer (HTTP {status}): {detail}")]
    Unexpected { status: u16, detail: String },
}
