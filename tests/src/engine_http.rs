//! The SDK engine's requests performed over real HTTP, for the benchmark binaries that
//! drive `worktime_core::client::Engine` against the worker (`sync-bench`, `day-bench`).

use worktime_api::auth::AuthResponse;
use worktime_core::client::{Outcome, Transmit};

/// Signs in `github_id` through the fake GitHub at the worker on `base`.
pub fn sign_in(agent: &ureq::Agent, base: &str, github_id: u64, login: &str) -> AuthResponse {
    agent
        .post(&format!("{base}/auth/github/callback"))
        .send_json(serde_json::json!({ "code": format!("test-code:{github_id}:{login}"), "code_verifier": crate::TEST_VERIFIER }))
        .map_err(|err| err.to_string())
        .and_then(|r| r.into_json().map_err(|err| err.to_string()))
        .unwrap_or_else(|err| panic!("sign-in failed: {err}"))
}

/// Performs `transmit` against `base`; the outcome for `Engine::handle_response` and the
/// answer's `Server-Timing` (empty without one).
pub fn perform(agent: &ureq::Agent, base: &str, transmit: &Transmit) -> (Outcome, String) {
    let mut request = agent.request(transmit.method, &format!("{base}{}", transmit.path));
    if let Some(bearer) = &transmit.bearer {
        request = request.set("Authorization", &format!("Bearer {bearer}"));
    }
    let result = match &transmit.body {
        Some(body) => request.set("Content-Type", "application/json").send_string(body),
        None => request.call(),
    };
    match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => {
            let timing = r.header("Server-Timing").unwrap_or_default().to_owned();
            let status = r.status();
            let retry_after_seconds = r.header("Retry-After").and_then(|v| v.parse().ok());
            let body = r.into_string().unwrap_or_default();
            (Outcome::Http { status, retry_after_seconds, body }, timing)
        }
        Err(err) => (Outcome::NetworkError(err.to_string()), String::new()),
    }
}
