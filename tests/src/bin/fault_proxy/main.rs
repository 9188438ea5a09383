//! A fault-injecting HTTP/1.1 reverse proxy between WorkTime's SDK (in headless Chromium) and
//! the worker (`wrangler dev`), for the offline-first sync tests.
//!
//! Usage: `fault-proxy [--port PORT] [--upstream http://HOST:PORT]` (defaults 8793 and
//! `http://127.0.0.1:8788`; `--port 0` picks a free port). Once bound it prints
//! `fault-proxy listening on http://127.0.0.1:PORT` and serves until killed.
//!
//! Modes (`pass` by default): `drop`, `delay`, `error500`, `error429`, `lose_reply` and
//! `duplicate`, set by `POST /_proxy/mode`; `GET /_proxy/stats` and `POST /_proxy/reset` too.
//! A thread per connection, one request per connection (`worktime_tests::http1`), and no
//! panic on bad input (400, or 502 when the upstream is unreachable).
//!
//! A WebSocket upgrade (`Upgrade: websocket`, the live socket) is tunnelled: its head goes
//! upstream with the upgrade headers, then bytes flow both ways until either side closes.
//! It counts as a request; `drop`, `error500` and `error429` apply to it (no answer, 500,
//! 429), every other mode lets it through.
//!
//! Modules: `faults` (the modes, their counters and the admin endpoints), `tunnel` (the
//! WebSocket byte tunnel); this file holds the server and the forwarding of plain requests.

mod faults;
mod tunnel;

#[cfg(test)]
mod tests;

use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use worktime_tests::http1::{self, Message, ReadError};

use faults::{lock, Shared, State, FORWARDED};

const USAGE: &str = "fault-proxy [--port PORT] [--upstream http://HOST:PORT]";
/// The most a request or response body may hold.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
const IO_TIMEOUT: Duration = Duration::from_secs(30);

fn main() {
    let (port, upstream) = parse_args(std::env::args().skip(1))
        .unwrap_or_else(|message| fail(2, &format!("{message}\nusage: {USAGE}")));
    let listener = TcpListener::bind(("127.0.0.1", port))
        .unwrap_or_else(|err| fail(1, &format!("cannot listen on 127.0.0.1:{port}: {err}")));
    let bound = listener.local_addr().map(|addr| addr.port()).unwrap_or(port);
    println!("fault-proxy listening on http://127.0.0.1:{bound}");
    serve(listener, upstream, Arc::new(Mutex::new(State::default())));
}

fn fail(code: i32, message: &str) -> ! {
    eprintln!("fault-proxy: {message}");
    std::process::exit(code)
}

/// Returns the port and the upstream's `host:port`.
fn parse_args(args: impl Iterator<Item = String>) -> Result<(u16, String), String> {
    let (mut port, mut upstream) = (8793, String::from("127.0.0.1:8788"));
    let args: Vec<String> = args.collect();
    for pair in args.chunks(2) {
        match (pair[0].as_str(), pair.get(1)) {
            ("--port", Some(v)) => port = v.parse().map_err(|_| format!("bad port {v:?}"))?,
            ("--upstream", Some(value)) => upstream = parse_upstream(value)?,
            (arg, _) => return Err(format!("bad argument {arg:?}")),
        }
    }
    Ok((port, upstream))
}

fn parse_upstream(url: &str) -> Result<String, String> {
    let authority = url.strip_prefix("http://").map(|rest| rest.trim_end_matches('/'));
    let authority = authority.filter(|a| a.contains(':') && !a.contains('/'));
    authority.map(str::to_owned).ok_or(format!("bad upstream {url:?} (want http://HOST:PORT)"))
}

fn serve(listener: TcpListener, upstream: String, state: Shared) {
    let upstream = Arc::new(upstream);
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let (state, upstream) = (Arc::clone(&state), Arc::clone(&upstream));
        let connection = move || handle_connection(stream, &upstream, &state);
        if let Err(err) = std::thread::Builder::new().spawn(connection) {
            eprintln!("fault-proxy: cannot spawn a thread: {err}");
        }
    }
}

/// An answer the proxy makes itself, readable cross-origin by `origin`; no body for 204.
fn reply(status: u16, origin: Option<&str>, extra: &[(&str, String)], body: &Value) -> Vec<u8> {
    let cors = [
        ("access-control-allow-origin", origin.unwrap_or("*")),
        ("vary", "Origin"),
        ("access-control-expose-headers", "Retry-After"),
        ("content-type", "application/json; charset=utf-8"),
        ("access-control-allow-methods", "GET, POST, OPTIONS"),
        ("access-control-allow-headers", "Content-Type"),
    ];
    let cors = cors.iter().map(|(name, value)| (*name, value.to_string()));
    let headers: Vec<_> = cors.chain(extra.iter().cloned()).map(|(n, v)| (n.into(), v)).collect();
    let body = if status == 204 { String::new() } else { body.to_string() };
    http1::to_bytes(&http1::status_line(status), &headers, body.as_bytes())
}

fn error_body(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

fn handle_connection(mut client: TcpStream, upstream: &str, state: &Shared) {
    let _ = client.set_read_timeout(Some(IO_TIMEOUT));
    let _ = client.set_write_timeout(Some(IO_TIMEOUT));
    let answer = match http1::read_request(&mut client, MAX_BODY_BYTES) {
        Ok(request) if tunnel::is_websocket_upgrade(&request) => {
            tunnel::tunnel(client, &request, upstream, state);
            return;
        }
        Ok(request) => answer(&request, upstream, state),
        Err(ReadError::Bad(_, message)) => {
            Some(reply(400, None, &[], &error_body("bad_request", &message)))
        }
        // A failed connection, or a client gone mid-request: nobody to answer.
        Err(ReadError::Io(_) | ReadError::Truncated(_)) => None,
    };
    if let Some(answer) = answer {
        let _ = client.write_all(&answer);
        let _ = client.flush();
    }
    let _ = client.shutdown(Shutdown::Both);
}

/// The bytes to send back, or `None` to close without an answer.
fn answer(request: &Message, upstream: &str, state: &Shared) -> Option<Vec<u8>> {
    let (method, path) = (request.method(), request.path());
    let origin = request.header("origin");
    if path.starts_with("/_proxy/") {
        return Some(faults::admin(method, path, &request.body, origin, state));
    }
    let (mode, delay_ms, retry_after) = lock(state).decide(method, path);
    let forward_once = || {
        forward(request, upstream, state)
            .map_err(|err| reply(502, origin, &[], &error_body("bad_gateway", &err)))
    };
    let retry = [("retry-after", retry_after.to_string())];
    if mode == "delay" {
        std::thread::sleep(Duration::from_millis(delay_ms));
    }
    match mode {
        "drop" => None,
        "error500" => Some(reply(500, origin, &[], &error_body("internal", "injected"))),
        "error429" => Some(reply(429, origin, &retry, &error_body("rate_limited", "injected"))),
        "lose_reply" => forward_once().err(),
        "duplicate" => Some(forward_once().and_then(|_| forward_once()).unwrap_or_else(|e| e)),
        _ => Some(forward_once().unwrap_or_else(|error| error)),
    }
}

/// One upstream exchange (counted); returns the upstream's answer re-framed for the client.
fn forward(request: &Message, upstream: &str, state: &Shared) -> Result<Vec<u8>, String> {
    let mut server = TcpStream::connect(upstream).map_err(|err| err.to_string())?;
    let timeouts = server
        .set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| server.set_write_timeout(Some(IO_TIMEOUT)));
    timeouts.map_err(|err| err.to_string())?;
    let mut headers = request.headers.clone();
    headers.retain(|(name, _)| name != "host");
    headers.insert(0, ("host".into(), upstream.into()));
    let bytes = http1::to_bytes(&request.first_line, &headers, &request.body);
    server.write_all(&bytes).map_err(|err| err.to_string())?;
    let to_head = request.method() == "HEAD";
    let response = http1::read_response(&mut server, MAX_BODY_BYTES, to_head)
        .map_err(|err| err.to_string())?;
    lock(state).counters[FORWARDED] += 1;
    Ok(http1::to_bytes(&response.first_line, &response.headers, &response.body))
}
