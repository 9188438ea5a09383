//! The health report: what `/health` answers, decided from probe results.

use worktime_api::{HealthResponse, HealthStatus, SERVICE_NAME};

use crate::time::UnixMillis;

/// What the worker observed while answering `/health`.
#[derive(Debug, Clone)]
pub struct HealthProbe<'a> {
    pub now: UnixMillis,
    pub environment: &'a str,
    pub version: &'a str,
    /// Whether a real query against D1 succeeded.
    pub database_ok: bool,
}

/// The HTTP status and body for a probe: 200 when everything works, 503 otherwise.
pub fn report(probe: &HealthProbe<'_>) -> (u16, HealthResponse) {
    let database = if probe.database_ok { HealthStatus::Ok } else { HealthStatus::Error };
    let status = database;
    let http_status = match status {
        HealthStatus::Ok => 200,
        HealthStatus::Error => 503,
    };
    let body = HealthResponse {
        status,
        timestamp: probe.now.to_rfc3339(),
        environment: probe.environment.to_owned(),
        service: SERVICE_NAME.to_owned(),
        version: probe.version.to_owned(),
        database,
    };
    (http_status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(database_ok: bool) -> HealthProbe<'static> {
        HealthProbe {
            now: UnixMillis(1_795_000_000_000),
            environment: "test",
            version: "1.2.3",
            database_ok,
        }
    }

    #[test]
    fn healthy_database_gives_200_and_ok() {
        let (status, body) = report(&probe(true));
        assert_eq!(status, 200);
        assert_eq!(body.status, HealthStatus::Ok);
        assert_eq!(body.database, HealthStatus::Ok);
        assert_eq!(body.timestamp, "2026-11-18T11:06:40Z");
        assert_eq!(body.environment, "test");
        assert_eq!(body.service, "worktime-backend");
        assert_eq!(body.version, "1.2.3");
    }

    #[test]
    fn failed_database_gives_503_and_error() {
        let (status, body) = report(&probe(false));
        assert_eq!(status, 503);
        assert_eq!(body.status, HealthStatus::Error);
        assert_eq!(body.database, HealthStatus::Error);
    }
}
