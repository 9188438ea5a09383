//! Performs the engine's requests with `fetch` (gloo-net binds the global, so this works
//! in a service worker) and reports each as an `Outcome`. Requests are aborted after
//! 10 seconds.

use gloo_net::http::{Method, RequestBuilder};
use gloo_timers::callback::Timeout;
use worktime_core::client::{Outcome, Transmit};

/// How long a request may take before it is aborted and reported as a timeout.
pub const REQUEST_TIMEOUT_MS: u32 = 10_000;

/// Sends `transmit` to the backend at `base_url`.
pub async fn send(base_url: &str, transmit: &Transmit) -> Outcome {
    let method = match transmit.method {
        "POST" => Method::POST,
        "PATCH" => Method::PATCH,
        "PUT" => Method::PUT,
        "DELETE" => Method::DELETE,
        _ => Method::GET,
    };
    let url = format!("{base_url}{}", transmit.path);
    fetch(method, &url, transmit.bearer.as_deref(), transmit.body.clone()).await
}

/// One request with the timeout; any answer is an `Outcome::Http`.
pub async fn fetch(
    method: Method,
    url: &str,
    bearer: Option<&str>,
    body: Option<String>,
) -> Outcome {
    let controller = match web_sys::AbortController::new() {
        Ok(controller) => controller,
        Err(_) => return Outcome::NetworkError("AbortController unavailable".into()),
    };
    let mut builder = RequestBuilder::new(url)
        .method(method)
        .header("Accept", "application/json")
        .abort_signal(Some(&controller.signal()));
    if let Some(token) = bearer {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => builder.header("Content-Type", "application/json").body(body),
        None => builder.build(),
    };
    let request = match request {
        Ok(request) => request,
        Err(err) => return Outcome::NetworkError(err.to_string()),
    };
    let abort = controller.clone();
    let timer = Timeout::new(REQUEST_TIMEOUT_MS, move || abort.abort());
    let result = request.send().await;
    let outcome = match result {
        Ok(response) => {
            let status = response.status();
            let retry_after_seconds =
                response.headers().get("Retry-After").and_then(|v| v.trim().parse::<u32>().ok());
            match response.text().await {
                Ok(body) => Outcome::Http { status, retry_after_seconds, body },
                Err(_) if controller.signal().aborted() => Outcome::Timeout,
                Err(err) => Outcome::NetworkError(err.to_string()),
            }
        }
        Err(_) if controller.signal().aborted() => Outcome::Timeout,
        Err(err) => Outcome::NetworkError(err.to_string()),
    };
    timer.cancel();
    outcome
}
