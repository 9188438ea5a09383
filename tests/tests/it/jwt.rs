//! Bearer-token checks on `/api/*`: every way a token can be wrong is the same 401, with
//! a byte-identical body (nothing tells an attacker which check failed) and
//! `WWW-Authenticate`. Tokens are forged with the worker's own secret where the case needs
//! a valid signature, so only the claim under test is wrong.

use serde_json::{json, Value};
use worktime_api::paths::{SESSIONS, SESSIONS_START};
use worktime_core::jwt::{sign, Claims, JwtKey, AUDIENCE, ISSUER};
use worktime_tests::jwt::{base64url, forge_token, HS256_HEADER};
use worktime_tests::{assert_error, call, jwt_secret, new_user, now_ms, uuid, Answer};

fn now_s() -> i64 {
    now_ms() / 1000
}

/// A complete, valid claim set for user `sub`, as JSON.
fn valid_payload(sub: i64) -> Value {
    json!({"sub": sub.to_string(), "iat": now_s() - 10, "exp": now_s() + 3600, "iss": ISSUER, "aud": AUDIENCE,
           "ver": 0, "sid": "forged-sign-in", "jti": "forged-token"})
}

/// A token for `payload`, signed with the worker's secret.
fn forged(payload: &Value) -> String {
    forge_token(&jwt_secret(), HS256_HEADER, &payload.to_string())
}

fn claims(sub: i64, iat: i64, exp: i64) -> Claims {
    Claims {
        sub: sub.to_string(),
        iat,
        exp,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        ver: 0,
        sid: "forged-sign-in".into(),
        jti: "forged-token".into(),
    }
}

fn with_authorization(value: Option<&str>) -> Answer {
    match value {
        Some(value) => call("GET", SESSIONS, &[("Authorization", value)], None),
        None => call("GET", SESSIONS, &[], None),
    }
}

fn bearer(token: &str) -> Answer {
    with_authorization(Some(&format!("Bearer {token}")))
}

#[test]
fn forged_tokens_with_the_real_secret_are_accepted() {
    // The control for every case below: the forging itself is right.
    let user = new_user();
    let answer = bearer(&forged(&valid_payload(user.user_id)));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let key = JwtKey::new(&jwt_secret()).expect("the test secret has at least 32 bytes");
    let answer = bearer(&sign(&key, &claims(user.user_id, now_s(), now_s() + 60)));
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[test]
fn every_bad_token_is_the_same_401() {
    let user = new_user();
    let other = new_user();
    let id = user.user_id;
    let secret = jwt_secret();
    let key = JwtKey::new(&secret).expect("the test secret has at least 32 bytes");

    let mut cases: Vec<(String, Option<String>)> = vec![
        ("no Authorization header".into(), None),
        ("Bearer garbage".into(), Some("Bearer garbage".into())),
        ("Bearer without a token".into(), Some("Bearer ".into())),
        ("Basic credentials".into(), Some("Basic dXNlcjpwYXNzd29yZA==".into())),
        ("token without a scheme".into(), Some(forged(&valid_payload(id)))),
    ];
    let mut add =
        |name: &str, token: String| cases.push((name.into(), Some(format!("Bearer {token}"))));

    // Someone else's id in an otherwise valid token's payload.
    let valid = user.jwt.clone();
    let parts: Vec<&str> = valid.split('.').collect();
    let foreign = base64url(valid_payload(other.user_id).to_string().as_bytes());
    add("tampered payload", format!("{}.{foreign}.{}", parts[0], parts[2]));
    let alg_none = base64url(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = base64url(valid_payload(id).to_string().as_bytes());
    add("alg none, unsigned", format!("{alg_none}.{payload}."));
    add("alg none, real signature", format!("{alg_none}.{payload}.{}", parts[2]));
    let other_key = JwtKey::new(b"another secret, thirty-two bytes").expect("32 bytes");
    add("another key", sign(&other_key, &claims(id, now_s(), now_s() + 3600)));
    add("expired", sign(&key, &claims(id, now_s() - 8 * 86_400, now_s() - 86_400)));
    add("expired a second ago", sign(&key, &claims(id, now_s() - 3600, now_s() - 1)));
    for name in ["sub", "iat", "exp", "iss", "aud", "ver", "sid", "jti"] {
        let mut payload = valid_payload(id);
        payload.as_object_mut().expect("object").remove(name);
        add(&format!("missing {name}"), forged(&payload));
    }
    let mut wrong_iss = valid_payload(id);
    wrong_iss["iss"] = json!("someone-else");
    add("wrong issuer", forged(&wrong_iss));
    let mut wrong_aud = valid_payload(id);
    wrong_aud["aud"] = json!("worktime-web");
    add("wrong audience", forged(&wrong_aud));
    add("signature cut off", format!("{}.{}.", parts[0], parts[1]));

    let mut first_body: Option<String> = None;
    for (name, authorization) in &cases {
        let answer = with_authorization(authorization.as_deref());
        assert_eq!(answer.status, 401, "{name}: {}", answer.body);
        assert_error(&answer, 401, "unauthorized");
        let challenge = answer
            .header("www-authenticate")
            .unwrap_or_else(|| panic!("{name}: no WWW-Authenticate"));
        assert!(challenge.to_ascii_lowercase().starts_with("bearer"), "{name}: {challenge}");
        match &first_body {
            None => first_body = Some(answer.body.clone()),
            Some(first) => assert_eq!(&answer.body, first, "{name}: the body tells cases apart"),
        }
    }
    // The genuine token still works: the 401s are about the tokens, not the user.
    assert_eq!(bearer(&user.jwt).status, 200);
}

#[test]
fn writes_without_a_valid_token_are_401_and_change_nothing() {
    let user = new_user();
    let body = json!({"id": uuid(), "repo_owner": "octo", "repo_name": "repo", "pr_number": 1});
    let headers = [("Content-Type", "application/json")];
    let answer = call("POST", SESSIONS_START, &headers, Some(&body.to_string()));
    assert_error(&answer, 401, "unauthorized");
    let other_key = JwtKey::new(b"another secret, thirty-two bytes").expect("32 bytes");
    let token = sign(&other_key, &claims(user.user_id, now_s(), now_s() + 3600));
    let authorization = format!("Bearer {token}");
    let headers = [("Content-Type", "application/json"), ("Authorization", authorization.as_str())];
    let answer = call("POST", SESSIONS_START, &headers, Some(&body.to_string()));
    assert_error(&answer, 401, "unauthorized");
    let list = worktime_tests::list_sessions(&user.jwt, "");
    assert_eq!(list.total, 0, "a start with a forged token created nothing: {list:?}");
}
