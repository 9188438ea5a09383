//! CORS headers on every response, as `worktime_core::cors` decides.

use worker::{Response, Result};
use worktime_core::cors::{
    CorsPolicy, ALLOWED_HEADERS, ALLOWED_METHODS, PREFLIGHT_MAX_AGE_SECONDS,
};

/// Adds the grant for `origin` when the policy allows it. `Vary: Origin` is set on every
/// response, granted or not, so no cache serves one origin's answer to another.
pub fn apply(
    mut response: Response,
    policy: &CorsPolicy,
    origin: Option<&str>,
) -> Result<Response> {
    let headers = response.headers_mut();
    headers.append("Vary", "Origin")?;
    if let Some(granted) = policy.grant(origin) {
        headers.set("Access-Control-Allow-Origin", granted)?;
        headers.set("Access-Control-Allow-Methods", ALLOWED_METHODS)?;
        headers.set("Access-Control-Allow-Headers", ALLOWED_HEADERS)?;
        headers.set("Access-Control-Max-Age", &PREFLIGHT_MAX_AGE_SECONDS.to_string())?;
        headers.set("Access-Control-Expose-Headers", "Retry-After")?;
    }
    Ok(response)
}

/// The answer to an `OPTIONS` preflight: 204; the grant itself is added by [`apply`].
pub fn preflight() -> Result<Response> {
    Ok(Response::empty()?.with_status(204))
}
