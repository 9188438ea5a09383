//! WorkTime's wire contract, shared by the SDK and the worker.
//!
//! Every path, request and response body and error code of the HTTP API is defined here
//! once. Types are plain data with public fields; they carry no logic beyond the
//! error-code-to-status table.

pub mod error;
pub mod health;
pub mod paths;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use health::{HealthResponse, HealthStatus};

/// The service name reported by `/health`.
pub const SERVICE_NAME: &str = "worktime-backend";
