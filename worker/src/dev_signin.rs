//! The development sign-in's IO; its rules are `worktime_core::signin_dev`. Who answers
//! `/auth/github/*` for this request ([`provider`]), the authorize page
//! (`GET /auth/dev/authorize`, [`authorize`]), and the code checked at the callback
//! ([`redeem`]), which signs in the fixed development user ([`IDENTITY`]).

use worker::{Env, Request, Response};
use worktime_api::ErrorCode;
use worktime_core::cors::CorsPolicy;
use worktime_core::signin::LoginParams;
use worktime_core::signin_dev::{self, Client, Deployment, DevCodeKey, Provider};
use worktime_core::time::UnixMillis;

use crate::env;
use crate::request::{ApiError, Handled, Query};
use crate::store::users::Identity;

/// The development user, as the callback creates or refreshes it.
pub const IDENTITY: Identity<'static> = Identity {
    github_user_id: signin_dev::GITHUB_USER_ID,
    login: signin_dev::USERNAME,
    email: None,
    avatar_url: None,
};

/// What the rule reads from the deployment and from this request: `ENVIRONMENT`,
/// `GITHUB_CLIENT_ID`, the host of the request's URL and `CF-Connecting-IP` (which
/// Cloudflare, and `wrangler dev`, set to the client's address).
struct Facts {
    environment: String,
    github_client_id: String,
    host: String,
    connecting_ip: Option<String>,
}

impl Facts {
    fn of(req: &Request, env: &Env) -> Handled<Facts> {
        let url = req
            .url()
            .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "The URL is malformed."))?;
        Ok(Facts {
            environment: env::environment(env),
            github_client_id: env::github(env).client_id,
            host: url.host_str().unwrap_or_default().to_owned(),
            connecting_ip: req.headers().get("CF-Connecting-IP").ok().flatten(),
        })
    }

    fn deployment(&self) -> Deployment<'_> {
        Deployment { environment: &self.environment, github_client_id: &self.github_client_id }
    }

    fn client(&self) -> Client<'_> {
        Client { host: &self.host, connecting_ip: self.connecting_ip.as_deref() }
    }
}

/// Who signs users in on `/auth/github/*` for this request: GitHub, the development
/// sign-in, or nobody (503 without a GitHub app outside development; 403 for a remote
/// client of a development server).
pub fn provider(req: &Request, env: &Env) -> Handled<Provider> {
    let facts = Facts::of(req, env)?;
    signin_dev::provider(facts.deployment(), facts.client()).map_err(|refused| {
        worker::console_warn!("sign-in refused: {}", refused.message);
        ApiError::from(refused)
    })
}

/// `GET /auth/github/login` in development: 302 to the authorize page, under GitHub's
/// rules (state, PKCE S256, an allowed redirect URI, here required).
pub fn login(params: LoginParams<'_>, policy: &CorsPolicy) -> Handled<Response> {
    redirect(&signin_dev::authorize_location(params, policy)?)
}

/// `GET /auth/dev/authorize`: 404 where the deployment does not offer the development
/// sign-in, 403 for a remote client; otherwise the page, or with `approve=1` a 302 to the
/// redirect URI with a code and the state.
pub fn authorize(req: &Request, env: &Env, now: UnixMillis) -> Handled<Response> {
    let facts = Facts::of(req, env)?;
    signin_dev::development(facts.deployment(), facts.client()).map_err(|refused| {
        worker::console_warn!("development sign-in page refused: {refused:?}");
        ApiError::from(refused.violation())
    })?;
    let query = Query::of(req)?;
    query.only(&["state", "code_challenge", "code_challenge_method", "redirect_uri", "approve"])?;
    if query.text("code_challenge_method").is_some_and(|m| m != "S256") {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "Only the S256 code_challenge_method is supported.",
        ));
    }
    let params = LoginParams {
        state: query.text("state"),
        code_challenge: query.text("code_challenge"),
        redirect_uri: query.text("redirect_uri"),
    };
    let policy = env::cors_policy(env);
    let login = signin_dev::check(params, &policy)?;
    match query.text("approve") {
        None => page(&signin_dev::authorize_page(&login)),
        Some("1") => {
            worker::console_log!("development sign-in approved");
            redirect(&signin_dev::approve(&code_key(env)?, &login, now))
        }
        Some(_) => Err(ApiError::new(ErrorCode::InvalidRequest, "approve must be 1.")),
    }
}

/// At `POST /auth/github/callback` in development: the code must be one this server
/// issued within the last minute, for this verifier's challenge and this redirect URI.
pub fn redeem(
    env: &Env,
    code: &str,
    verifier: &str,
    redirect_uri: Option<&str>,
    now: UnixMillis,
) -> Handled<()> {
    signin_dev::redeem(&code_key(env)?, code, verifier, redirect_uri, now).map_err(|refused| {
        worker::console_warn!("development sign-in code refused: {refused}");
        ApiError::from(refused.violation())
    })
}

fn code_key(env: &Env) -> Handled<DevCodeKey> {
    env::dev_code_key(env).map_err(|err| {
        worker::console_error!("refusing to serve: {err}");
        ApiError::new(
            ErrorCode::Unavailable,
            "The server is misconfigured (JWT_SECRET must be at least 32 bytes) and cannot serve requests.",
        )
    })
}

fn redirect(location: &str) -> Handled<Response> {
    let mut response = Response::empty()?.with_status(302);
    response.headers_mut().set("Location", location)?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

/// The page, which nothing may frame, cache or load anything into.
fn page(html: &str) -> Handled<Response> {
    let mut response = Response::from_html(html)?;
    let headers = response.headers_mut();
    headers.set("Cache-Control", "no-store")?;
    headers.set(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
    )?;
    headers.set("X-Frame-Options", "DENY")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    Ok(response)
}
