//! Sign-in with GitHub through the fake GitHub: the callback, PKCE login redirects,
//! upstream failures, refresh, and that GitHub's access token never reaches the client.

use serde_json::{json, Value};
use worktime_api::auth::AuthResponse;
use worktime_api::paths::{AUTH_CALLBACK, AUTH_LOGIN, AUTH_REFRESH, SESSIONS};
use worktime_core::jwt::{AUDIENCE, ISSUER, TOKEN_LIFETIME_SECONDS};
use worktime_tests::{
    assert_error, authed, call, call_url, fake_github_url, jwt_payload, now_ms, parse_time,
    percent_encode, query_param, sign_in, unique_github_id, Answer, DAY_MS,
};

/// The allowed origin of the test worker; redirect URIs under it are accepted.
const REDIRECT_URI: &str = "http://127.0.0.1:8799/callback";
/// RFC 7636's example pair (appendix B).
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Panics when GitHub's access token (`gho_…`) shows in the answer's body or headers.
fn assert_no_github_token(answer: &Answer) {
    assert!(!answer.body.contains("gho_"), "GitHub token leaked in the body: {}", answer.body);
    for (name, value) in answer.headers() {
        assert!(!value.contains("gho_"), "GitHub token leaked in header {name}: {value}");
    }
}

/// `POST /auth/github/callback` with `body`, checked for leaks.
fn callback(body: &Value) -> Answer {
    let headers = [("Content-Type", "application/json")];
    let answer = call("POST", AUTH_CALLBACK, &headers, Some(&body.to_string()));
    assert_no_github_token(&answer);
    answer
}

fn static_code(github_id: u64, login: &str) -> Value {
    json!({ "code": format!("test-code:{github_id}:{login}"), "code_verifier": worktime_tests::TEST_VERIFIER })
}

/// Checks an AuthResponse: a working HS256 JWT for `user.id`, valid 7 days.
fn check_auth_response(answer: &Answer, login: &str) -> AuthResponse {
    assert_eq!(answer.status, 200, "{}", answer.body);
    let auth: AuthResponse = answer.parse();
    assert_eq!(auth.user.username, login);
    assert!(auth.user.id > 0, "{}", answer.body);
    assert!(auth.expires_at.ends_with('Z'), "UTC: {}", auth.expires_at);
    let expires = parse_time(&auth.expires_at);
    assert!((expires - (now_ms() + 7 * DAY_MS)).abs() < 120_000, "{}", auth.expires_at);
    let claims = jwt_payload(&auth.jwt);
    assert_eq!(claims["sub"], auth.user.id.to_string(), "sub is the user id as a string");
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["aud"], AUDIENCE);
    let (iat, exp) = (claims["iat"].as_i64().expect("iat"), claims["exp"].as_i64().expect("exp"));
    assert_eq!(exp - iat, TOKEN_LIFETIME_SECONDS);
    assert_eq!(exp * 1000, expires, "expires_at is the token's exp");
    let works = authed("GET", SESSIONS, &auth.jwt, None);
    assert_eq!(works.status, 200, "the issued token works: {}", works.body);
    auth
}

#[test]
fn callback_signs_in_with_a_working_token_and_the_github_user() {
    let github_id = unique_github_id();
    let login = format!("cb-{github_id}");
    let answer = callback(&static_code(github_id, &login));
    let auth = check_auth_response(&answer, &login);
    let avatar = auth.user.avatar_url.expect("GitHub's avatar_url is passed on");
    assert!(avatar.starts_with("https://"), "{avatar}");
    assert!(avatar.contains(&format!("/u/{github_id}")), "the user's own avatar: {avatar}");
}

#[test]
fn signing_in_again_keeps_the_user_and_refreshes_the_username() {
    let github_id = unique_github_id();
    let first = sign_in(github_id, &format!("old-{github_id}"));
    let answer = callback(&static_code(github_id, &format!("new-{github_id}")));
    let again = check_auth_response(&answer, &format!("new-{github_id}"));
    assert_eq!(again.user.id, first.user_id, "same GitHub id, same WorkTime user");
    let other = sign_in(unique_github_id(), &format!("other-{github_id}"));
    assert_ne!(other.user_id, first.user_id, "another GitHub user is another WorkTime user");
}

#[test]
fn a_code_github_rejects_is_401() {
    let answer =
        callback(&json!({"code": "bad-code-xyz", "code_verifier": worktime_tests::TEST_VERIFIER}));
    assert_error(&answer, 401, "unauthorized");
}

#[test]
fn github_failures_are_502() {
    for code in ["github-down", "malformed", "user-api-down", "user-malformed"] {
        let answer =
            callback(&json!({ "code": code, "code_verifier": worktime_tests::TEST_VERIFIER }));
        assert_error(&answer, 502, "upstream_failed");
    }
}

#[test]
fn malformed_callback_bodies_are_400() {
    let headers = [("Content-Type", "application/json")];
    for body in [r#"{"code":"#, "not json", r#"{"code":"x","extra":1}"#, r#"{}"#, r#"{"code":7}"#] {
        let answer = call("POST", AUTH_CALLBACK, &headers, Some(body));
        assert_no_github_token(&answer);
        assert_error(&answer, 400, "invalid_json");
    }
}

/// `GET /auth/github/login` with `query`, checked for leaks.
fn login(query: &str) -> Answer {
    let answer = call("GET", &format!("{AUTH_LOGIN}?{query}"), &[], None);
    assert_no_github_token(&answer);
    answer
}

/// Runs the browser half of the PKCE flow for `login_name`; returns the code GitHub
/// redirected back with.
fn authorize_through_the_fake(state: &str, login_name: &str) -> String {
    let query = format!(
        "state={}&code_challenge={CHALLENGE}&redirect_uri={}",
        percent_encode(state),
        percent_encode(REDIRECT_URI)
    );
    let answer = login(&query);
    assert_eq!(answer.status, 302, "{}", answer.body);
    let location = answer.header("location").expect("a Location").to_owned();
    let authorize = format!("{}/login/oauth/authorize?", fake_github_url());
    assert!(location.starts_with(&authorize), "to GitHub's authorize page: {location}");
    let param = |name: &str| query_param(&location, name);
    assert_eq!(param("client_id").as_deref(), Some("test-client-id"), "{location}");
    assert_eq!(param("scope").as_deref(), Some("read:user"), "{location}");
    assert_eq!(param("state").as_deref(), Some(state), "{location}");
    assert_eq!(param("code_challenge").as_deref(), Some(CHALLENGE), "{location}");
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"), "{location}");
    assert_eq!(param("redirect_uri").as_deref(), Some(REDIRECT_URI), "{location}");
    assert!(param("client_secret").is_none(), "the secret stays on the server: {location}");

    let approved = call_url("GET", &format!("{location}&login={login_name}"), &[], None);
    assert_eq!(approved.status, 302, "the fake approves: {}", approved.body);
    let back = approved.header("location").expect("GitHub redirects back").to_owned();
    assert!(back.starts_with(&format!("{REDIRECT_URI}?")), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some(state), "{back}");
    query_param(&back, "code").expect("a code on the redirect")
}

#[test]
fn pkce_flow_through_github_signs_in() {
    let login_name = format!("pkce-{}", unique_github_id());
    let state = format!("st-{}", worktime_tests::uuid());
    let code = authorize_through_the_fake(&state, &login_name);
    let answer = callback(&json!({
        "code": code, "code_verifier": VERIFIER, "redirect_uri": REDIRECT_URI,
    }));
    check_auth_response(&answer, &login_name);
}

#[test]
fn pkce_with_the_wrong_verifier_is_401() {
    let login_name = format!("pkce-bad-{}", unique_github_id());
    let code = authorize_through_the_fake("s-1", &login_name);
    let wrong = "Xx".repeat(22);
    let answer =
        callback(&json!({"code": code, "code_verifier": wrong, "redirect_uri": REDIRECT_URI}));
    assert_error(&answer, 401, "unauthorized");
}

#[test]
fn login_requires_state_challenge_and_an_allowed_redirect() {
    let redirect = percent_encode(REDIRECT_URI);
    for query in [
        format!("code_challenge={CHALLENGE}&redirect_uri={redirect}"),
        format!("state=s&redirect_uri={redirect}"),
        format!(
            "state=s&code_challenge={CHALLENGE}&redirect_uri={}",
            percent_encode("https://evil.example/cb")
        ),
        format!(
            "state=s&code_challenge={CHALLENGE}&redirect_uri={}",
            percent_encode("http://127.0.0.1:8798/cb")
        ),
    ] {
        let answer = login(&query);
        assert_eq!(answer.status, 400, "{query}: {}", answer.body);
        assert_error(&answer, 400, "invalid_request");
        assert_eq!(answer.header("location"), None, "{query}");
    }
}

#[test]
fn refresh_issues_a_new_token_for_the_same_user() {
    let github_id = unique_github_id();
    let login_name = format!("rf-{github_id}");
    let user = sign_in(github_id, &login_name);
    // Tokens carry whole seconds; wait so the new one is distinguishable.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let answer = authed("POST", AUTH_REFRESH, &user.jwt, None);
    assert_no_github_token(&answer);
    let refreshed = check_auth_response(&answer, &login_name);
    assert_eq!(refreshed.user.id, user.user_id);
    assert_ne!(refreshed.jwt, user.jwt, "a new token");
    let old_exp = jwt_payload(&user.jwt)["exp"].as_i64().expect("exp");
    let new_exp = jwt_payload(&refreshed.jwt)["exp"].as_i64().expect("exp");
    assert!(new_exp > old_exp, "the new token lives longer");
}

#[test]
fn refresh_without_a_valid_token_is_401() {
    let none = call("POST", AUTH_REFRESH, &[], None);
    assert_error(&none, 401, "unauthorized");
    let garbage = call("POST", AUTH_REFRESH, &[("Authorization", "Bearer not.a.token")], None);
    assert_error(&garbage, 401, "unauthorized");
    let user = worktime_tests::new_user();
    let (head, rest) = user.jwt.split_at(user.jwt.len() - 2);
    let flipped = if rest.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}{flipped}{}", &rest[1..]);
    let answer = authed("POST", AUTH_REFRESH, &tampered, None);
    assert_error(&answer, 401, "unauthorized");
}

/// The fake's request log.
fn fake_log() -> Vec<Value> {
    let answer = call_url("GET", &format!("{}/_fake/requests", fake_github_url()), &[], None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json().as_array().cloned().expect("the log is an array")
}

#[test]
fn worker_talks_to_github_with_user_agent_and_json_and_keeps_the_token() {
    let github_id = unique_github_id();
    let login_name = format!("ua-{github_id}");
    let answer = callback(&static_code(github_id, &login_name));
    check_auth_response(&answer, &login_name);

    let log = fake_log();
    let exchange = log
        .iter()
        .position(|entry| {
            entry["method"] == "POST"
                && entry["path"] == "/login/oauth/access_token"
                && [&entry["body"], &entry["query"]]
                    .iter()
                    .any(|part| part.as_str().is_some_and(|text| text.contains(&login_name)))
        })
        .expect("the worker exchanged this sign-in's code at GitHub");
    let headers = &log[exchange]["headers"];
    let accept = headers["accept"].as_str().unwrap_or_default();
    assert!(accept.contains("application/json"), "token exchange Accept: {accept:?}");
    let agent = headers["user-agent"].as_str().unwrap_or_default();
    assert!(!agent.trim().is_empty(), "token exchange without User-Agent");

    let user_calls: Vec<&Value> =
        log.iter().filter(|entry| entry["method"] == "GET" && entry["path"] == "/user").collect();
    assert!(
        log[exchange..].iter().any(|entry| entry["path"] == "/user"),
        "the worker asked GitHub who the user is"
    );
    for entry in user_calls {
        let agent = entry["headers"]["user-agent"].as_str().unwrap_or_default();
        assert!(!agent.trim().is_empty(), "GET /user without User-Agent: {entry}");
        let auth = entry["headers"]["authorization"].as_str().unwrap_or_default();
        assert!(auth.contains("gho_"), "GET /user with GitHub's token: {entry}");
    }
}
