//! WorkTime's wire contract, shared by the SDK and the worker.
//!
//! Every path, request and response body and error code of the HTTP API is defined here
//! once. Types are plain data with public fields; they carry no logic beyond the
//! error-code-to-status table. With the `openapi` feature the types also describe
//! themselves, and [`openapi::document`] renders the OpenAPI 3.1 document.

pub mod account;
pub mod auth;
pub mod error;
pub mod health;
pub mod live;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod paths;
pub mod sessions;
pub mod stats;
pub mod sync;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use health::{HealthResponse, HealthStatus};

/// The service name reported by `/health`.
pub const SERVICE_NAME: &str = "worktime-backend";

/// Largest request body the API accepts, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
