//! Helpers for the integration tests: where the worker runs and a small HTTP client.
//!
//! The worker is started by `scripts/test.sh`, which exports `WORKTIME_TEST_BASE_URL`.
//! Without it the tests fail with a message saying how to run them.

use std::time::Duration;

/// The worker under test, e.g. `http://127.0.0.1:8788`.
pub fn base_url() -> String {
    std::env::var("WORKTIME_TEST_BASE_URL")
        .expect("WORKTIME_TEST_BASE_URL must name a running worker; run scripts/test.sh")
}

/// An HTTP answer, whatever its status.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// The first value of header `name`, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("body is not JSON ({err}): {}", self.body))
    }
}

/// Sends `method path` to the worker with `headers` and an optional body; never follows
/// redirects, never treats a status as an error.
pub fn call(method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(20))
        .redirects(0)
        .build();
    let mut request = agent.request(method, &format!("{}{}", base_url(), path));
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let result = match body {
        Some(body) => request.send_string(body),
        None => request.call(),
    };
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(err) => panic!("{method} {path}: no HTTP answer: {err}"),
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .flat_map(|name| {
            response
                .all(&name)
                .into_iter()
                .map(|value| (name.clone(), value.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    let body = response.into_string().unwrap_or_default();
    Answer { status, headers, body }
}
