//! The development sign-in: a stand-in for GitHub on a developer's own computer, so that
//! `scripts/run.sh` signs in with no GitHub OAuth app to set up.
//!
//! **Who may use it.** It exists only where all of these hold, checked on every request
//! ([`development`]):
//! - `ENVIRONMENT` is exactly `development` (a deployment sets something else);
//! - no GitHub OAuth app is configured (`GITHUB_CLIENT_ID` empty or unset): a deployment
//!   that can sign in with GitHub never signs anyone in another way;
//! - the request arrived on a loopback host (`127.0.0.0/8`, `localhost`, `[::1]`) and, when
//!   it carries one, from a loopback client address (`CF-Connecting-IP`).
//!
//! Elsewhere its page answers 404 like any unknown path (refused because of the
//! deployment), or 403 `forbidden` (a development deployment reached from another
//! address); `/auth/github/*` without a GitHub app answers 503 `unavailable`
//! ([`provider`]).
//!
//! **The flow** keeps GitHub's rules: `state`, PKCE S256 and an allowed `redirect_uri`
//! (required here, as there is no registered callback to fall back to).
//! `/auth/github/login` redirects to the worker's own page ([`authorize_location`]), whose
//! one button redirects to `redirect_uri` with a code and the state ([`approve`]). The code
//! is stateless: an HMAC, under a key derived from `JWT_SECRET` ([`DevCodeKey`]), over the
//! PKCE challenge, the redirect URI and an expiry [`CODE_LIFETIME_SECONDS`] ahead. The
//! callback ([`redeem`]) checks the tag, the time, the verifier against the challenge and
//! the redirect URI, then signs in the fixed development user ([`GITHUB_USER_ID`]). Being
//! stateless, a code is not single-use within its minute; a replay still needs the verifier
//! and yields the same fixed user, on loopback only.

use worktime_api::{paths, ErrorCode};

use crate::cors::CorsPolicy;
use crate::signin::{check_login, encode, LoginParams};
use crate::time::UnixMillis;
use crate::validate::{self, Violation};

mod code;
mod page;
#[cfg(test)]
mod tests;

pub use code::{issue_code, redeem, s256, CodeRefused, DevCodeKey, CODE_LIFETIME_SECONDS};
pub use page::{authorize_page, html_escape};

/// The one `ENVIRONMENT` value under which the development sign-in may exist.
pub const ENVIRONMENT: &str = "development";
/// The development user's account id in `users.github_user_id`: not a number, so it can
/// never be a real GitHub account's.
pub const GITHUB_USER_ID: &str = "dev-1";
/// The development user's username.
pub const USERNAME: &str = "dev";

/// The deployment's side of the rule.
#[derive(Debug, Clone, Copy)]
pub struct Deployment<'a> {
    /// `ENVIRONMENT`.
    pub environment: &'a str,
    /// `GITHUB_CLIENT_ID` (empty when unset).
    pub github_client_id: &'a str,
}

impl Deployment<'_> {
    /// Whether a GitHub OAuth app is configured.
    pub fn has_github_app(&self) -> bool {
        !self.github_client_id.trim().is_empty()
    }
}

/// The request's side of the rule.
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    /// The host of the request's URL, without the port (`127.0.0.1`, `[::1]`, …).
    pub host: &'a str,
    /// The `CF-Connecting-IP` header, when present.
    pub connecting_ip: Option<&'a str>,
}

/// Why the development sign-in does not serve a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `ENVIRONMENT` is not exactly `development`.
    NotDevelopment,
    /// A GitHub OAuth app is configured.
    GitHubApp,
    /// The request did not come from this computer.
    NotLoopback,
}

/// Who signs users in on `/auth/github/*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    GitHub,
    Development,
}

/// Whether the development sign-in serves this request.
pub fn development(deployment: Deployment<'_>, client: Client<'_>) -> Result<(), Refusal> {
    if deployment.environment != ENVIRONMENT {
        return Err(Refusal::NotDevelopment);
    }
    if deployment.has_github_app() {
        return Err(Refusal::GitHubApp);
    }
    let loopback_host = validate::is_loopback_host(client.host);
    if !loopback_host || client.connecting_ip.is_some_and(|ip| !validate::is_loopback_address(ip)) {
        return Err(Refusal::NotLoopback);
    }
    Ok(())
}

/// Who answers `/auth/github/login` and `/auth/github/callback`: GitHub when an app is
/// configured; otherwise the development sign-in where it is allowed; otherwise nobody
/// (503 `unavailable`, or 403 `forbidden` for a development server's remote client).
pub fn provider(deployment: Deployment<'_>, client: Client<'_>) -> Result<Provider, Violation> {
    if deployment.has_github_app() {
        return Ok(Provider::GitHub);
    }
    match development(deployment, client) {
        Ok(()) => Ok(Provider::Development),
        Err(Refusal::NotLoopback) => Err(not_loopback()),
        Err(Refusal::NotDevelopment | Refusal::GitHubApp) => Err(Violation {
            code: ErrorCode::Unavailable,
            message: "Sign-in is unavailable: this server has no GitHub OAuth app configured (GITHUB_CLIENT_ID).".into(),
        }),
    }
}

impl Refusal {
    /// The development page's answer: where the deployment does not offer it, the router's
    /// own 404 (nothing tells it apart from an unknown path); a remote client, 403.
    pub fn violation(self) -> Violation {
        match self {
            Refusal::NotDevelopment | Refusal::GitHubApp => Violation {
                code: ErrorCode::NotFound,
                message: "There is nothing at this path.".into(),
            },
            Refusal::NotLoopback => not_loopback(),
        }
    }
}

fn not_loopback() -> Violation {
    Violation {
        code: ErrorCode::Forbidden,
        message:
            "The development sign-in only serves requests from this computer (a loopback address)."
                .into(),
    }
}

/// A development sign-in's checked start: GitHub's rules, plus a required redirect URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevLogin<'a> {
    pub state: &'a str,
    pub code_challenge: &'a str,
    pub redirect_uri: &'a str,
}

/// Checks `params` as `/auth/github/login` does, and requires a redirect URI.
pub fn check<'a>(params: LoginParams<'a>, policy: &CorsPolicy) -> Result<DevLogin<'a>, Violation> {
    let checked = check_login(params, policy)?;
    let redirect_uri = checked.redirect_uri.ok_or_else(|| {
        Violation::bad_request(
            "redirect_uri is required: the development sign-in has no registered callback.",
        )
    })?;
    Ok(DevLogin { state: checked.state, code_challenge: checked.code_challenge, redirect_uri })
}

/// Where `/auth/github/login` sends the browser in development: the authorize page, on
/// the same origin, with the checked parameters.
pub fn authorize_location(
    params: LoginParams<'_>,
    policy: &CorsPolicy,
) -> Result<String, Violation> {
    let login = check(params, policy)?;
    Ok(format!(
        "{}?state={}&code_challenge={}&code_challenge_method=S256&redirect_uri={}",
        paths::AUTH_DEV_AUTHORIZE,
        encode(login.state),
        encode(login.code_challenge),
        encode(login.redirect_uri),
    ))
}

/// Where the button sends the browser: `redirect_uri` with a fresh code and the state.
pub fn approve(key: &DevCodeKey, login: &DevLogin<'_>, now: UnixMillis) -> String {
    let code = issue_code(key, login.code_challenge, login.redirect_uri, now);
    with_query(login.redirect_uri, &[("code", &code), ("state", login.state)])
}

/// Where *Cancel* sends the browser: `redirect_uri` with OAuth's `access_denied`.
pub fn cancel(login: &DevLogin<'_>) -> String {
    with_query(
        login.redirect_uri,
        &[
            ("error", "access_denied"),
            ("error_description", "The development sign-in was cancelled."),
            ("state", login.state),
        ],
    )
}

/// `uri` with `pairs` appended to its query (before any fragment).
fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let (base, fragment) = match uri.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (uri, None),
    };
    let mut out = base.to_owned();
    let mut separator = match base.find('?') {
        None => "?",
        Some(_) if base.ends_with('?') || base.ends_with('&') => "",
        Some(_) => "&",
    };
    for (name, value) in pairs {
        out.push_str(separator);
        out.push_str(&encode(name));
        out.push('=');
        out.push_str(&encode(value));
        separator = "&";
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}
