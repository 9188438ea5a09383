//! Forged JWTs: the tests sign any header and payload with HMAC-SHA256 under the worker's
//! secret (the core's `jwt::sign` only signs complete claim sets).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header of every HS256 token WorkTime issues.
pub const HS256_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// base64url without padding (RFC 4648, section 5), as JWTs use.
pub fn base64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Decodes unpadded base64url; `None` when `text` is not that.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// `base64url(header).base64url(payload).base64url(HMAC-SHA256(secret, first two parts))`:
/// a JWT with exactly the given header and payload text, signed as HS256 under `secret`.
pub fn forge_token(secret: &[u8], header_json: &str, payload_json: &str) -> String {
    let input =
        format!("{}.{}", base64url(header_json.as_bytes()), base64url(payload_json.as_bytes()));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(input.as_bytes());
    format!("{input}.{}", base64url(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_is_unpadded_and_strict() {
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(base64url_decode("a+b"), None);
        assert_eq!(base64url_decode("a"), None);
        assert_eq!(base64url_decode("Zg=="), None);
    }

    #[test]
    fn forged_tokens_equal_the_cores_own_signature() {
        use worktime_core::jwt::{sign, Claims, JwtKey, AUDIENCE, ISSUER};
        let secret = b"0123456789abcdef0123456789abcdef";
        let claims = Claims {
            sub: "42".into(),
            iat: 1_795_000_000,
            exp: 1_795_003_600,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            ver: 2,
            sid: "s".into(),
            jti: "t".into(),
        };
        let key = JwtKey::new(secret).expect("32-byte secret");
        let payload = serde_json::json!({
            "sub": claims.sub, "iat": claims.iat, "exp": claims.exp,
            "iss": claims.iss, "aud": claims.aud, "ver": claims.ver, "sid": claims.sid, "jti": claims.jti,
        });
        let forged = forge_token(secret, HS256_HEADER, &payload.to_string());
        assert_eq!(forged, sign(&key, &claims));
    }
}
