//! `/auth/*`: sign-in with GitHub and token refresh.

use serde::Deserialize;
use worker::{console_log, Env, Request, Response};
use worktime_api::auth::{AuthResponse, CallbackRequest, User};
use worktime_core::jwt::{self, JwtKey};
use worktime_core::signin::{self, LoginParams};
use worktime_core::time::UnixMillis;

use crate::request::{authenticate, json_body, ApiError, Handled, Query};
use crate::store::{num, text};
use crate::{env, github, respond};

/// `GET /auth/github/login`: 302 to GitHub's authorize page.
pub fn login(req: &Request, env: &Env) -> Handled<Response> {
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
    let config = env::github(env);
    let url = signin::authorize_url(&config.oauth_base_url, &config.client_id, params, &env::cors_policy(env))?;
    let mut response = Response::empty()?.with_status(302);
    response.headers_mut().set("Location", &url)?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

#[derive(Deserialize)]
struct UserRow {
    id: f64,
    github_username: String,
    avatar_url: Option<String>,
}

/// `POST /auth/github/callback`: code → GitHub token (kept in KV) → WorkTime JWT.
pub async fn callback(req: &mut Request, env: &Env, key: &JwtKey, now: UnixMillis) -> Handled<Response> {
    let body: CallbackRequest = json_body(req).await?;
    if body.code.is_empty() || body.code.len() > 512 {
        return Err(ApiError::new(worktime_api::ErrorCode::ValidationFailed, "code must be 1-512 characters."));
    }
    let config = env::github(env);
    let token = github::exchange_code(
        &config,
        &body.code,
        body.code_verifier.as_deref(),
        body.redirect_uri.as_deref(),
    )
    .await?;
    let account = github::user(&config, &token).await?;
    let db = env.d1(env::DB)?;
    let row = db
        .prepare(
            "INSERT INTO users (github_user_id, github_username, email, avatar_url, last_active) \
             VALUES (?1, ?2, ?3, ?4, CURRENT_TIMESTAMP) \
             ON CONFLICT (github_user_id) DO UPDATE SET github_username = excluded.github_username, \
             email = excluded.email, avatar_url = excluded.avatar_url, last_active = CURRENT_TIMESTAMP \
             RETURNING id, github_username, avatar_url",
        )
        .bind(&[
            text(&account.id.to_string()),
            text(&account.login),
            account.email.as_deref().map(text).unwrap_or(wasm_bindgen::JsValue::NULL),
            account.avatar_url.as_deref().map(text).unwrap_or(wasm_bindgen::JsValue::NULL),
        ])?
        .first::<UserRow>(None)
        .await?
        .ok_or_else(|| ApiError::from(worker::Error::RustError("user upsert returned no row".into())))?;
    let user_id = row.id as i64;
    env.kv(env::KV)?
        .put(&format!("token:{user_id}"), token)
        .map_err(|err| worker::Error::RustError(format!("KV put: {err}")))?
        .expiration_ttl(env::GITHUB_TOKEN_TTL_SECONDS)
        .execute()
        .await
        .map_err(|err| worker::Error::RustError(format!("KV put: {err}")))?;
    console_log!("signed in user {user_id}");
    let user = User { id: user_id, username: row.github_username, avatar_url: row.avatar_url };
    Ok(respond::private_json(200, &token_response(key, user, now))?)
}

/// `POST /auth/refresh`: a fresh 7-day JWT for a valid one whose user still exists.
pub async fn refresh(req: &Request, env: &Env, key: &JwtKey, now: UnixMillis) -> Handled<Response> {
    let user_id = authenticate(req, key, now)?;
    let db = env.d1(env::DB)?;
    let row = db
        .prepare(
            "UPDATE users SET last_active = CURRENT_TIMESTAMP WHERE id = ?1 \
             RETURNING id, github_username, avatar_url",
        )
        .bind(&[num(user_id)])?
        .first::<UserRow>(None)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let user = User { id: row.id as i64, username: row.github_username, avatar_url: row.avatar_url };
    Ok(respond::private_json(200, &token_response(key, user, now))?)
}

fn token_response(key: &JwtKey, user: User, now: UnixMillis) -> AuthResponse {
    let (token, claims) = jwt::issue(key, &user.id.to_string(), now);
    AuthResponse { jwt: token, expires_at: UnixMillis(claims.exp * 1000).to_rfc3339(), user }
}
