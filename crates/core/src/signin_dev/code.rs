//! Development codes: stateless, bound to the PKCE challenge and the redirect URI, valid
//! [`CODE_LIFETIME_SECONDS`], signed with a key derived from the JWT secret.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use worktime_api::ErrorCode;

use crate::jwt::{KeyTooShort, MIN_SECRET_BYTES};
use crate::time::UnixMillis;
use crate::validate::Violation;

/// How long a development code may be redeemed after the button was pressed.
pub const CODE_LIFETIME_SECONDS: i64 = 60;

/// Every development code starts with this (a JWT starts with `eyJ`).
pub(super) const CODE_PREFIX: &str = "wtdev1.";
/// What the code key is derived with, so a code's tag is never a token's signature.
const KEY_LABEL: &[u8] = b"worktime development sign-in code v1";

type HmacSha256 = Hmac<Sha256>;

/// The key development codes are signed with: derived from `JWT_SECRET` (HMAC of a fixed
/// label), so a code's tag can never be a token's signature. Its `Debug` shows nothing.
#[derive(Clone)]
pub struct DevCodeKey {
    mac: HmacSha256,
}

impl DevCodeKey {
    /// Derives the key from the JWT secret; like [`crate::jwt::JwtKey::new`], it needs
    /// at least [`MIN_SECRET_BYTES`] bytes.
    pub fn derive(secret: &[u8]) -> Result<DevCodeKey, KeyTooShort> {
        let too_short = KeyTooShort { len: secret.len() };
        if secret.len() < MIN_SECRET_BYTES {
            return Err(too_short);
        }
        let mut outer = HmacSha256::new_from_slice(secret).map_err(|_| too_short)?;
        outer.update(KEY_LABEL);
        let derived = outer.finalize().into_bytes();
        let mac = HmacSha256::new_from_slice(&derived).map_err(|_| too_short)?;
        Ok(DevCodeKey { mac })
    }

    fn tag(&self, payload_b64: &str) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(CODE_PREFIX.as_bytes());
        mac.update(payload_b64.as_bytes());
        mac
    }
}

impl fmt::Debug for DevCodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DevCodeKey(..)")
    }
}

/// What a code vouches for.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeClaims {
    /// The PKCE S256 challenge the sign-in started with.
    chal: String,
    /// The redirect URI the code was sent to.
    ruri: String,
    /// Unix seconds after which the code is refused.
    exp: i64,
}

/// A code for this challenge and redirect URI, valid [`CODE_LIFETIME_SECONDS`] from `now`:
/// `wtdev1.<base64url claims>.<base64url HMAC-SHA256>`.
pub fn issue_code(
    key: &DevCodeKey,
    code_challenge: &str,
    redirect_uri: &str,
    now: UnixMillis,
) -> String {
    let claims = CodeClaims {
        chal: code_challenge.to_owned(),
        ruri: redirect_uri.to_owned(),
        exp: unix_seconds(now).saturating_add(CODE_LIFETIME_SECONDS),
    };
    let json = serde_json::to_string(&claims).unwrap_or_default();
    let payload = URL_SAFE_NO_PAD.encode(json);
    let tag = URL_SAFE_NO_PAD.encode(key.tag(&payload).finalize().into_bytes());
    format!("{CODE_PREFIX}{payload}.{tag}")
}

/// Why [`redeem`] refused a code. Every reason gets the same answer (401); the reason is
/// for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefused {
    /// Not a development code at all.
    Malformed,
    /// Not signed with this server's key, or altered.
    BadSignature,
    /// Older than [`CODE_LIFETIME_SECONDS`].
    Expired,
    /// The verifier's S256 challenge is not the one the sign-in started with.
    WrongVerifier,
    /// The callback names another redirect URI than the code was sent to (or none).
    WrongRedirect,
}

impl fmt::Display for CodeRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CodeRefused::Malformed => "not a development code",
            CodeRefused::BadSignature => "bad signature",
            CodeRefused::Expired => "expired",
            CodeRefused::WrongVerifier => "the PKCE verifier does not match",
            CodeRefused::WrongRedirect => "the redirect_uri does not match",
        })
    }
}

impl CodeRefused {
    /// The callback's answer, whatever the reason: 401, as for a code GitHub rejects.
    pub fn violation(self) -> Violation {
        Violation {
            code: ErrorCode::Unauthorized,
            message: "This sign-in code is invalid or expired, or was not issued to you; please sign in again.".into(),
        }
    }
}

/// Checks a code at the callback: its tag, then its time, the PKCE verifier against its
/// challenge, and the redirect URI (which must be the one the code was sent to).
pub fn redeem(
    key: &DevCodeKey,
    code: &str,
    verifier: &str,
    redirect_uri: Option<&str>,
    now: UnixMillis,
) -> Result<(), CodeRefused> {
    let rest = code.strip_prefix(CODE_PREFIX).ok_or(CodeRefused::Malformed)?;
    let (payload, tag) = rest.split_once('.').ok_or(CodeRefused::Malformed)?;
    if payload.is_empty() || tag.contains('.') {
        return Err(CodeRefused::Malformed);
    }
    let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| CodeRefused::Malformed)?;
    key.tag(payload).verify_slice(&tag).map_err(|_| CodeRefused::BadSignature)?;
    let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| CodeRefused::Malformed)?;
    let claims: CodeClaims = serde_json::from_slice(&json).map_err(|_| CodeRefused::Malformed)?;
    let now = unix_seconds(now);
    if claims.exp <= now {
        return Err(CodeRefused::Expired);
    }
    if claims.exp > now.saturating_add(CODE_LIFETIME_SECONDS + 60) {
        return Err(CodeRefused::Malformed);
    }
    if s256(verifier) != claims.chal {
        return Err(CodeRefused::WrongVerifier);
    }
    if redirect_uri != Some(claims.ruri.as_str()) {
        return Err(CodeRefused::WrongRedirect);
    }
    Ok(())
}

/// PKCE's S256 challenge of `verifier`: base64url(SHA-256(verifier)), unpadded.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn unix_seconds(now: UnixMillis) -> i64 {
    now.0.div_euclid(1000)
}
