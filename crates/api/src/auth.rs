//! Sign-in with GitHub and WorkTime's own tokens.

use serde::{Deserialize, Serialize};

/// `POST /auth/github/callback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CallbackRequest {
    /// The `code` GitHub put on the redirect.
    pub code: String,
    /// The PKCE verifier whose S256 challenge went to `/auth/github/login`: required,
    /// 43–128 characters of `A-Z a-z 0-9 - . _ ~` (RFC 7636). Missing or malformed: 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<String>,
    /// The redirect URI used at `/auth/github/login`, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
}

/// The signed-in user, as WorkTime shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct User {
    /// WorkTime's user id (the JWT's `sub`).
    pub id: i64,
    /// GitHub login.
    pub username: String,
    pub avatar_url: Option<String>,
}

/// Answer of the callback and of `POST /auth/refresh`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthResponse {
    /// Send as `Authorization: Bearer <jwt>` on every `/api` request.
    pub jwt: String,
    /// When the JWT stops working, RFC 3339 UTC (7 days after issue).
    pub expires_at: String,
    pub user: User,
}

/// Which tokens a sign-out ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignOutScope {
    /// The presented token and every token refreshed from the same sign-in.
    ThisSignIn,
    /// Every token of the user, on every device.
    Everywhere,
}

/// Answer of `POST /auth/logout` and `POST /auth/logout-all`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedOut {
    pub signed_out: SignOutScope,
}
