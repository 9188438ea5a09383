//! `GET /health`.

use serde::{Deserialize, Serialize};

/// Whether a component is working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum HealthStatus {
    Ok,
    Error,
}

/// Body of `GET /health`: 200 when every component is `ok`, 503 otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HealthResponse {
    /// `ok` when the service can serve requests, `error` otherwise.
    pub status: HealthStatus,
    /// The worker's clock, RFC 3339 in UTC.
    pub timestamp: String,
    /// The `ENVIRONMENT` variable of the deployment (`development`, `production`, …).
    pub environment: String,
    /// Always [`crate::SERVICE_NAME`].
    pub service: String,
    /// The worker crate's version.
    pub version: String,
    /// Result of a real query against D1.
    pub database: HealthStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_round_trips_with_snake_case_statuses() {
        let json = r#"{"status":"ok","timestamp":"2026-11-22T10:00:00Z","environment":"development","service":"worktime-backend","version":"0.1.0","database":"error"}"#;
        let parsed: HealthResponse = serde_json::from_str(json).expect("valid health body");
        assert_eq!(parsed.status, HealthStatus::Ok);
        assert_eq!(parsed.database, HealthStatus::Error);
        assert_eq!(serde_json::to_string(&parsed).expect("serializes"), json);
    }

    #[test]
    fn health_rejects_unknown_fields() {
        let json = r#"{"status":"ok","timestamp":"t","environment":"e","service":"s","version":"v","database":"ok","extra":1}"#;
        assert!(serde_json::from_str::<HealthResponse>(json).is_err());
    }
}
