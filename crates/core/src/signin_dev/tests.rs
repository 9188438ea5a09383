//! The development sign-in's rules: who may use it, the flow, the page and the codes.

use super::code::CODE_PREFIX;
use super::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use worktime_api::ErrorCode;

/// RFC 7636's example pair (appendix B).
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT: &str = "https://abcdef.chromiumapp.org/github";
const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const NOW: UnixMillis = UnixMillis(1_795_000_000_000);

fn key() -> DevCodeKey {
    DevCodeKey::derive(SECRET).expect("32-byte secret")
}

fn policy() -> CorsPolicy {
    CorsPolicy::parse("chrome-extension://abcdef")
}

const DEV: Deployment<'static> = Deployment { environment: "development", github_client_id: "" };
const HERE: Client<'static> = Client { host: "127.0.0.1", connecting_ip: Some("127.0.0.1") };

#[test]
fn only_a_development_deployment_without_a_github_app_on_loopback() {
    assert_eq!(development(DEV, HERE), Ok(()));
    for environment in ["production", "test", "Development", "development ", "", "dev"] {
        let deployment = Deployment { environment, ..DEV };
        assert_eq!(development(deployment, HERE), Err(Refusal::NotDevelopment), "{environment:?}");
    }
    let with_app = Deployment { github_client_id: "Iv1.abc", ..DEV };
    assert_eq!(development(with_app, HERE), Err(Refusal::GitHubApp));
    let blank_app = Deployment { github_client_id: "  ", ..DEV };
    assert_eq!(development(blank_app, HERE), Ok(()), "a blank id is no app");
    for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.8.9.10", "[::1]"] {
        let client = Client { host, connecting_ip: None };
        assert_eq!(development(DEV, client), Ok(()), "{host}");
    }
    for host in
        ["example.com", "10.0.0.1", "192.168.1.2", "[::2]", "localhost.evil.example", "0.0.0.0", ""]
    {
        let client = Client { host, connecting_ip: None };
        assert_eq!(development(DEV, client), Err(Refusal::NotLoopback), "{host}");
    }
    for ip in ["203.0.113.9", "10.1.2.3", "::2", "", "not an ip", "::ffff:10.0.0.1"] {
        let client = Client { host: "127.0.0.1", connecting_ip: Some(ip) };
        assert_eq!(development(DEV, client), Err(Refusal::NotLoopback), "{ip}");
    }
    for ip in ["127.0.0.1", "::1", "::ffff:127.0.0.1", " 127.0.0.2 "] {
        let client = Client { host: "localhost", connecting_ip: Some(ip) };
        assert_eq!(development(DEV, client), Ok(()), "{ip}");
    }
}

#[test]
fn github_signs_in_wherever_an_app_is_configured() {
    let remote = Client { host: "worktime.example.workers.dev", connecting_ip: Some("1.2.3.4") };
    for environment in ["production", "development"] {
        let deployment = Deployment { environment, github_client_id: "Iv1.abc" };
        assert_eq!(provider(deployment, remote), Ok(Provider::GitHub));
        assert_eq!(provider(deployment, HERE), Ok(Provider::GitHub));
    }
    assert_eq!(provider(DEV, HERE), Ok(Provider::Development));
    let production = Deployment { environment: "production", github_client_id: "" };
    assert_eq!(provider(production, HERE).map_err(|v| v.code), Err(ErrorCode::Unavailable));
    assert_eq!(provider(DEV, remote).map_err(|v| v.code), Err(ErrorCode::Forbidden));
}

#[test]
fn refusals_of_the_page_hide_it_outside_development() {
    assert_eq!(Refusal::NotDevelopment.violation().code, ErrorCode::NotFound);
    assert_eq!(Refusal::GitHubApp.violation().code, ErrorCode::NotFound);
    assert_eq!(Refusal::NotLoopback.violation().code, ErrorCode::Forbidden);
}

fn params<'a>(redirect: Option<&'a str>) -> LoginParams<'a> {
    LoginParams { state: Some("st ate"), code_challenge: Some(CHALLENGE), redirect_uri: redirect }
}

#[test]
fn login_goes_to_the_page_under_githubs_rules() {
    let location = authorize_location(params(Some(REDIRECT)), &policy()).expect("allowed");
    assert_eq!(
        location,
        format!("/auth/dev/authorize?state=st%20ate&code_challenge={CHALLENGE}&code_challenge_method=S256&redirect_uri=https%3A%2F%2Fabcdef.chromiumapp.org%2Fgithub")
    );
    assert!(authorize_location(params(None), &policy()).is_err(), "redirect_uri required");
    let evil = params(Some("https://evil.chromiumapp.org/github"));
    assert!(authorize_location(evil, &policy()).is_err());
    let no_state = LoginParams { state: None, ..params(Some(REDIRECT)) };
    assert!(authorize_location(no_state, &policy()).is_err());
    let plain = LoginParams { code_challenge: Some("plain"), ..params(Some(REDIRECT)) };
    assert!(authorize_location(plain, &policy()).is_err());
}

#[test]
fn the_page_escapes_what_it_echoes() {
    let login = DevLogin {
        state: r#""><script>alert(1)</script>"#,
        code_challenge: CHALLENGE,
        redirect_uri: "https://abcdef.chromiumapp.org/github?x=<b>&y='1'",
    };
    let page = authorize_page(&login);
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("&quot;&gt;&lt;script&gt;"), "{page}");
    assert!(page.contains("Sign in as the development user"));
    assert!(page.contains(r#"action="/auth/dev/authorize""#));
    assert!(page.contains(r#"name="approve" value="1""#));
    assert!(page.contains("https://abcdef.chromiumapp.org/github</code>"), "{page}");
}

#[test]
fn approving_redirects_back_with_a_code_and_the_state() {
    let login = DevLogin { state: "s/1", code_challenge: CHALLENGE, redirect_uri: REDIRECT };
    let url = approve(&key(), &login, NOW);
    let prefix = format!("{REDIRECT}?code=wtdev1.");
    assert!(url.starts_with(&prefix) && url.ends_with("&state=s%2F1"), "{url}");
    let code = url[REDIRECT.len() + 6..url.len() - "&state=s%2F1".len()].to_owned();
    assert_eq!(redeem(&key(), &code, VERIFIER, Some(REDIRECT), NOW), Ok(()));
    let cancel = cancel(&login);
    assert!(cancel.starts_with(&format!("{REDIRECT}?error=access_denied&")), "{cancel}");
    assert_eq!(with_query("https://a.b/c?x=1#f", &[("k", "v w")]), "https://a.b/c?x=1&k=v%20w#f");
    assert_eq!(with_query("https://a.b/c?", &[("k", "v")]), "https://a.b/c?k=v");
}

#[test]
fn a_code_needs_its_verifier_its_redirect_and_its_minute() {
    let key = key();
    let code = issue_code(&key, CHALLENGE, REDIRECT, NOW);
    assert_eq!(redeem(&key, &code, VERIFIER, Some(REDIRECT), NOW), Ok(()));
    let last = UnixMillis(NOW.0 + (CODE_LIFETIME_SECONDS - 1) * 1000);
    assert_eq!(redeem(&key, &code, VERIFIER, Some(REDIRECT), last), Ok(()));
    let late = UnixMillis(NOW.0 + CODE_LIFETIME_SECONDS * 1000);
    assert_eq!(redeem(&key, &code, VERIFIER, Some(REDIRECT), late), Err(CodeRefused::Expired));
    let wrong = "Xx".repeat(22);
    assert_eq!(redeem(&key, &code, &wrong, Some(REDIRECT), NOW), Err(CodeRefused::WrongVerifier));
    let other = Some("https://abcdef.chromiumapp.org/other");
    assert_eq!(redeem(&key, &code, VERIFIER, other, NOW), Err(CodeRefused::WrongRedirect));
    assert_eq!(redeem(&key, &code, VERIFIER, None, NOW), Err(CodeRefused::WrongRedirect));
    let far_future = issue_code(&key, CHALLENGE, REDIRECT, UnixMillis(NOW.0 + 3_600_000));
    assert_eq!(
        redeem(&key, &far_future, VERIFIER, Some(REDIRECT), NOW),
        Err(CodeRefused::Malformed)
    );
}

#[test]
fn a_code_is_only_good_from_this_server_and_unaltered() {
    let code = issue_code(&key(), CHALLENGE, REDIRECT, NOW);
    let other = DevCodeKey::derive(b"another-secret-of-thirty-two-bytes!!").expect("long");
    assert_eq!(
        redeem(&other, &code, VERIFIER, Some(REDIRECT), NOW),
        Err(CodeRefused::BadSignature)
    );
    let (head, tag) = code.rsplit_once('.').expect("three parts");
    let flipped = if tag.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}.{flipped}{}", &tag[1..]);
    assert_eq!(
        redeem(&key(), &tampered, VERIFIER, Some(REDIRECT), NOW),
        Err(CodeRefused::BadSignature)
    );
    // Claims for another challenge, re-encoded under the old tag.
    let forged = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"chal":"{}","ruri":"{REDIRECT}","exp":{}}}"#,
        s256(&"a".repeat(43)),
        NOW.0 / 1000 + 30
    ));
    let swapped = format!("{CODE_PREFIX}{forged}.{tag}");
    assert_eq!(
        redeem(&key(), &swapped, &"a".repeat(43), Some(REDIRECT), NOW),
        Err(CodeRefused::BadSignature)
    );
    for garbage in [
        "",
        "wtdev1.",
        "wtdev1..",
        "wtdev1.abc",
        "wtdev1.a.b.c",
        "eyJhbGciOiJIUzI1NiJ9.e30.sig",
        "test-code:1:x",
    ] {
        assert_eq!(
            redeem(&key(), garbage, VERIFIER, Some(REDIRECT), NOW),
            Err(CodeRefused::Malformed),
            "{garbage:?}"
        );
    }
}

#[test]
fn codes_and_tokens_never_stand_in_for_each_other() {
    use crate::jwt::{issue, verify, Grant, JwtKey};
    let jwt_key = JwtKey::new(SECRET).expect("32 bytes");
    let code = issue_code(&key(), CHALLENGE, REDIRECT, NOW);
    assert!(verify(&jwt_key, &code, NOW).is_err(), "a code is not a token");
    let grant = Grant { sub: "1", ver: 0, sid: "s", jti: "j" };
    let (token, _) = issue(&jwt_key, &grant, NOW);
    assert_eq!(redeem(&key(), &token, VERIFIER, Some(REDIRECT), NOW), Err(CodeRefused::Malformed));
    assert!(DevCodeKey::derive(&SECRET[..31]).is_err(), "the JWT secret's minimum applies");
    assert_eq!(format!("{:?}", key()), "DevCodeKey(..)");
}

#[test]
fn s256_follows_rfc_7636() {
    assert_eq!(s256(VERIFIER), CHALLENGE);
}
