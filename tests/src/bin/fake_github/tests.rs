//! The fake GitHub's unit tests: its endpoints called directly, then a live server.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use worktime_tests::{percent_decode, percent_encode};

use super::*;
use crate::oauth::{basic_decode, pkce_s256, CLIENT_ID, CLIENT_SECRET, MALFORMED_HTML};
use crate::state::id_for_login;
use crate::user::USER_AGENT_REQUIRED;

fn shared() -> Shared {
    Arc::new(Mutex::new(State::default()))
}

fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Request {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Request {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        headers: headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned())).collect(),
        body: body.as_bytes().to_vec(),
    }
}

fn body_json(response: &Response) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

const JSON_ACCEPT: (&str, &str) = ("Accept", "application/json");

#[test]
fn pkce_rfc7636_appendix_b() {
    // The verifier is base64url of the RFC's 32 example octets.
    let octets = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    assert_eq!(URL_SAFE_NO_PAD.encode(octets), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_eq!(
        pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn basic_credentials_decode() {
    assert_eq!(basic_decode("dGVzdC1jbGllbnQtaWQ6eA==").unwrap(), b"test-client-id:x");
    assert_eq!(basic_decode("dGVzdC1jbGllbnQtaWQ6eA").unwrap(), b"test-client-id:x");
    assert_eq!(basic_decode("-_8").unwrap(), vec![0xfb, 0xff]);
    assert_eq!(basic_decode("+/8=").unwrap(), vec![0xfb, 0xff]);
    assert!(basic_decode("a b").is_none());
}

#[test]
fn form_decoding() {
    assert_eq!(percent_decode("read%3Auser+user%3Aemail"), "read:user user:email");
    assert_eq!(percent_decode("a%2Bb+c"), "a+b c");
    assert_eq!(percent_decode("%E2%9C%93"), "✓");
    assert_eq!(percent_decode("100%"), "100%");
    assert_eq!(percent_decode("%zz%4"), "%zz%4");
    let map = form_decode_map("code=abc&redirect_uri=http%3A%2F%2Fx%2Fcb%3Fa%3D1&flag&a=1&a=2");
    assert_eq!(map["code"], "abc");
    assert_eq!(map["redirect_uri"], "http://x/cb?a=1");
    assert_eq!(map["flag"], "");
    assert_eq!(map["a"], "1");
    assert_eq!(percent_encode("read:user x/y"), "read%3Auser%20x%2Fy");
}

#[test]
fn ids_are_stable() {
    assert_eq!(id_for_login("octocat"), id_for_login("octocat"));
    assert_ne!(id_for_login("octocat"), id_for_login("hubot"));
    assert!(id_for_login("octocat") >= 1000);
    // The first 8 bytes of SHA-256("octocat"), big-endian, mod 10^9, plus 1000.
    assert_eq!((id_for_login("octocat"), id_for_login("hubot")), (647_132_536, 437_464_260));
}

fn authorize_code(state: &Shared, extra: &str) -> String {
    let response = handle(
        state,
        &request(
            "GET",
            &format!(
                "/login/oauth/authorize?client_id=test-client-id&redirect_uri=http%3A%2F%2F127.0.0.1%3A8788%2Fcb&state=s+1{extra}"
            ),
            &[],
            "",
        ),
    );
    assert_eq!(response.status, 302);
    let location = response.header("location").unwrap();
    assert!(location.starts_with("http://127.0.0.1:8788/cb?code="), "{location}");
    assert!(location.ends_with("&state=s%201"), "{location}");
    let query = location.split_once('?').unwrap().1;
    form_decode_map(query)["code"].clone()
}

fn token(state: &Shared, body: &str, accept_json: bool) -> Response {
    let headers: &[(&str, &str)] = if accept_json { &[JSON_ACCEPT] } else { &[] };
    handle(state, &request("POST", "/login/oauth/access_token", headers, body))
}

fn creds(code: &str) -> String {
    format!(
        "client_id=test-client-id&client_secret=test-client-secret&code={}",
        percent_encode(code)
    )
}

#[test]
fn full_pkce_flow() {
    let state = shared();
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let code = authorize_code(
        &state,
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&login=hubot",
    );
    assert_eq!(code.len(), 20);
    let body = json!({
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code,
        "redirect_uri": "http://127.0.0.1:8788/cb", "code_verifier": verifier,
    });
    let response = handle(
        &state,
        &request(
            "POST",
            "/login/oauth/access_token",
            &[JSON_ACCEPT, ("Content-Type", "application/json")],
            &body.to_string(),
        ),
    );
    assert_eq!(response.status, 200);
    let answer = body_json(&response);
    let access = answer["access_token"].as_str().unwrap().to_owned();
    assert!(access.starts_with("gho_") && access.len() == 40, "{access}");
    assert_eq!(answer["token_type"], "bearer");
    assert_eq!(answer["scope"], "read:user");

    // One-time use.
    let again = handle(
        &state,
        &request(
            "POST",
            "/login/oauth/access_token",
            &[JSON_ACCEPT, ("Content-Type", "application/json")],
            &body.to_string(),
        ),
    );
    assert_eq!(body_json(&again)["error"], "bad_verification_code");

    let me = handle(
        &state,
        &request(
            "GET",
            "/user",
            &[("User-Agent", "t"), ("Authorization", &format!("Bearer {access}"))],
            "",
        ),
    );
    assert_eq!(me.status, 200);
    let me = body_json(&me);
    assert_eq!(me["login"], "hubot");
    assert_eq!(me["id"], id_for_login("hubot"));
    assert_eq!(me["email"], "hubot@users.noreply.github.com");
    assert_eq!(me["type"], "User");
}

#[test]
fn pkce_and_redirect_failures() {
    let state = shared();
    let challenge =
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
    let code = authorize_code(&state, challenge);
    let r = token(&state, &creds(&code), true);
    assert_eq!(body_json(&r)["error"], "bad_verification_code", "missing verifier");

    let code = authorize_code(&state, challenge);
    let wrong = "x".repeat(43);
    let r = token(&state, &format!("{}&code_verifier={wrong}", creds(&code)), true);
    assert_eq!(body_json(&r)["error"], "bad_verification_code", "wrong verifier");

    let code = authorize_code(&state, "");
    let r = token(&state, &format!("{}&redirect_uri=http%3A%2F%2Fevil%2Fcb", creds(&code)), true);
    assert_eq!(body_json(&r)["error"], "redirect_uri_mismatch");

    let code = authorize_code(&state, "");
    let r = token(&state, &creds(&code).replace("test-client-secret", "nope"), true);
    assert_eq!(body_json(&r)["error"], "incorrect_client_credentials");
    // A wrong secret does not burn the code.
    let r = token(&state, &creds(&code), false);
    assert_eq!(r.status, 200);
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(
        text.starts_with("access_token=gho_")
            && text.ends_with("&token_type=bearer&scope=read%3Auser"),
        "{text}"
    );
    assert!(r.header("content-type").unwrap().starts_with("application/x-www-form-urlencoded"));

    let r = token(&state, &creds("nope"), false);
    let text = String::from_utf8(r.body).unwrap();
    assert!(text.starts_with("error=bad_verification_code&error_description="), "{text}");
}

#[test]
fn authorize_rejections() {
    let state = shared();
    let get = |target: &str| handle(&state, &request("GET", target, &[], ""));
    assert_eq!(
        get("/login/oauth/authorize?client_id=other&redirect_uri=http%3A%2F%2Fx").status,
        400
    );
    assert_eq!(get("/login/oauth/authorize?client_id=test-client-id").status, 400);
    assert_eq!(
        get("/login/oauth/authorize?client_id=test-client-id&redirect_uri=http%3A%2F%2Fx&code_challenge=abc&code_challenge_method=plain").status,
        400
    );
    let ok = get("/login/oauth/authorize?client_id=test-client-id&redirect_uri=http%3A%2F%2Fx%2Fcb%3Fnext%3D1");
    assert_eq!(ok.status, 302);
    let location = ok.header("location").unwrap();
    assert!(location.starts_with("http://x/cb?next=1&code="), "{location}");
    assert!(!location.contains("state="));
}

#[test]
fn static_and_special_codes() {
    let state = shared();
    let r = token(&state, &creds("test-code:42:alice"), true);
    let access = body_json(&r)["access_token"].as_str().unwrap().to_owned();
    let me = handle(
        &state,
        &request(
            "GET",
            "/user",
            &[("User-Agent", "t"), ("Authorization", &format!("token {access}"))],
            "",
        ),
    );
    let me = body_json(&me);
    assert_eq!(me["id"], 42);
    assert_eq!(me["login"], "alice");
    assert_eq!(me["avatar_url"], "https://avatars.githubusercontent.com/u/42?v=4");
    // Static codes are reusable.
    assert!(
        body_json(&token(&state, &creds("test-code:42:alice"), true))["access_token"].is_string()
    );
    assert_eq!(
        body_json(&token(&state, &creds("test-code:x:alice"), true))["error"],
        "bad_verification_code"
    );

    let r = token(&state, &creds("github-down"), true);
    assert_eq!(r.status, 503);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let r = token(&state, &creds("malformed"), true);
    assert_eq!((r.status, r.body.as_slice()), (200, MALFORMED_HTML.as_bytes()));

    for (code, status, expected) in
        [("user-api-down", 500, None), ("user-malformed", 200, Some(json!({"unexpected": true})))]
    {
        let access = body_json(&token(&state, &creds(code), true))["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = handle(
            &state,
            &request(
                "GET",
                "/user",
                &[("User-Agent", "t"), ("Authorization", &format!("Bearer {access}"))],
                "",
            ),
        );
        assert_eq!(r.status, status);
        if let Some(expected) = expected {
            assert_eq!(body_json(&r), expected);
        }
    }
}

#[test]
fn user_rejections_and_log() {
    let state = shared();
    let r = handle(&state, &request("GET", "/user", &[("Authorization", "Bearer x")], ""));
    assert_eq!(r.status, 403);
    assert_eq!(r.body, USER_AGENT_REQUIRED.as_bytes());
    let r = handle(
        &state,
        &request("GET", "/user", &[("User-Agent", "t"), ("Authorization", "Bearer nope")], ""),
    );
    assert_eq!(r.status, 401);
    assert_eq!(body_json(&r)["message"], "Bad credentials");
    let r = handle(&state, &request("GET", "/user", &[("User-Agent", "t")], ""));
    assert_eq!(r.status, 401);
    let r = handle(&state, &request("GET", "/nope", &[], ""));
    assert_eq!((r.status, body_json(&r)), (404, json!({"message": "Not Found"})));

    let log = body_json(&handle(&state, &request("GET", "/_fake/requests", &[], "")));
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 4);
    assert_eq!(log[0]["headers"]["authorization"], "Bearer x");
    assert_eq!(log[3]["path"], "/nope");
    handle(&state, &request("POST", "/_fake/reset", &[], ""));
    let log = body_json(&handle(&state, &request("GET", "/_fake/requests", &[], "")));
    assert_eq!(log, json!([]));
}

#[test]
fn poisoned_state_still_serves() {
    let state = shared();
    let clone = Arc::clone(&state);
    let _ = std::thread::spawn(move || {
        let _guard = clone.lock().unwrap();
        panic!("poison");
    })
    .join();
    assert!(state.is_poisoned());
    let r = handle(&state, &request("GET", "/_fake/requests", &[], ""));
    assert_eq!(r.status, 200);
}

/// Sends raw bytes to a live server and returns the raw answer.
fn raw(port: u16, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(bytes).unwrap();
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn live_server_parses_and_rejects() {
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || serve(listener, shared()));

    for bad in [
        &b"garbage\r\n\r\n"[..],
        b"GET /user HTTP/1.1\r\nno colon\r\n\r\n",
        b"GET /user HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"GET /user HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort",
        b"GET user HTTP/1.1\r\n\r\n",
        b"get /user HTTP/1.1\r\n\r\n",
        b"GET /user HTTP/9\r\n\r\n",
        b"\xff\xfe /user HTTP/1.1\r\n\r\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ] {
        let answer = raw(port, bad);
        assert!(answer.starts_with("HTTP/1.1 400 "), "{bad:?} -> {answer}");
        assert!(answer.contains("Connection: close"));
    }
    assert_eq!(raw(port, b""), "");

    let body = "client_id=test-client-id&client_secret=test-client-secret&code=test-code%3A7%3Abob";
    let answer = raw(port, format!("POST /login/oauth/access_token HTTP/1.1\r\nHost: x\r\naccept: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\"access_token\":\"gho_"), "{answer}");

    let chunked = "POST /login/oauth/access_token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nclient_id=test-c\r\n4a;ext=1\r\nlient-id&client_secret=test-client-secret&code=test-code%3A7%3Abob&x=yyyyy\r\n0\r\n\r\n";
    let answer = raw(port, chunked.as_bytes());
    assert!(answer.contains("access_token=gho_"), "{answer}");
}
