//! GitHub's OAuth token exchange and user API, over `fetch`.
//!
//! GitHub's quirks (see CONTRACT.md): the token endpoint answers form-encoded unless asked
//! for JSON and reports a bad code as HTTP 200 with an `error` field; the REST API refuses
//! requests without a `User-Agent`. The access token is never logged or returned.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{console_error, Fetch, Headers, Method, Request, RequestInit};
use worktime_api::ErrorCode;

use crate::env::GitHubConfig;
use crate::request::ApiError;

const USER_AGENT: &str = "WorkTime-Backend";

/// The GitHub account that signed in.
#[derive(Debug, Deserialize)]
pub struct GitHubUser {
    pub id: u64,
    pub login: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub avatar_url: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

fn upstream(what: &str) -> ApiError {
    console_error!("github: {what}");
    ApiError::new(
        ErrorCode::UpstreamFailed,
        "GitHub did not answer as expected; try again in a moment.",
    )
}

/// Exchanges an authorization code (with its PKCE verifier) for an access token.
pub async fn exchange_code(
    config: &GitHubConfig,
    code: &str,
    code_verifier: Option<&str>,
    redirect_uri: Option<&str>,
) -> Result<String, ApiError> {
    let mut body = serde_json::json!({
        "client_id": config.client_id,
        "client_secret": config.client_secret,
        "code": code,
    });
    if let Some(verifier) = code_verifier {
        body["code_verifier"] = verifier.into();
    }
    if let Some(uri) = redirect_uri {
        body["redirect_uri"] = uri.into();
    }
    let headers = Headers::new();
    headers.set("Accept", "application/json").map_err(|_| upstream("headers"))?;
    headers.set("Content-Type", "application/json").map_err(|_| upstream("headers"))?;
    headers.set("User-Agent", USER_AGENT).map_err(|_| upstream("headers"))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(JsValue::from_str(&body.to_string())));
    let url = format!("{}/login/oauth/access_token", config.oauth_base_url);
    let request = Request::new_with_init(&url, &init).map_err(|_| upstream("token request"))?;
    let mut response =
        Fetch::Request(request).send().await.map_err(|_| upstream("token endpoint unreachable"))?;
    if response.status_code() != 200 {
        return Err(upstream(&format!("token endpoint answered {}", response.status_code())));
    }
    let text = response.text().await.map_err(|_| upstream("token body unreadable"))?;
    let answer: TokenAnswer =
        serde_json::from_str(&text).map_err(|_| upstream("token answer is not JSON"))?;
    match (answer.access_token, answer.error) {
        (Some(token), None) if !token.is_empty() => Ok(token),
        (_, Some(error)) => {
            console_error!("github: code exchange refused: {error}");
            Err(ApiError::new(
                ErrorCode::Unauthorized,
                "GitHub did not accept this sign-in code; please sign in again.",
            ))
        }
        _ => Err(upstream("token answer without token")),
    }
}

/// The account behind `token`.
pub async fn user(config: &GitHubConfig, token: &str) -> Result<GitHubUser, ApiError> {
    let headers = Headers::new();
    let auth = format!("Bearer {token}");
    for (name, value) in [
        ("Accept", "application/vnd.github+json"),
        ("User-Agent", USER_AGENT),
        ("X-GitHub-Api-Version", "2022-11-28"),
        ("Authorization", auth.as_str()),
    ] {
        headers.set(name, value).map_err(|_| upstream("headers"))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let url = format!("{}/user", config.api_base_url);
    let request = Request::new_with_init(&url, &init).map_err(|_| upstream("user request"))?;
    let mut response =
        Fetch::Request(request).send().await.map_err(|_| upstream("user API unreachable"))?;
    if response.status_code() != 200 {
        return Err(upstream(&format!("user API answered {}", response.status_code())));
    }
    let text = response.text().await.map_err(|_| upstream("user body unreadable"))?;
    let user: GitHubUser =
        serde_json::from_str(&text).map_err(|_| upstream("user answer malformed"))?;
    if user.login.is_empty() || user.id == 0 {
        return Err(upstream("user answer without login or id"));
    }
    Ok(user)
}
