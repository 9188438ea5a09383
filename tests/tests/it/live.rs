//! Live updates over a real WebSocket: a ticket opens the user's socket once; a write of
//! the user (from any device) sends `changed`; another user's writes send nothing; a
//! sign-out everywhere closes the socket with 4001.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};
use worktime_api::live::{LiveTicket, CLOSE_SIGNED_OUT};
use worktime_api::paths::{AUTH_LOGOUT_ALL, LIVE, LIVE_TICKET, SESSIONS_START};
use worktime_tests::{
    assert_error, authed, base_url, call, new_user, now_s_ms, rfc3339, uuid, MINUTE_MS,
};

pub(crate) type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

pub(crate) fn ticket(jwt: &str) -> String {
    let answer = authed("POST", LIVE_TICKET, jwt, None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.parse::<LiveTicket>().ticket
}

fn ws_url(ticket: &str) -> String {
    format!("{}{LIVE}?ticket={ticket}", base_url().replacen("http://", "ws://", 1))
}

/// Opens the socket; `Err(status)` when the upgrade is refused.
pub(crate) fn open(ticket: &str) -> Result<Socket, u16> {
    match tungstenite::connect(ws_url(ticket)) {
        Ok((socket, _)) => {
            if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
                stream.set_read_timeout(Some(Duration::from_millis(500))).expect("timeout");
            }
            Ok(socket)
        }
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(err) => panic!("no answer to the upgrade: {err}"),
    }
}

/// The next text message within `limit`, or `None`.
pub(crate) fn next_text(socket: &mut Socket, limit: Duration) -> Option<Value> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        match socket.read() {
            Ok(Message::Text(text)) => return serde_json::from_str(text.as_str()).ok(),
            Ok(_) => {}
            Err(tungstenite::Error::Io(err))
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return None,
        }
    }
    None
}

/// The close code the server sends within `limit`.
pub(crate) fn close_code(socket: &mut Socket, limit: Duration) -> Option<u16> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        match socket.read() {
            Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
            Ok(_) => {}
            Err(tungstenite::Error::Io(err))
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return None,
        }
    }
    None
}

fn start(jwt: &str, device: &str) {
    let body = json!({"id": uuid(), "repo_owner": "octo", "repo_name": "live", "pr_number": 1,
                      "start_time": rfc3339(now_s_ms() - MINUTE_MS), "device_id": device});
    assert_eq!(authed("POST", SESSIONS_START, jwt, Some(&body)).status, 201);
}

#[test]
fn the_upgrade_needs_a_fresh_ticket_used_once() {
    let user = new_user();
    assert_eq!(open("").err(), Some(401));
    assert_eq!(
        open(&format!("{}.0123456789abcdef", user.user_id)).err(),
        Some(401),
        "a made-up ticket"
    );
    let good = ticket(&user.jwt);
    let socket = open(&good);
    assert!(socket.is_ok(), "a fresh ticket opens the socket");
    assert_eq!(open(&good).err(), Some(401), "a ticket works once");
    // Without a token, no ticket; a plain GET is no upgrade.
    assert_error(&call("POST", LIVE_TICKET, &[], None), 401, "unauthorized");
    assert_error(
        &call("GET", &format!("{LIVE}?ticket={}", ticket(&user.jwt)), &[], None),
        400,
        "invalid_request",
    );
}

#[test]
fn a_write_of_the_user_reaches_every_socket_and_nobody_elses() {
    let user = new_user();
    let stranger = new_user();
    let mut first = open(&ticket(&user.jwt)).expect("socket 1");
    let mut second = open(&ticket(&user.jwt)).expect("socket 2");
    let mut other = open(&ticket(&stranger.jwt)).expect("stranger's socket");
    let device = uuid();
    let sent = Instant::now();
    start(&user.jwt, &device);
    for socket in [&mut first, &mut second] {
        let message = next_text(socket, Duration::from_secs(5)).expect("a changed message");
        assert_eq!(message["type"], "changed", "{message}");
        assert_eq!(message["device_id"], json!(device), "{message}");
        assert!(message["at"].as_str().is_some_and(|at| at.ends_with('Z')), "{message}");
        assert_eq!(message.as_object().map(|o| o.len()), Some(3), "nothing else: {message}");
    }
    println!("live: write to message in {:?}", sent.elapsed());
    assert_eq!(
        next_text(&mut other, Duration::from_millis(800)),
        None,
        "another user's socket hears nothing"
    );
    // A read changes nothing and sends nothing.
    authed("GET", worktime_api::paths::SESSIONS, &user.jwt, None);
    assert_eq!(next_text(&mut first, Duration::from_millis(800)), None);
}

#[test]
fn sign_out_everywhere_closes_the_users_sockets() {
    let user = new_user();
    let stranger = new_user();
    let mut socket = open(&ticket(&user.jwt)).expect("socket");
    let mut other = open(&ticket(&stranger.jwt)).expect("stranger's socket");
    assert_eq!(authed("POST", AUTH_LOGOUT_ALL, &user.jwt, None).status, 200);
    assert_eq!(close_code(&mut socket, Duration::from_secs(5)), Some(CLOSE_SIGNED_OUT));
    other.send(Message::text("ping")).expect("ping");
    let pong =
        next_text(&mut other, Duration::from_secs(5)).expect("the stranger's socket stays open");
    assert_eq!(pong["type"], "pong");
}
