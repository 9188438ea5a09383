//! Sign-in with GitHub: the authorize redirect, with its rules on state, PKCE and where
//! GitHub may send the user back (the development sign-in, `signin_dev`, follows the same).

use crate::cors::CorsPolicy;
use crate::validate::Violation;

/// What `GET /auth/github/login` received.
#[derive(Debug, Clone, Copy)]
pub struct LoginParams<'a> {
    pub state: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
    pub redirect_uri: Option<&'a str>,
}

/// GitHub's authorize URL for these parameters, or why they are refused. PKCE S256 and
/// `state` are mandatory. A redirect URI must belong to an allowed origin: either the
/// origin itself is in `ALLOWED_ORIGINS`, or it is `https://<id>.chromiumapp.org` (what
/// `chrome.identity.getRedirectURL()` gives) for an allowed `chrome-extension://<id>`.
pub fn authorize_url(
    oauth_base_url: &str,
    client_id: &str,
    params: LoginParams<'_>,
    policy: &CorsPolicy,
) -> Result<String, Violation> {
    let checked = check_login(params, policy)?;
    let mut url = format!(
        "{oauth_base_url}/login/oauth/authorize?client_id={}&scope=read%3Auser&state={}&code_challenge={}&code_challenge_method=S256",
        encode(client_id),
        encode(checked.state),
        encode(checked.code_challenge),
    );
    if let Some(uri) = checked.redirect_uri {
        url.push_str("&redirect_uri=");
        url.push_str(&encode(uri));
    }
    Ok(url)
}

/// Login parameters that passed [`check_login`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedLogin<'a> {
    pub state: &'a str,
    pub code_challenge: &'a str,
    pub redirect_uri: Option<&'a str>,
}

/// The rules every sign-in start follows, whoever signs the user in: a `state` of 1–512
/// characters, a PKCE S256 challenge, and a redirect URI (when given) of an allowed origin.
pub fn check_login<'a>(
    params: LoginParams<'a>,
    policy: &CorsPolicy,
) -> Result<CheckedLogin<'a>, Violation> {
    let state = params.state.filter(|s| !s.is_empty() && s.len() <= 512).ok_or_else(|| {
        Violation::bad_request("state is required (1-512 characters), to protect the sign-in.")
    })?;
    let challenge = params.code_challenge.filter(|c| is_s256_challenge(c)).ok_or_else(|| {
        Violation::bad_request(
            "code_challenge is required: the base64url SHA-256 of a PKCE verifier (43 characters).",
        )
    })?;
    if let Some(uri) = params.redirect_uri {
        if !redirect_allowed(uri, policy) {
            return Err(Violation::bad_request(
                "redirect_uri must be this extension's chromiumapp.org URL or an allowed origin.",
            ));
        }
    }
    Ok(CheckedLogin { state, code_challenge: challenge, redirect_uri: params.redirect_uri })
}

/// A PKCE code verifier (RFC 7636): 43–128 characters of `A-Z a-z 0-9 - . _ ~`.
pub fn valid_verifier(text: &str) -> bool {
    (43..=128).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn is_s256_challenge(text: &str) -> bool {
    text.len() == 43 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether GitHub may redirect to `uri` for this deployment.
pub fn redirect_allowed(uri: &str, policy: &CorsPolicy) -> bool {
    let Some((scheme, rest)) = uri.split_once("://") else { return false };
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host_port.is_empty() || host_port.contains('@') {
        return false;
    }
    let origin = format!("{scheme}://{host_port}");
    if policy.grant(Some(&origin)).is_some() {
        return true;
    }
    match (scheme, host_port.strip_suffix(".chromiumapp.org")) {
        ("https", Some(id)) if !id.is_empty() && !id.contains('.') => {
            policy.grant(Some(&format!("chrome-extension://{id}"))).is_some()
        }
        _ => false,
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn policy() -> CorsPolicy {
        CorsPolicy::parse("chrome-extension://abcdef, http://127.0.0.1:8799")
    }

    fn params<'a>(
        state: Option<&'a str>,
        challenge: Option<&'a str>,
        uri: Option<&'a str>,
    ) -> LoginParams<'a> {
        LoginParams { state, code_challenge: challenge, redirect_uri: uri }
    }

    #[test]
    fn builds_githubs_authorize_url_with_pkce() {
        let url = authorize_url(
            "https://github.com",
            "cid",
            params(Some("s t"), Some(CHALLENGE), Some("https://abcdef.chromiumapp.org/cb")),
            &policy(),
        )
        .expect("allowed");
        assert_eq!(
            url,
            format!("https://github.com/login/oauth/authorize?client_id=cid&scope=read%3Auser&state=s%20t&code_challenge={CHALLENGE}&code_challenge_method=S256&redirect_uri=https%3A%2F%2Fabcdef.chromiumapp.org%2Fcb")
        );
    }

    #[test]
    fn state_and_challenge_are_mandatory() {
        assert!(authorize_url("b", "c", params(None, Some(CHALLENGE), None), &policy()).is_err());
        assert!(
            authorize_url("b", "c", params(Some(""), Some(CHALLENGE), None), &policy()).is_err()
        );
        assert!(authorize_url("b", "c", params(Some("s"), None, None), &policy()).is_err());
        assert!(authorize_url(
            "b",
            "c",
            params(Some("s"), Some("plain-verifier"), None),
            &policy()
        )
        .is_err());
    }

    #[test]
    fn verifiers_follow_rfc_7636() {
        assert!(valid_verifier(&"a".repeat(43)) && valid_verifier(&"Z9-._~".repeat(22)[..128]));
        assert!(!valid_verifier(&"a".repeat(42)) && !valid_verifier(&"a".repeat(129)));
        assert!(!valid_verifier(&format!("{}+", "a".repeat(42))) && !valid_verifier(""));
    }

    #[test]
    fn redirects_only_to_allowed_places() {
        let policy = policy();
        assert!(redirect_allowed("https://abcdef.chromiumapp.org/", &policy));
        assert!(redirect_allowed("http://127.0.0.1:8799/callback?x=1", &policy));
        assert!(!redirect_allowed("https://other.chromiumapp.org/", &policy));
        assert!(!redirect_allowed("http://abcdef.chromiumapp.org/", &policy));
        assert!(!redirect_allowed("https://evil.example/cb", &policy));
        assert!(!redirect_allowed("https://abcdef.chromiumapp.org@evil.example/", &policy));
        assert!(!redirect_allowed("https://x.abcdef.chromiumapp.org/", &policy));
        assert!(!redirect_allowed("not a url", &policy));
    }
}
