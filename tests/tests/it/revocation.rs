//! Tokens that can be revoked: sign out (this sign-in and its refreshes), sign out
//! everywhere (every token of the user), refresh never reviving a revoked token, other
//! users and other sign-ins untouched; PKCE required at the code exchange.

use serde_json::{json, Value};
use worktime_api::auth::{AuthResponse, SignOutScope, SignedOut};
use worktime_api::paths::{
    AUTH_CALLBACK, AUTH_LOGOUT, AUTH_LOGOUT_ALL, AUTH_REFRESH, LIVE_TICKET, SESSIONS, STATS_DAILY,
    SYNC,
};
use worktime_tests::{assert_error, authed, call, new_user, sign_in, unique_github_id, SignedIn};

/// One request to each kind of `/api` route, and refresh: every status.
fn statuses(jwt: &str) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    for (method, path, body) in [
        ("GET", SESSIONS.to_owned(), None),
        ("GET", format!("{STATS_DAILY}?days=1"), None),
        ("POST", SYNC.to_owned(), Some(json!({"ops": []}))),
        ("POST", LIVE_TICKET.to_owned(), None),
        ("POST", AUTH_REFRESH.to_owned(), None),
    ] {
        let answer = authed(method, &path, jwt, body.as_ref());
        out.push((format!("{method} {path}"), answer.status));
    }
    out
}

fn all_401(jwt: &str) -> bool {
    statuses(jwt).iter().all(|(_, status)| *status == 401)
}

fn none_401(jwt: &str) -> bool {
    statuses(jwt).iter().all(|(_, status)| *status != 401)
}

fn refresh(jwt: &str) -> String {
    let answer = authed("POST", AUTH_REFRESH, jwt, None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.parse::<AuthResponse>().jwt
}

fn post(path: &str, jwt: &str) -> worktime_tests::Answer {
    authed("POST", path, jwt, None)
}

#[test]
fn logout_ends_this_sign_in_and_its_refreshes_only() {
    let laptop = new_user();
    let desktop = sign_in(laptop.github_id, &laptop.login);
    let stranger = new_user();
    let refreshed = refresh(&laptop.jwt);

    let answer = post(AUTH_LOGOUT, &laptop.jwt);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.parse::<SignedOut>().signed_out, SignOutScope::ThisSignIn);
    assert!(all_401(&laptop.jwt), "the token: {:?}", statuses(&laptop.jwt));
    assert!(all_401(&refreshed), "its refresh: {:?}", statuses(&refreshed));
    assert!(none_401(&desktop.jwt), "another sign-in of the user: {:?}", statuses(&desktop.jwt));
    assert!(none_401(&stranger.jwt), "another user: {:?}", statuses(&stranger.jwt));
    assert_error(&post(AUTH_LOGOUT, &laptop.jwt), 401, "unauthorized");
}

#[test]
fn logout_all_ends_every_token_of_the_user_on_every_device() {
    let laptop = new_user();
    let desktop = sign_in(laptop.github_id, &laptop.login);
    let desktop_refreshed = refresh(&desktop.jwt);
    let stranger = new_user();

    let answer = post(AUTH_LOGOUT_ALL, &desktop.jwt);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.parse::<SignedOut>().signed_out, SignOutScope::Everywhere);
    for jwt in [&laptop.jwt, &desktop.jwt, &desktop_refreshed] {
        assert!(all_401(jwt), "{:?}", statuses(jwt));
    }
    assert!(none_401(&stranger.jwt), "another user: {:?}", statuses(&stranger.jwt));
    // Signing in again works, with a token of the new version.
    let again = sign_in(laptop.github_id, &laptop.login);
    assert!(none_401(&again.jwt), "a new sign-in: {:?}", statuses(&again.jwt));
    assert_eq!(again.user_id, laptop.user_id);
}

#[test]
fn tokens_carry_their_version_sign_in_and_own_id() {
    let user = new_user();
    let payload: Value = worktime_tests::jwt_payload(&user.jwt);
    assert_eq!(payload["ver"], json!(0));
    let sid = payload["sid"].as_str().expect("sid").to_owned();
    let refreshed = worktime_tests::jwt_payload(&refresh(&user.jwt));
    assert_eq!(refreshed["sid"].as_str(), Some(sid.as_str()), "a refresh keeps the sign-in");
    assert_ne!(refreshed["jti"], payload["jti"], "each token has its own id");
    let other: SignedIn = sign_in(user.github_id, &user.login);
    assert_ne!(worktime_tests::jwt_payload(&other.jwt)["sid"].as_str(), Some(sid.as_str()));
}

#[test]
fn the_code_exchange_requires_a_pkce_verifier() {
    let id = unique_github_id();
    let code = format!("test-code:{id}:pkce{id}");
    let headers = [("Content-Type", "application/json")];
    for body in [
        json!({"code": code}),
        json!({"code": code, "code_verifier": "short"}),
        json!({"code": code, "code_verifier": "a".repeat(129)}),
        json!({"code": code, "code_verifier": format!("{}+", "a".repeat(50))}),
    ] {
        let answer = call("POST", AUTH_CALLBACK, &headers, Some(&body.to_string()));
        assert_error(&answer, 400, "invalid_request");
        assert!(answer.body.contains("code_verifier"), "{}", answer.body);
    }
}
