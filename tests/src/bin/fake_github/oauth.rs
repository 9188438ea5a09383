//! GitHub's OAuth web flow: `GET /login/oauth/authorize` (the browser step, answered with a
//! redirect carrying a one-time code) and `POST /login/oauth/access_token` (a code, client
//! credentials and a PKCE verifier exchanged for a token), with GitHub's error answers.

use std::collections::HashMap;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use worktime_tests::http1::Response;
use worktime_tests::percent_encode;

use crate::state::{id_for_login, lock, PendingCode, Shared, TokenUser, UserBehaviour};
use crate::{form_decode_map, Request};

/// The OAuth app the fake knows.
pub const CLIENT_ID: &str = "test-client-id";
pub const CLIENT_SECRET: &str = "test-client-secret";
/// The scope every token is granted.
const GRANTED_SCOPE: &str = "read:user";
const DEFAULT_LOGIN: &str = "octocat";

const GITHUB_DOWN_HTML: &str = "<html><head><title>503 Service Unavailable</title></head>\
<body><h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>";
pub const MALFORMED_HTML: &str = "<html>not json</html>";

/// HTTP Basic credentials: standard base64, padding optional.
const BASIC: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

// ---------------------------------------------------------------------------------------------
// GET /login/oauth/authorize
// ---------------------------------------------------------------------------------------------

pub fn authorize(state: &Shared, request: &Request) -> Response {
    let params = request.query_params();
    let param = |name: &str| params.get(name).map(String::as_str).filter(|v| !v.is_empty());
    if param("client_id") != Some(CLIENT_ID) {
        return Response::text(400, "fake-github: unknown client_id (expected test-client-id)");
    }
    let Some(redirect_uri) = param("redirect_uri") else {
        return Response::text(400, "fake-github: redirect_uri is required");
    };
    if !(redirect_uri.starts_with("http://") || redirect_uri.starts_with("https://")) {
        return Response::text(400, "fake-github: redirect_uri must be an http(s) URL");
    }
    let code_challenge = param("code_challenge").map(str::to_owned);
    if code_challenge.is_some() && param("code_challenge_method") != Some("S256") {
        return Response::text(400, "fake-github: code_challenge_method must be S256");
    }
    let login = param("login").unwrap_or(DEFAULT_LOGIN).to_owned();

    let code = {
        let mut state = lock(state);
        let code = state.fresh_hex(20);
        let pending = PendingCode { login, code_challenge, redirect_uri: redirect_uri.to_owned() };
        state.codes.insert(code.clone(), pending);
        code
    };
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let mut location = format!("{redirect_uri}{separator}code={}", percent_encode(&code));
    if let Some(state_param) = params.get("state") {
        location.push_str(&format!("&state={}", percent_encode(state_param)));
    }
    Response::text(302, &format!("Redirecting to {location}")).with_header("Location", location)
}

// ---------------------------------------------------------------------------------------------
// POST /login/oauth/access_token
// ---------------------------------------------------------------------------------------------

pub fn access_token(state: &Shared, request: &Request) -> Response {
    let params = match token_params(request) {
        Ok(params) => params,
        Err(message) => return Response::json(400, &json!({"message": message})),
    };
    let get = |name: &str| params.get(name).map(String::as_str);
    let wants_json = request
        .header("accept")
        .is_some_and(|accept| accept.to_ascii_lowercase().contains("application/json"));

    // Outages do not care who is asking.
    match get("code") {
        Some("github-down") => {
            return Response::new(503, "text/html; charset=utf-8", GITHUB_DOWN_HTML)
        }
        Some("malformed") => return Response::new(200, "text/html; charset=utf-8", MALFORMED_HTML),
        _ => {}
    }

    let outcome = exchange(
        state,
        get("client_id"),
        get("client_secret"),
        get("code"),
        get("redirect_uri"),
        get("code_verifier"),
    );
    let fields: Vec<(&str, String)> = match outcome {
        Ok(token) => vec![
            ("access_token", token),
            ("token_type", "bearer".to_owned()),
            ("scope", GRANTED_SCOPE.to_owned()),
        ],
        Err(error) => vec![
            ("error", error.code().to_owned()),
            ("error_description", error.description().to_owned()),
            ("error_uri", error.uri().to_owned()),
        ],
    };
    let response = if wants_json {
        let object: Map<String, Value> =
            fields.into_iter().map(|(k, v)| (k.to_owned(), Value::String(v))).collect();
        Response::json(200, &Value::Object(object))
    } else {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        Response::new(200, "application/x-www-form-urlencoded; charset=utf-8", body)
    };
    response.with_header("Cache-Control", "no-store")
}

/// Parameters from the query, then the body (form or JSON), then HTTP Basic client credentials.
fn token_params(request: &Request) -> Result<HashMap<String, String>, &'static str> {
    let mut params = request.query_params();
    let content_type = request.header("content-type").unwrap_or_default().to_ascii_lowercase();
    let body = String::from_utf8_lossy(&request.body);
    let looks_json = content_type.contains("json")
        || (!content_type.contains("x-www-form-urlencoded") && body.trim_start().starts_with('{'));
    if looks_json {
        let value: Value = serde_json::from_str(&body).map_err(|_| "Problems parsing JSON")?;
        let Value::Object(object) = value else {
            return Err("Problems parsing JSON");
        };
        for (key, value) in object {
            let text = match value {
                Value::String(text) => text,
                Value::Null => continue,
                other => other.to_string(),
            };
            params.insert(key, text);
        }
    } else {
        params.extend(form_decode_map(&body));
    }
    if let Some(auth) = request.header("authorization") {
        if let Some((scheme, credentials)) = auth.trim().split_once(' ') {
            if scheme.eq_ignore_ascii_case("basic") {
                let decoded = basic_decode(credentials.trim()).unwrap_or_default();
                let decoded = String::from_utf8_lossy(&decoded);
                if let Some((id, secret)) = decoded.split_once(':') {
                    params.entry("client_id".into()).or_insert_with(|| id.to_owned());
                    params.entry("client_secret".into()).or_insert_with(|| secret.to_owned());
                }
            }
        }
    }
    Ok(params)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TokenError {
    IncorrectClientCredentials,
    BadVerificationCode,
    RedirectUriMismatch,
}

impl TokenError {
    fn code(self) -> &'static str {
        match self {
            TokenError::IncorrectClientCredentials => "incorrect_client_credentials",
            TokenError::BadVerificationCode => "bad_verification_code",
            TokenError::RedirectUriMismatch => "redirect_uri_mismatch",
        }
    }

    fn description(self) -> &'static str {
        match self {
            TokenError::IncorrectClientCredentials => {
                "The client_id and/or client_secret passed are incorrect."
            }
            TokenError::BadVerificationCode => "The code passed is incorrect or expired.",
            TokenError::RedirectUriMismatch => {
                "The redirect_uri MUST match the registered callback URL for this application."
            }
        }
    }

    fn uri(self) -> &'static str {
        match self {
            TokenError::IncorrectClientCredentials => "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials",
            TokenError::BadVerificationCode => "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code",
            TokenError::RedirectUriMismatch => "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#redirect-uri-mismatch2",
        }
    }
}

/// Checks a token request and issues a token.
///
/// Order: client credentials, then the code (static codes are reusable and skip PKCE; an
/// authorize code is consumed by the first attempt that names it, whatever the outcome),
/// then redirect_uri, then PKCE.
fn exchange(
    state: &Shared,
    client_id: Option<&str>,
    client_secret: Option<&str>,
    code: Option<&str>,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
) -> Result<String, TokenError> {
    if client_id != Some(CLIENT_ID) || client_secret != Some(CLIENT_SECRET) {
        return Err(TokenError::IncorrectClientCredentials);
    }
    let code = code.filter(|c| !c.is_empty()).ok_or(TokenError::BadVerificationCode)?;
    let mut state = lock(state);

    if let Some(user) = static_code_user(code) {
        return Ok(state.issue_token(user));
    }
    let pending = state.codes.remove(code).ok_or(TokenError::BadVerificationCode)?;
    if let Some(uri) = redirect_uri.filter(|u| !u.is_empty()) {
        if uri != pending.redirect_uri {
            return Err(TokenError::RedirectUriMismatch);
        }
    }
    if let Some(challenge) = &pending.code_challenge {
        let verifier = code_verifier.ok_or(TokenError::BadVerificationCode)?;
        if !valid_verifier(verifier) || pkce_s256(verifier) != *challenge {
            return Err(TokenError::BadVerificationCode);
        }
    }
    let user = TokenUser {
        id: id_for_login(&pending.login),
        login: pending.login,
        behaviour: UserBehaviour::Normal,
    };
    Ok(state.issue_token(user))
}

/// The user behind a static test code, if `code` is one.
fn static_code_user(code: &str) -> Option<TokenUser> {
    match code {
        "user-api-down" => {
            return Some(TokenUser {
                id: 9_000_001,
                login: "user-api-down".into(),
                behaviour: UserBehaviour::Down,
            })
        }
        "user-malformed" => {
            return Some(TokenUser {
                id: 9_000_002,
                login: "user-malformed".into(),
                behaviour: UserBehaviour::Malformed,
            })
        }
        _ => {}
    }
    let rest = code.strip_prefix("test-code:")?;
    let (id, login) = rest.split_once(':')?;
    let id: u64 = id.parse().ok()?;
    if login.is_empty() {
        return None;
    }
    Some(TokenUser { id, login: login.to_owned(), behaviour: UserBehaviour::Normal })
}

/// Standard or URL-safe base64 (even mixed), padding optional; `None` on bad input.
pub fn basic_decode(text: &str) -> Option<Vec<u8>> {
    BASIC.decode(text.trim_end_matches('=').replace('-', "+").replace('_', "/")).ok()
}

/// RFC 7636: 43–128 characters from `[A-Za-z0-9-._~]`.
fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// The S256 code challenge for `verifier`: base64url-no-pad(SHA-256(verifier)).
pub fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}
