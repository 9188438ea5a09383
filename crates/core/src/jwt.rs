//! HS256 JSON Web Tokens for WorkTime's backend sessions.
//!
//! Tokens are signed with HMAC-SHA256 under a server secret ([`JwtKey`]) and carry the
//! user id in `sub`, with fixed `iss`/`aud` values and a seven-day lifetime.
//!
//! Revocation: every token also carries `ver`, the user's claims version when it was
//! issued, `sid`, the id of the sign-in it descends from (refreshes keep it), and `jti`,
//! its own id. [`Standing::admits`] decides whether a verified token still counts:
//! signing out everywhere raises the user's version (older tokens stop counting), and
//! signing out one device revokes its `sid` (that token and all its refreshes). Pure logic:
//! the current time is passed in as [`UnixMillis`]. [`verify`] checks the algorithm and
//! the signature (in constant time) before it trusts a single byte of the payload, and
//! never panics, whatever the input.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::time::UnixMillis;

/// The `iss` claim of every WorkTime token.
pub const ISSUER: &str = "worktime";
/// The `aud` claim of every WorkTime token.
pub const AUDIENCE: &str = "worktime-extension";
/// How long an issued token stays valid: seven days.
pub const TOKEN_LIFETIME_SECONDS: i64 = 7 * 24 * 3600;
/// The shortest secret [`JwtKey::new`] accepts (the size of an HS256 tag).
pub const MIN_SECRET_BYTES: usize = 32;
/// Allowed clock skew for `iat` in the future, seconds.
pub const CLOCK_SKEW_SECONDS: i64 = 60;

/// The header every token is signed with, exactly as encoded.
const HEADER_JSON: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

type HmacSha256 = Hmac<Sha256>;

/// The HMAC key tokens are signed and verified with. Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct JwtKey {
    mac: HmacSha256,
}

impl JwtKey {
    /// Accepts secrets of at least [`MIN_SECRET_BYTES`] bytes.
    pub fn new(secret: &[u8]) -> Result<JwtKey, KeyTooShort> {
        let too_short = KeyTooShort { len: secret.len() };
        if secret.len() < MIN_SECRET_BYTES {
            return Err(too_short);
        }
        // HMAC takes keys of any length, so `keyed_mac` cannot fail here.
        keyed_mac(secret).map(|mac| JwtKey { mac }).ok_or(too_short)
    }
}

impl fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtKey(..)")
    }
}

/// The secret given to [`JwtKey::new`] is shorter than [`MIN_SECRET_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTooShort {
    /// The length of the rejected secret, in bytes.
    pub len: usize,
}

impl fmt::Display for KeyTooShort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (it has {})", self.len)
    }
}

impl std::error::Error for KeyTooShort {}

/// The claims of a verified (or freshly issued) token. `iat` and `exp` are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// The user's claims version at issue.
    pub ver: i64,
    /// The sign-in this token descends from (kept across refreshes).
    pub sid: String,
    /// This token's own id.
    pub jti: String,
}

/// What the server knows about a user's tokens, read per request (or from a short cache).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The user's current claims version: tokens issued before the last "sign out
    /// everywhere" carry an older one.
    pub version: i64,
    /// Whether the token's sign-in (`sid`) was signed out.
    pub sign_in_revoked: bool,
}

impl Standing {
    /// Whether a verified token with `claims` still counts.
    pub fn admits(&self, claims: &Claims) -> bool {
        claims.ver >= self.version && !self.sign_in_revoked
    }
}

/// Longest a cached [`Standing`] may be used, in milliseconds: the worst-case delay before
/// a revoked token is refused everywhere.
pub const STANDING_CACHE_MS: i64 = 30_000;

/// Why [`verify`] rejected a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtError {
    Malformed,
    UnsupportedAlgorithm,
    BadSignature,
    MissingClaim(&'static str),
    WrongIssuer,
    WrongAudience,
    Expired,
    NotYetValid,
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtError::Malformed => f.write_str("The token is malformed."),
            JwtError::UnsupportedAlgorithm => f.write_str("The token's algorithm is not HS256."),
            JwtError::BadSignature => f.write_str("The token's signature is invalid."),
            JwtError::MissingClaim(name) => write!(f, "The token lacks a valid `{name}` claim."),
            JwtError::WrongIssuer => f.write_str("The token was issued by someone else."),
            JwtError::WrongAudience => f.write_str("The token is meant for another audience."),
            JwtError::Expired => f.write_str("The token has expired."),
            JwtError::NotYetValid => f.write_str("The token was issued in the future."),
        }
    }
}

impl std::error::Error for JwtError {}

/// Who a new token is for: the user, their claims version, the sign-in it belongs to and
/// its own id (ids are random, made by the caller).
pub struct Grant<'a> {
    pub sub: &'a str,
    pub ver: i64,
    pub sid: &'a str,
    pub jti: &'a str,
}

/// Signs a token for `grant` issued at `now` (seconds = now.0 / 1000, floor), valid
/// [`TOKEN_LIFETIME_SECONDS`].
pub fn issue(key: &JwtKey, grant: &Grant<'_>, now: UnixMillis) -> (String, Claims) {
    let iat = unix_seconds(now);
    let claims = Claims {
        sub: grant.sub.to_owned(),
        iat,
        exp: iat.saturating_add(TOKEN_LIFETIME_SECONDS),
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        ver: grant.ver,
        sid: grant.sid.to_owned(),
        jti: grant.jti.to_owned(),
    };
    (sign(key, &claims), claims)
}

/// Encodes and signs `claims` as `header.payload.signature`, each part base64url without
/// padding, under the header `{"alg":"HS256","typ":"JWT"}`.
pub fn sign(key: &JwtKey, claims: &Claims) -> String {
    let Claims { sub, iat, exp, iss, aud, ver, sid, jti } = claims;
    let payload = serde_json::json!({"sub": sub, "iat": iat, "exp": exp, "iss": iss, "aud": aud,
                                     "ver": ver, "sid": sid, "jti": jti});
    sign_json(&key.mac, &payload.to_string())
}

/// Checks `token` and returns its claims: syntax, then algorithm, then signature, and only
/// then the payload (claim presence, issuer, audience, expiry, issue time).
pub fn verify(key: &JwtKey, token: &str, now: UnixMillis) -> Result<Claims, JwtError> {
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header = decode_part(header_b64)?;
    let payload = decode_part(payload_b64)?;
    // An empty signature is only rejected after the algorithm check, so that `alg: none`
    // tokens (which usually carry none) are reported as what they are.
    let signature = URL_SAFE_NO_PAD.decode(signature_b64).map_err(|_| JwtError::Malformed)?;

    let header = decode_object(&header)?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(JwtError::UnsupportedAlgorithm);
    }
    if signature.is_empty() {
        return Err(JwtError::Malformed);
    }
    let mut mac = key.mac.clone();
    mac.update(format!("{header_b64}.{payload_b64}").as_bytes());
    mac.verify_slice(&signature).map_err(|_| JwtError::BadSignature)?;

    // Authentic from here on; now check what it says.
    let payload = decode_object(&payload)?;
    let sub = claim(&payload, "sub", |sub| sub.as_str().filter(|sub| !sub.is_empty()))?;
    let iat = claim(&payload, "iat", Value::as_i64)?;
    let exp = claim(&payload, "exp", Value::as_i64)?;
    let iss = claim(&payload, "iss", Value::as_str)?;
    let ver = claim(&payload, "ver", Value::as_i64)?;
    let sid = claim(&payload, "sid", |sid| sid.as_str().filter(|sid| !sid.is_empty()))?;
    let jti = claim(&payload, "jti", |jti| jti.as_str().filter(|jti| !jti.is_empty()))?;
    let audience_matches = match payload.get("aud") {
        Some(Value::String(aud)) => aud == AUDIENCE,
        Some(Value::Array(auds)) => {
            let auds: Option<Vec<&str>> = auds.iter().map(Value::as_str).collect();
            auds.ok_or(JwtError::MissingClaim("aud"))?.contains(&AUDIENCE)
        }
        _ => return Err(JwtError::MissingClaim("aud")),
    };

    if iss != ISSUER {
        return Err(JwtError::WrongIssuer);
    }
    if !audience_matches {
        return Err(JwtError::WrongAudience);
    }
    let now = unix_seconds(now);
    if exp <= now {
        return Err(JwtError::Expired);
    }
    if exp <= iat {
        return Err(JwtError::Malformed);
    }
    if iat > now.saturating_add(CLOCK_SKEW_SECONDS) {
        return Err(JwtError::NotYetValid);
    }
    let (sub, iss, aud) = (sub.to_owned(), iss.to_owned(), AUDIENCE.to_owned());
    Ok(Claims { sub, iat, exp, iss, aud, ver, sid: sid.to_owned(), jti: jti.to_owned() })
}

/// Whole seconds since the epoch, rounded down (also before 1970).
fn unix_seconds(now: UnixMillis) -> i64 {
    now.0.div_euclid(1000)
}

/// An HMAC-SHA256 keyed with `secret`, of any length (`None` is unreachable for HMAC).
fn keyed_mac(secret: &[u8]) -> Option<HmacSha256> {
    HmacSha256::new_from_slice(secret).ok()
}

/// The complete token for `payload_json` under the fixed HS256 header.
fn sign_json(mac: &HmacSha256, payload_json: &str) -> String {
    let (header, payload) =
        (URL_SAFE_NO_PAD.encode(HEADER_JSON), URL_SAFE_NO_PAD.encode(payload_json));
    let input = format!("{header}.{payload}");
    let signature = signature_b64(mac, &input);
    format!("{input}.{signature}")
}

/// The base64url HS256 tag over `input`.
fn signature_b64(mac: &HmacSha256, input: &str) -> String {
    let mut mac = mac.clone();
    mac.update(input.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Strict base64url: non-empty, URL-safe alphabet only, no padding, canonical trailing bits.
fn decode_part(part: &str) -> Result<Vec<u8>, JwtError> {
    if part.is_empty() {
        return Err(JwtError::Malformed);
    }
    URL_SAFE_NO_PAD.decode(part).map_err(|_| JwtError::Malformed)
}

fn decode_object(json: &[u8]) -> Result<Map<String, Value>, JwtError> {
    match serde_json::from_slice(json) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(JwtError::Malformed),
    }
}

/// The claim `name`, if present and `get` accepts its type; else `MissingClaim(name)`.
fn claim<'a, T>(
    payload: &'a Map<String, Value>,
    name: &'static str,
    get: impl FnOnce(&'a Value) -> Option<T>,
) -> Result<T, JwtError> {
    payload.get(name).and_then(get).ok_or(JwtError::MissingClaim(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    /// 2026-11-18T11:06:40Z.
    const NOW: UnixMillis = UnixMillis(1_795_000_000_000);
    const NOW_S: i64 = 1_795_000_000;

    fn key() -> JwtKey {
        JwtKey::new(SECRET).expect("32-byte secret")
    }

    fn check(token: &str) -> Result<Claims, JwtError> {
        verify(&key(), token, NOW)
    }

    fn valid_payload() -> Value {
        json!({"sub": "u-1", "iat": NOW_S, "exp": NOW_S + 3600, "iss": ISSUER, "aud": AUDIENCE,
               "ver": 0, "sid": "s-1", "jti": "t-1"})
    }

    fn grant(sub: &str) -> Grant<'_> {
        Grant { sub, ver: 3, sid: "sign-in-1", jti: "token-1" }
    }

    /// Signs an arbitrary payload with the test key, as only the server could.
    fn signed(payload: &Value) -> String {
        sign_json(&key().mac, &payload.to_string())
    }

    fn check_payload(payload: &Value) -> Result<Claims, JwtError> {
        check(&signed(payload))
    }

    fn with(field: &str, value: Value) -> Value {
        let mut payload = valid_payload();
        payload[field] = value;
        payload
    }

    fn b64(text: &str) -> String {
        URL_SAFE_NO_PAD.encode(text)
    }

    #[test]
    fn issued_tokens_verify_to_their_claims() {
        let (token, claims) = issue(&key(), &grant("user-42"), UnixMillis(1_795_000_000_999));
        assert_eq!((claims.iat, claims.exp), (NOW_S, NOW_S + TOKEN_LIFETIME_SECONDS));
        assert_eq!((claims.iss.as_str(), claims.aud.as_str()), (ISSUER, AUDIENCE));
        assert_eq!(
            (claims.ver, claims.sid.as_str(), claims.jti.as_str()),
            (3, "sign-in-1", "token-1")
        );
        assert!(token.starts_with(&format!("{}.", b64(HEADER_JSON))));
        assert_eq!(check(&token), Ok(claims.clone()));
        let last_valid = UnixMillis((claims.exp - 1) * 1000 + 999);
        assert_eq!(verify(&key(), &token, last_valid), Ok(claims));
    }

    #[test]
    fn signs_the_jwt_io_vector() {
        let mac = keyed_mac(b"your-256-bit-secret").expect("HMAC takes any key");
        let input = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
                     eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";
        let expected = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        assert_eq!(signature_b64(&mac, input), expected);
        assert_eq!(b64(HEADER_JSON), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
    }

    #[test]
    fn tampering_or_another_key_fails_the_signature() {
        let token = signed(&valid_payload());
        let parts: Vec<&str> = token.split('.').collect();
        let forged = b64(&with("sub", json!("admin")).to_string());
        let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
        assert_eq!(check(&tampered), Err(JwtError::BadSignature));
        let other = JwtKey::new(b"another secret, thirty-two bytes").expect("32 bytes");
        assert_eq!(check(&issue(&other, &grant("u-1"), NOW).0), Err(JwtError::BadSignature));
    }

    #[test]
    fn only_hs256_is_accepted() {
        let payload = b64(&valid_payload().to_string());
        let token = signed(&valid_payload());
        let (_, good_signature) = token.rsplit_once('.').expect("three parts");
        for header in [
            r#"{"alg":"none","typ":"JWT"}"#,
            r#"{"alg":"HS512","typ":"JWT"}"#,
            r#"{"alg":"RS256","typ":"JWT"}"#,
            r#"{"typ":"JWT"}"#,
        ] {
            for signature in ["", "c2lnbmF0dXJl", good_signature] {
                let token = format!("{}.{payload}.{signature}", b64(header));
                assert_eq!(check(&token), Err(JwtError::UnsupportedAlgorithm), "{header}");
            }
        }
        let unsigned = format!("{}.{payload}.", b64(HEADER_JSON));
        assert_eq!(check(&unsigned), Err(JwtError::Malformed));
    }

    #[test]
    fn expires_at_exp() {
        let (token, claims) = issue(&key(), &grant("user-1"), NOW);
        let at_exp = UnixMillis(claims.exp * 1000);
        assert_eq!(verify(&key(), &token, at_exp), Err(JwtError::Expired));
        let a_day_later = UnixMillis(at_exp.0 + 86_400_000);
        assert_eq!(verify(&key(), &token, a_day_later), Err(JwtError::Expired));
    }

    #[test]
    fn every_claim_is_required_with_its_type() {
        for name in ["sub", "iat", "exp", "iss", "aud", "ver", "sid", "jti"] {
            let mut missing = valid_payload();
            missing.as_object_mut().expect("object").remove(name);
            assert_eq!(check_payload(&missing), Err(JwtError::MissingClaim(name)));
        }
        for (name, value) in [
            ("sub", json!("")),
            ("sub", json!(42)),
            ("iat", json!("1795000000")),
            ("iat", json!(1.5)),
            ("exp", json!(null)),
            ("iss", json!(["worktime"])),
            ("aud", json!({"aud": AUDIENCE})),
            ("aud", json!([AUDIENCE, 7])),
            ("ver", json!("1")),
            ("sid", json!("")),
            ("jti", json!(7)),
        ] {
            let result = check_payload(&with(name, value.clone()));
            assert_eq!(result, Err(JwtError::MissingClaim(name)), "{value}");
        }
    }

    #[test]
    fn issuer_and_audience_must_match() {
        let wrong_iss = with("iss", json!("someone-else"));
        assert_eq!(check_payload(&wrong_iss), Err(JwtError::WrongIssuer));
        for aud in [json!("worktime-web"), json!([]), json!(["a", "b"])] {
            assert_eq!(check_payload(&with("aud", aud)), Err(JwtError::WrongAudience));
        }
        let listed = with("aud", json!(["other", AUDIENCE]));
        assert_eq!(check_payload(&listed).map(|claims| claims.aud), Ok(AUDIENCE.to_owned()));
    }

    #[test]
    fn iat_may_not_be_in_the_future_beyond_the_skew() {
        let mut far = with("iat", json!(NOW_S + 3600));
        far["exp"] = json!(NOW_S + 7200);
        assert_eq!(check_payload(&far), Err(JwtError::NotYetValid));
        assert!(check_payload(&with("iat", json!(NOW_S + CLOCK_SKEW_SECONDS))).is_ok());
        let past_skew = with("iat", json!(NOW_S + CLOCK_SKEW_SECONDS + 1));
        assert_eq!(check_payload(&past_skew), Err(JwtError::NotYetValid));
        let after_exp = with("iat", json!(NOW_S + 3600));
        assert_eq!(check_payload(&after_exp), Err(JwtError::Malformed), "exp <= iat");
    }

    #[test]
    fn rejects_malformed_tokens() {
        let token = signed(&valid_payload());
        let (input, signature) = token.rsplit_once('.').expect("three parts");
        let payload = b64(&valid_payload().to_string());
        for bad in [
            String::new(),
            "a.b".to_owned(),
            "a.b.c".to_owned(),
            "a.b.c.d".to_owned(),
            format!("{token}.{signature}"),
            format!(".{token}"),
            format!("{input}.{signature}="),
            format!("{input}.{}", signature.replace('_', "/").replace('-', "+")),
            format!("{input}.sig!nature"),
            token.replacen('.', ".=", 1),
            format!("{}.{payload}.{signature}", b64("not json")),
            format!("{}.{payload}.{signature}", b64("[]")),
        ] {
            assert_eq!(check(&bad), Err(JwtError::Malformed), "{bad:?}");
        }
        assert!(check(&token).is_ok(), "the unaltered token is fine");
    }

    #[test]
    fn standing_refuses_older_versions_and_revoked_sign_ins() {
        let (_, claims) = issue(&key(), &grant("u"), NOW);
        let current = Standing { version: 3, sign_in_revoked: false };
        assert!(current.admits(&claims));
        assert!(Standing { version: 2, ..current }.admits(&claims), "a lower version is older");
        assert!(!Standing { version: 4, ..current }.admits(&claims), "signed out everywhere");
        assert!(!Standing { sign_in_revoked: true, ..current }.admits(&claims), "signed out here");
    }

    #[test]
    fn secrets_need_32_bytes_and_never_show() {
        assert_eq!(JwtKey::new(&[7; 31]).map(|_| ()), Err(KeyTooShort { len: 31 }));
        assert!(JwtKey::new(&[7; 32]).is_ok());
        let message = KeyTooShort { len: 19 }.to_string();
        assert_eq!(message, "JWT_SECRET must be at least 32 bytes (it has 19)");
        let shown = format!("{:?} {:#?}", key(), key());
        assert_eq!(shown, "JwtKey(..) JwtKey(..)");
        assert!(!shown.contains("0123456789abcdef"));
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_verifies(text in "\\PC*", shaped in "[A-Za-z0-9_=.-]{0,120}") {
            prop_assert!(check(&text).is_err());
            prop_assert!(check(&shaped).is_err());
        }
    }
}
