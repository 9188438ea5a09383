//! The development sign-in (`worktime_core::signin_dev`), against the workers
//! `scripts/test.sh` starts beside the main one (which has a GitHub app and
//! `ENVIRONMENT=test`), all with its JWT secret:
//! - `WORKTIME_TEST_DEV_URL`: as `scripts/run.sh` runs it, `ENVIRONMENT=development` and
//!   no GitHub app: the flow works end to end under PKCE, state and redirect rules, for
//!   loopback clients only;
//! - `WORKTIME_TEST_DEV_PRODUCTION_URL`: `ENVIRONMENT=production`, no GitHub app: refused;
//! - `WORKTIME_TEST_DEV_WITH_APP_URL`: `ENVIRONMENT=development` with a GitHub app (the fake
//!   GitHub): only GitHub signs in.
//!
//! Every test signs in the one development user, so none counts that user's rows.

use serde_json::json;
use worktime_api::auth::AuthResponse;
use worktime_api::paths::{AUTH_CALLBACK, AUTH_DEV_AUTHORIZE, AUTH_LOGIN, EXPORT, SESSIONS};
use worktime_core::signin_dev::{issue_code, s256, DevCodeKey, CODE_LIFETIME_SECONDS};
use worktime_core::time::UnixMillis;
use worktime_tests::{
    assert_error, call_url, fake_github_url, jwt_secret, now_ms, percent_encode, query_param, uuid,
    Answer, MINUTE_MS,
};

/// An origin the test workers allow (the wasm test page's); redirects under it pass.
const REDIRECT_URI: &str = "http://127.0.0.1:8799/callback";

fn worker(var: &str) -> String {
    std::env::var(var)
        .unwrap_or_else(|_| panic!("{var} must name a running worker; run scripts/test.sh"))
        .trim_end_matches('/')
        .to_owned()
}

/// The worker as `scripts/run.sh` runs it.
fn dev() -> String {
    worker("WORKTIME_TEST_DEV_URL")
}

/// A fresh PKCE pair: (verifier, S256 challenge).
fn pkce() -> (String, String) {
    let verifier = format!("v-{}-{}", uuid(), uuid());
    let challenge = s256(&verifier);
    (verifier, challenge)
}

fn login_query(state: &str, challenge: &str, redirect_uri: Option<&str>) -> String {
    let mut query = format!("state={}&code_challenge={challenge}", percent_encode(state));
    if let Some(uri) = redirect_uri {
        query.push_str(&format!("&redirect_uri={}", percent_encode(uri)));
    }
    query
}

fn get(base: &str, path_and_query: &str, headers: &[(&str, &str)]) -> Answer {
    call_url("GET", &format!("{base}{path_and_query}"), headers, None)
}

fn callback(base: &str, body: &serde_json::Value, headers: &[(&str, &str)]) -> Answer {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    call_url("POST", &format!("{base}{AUTH_CALLBACK}"), &all, Some(&body.to_string()))
}

/// The browser's half on the development worker, as a user clicking the button does:
/// login → the page → approve → back at the redirect URI. Returns the code.
fn authorize(state: &str, challenge: &str) -> String {
    let login = get(
        &dev(),
        &format!("{AUTH_LOGIN}?{}", login_query(state, challenge, Some(REDIRECT_URI))),
        &[],
    );
    assert_eq!(login.status, 302, "{}", login.body);
    let location = login.header("location").expect("a Location").to_owned();
    assert!(location.starts_with(&format!("{AUTH_DEV_AUTHORIZE}?")), "to the page: {location}");
    assert_eq!(query_param(&location, "state").as_deref(), Some(state), "{location}");
    assert_eq!(query_param(&location, "code_challenge").as_deref(), Some(challenge));
    assert_eq!(query_param(&location, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(query_param(&location, "redirect_uri").as_deref(), Some(REDIRECT_URI));

    let page = get(&dev(), &location, &[]);
    assert_eq!(page.status, 200, "{}", page.body);
    let content_type = page.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(page.body.contains("Sign in as the development user"), "{}", page.body);
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert!(page
        .header("content-security-policy")
        .is_some_and(|csp| csp.contains("frame-ancestors 'none'")));
    assert!(!page.body.contains("code="), "no code before the button is pressed");

    let approved = get(&dev(), &format!("{location}&approve=1"), &[]);
    assert_eq!(approved.status, 302, "{}", approved.body);
    let back = approved.header("location").expect("back to the redirect URI").to_owned();
    assert!(back.starts_with(&format!("{REDIRECT_URI}?")), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some(state), "{back}");
    query_param(&back, "code").expect("a code on the redirect")
}

fn redeem(code: &str, verifier: &str, redirect_uri: Option<&str>) -> Answer {
    let mut body = json!({ "code": code, "code_verifier": verifier });
    if let Some(uri) = redirect_uri {
        body["redirect_uri"] = json!(uri);
    }
    callback(&dev(), &body, &[])
}

/// A code minted with the workers' secret, issued at `at`.
fn minted(challenge: &str, redirect_uri: &str, at: i64) -> String {
    let key = DevCodeKey::derive(&jwt_secret()).expect("the test secret is long enough");
    issue_code(&key, challenge, redirect_uri, UnixMillis(at))
}

#[test]
fn the_dev_sign_in_works_end_to_end_with_pkce() {
    let (verifier, challenge) = pkce();
    let state = format!("st-{}", uuid());
    let code = authorize(&state, &challenge);
    let answer = redeem(&code, &verifier, Some(REDIRECT_URI));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let auth: AuthResponse = answer.parse();
    assert_eq!(auth.user.username, "dev");
    let bearer = format!("Bearer {}", auth.jwt);
    let sessions = get(&dev(), SESSIONS, &[("Authorization", &bearer)]);
    assert_eq!(sessions.status, 200, "the token works: {}", sessions.body);
    let export = get(&dev(), &format!("{EXPORT}?limit=1"), &[("Authorization", &bearer)]);
    assert_eq!(export.status, 200, "{}", export.body);
    assert_eq!(export.json()["user"]["github_user_id"], "dev-1", "never a GitHub account's id");

    // Signing in again is the same user.
    let (verifier, challenge) = pkce();
    let again = redeem(&authorize("again", &challenge), &verifier, Some(REDIRECT_URI));
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.parse::<AuthResponse>().user.id, auth.user.id);
}

#[test]
fn a_wrong_verifier_is_refused() {
    let (_, challenge) = pkce();
    let code = authorize("s", &challenge);
    let (other_verifier, _) = pkce();
    assert_error(&redeem(&code, &other_verifier, Some(REDIRECT_URI)), 401, "unauthorized");
    let missing = callback(&dev(), &json!({ "code": code, "redirect_uri": REDIRECT_URI }), &[]);
    assert_error(&missing, 400, "invalid_request");
}

#[test]
fn a_wrong_or_expired_code_is_refused() {
    let (verifier, challenge) = pkce();
    let now = now_ms();
    // Minted with the workers' secret: good now, refused once its minute is over.
    let fresh = minted(&challenge, REDIRECT_URI, now);
    let expired = minted(&challenge, REDIRECT_URI, now - CODE_LIFETIME_SECONDS * 1000 - MINUTE_MS);
    assert_error(&redeem(&expired, &verifier, Some(REDIRECT_URI)), 401, "unauthorized");
    let code = authorize("s", &challenge);
    let (head, tag) = code.rsplit_once('.').expect("payload.tag");
    let flipped = if tag.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}.{flipped}{}", &tag[1..]);
    let other_key = DevCodeKey::derive(b"not-the-workers-secret-0123456789abcdef").expect("long");
    let foreign = issue_code(&other_key, &challenge, REDIRECT_URI, UnixMillis(now));
    for bad in [tampered.as_str(), foreign.as_str(), "test-code:1:octocat", "wtdev1.x.y"] {
        assert_error(&redeem(bad, &verifier, Some(REDIRECT_URI)), 401, "unauthorized");
    }
    // The same verifier and redirect with a good code do sign in: the refusals above are
    // the codes'.
    assert_eq!(redeem(&fresh, &verifier, Some(REDIRECT_URI)).status, 200);
    assert_eq!(redeem(&code, &verifier, Some(REDIRECT_URI)).status, 200);
}

#[test]
fn the_redirect_uri_rules_are_kept() {
    let (verifier, challenge) = pkce();
    let evil = "https://evil.example/cb";
    let other_port = "http://127.0.0.1:8798/cb";
    for path in [AUTH_LOGIN, AUTH_DEV_AUTHORIZE] {
        for query in [
            login_query("s", &challenge, None),
            login_query("s", &challenge, Some(evil)),
            login_query("s", &challenge, Some(other_port)),
            login_query("", &challenge, Some(REDIRECT_URI)),
            login_query("s", "plain-challenge", Some(REDIRECT_URI)),
            format!(
                "{}&code_challenge_method=plain",
                login_query("s", &challenge, Some(REDIRECT_URI))
            ),
            format!("{}&client_id=x", login_query("s", &challenge, Some(REDIRECT_URI))),
        ] {
            // The page is asked to approve at once: it must refuse to issue a code.
            let approve = if path == AUTH_LOGIN { "" } else { "&approve=1" };
            let answer = get(&dev(), &format!("{path}?{query}{approve}"), &[]);
            assert_error(&answer, 400, "invalid_request");
            assert_eq!(answer.header("location"), None, "{path}?{query}");
        }
    }
    // At the callback, the redirect URI must be the one the code was sent to.
    let code = authorize("s", &challenge);
    assert_error(&redeem(&code, &verifier, None), 401, "unauthorized");
    assert_error(&redeem(&code, &verifier, Some(other_port)), 401, "unauthorized");
    assert_eq!(redeem(&code, &verifier, Some(REDIRECT_URI)).status, 200);
}

#[test]
fn refused_for_a_client_that_is_not_on_loopback() {
    let (verifier, challenge) = pkce();
    let code = minted(&challenge, REDIRECT_URI, now_ms());
    let page = format!("{AUTH_DEV_AUTHORIZE}?{}", login_query("s", &challenge, Some(REDIRECT_URI)));
    let login = format!("{AUTH_LOGIN}?{}", login_query("s", &challenge, Some(REDIRECT_URI)));
    let body = json!({ "code": code, "code_verifier": verifier, "redirect_uri": REDIRECT_URI });
    for headers in [
        vec![("Host", "worktime.example.com")],
        vec![("CF-Connecting-IP", "203.0.113.9")],
        vec![("Host", "localhost.example.com"), ("CF-Connecting-IP", "127.0.0.1")],
        vec![("CF-Connecting-IP", "192.168.1.20")],
    ] {
        for answer in [
            get(&dev(), &login, &headers),
            get(&dev(), &page, &headers),
            get(&dev(), &format!("{page}&approve=1"), &headers),
            callback(&dev(), &body, &headers),
        ] {
            assert_error(&answer, 403, "forbidden");
            assert_eq!(answer.header("location"), None, "{headers:?}");
        }
    }
    // Loopback under any of its names is served.
    for host in ["localhost", "127.0.0.1", "[::1]"] {
        let port = dev().rsplit(':').next().unwrap_or_default().to_owned();
        let host = format!("{host}:{port}");
        assert_eq!(get(&dev(), &page, &[("Host", &host)]).status, 200, "{host}");
    }
    assert_eq!(callback(&dev(), &body, &[("CF-Connecting-IP", "::1")]).status, 200);
}

/// What a server that does not offer the development sign-in answers to it.
fn assert_no_dev_sign_in(base: &str) {
    let (verifier, challenge) = pkce();
    let query = login_query("s", &challenge, Some(REDIRECT_URI));
    let unknown = get(base, "/auth/dev/nothing", &[]);
    assert_error(&unknown, 404, "not_found");
    for page in [
        get(base, &format!("{AUTH_DEV_AUTHORIZE}?{query}"), &[]),
        get(base, &format!("{AUTH_DEV_AUTHORIZE}?{query}&approve=1"), &[]),
        get(base, AUTH_DEV_AUTHORIZE, &[]),
    ] {
        assert_error(&page, 404, "not_found");
        assert_eq!(page.body, unknown.body, "nothing tells the page from an unknown path");
    }
    // A code this server's own key signed, for the right verifier, signs nobody in.
    let code = minted(&challenge, REDIRECT_URI, now_ms());
    let body = json!({ "code": code, "code_verifier": verifier, "redirect_uri": REDIRECT_URI });
    let answer = callback(base, &body, &[]);
    assert_ne!(answer.status, 200, "{}", answer.body);
    assert!(!answer.body.contains("jwt"), "{}", answer.body);
}

#[test]
fn refused_when_the_environment_is_not_development() {
    let base = worker("WORKTIME_TEST_DEV_PRODUCTION_URL");
    assert_no_dev_sign_in(&base);
    let (verifier, challenge) = pkce();
    let login = get(
        &base,
        &format!("{AUTH_LOGIN}?{}", login_query("s", &challenge, Some(REDIRECT_URI))),
        &[],
    );
    assert_error(&login, 503, "unavailable");
    assert!(login.body.contains("GITHUB_CLIENT_ID"), "says what is missing: {}", login.body);
    let code = minted(&challenge, REDIRECT_URI, now_ms());
    let body = json!({ "code": code, "code_verifier": verifier, "redirect_uri": REDIRECT_URI });
    assert_error(&callback(&base, &body, &[]), 503, "unavailable");
}

#[test]
fn refused_when_a_github_app_is_configured() {
    let base = worker("WORKTIME_TEST_DEV_WITH_APP_URL");
    assert_no_dev_sign_in(&base);
    let (verifier, challenge) = pkce();
    let login = get(
        &base,
        &format!("{AUTH_LOGIN}?{}", login_query("s", &challenge, Some(REDIRECT_URI))),
        &[],
    );
    assert_eq!(login.status, 302, "{}", login.body);
    let location = login.header("location").unwrap_or_default();
    assert!(
        location.starts_with(&format!("{}/login/oauth/authorize?", fake_github_url())),
        "to GitHub: {location}"
    );
    // The development code goes to GitHub, which does not know it.
    let code = minted(&challenge, REDIRECT_URI, now_ms());
    let body = json!({ "code": code, "code_verifier": verifier, "redirect_uri": REDIRECT_URI });
    assert_error(&callback(&base, &body, &[]), 401, "unauthorized");
}
