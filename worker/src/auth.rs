//! `/auth/*`: sign-in with GitHub (or, in development without a GitHub app, the
//! development sign-in: `dev_signin`), token refresh and sign-out (this sign-in or
//! everywhere).

use worker::{console_log, Env, Request, Response};
use worktime_api::auth::{AuthResponse, CallbackRequest, SignOutScope, SignedOut, User};
use worktime_api::ErrorCode;
use worktime_core::jwt::{self, Grant, JwtKey};
use worktime_core::signin::{self, LoginParams};
use worktime_core::signin_dev::Provider;
use worktime_core::time::UnixMillis;

use crate::d1::Db;
use crate::request::{json_body, ApiError, Handled, Query};
use crate::standing::{self, authenticate};
use crate::store::users::{self, Account, Identity};
use crate::{dev_signin, env, github, live, respond};

/// `GET /auth/github/login`: 302 to GitHub's authorize page (in development without a
/// GitHub app, to the development sign-in's page: `dev_signin`).
pub fn login(req: &Request, env: &Env) -> Handled<Response> {
    let provider = dev_signin::provider(req, env)?;
    let query = Query::of(req)?;
    query.only(&["state", "code_challenge", "redirect_uri", "code_challenge_method"])?;
    let params = LoginParams {
        state: query.text("state"),
        code_challenge: query.text("code_challenge"),
        redirect_uri: query.text("redirect_uri"),
    };
    if query.text("code_challenge_method").is_some_and(|m| m != "S256") {
        return Err(ApiError::new(
            worktime_api::ErrorCode::InvalidRequest,
            "Only the S256 code_challenge_method is supported.",
        ));
    }
    let policy = env::cors_policy(env);
    if provider == Provider::Development {
        return dev_signin::login(params, &policy);
    }
    let config = env::github(env);
    let url = signin::authorize_url(&config.oauth_base_url, &config.client_id, params, &policy)?;
    let mut response = Response::empty()?.with_status(302);
    response.headers_mut().set("Location", &url)?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

/// `POST /auth/github/callback`: code + PKCE verifier → GitHub token (used once, to
/// learn who the user is, and not kept) → WorkTime JWT of a new sign-in. In development
/// without a GitHub app the code is the development sign-in's, checked here, and the user
/// the fixed development user.
pub async fn callback(
    req: &mut Request,
    env: &Env,
    db: &Db,
    key: &JwtKey,
    now: UnixMillis,
) -> Handled<Response> {
    let provider = dev_signin::provider(req, env)?;
    let body: CallbackRequest = json_body(req).await?;
    if body.code.is_empty() || body.code.len() > 512 {
        return Err(ApiError::new(ErrorCode::ValidationFailed, "code must be 1-512 characters."));
    }
    let verifier = body.code_verifier.as_deref().filter(|v| signin::valid_verifier(v)).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidRequest,
            "code_verifier is required: the PKCE verifier of 43-128 letters, digits, '-', '.', '_' or '~' whose S256 challenge went to /auth/github/login.",
        )
    })?;
    let redirect_uri = body.redirect_uri.as_deref();
    let user = match provider {
        Provider::GitHub => {
            let config = env::github(env);
            let token =
                github::exchange_code(&config, &body.code, Some(verifier), redirect_uri).await?;
            let account = github::user(&config, &token).await?;
            drop(token);
            let github_user_id = account.id.to_string();
            let who = Identity {
                github_user_id: &github_user_id,
                login: &account.login,
                email: account.email.as_deref(),
                avatar_url: account.avatar_url.as_deref(),
            };
            users::upsert(db, &who).await?
        }
        Provider::Development => {
            dev_signin::redeem(env, &body.code, verifier, redirect_uri, now)?;
            users::upsert(db, &dev_signin::IDENTITY).await?
        }
    };
    let user = user.ok_or_else(|| {
        ApiError::from(worker::Error::RustError("user upsert returned no row".into()))
    })?;
    let user_id = user.id;
    // Nothing uses the GitHub token after this exchange; remove the copy wave 1 kept.
    if let Err(err) = env.kv(env::KV)?.delete(&format!("token:{user_id}")).await {
        worker::console_warn!("could not delete a stored GitHub token: {err}");
    }
    console_log!("signed in user {user_id}");
    let sid = standing::random_id()?;
    Ok(respond::private_json(200, &token_response(key, user, &sid, now)?)?)
}

/// `POST /auth/refresh`: a fresh 7-day JWT of the same sign-in, for a valid, unrevoked
/// one whose user still exists. A revoked token is never revived.
pub async fn refresh(req: &Request, db: &Db, key: &JwtKey, now: UnixMillis) -> Handled<Response> {
    let caller = authenticate(req, key, db, now).await?;
    let user = users::touch(db, caller.user_id).await?.ok_or_else(ApiError::unauthorized)?;
    Ok(respond::private_json(200, &token_response(key, user, &caller.claims.sid, now)?)?)
}

/// `POST /auth/logout`: this token's sign-in ends — it and every refresh of it get 401
/// from now on, and its live sockets close.
pub async fn logout(
    req: &Request,
    env: &Env,
    db: &Db,
    key: &JwtKey,
    now: UnixMillis,
) -> Handled<Response> {
    let caller = authenticate(req, key, db, now).await?;
    // Refreshes stop now, so the family's last token expires within one lifetime.
    let expires_ms = now.0 + jwt::TOKEN_LIFETIME_SECONDS * 1000;
    users::revoke_sign_in(db, caller.user_id, &caller.claims.sid, expires_ms).await?;
    standing::forget(caller.user_id);
    live::revoke(env, caller.user_id, live::Revocation::SignIn(caller.claims.sid)).await;
    Ok(respond::private_json(200, &SignedOut { signed_out: SignOutScope::ThisSignIn })?)
}

/// `POST /auth/logout-all`: every token of the user, on every device, gets 401 from now
/// on (their claims version is older), and every live socket of the user closes.
pub async fn logout_all(
    req: &Request,
    env: &Env,
    db: &Db,
    key: &JwtKey,
    now: UnixMillis,
) -> Handled<Response> {
    let caller = authenticate(req, key, db, now).await?;
    let version =
        users::bump_token_version(db, caller.user_id).await?.ok_or_else(ApiError::unauthorized)?;
    standing::forget(caller.user_id);
    live::revoke(env, caller.user_id, live::Revocation::Before(version)).await;
    Ok(respond::private_json(200, &SignedOut { signed_out: SignOutScope::Everywhere })?)
}

fn token_response(
    key: &JwtKey,
    account: Account,
    sid: &str,
    now: UnixMillis,
) -> Handled<AuthResponse> {
    let user = User { id: account.id, username: account.username, avatar_url: account.avatar_url };
    let sub = user.id.to_string();
    let jti = standing::random_id()?;
    let grant = Grant { sub: &sub, ver: account.token_version, sid, jti: &jti };
    let (token, claims) = jwt::issue(key, &grant, now);
    Ok(AuthResponse { jwt: token, expires_at: UnixMillis(claims.exp * 1000).to_rfc3339(), user })
}
