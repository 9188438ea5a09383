//! What the session endpoints accept: rule violations are 422, malformed or unknown input
//! 400, oversized bodies 413, bad list parameters 400; none of them stores anything.
//! Accepted times come back as UTC, whole seconds.

use serde_json::{json, Value};
use worktime_api::paths::{
    session_end, session_heartbeat, SESSIONS, SESSIONS_START, SESSIONS_STOP, SYNC,
};
use worktime_api::sessions::Session;
use worktime_tests::{
    assert_error, authed, call, end_session, list_sessions, new_user, now_ms, now_s_ms, rfc3339,
    start_session, uuid, Answer, MINUTE_MS, SECOND_MS,
};

fn valid_start(id: &str) -> Value {
    json!({"id": id, "repo_owner": "octo", "repo_name": "repo", "pr_number": 1,
           "start_time": rfc3339(now_s_ms() - MINUTE_MS), "tz_offset_minutes": 0})
}

/// `POST` of a raw body with the user's token.
fn post_raw(path: &str, jwt: &str, body: &str) -> Answer {
    let bearer = format!("Bearer {jwt}");
    let headers = [("Authorization", bearer.as_str()), ("Content-Type", "application/json")];
    call("POST", path, &headers, Some(body))
}

#[test]
fn broken_rules_are_422_and_store_nothing() {
    let user = new_user();
    let cases: Vec<(&str, Value)> = vec![
        ("repo_owner", json!("-bad")),
        ("repo_owner", json!("bad-")),
        ("repo_owner", json!("a_b")),
        ("repo_owner", json!("")),
        ("repo_owner", json!("x".repeat(40))),
        ("repo_name", json!("a/b")),
        ("repo_name", json!("..")),
        ("repo_name", json!(".")),
        ("repo_name", json!("")),
        ("repo_name", json!("sp ace")),
        ("pr_number", json!(0)),
        ("pr_number", json!(-1)),
        ("id", json!("not-a-uuid")),
        ("id", json!("123e4567e89b42d3a456426614174000")),
        ("id", json!("123e4567-e89b-42d3-a456-42661417400g")),
        ("start_time", json!(rfc3339(now_ms() + 10 * MINUTE_MS))),
        ("start_time", json!("yesterday")),
        ("start_time", json!("1999-12-31T23:59:59Z")),
        ("tz_offset_minutes", json!(900)),
        ("tz_offset_minutes", json!(-721)),
        ("tz_offset_minutes", json!(841)),
    ];
    for (field, value) in cases {
        let mut body = valid_start(&uuid());
        body[field] = value.clone();
        let answer = authed("POST", SESSIONS_START, &user.jwt, Some(&body));
        assert_eq!(answer.status, 422, "{field} = {value}: {}", answer.body);
        assert_error(&answer, 422, "validation_failed");
    }
    assert_eq!(list_sessions(&user.jwt, "").total, 0, "no rejected start was stored");
    // The edges of the rules are accepted.
    let mut edge = valid_start(&uuid());
    edge["repo_owner"] = json!("a-b");
    edge["repo_name"] = json!(".github");
    edge["tz_offset_minutes"] = json!(840);
    edge["start_time"] = json!(rfc3339(now_ms() + 4 * MINUTE_MS));
    let answer = authed("POST", SESSIONS_START, &user.jwt, Some(&edge));
    assert_eq!(answer.status, 201, "4 minutes ahead is within the skew: {}", answer.body);
}

#[test]
fn malformed_or_unknown_input_is_400_invalid_json() {
    let user = new_user();
    let id = uuid();
    let mut unknown = valid_start(&id);
    unknown["note"] = json!("hi");
    let mut wrong_type = valid_start(&id);
    wrong_type["pr_number"] = json!("1");
    let mut missing = valid_start(&id);
    missing.as_object_mut().expect("object").remove("repo_name");
    let bodies = [
        unknown.to_string(),
        wrong_type.to_string(),
        missing.to_string(),
        r#"{"id": "#.to_owned(),
        "not json at all".to_owned(),
        "[]".to_owned(),
        String::new(),
    ];
    for body in &bodies {
        let answer = post_raw(SESSIONS_START, &user.jwt, body);
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert_error(&answer, 400, "invalid_json");
    }
    assert_eq!(list_sessions(&user.jwt, "").total, 0);

    start_session(&user.jwt, &id, ("octo", "repo", 1), Some(now_s_ms() - MINUTE_MS), None);
    let end = authed("PATCH", &session_end(&id), &user.jwt, Some(&json!({"end": "now"})));
    assert_error(&end, 400, "invalid_json");
    let beat = authed("POST", &session_heartbeat(&id), &user.jwt, Some(&json!({"when": "now"})));
    assert_error(&beat, 400, "invalid_json");
    let end = authed("PATCH", &session_end(&id), &user.jwt, Some(&json!({"end_time": "soon"})));
    assert_error(&end, 422, "validation_failed");
    let listed = list_sessions(&user.jwt, "");
    assert_eq!(listed.sessions[0].end_time, None, "still active after the rejected ends");
}

#[test]
fn session_ids_in_paths_must_be_uuids() {
    let user = new_user();
    let answer = authed("PATCH", &session_end("not-a-uuid"), &user.jwt, Some(&json!({})));
    assert_error(&answer, 400, "invalid_request");
    let answer = authed("POST", &session_heartbeat("not-a-uuid"), &user.jwt, Some(&json!({})));
    assert_error(&answer, 400, "invalid_request");
}

#[test]
fn bodies_over_64_kib_are_413() {
    let user = new_user();
    let limit = worktime_api::MAX_BODY_BYTES;
    // Valid JSON padded with whitespace: only the size is wrong.
    let padded = |id: &str, len: usize| {
        let json = valid_start(id).to_string();
        format!("{json}{}", " ".repeat(len - json.len()))
    };
    let too_big = post_raw(SESSIONS_START, &user.jwt, &padded(&uuid(), limit + 1));
    assert_error(&too_big, 413, "payload_too_large");
    assert_eq!(list_sessions(&user.jwt, "").total, 0);
    let at_limit = post_raw(SESSIONS_START, &user.jwt, &padded(&uuid(), limit));
    assert_eq!(at_limit.status, 201, "exactly 64 KiB is allowed: {}", at_limit.body);

    let id = uuid();
    start_session(&user.jwt, &id, ("octo", "repo", 2), Some(now_s_ms() - MINUTE_MS), None);
    let big_end = format!("{{}}{}", " ".repeat(limit));
    let bearer = format!("Bearer {}", user.jwt);
    let headers = [("Authorization", bearer.as_str()), ("Content-Type", "application/json")];
    let answer = call("PATCH", &session_end(&id), &headers, Some(&big_end));
    assert_error(&answer, 413, "payload_too_large");
    let huge = format!("{{\"ops\":[]}}{}", " ".repeat(limit));
    let answer = post_raw(worktime_api::paths::SYNC, &user.jwt, &huge);
    assert_error(&answer, 413, "payload_too_large");
}

#[test]
fn times_come_back_in_utc_whole_seconds() {
    let user = new_user();
    let id = uuid();
    // 2 minutes ago, written at +05:30 with milliseconds.
    let start_s = now_s_ms() / SECOND_MS - 120;
    let local = rfc3339((start_s + 330 * 60) * SECOND_MS);
    let start_text = format!("{}.987+05:30", local.trim_end_matches('Z'));
    let body = json!({"id": id, "repo_owner": "octo", "repo_name": "repo", "pr_number": 3,
                      "start_time": start_text});
    let answer = authed("POST", SESSIONS_START, &user.jwt, Some(&body));
    assert_eq!(answer.status, 201, "{start_text}: {}", answer.body);
    let session: Session = answer.parse();
    assert_eq!(session.start_time, rfc3339(start_s * SECOND_MS), "UTC, truncated: {start_text}");
    assert_eq!(session.last_heartbeat, session.start_time);

    let end_text = format!("{}.999Z", rfc3339((start_s + 61) * SECOND_MS).trim_end_matches('Z'));
    let answer =
        authed("PATCH", &session_end(&id), &user.jwt, Some(&json!({"end_time": end_text})));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let ended: Session = answer.parse();
    assert_eq!(ended.end_time, Some(rfc3339((start_s + 61) * SECOND_MS)));
    assert_eq!(ended.duration_seconds, Some(61), "whole seconds, no rounding up");
    assert_eq!(end_session(&user.jwt, &id, None), ended);
}

#[test]
fn bad_list_parameters_are_400() {
    let user = new_user();
    for query in [
        "limit=0",
        "limit=101",
        "limit=-5",
        "limit=abc",
        "offset=-1",
        "offset=x",
        "pr_number=abc",
        "from=yesterday",
        "to=2026-13-45",
        "colour=blue",
        "limit=10&sort=asc",
    ] {
        let answer = authed("GET", &format!("{SESSIONS}?{query}"), &user.jwt, None);
        assert_eq!(answer.status, 400, "{query}: {}", answer.body);
        assert_error(&answer, 400, "invalid_request");
    }
    let ok = list_sessions(&user.jwt, "limit=100&offset=0");
    assert_eq!((ok.limit, ok.offset, ok.total), (100, 0, 0));
    let one = list_sessions(&user.jwt, "limit=1");
    assert_eq!(one.limit, 1);
}

/// Every route that takes JSON, with a session to aim at.
fn json_routes(jwt: &str) -> Vec<(&'static str, String)> {
    let id = uuid();
    start_session(jwt, &id, ("octo", "repo", 3), Some(now_s_ms() - MINUTE_MS), None);
    vec![
        ("POST", SESSIONS_START.to_owned()),
        ("POST", SESSIONS_STOP.to_owned()),
        ("PATCH", session_end(&id)),
        ("POST", session_heartbeat(&id)),
        ("POST", SYNC.to_owned()),
    ]
}

#[test]
fn bodies_that_are_not_objects_are_400_and_change_nothing() {
    let user = new_user();
    let routes = json_routes(&user.jwt);
    let before = list_sessions(&user.jwt, "");
    let bearer = format!("Bearer {}", user.jwt);
    let headers = [("Authorization", bearer.as_str()), ("Content-Type", "application/json")];
    for (method, path) in &routes {
        for body in ["[]", "[null]", "\"x\"", "1", "null", "true", " [ ] "] {
            let answer = call(method, path, &headers, Some(body));
            assert_error(&answer, 400, "invalid_json");
        }
    }
    assert_eq!(list_sessions(&user.jwt, ""), before, "nothing was written");
}

#[test]
fn stop_validates_its_body_like_every_other_route() {
    let user = new_user();
    let id = uuid();
    let start = now_s_ms() - 10 * MINUTE_MS;
    start_session(&user.jwt, &id, ("octo", "repo", 4), Some(start), None);
    let before = list_sessions(&user.jwt, "");
    assert_error(&post_raw(SESSIONS_STOP, &user.jwt, r#"{"foo":1}"#), 400, "invalid_json");
    assert_error(
        &post_raw(SESSIONS_STOP, &user.jwt, r#"{"end_time":"later"}"#),
        422,
        "validation_failed",
    );
    let big = format!("{{}}{}", " ".repeat(70 * 1024));
    assert_error(&post_raw(SESSIONS_STOP, &user.jwt, &big), 413, "payload_too_large");
    assert_eq!(list_sessions(&user.jwt, ""), before, "nothing was written");
    let end = start + 5 * MINUTE_MS;
    let stopped =
        post_raw(SESSIONS_STOP, &user.jwt, &json!({"end_time": rfc3339(end)}).to_string());
    assert_eq!(stopped.status, 200, "{}", stopped.body);
    assert_eq!(stopped.parse::<Session>().duration_seconds, Some(300), "end_time is honoured");
}

/// Sends `body` with `Transfer-Encoding: chunked` (no Content-Length) in chunks of 4 KiB
/// over a raw socket; returns the status line's code.
fn post_chunked(path: &str, jwt: &str, body: &[u8]) -> u16 {
    use std::io::{Read, Write};
    let base = worktime_tests::base_url();
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).expect("connect to the worker");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {jwt}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("write head");
    for chunk in body.chunks(4096) {
        // The worker may answer 413 and close before the whole body is sent.
        if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).is_err()
            || stream.write_all(chunk).is_err()
            || stream.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}

#[test]
fn chunked_bodies_over_64_kib_are_413_too() {
    let user = new_user();
    let json = valid_start(&uuid()).to_string();
    let mut big = json.clone().into_bytes();
    big.resize(worktime_api::MAX_BODY_BYTES + 6 * 1024, b' ');
    assert_eq!(post_chunked(SESSIONS_START, &user.jwt, &big), 413);
    assert_eq!(list_sessions(&user.jwt, "").total, 0, "nothing was written");
    assert_eq!(
        post_chunked(SESSIONS_START, &user.jwt, json.as_bytes()),
        201,
        "a small chunked body is read"
    );
}
