//! A fault-injecting HTTP/1.1 reverse proxy between WorkTime's SDK (in headless Chromium) and
//! the worker (`wrangler dev`), for the offline-first sync tests.
//!
//! Usage: `fault-proxy [--port PORT] [--upstream http://HOST:PORT]` (defaults 8793 and
//! `http://127.0.0.1:8788`; `--port 0` picks a free port). Once bound it prints
//! `fault-proxy listening on http://127.0.0.1:PORT` and serves until killed.
//!
//! Modes (`pass` by default): `drop`, `delay`, `error500`, `error429`, `lose_reply` and
//! `duplicate`, set by `POST /_proxy/mode`; `GET /_proxy/stats` and `POST /_proxy/reset` too.
//! Std only (plus `serde_json`): a thread per connection, `Connection: close` always, and no
//! panic on bad input (400, or 502 when the upstream is unreachable).
//!
//! A WebSocket upgrade (`Upgrade: websocket`, the live socket) is tunnelled: its head goes
//! upstream with the upgrade headers, then bytes flow both ways until either side closes.
//! It counts as a request; `drop`, `error500` and `error429` apply to it (no answer, 500,
//! 429), every other mode lets it through.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{json, Value};

const USAGE: &str = "fault-proxy [--port PORT] [--upstream http://HOST:PORT]";
const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// Hop-by-hop headers, plus the framing headers the proxy always writes itself.
const HOP_BY_HOP: &str =
    "connection keep-alive proxy-connection te trailer transfer-encoding upgrade content-length";
/// The modes; fault counter `i` of `State::counters` counts mode `i` (1..=6).
const MODES: &str = "pass drop delay error500 error429 lose_reply duplicate";
const COUNTERS: &str =
    "forwarded dropped delayed injected_500 injected_429 lost_replies duplicated requests";
const REASONS: &str = "200 OK|204 No Content|400 Bad Request|404 Not Found|429 Too Many Requests|\
    500 Internal Server Error|502 Bad Gateway";
const FORWARDED: usize = 0;
const REQUESTS: usize = 7;

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

/// A parsed `POST /_proxy/mode` body.
#[derive(Debug, Clone, PartialEq)]
struct ModeCommand {
    mode: &'static str,
    count: Option<u64>,
    delay_ms: u64,
    retry_after: u64,
    only_path_prefix: Option<String>,
}

fn parse_mode_command(body: &[u8]) -> Result<ModeCommand, String> {
    let value: Value = serde_json::from_slice(body).map_err(|err| format!("bad JSON: {err}"))?;
    let name = value.get("mode").and_then(Value::as_str).ok_or("missing string \"mode\"")?;
    let mode = MODES.split(' ').find(|m| *m == name).ok_or(format!("unknown mode {name:?}"))?;
    let number = |key: &str| match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or(format!("{key:?} must be a non-negative integer")),
    };
    let prefix = value.get("only_path_prefix").filter(|prefix| !prefix.is_null());
    let only_path_prefix = prefix.map(|p| p.as_str().map(str::to_owned).ok_or("bad prefix"));
    Ok(ModeCommand {
        mode,
        count: number("count")?,
        delay_ms: number("delay_ms")?.unwrap_or(11_000),
        retry_after: number("retry_after")?.unwrap_or(1),
        only_path_prefix: only_path_prefix.transpose()?,
    })
}

type Shared = Arc<Mutex<State>>;

#[derive(Debug, Default)]
struct State {
    /// The active fault; `None` is `pass`.
    command: Option<ModeCommand>,
    /// Indexed like `COUNTERS`.
    counters: [u64; 8],
}

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    /// What to do with a non-admin request: (mode, delay_ms, retry_after). Counts the request
    /// and its fault, and uses up one request of a counted mode.
    fn decide(&mut self, method: &str, path: &str) -> (&'static str, u64, u64) {
        self.counters[REQUESTS] += 1;
        let Some(command) = self.command.as_mut() else { return ("pass", 0, 0) };
        let prefix_ok = command.only_path_prefix.as_deref().is_none_or(|p| path.starts_with(p));
        if !prefix_ok || (method == "OPTIONS" && command.mode != "drop") {
            return ("pass", 0, 0);
        }
        let decision = (command.mode, command.delay_ms, command.retry_after);
        command.count = command.count.map(|count| count.saturating_sub(1));
        if command.count == Some(0) {
            self.command = None;
        }
        // A command is never `pass`, so this is a fault counter.
        if let Some(index) = MODES.split(' ').position(|mode| mode == decision.0) {
            self.counters[index] += 1;
        }
        decision
    }

    fn stats(&self) -> Value {
        let counters = COUNTERS.split(' ').zip(self.counters);
        let mut stats: serde_json::Map<_, _> =
            counters.map(|(n, v)| (n.into(), v.into())).collect();
        let mode = self.command.as_ref().map_or("pass", |command| command.mode);
        stats.insert("mode".into(), mode.into());
        Value::Object(stats)
    }
}

/// A request or response: its first line, headers (names lowercased) and de-framed body.
#[derive(Debug, Clone, Default)]
struct Message {
    first_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

fn bad(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

/// Reads one whole message (see `parse_message`).
fn read_message(stream: &mut TcpStream, is_response: bool, head_only: bool) -> io::Result<Message> {
    let (mut buffer, mut chunk) = (Vec::with_capacity(4096), [0u8; 8192]);
    loop {
        let read = stream.read(&mut chunk)?;
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(message) = parse_message(&buffer, is_response, head_only, read == 0)? {
            return Ok(message);
        } else if read == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed mid-message"));
        } else if buffer.len() > MAX_HEAD_BYTES + MAX_BODY_BYTES {
            return Err(bad("message too large"));
        }
    }
}

/// Parses a whole message from `buf`, `Ok(None)` while it is incomplete. Without a length, a
/// request has no body and a response runs to `eof`; answers to HEAD (`head`) and
/// 1xx/204/304 answers have no body.
fn parse_message(buf: &[u8], response: bool, head: bool, eof: bool) -> io::Result<Option<Message>> {
    let Some(head_end) = find(buf, b"\r\n\r\n") else {
        return if buf.len() > MAX_HEAD_BYTES { Err(bad("head too large")) } else { Ok(None) };
    };
    let text = std::str::from_utf8(&buf[..head_end]).map_err(|_| bad("head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let first_line = lines.next().unwrap_or_default().into();
    let mut message = Message { first_line, ..Default::default() };
    for line in lines {
        let (name, value) = line.split_once(':').ok_or_else(|| bad("bad header line"))?;
        message.headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let rest = &buf[head_end + 4..];
    let status = message.first_line.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok());
    let no_body = head || (response && matches!(status, Some(100..=199 | 204 | 304)));
    let chunked = message.header("transfer-encoding").is_some_and(|te| te.contains("chunked"));
    let length = match message.header("content-length") {
        Some(text) => Some(text.parse::<usize>().map_err(|_| bad("bad content-length"))?),
        None if chunked || response => None,
        None => Some(0),
    };
    let body = match length {
        _ if no_body => Some(Vec::new()),
        _ if chunked => dechunk(rest)?,
        Some(length) => rest.get(..length).map(<[u8]>::to_vec),
        None => eof.then(|| rest.to_vec()),
    };
    Ok(body.map(|body| Message { body, ..message }))
}

/// Decodes a chunked body (trailers are skipped): `Ok(None)` while it is incomplete.
fn dechunk(input: &[u8]) -> io::Result<Option<Vec<u8>>> {
    let (mut pos, mut body) = (0, Vec::new());
    loop {
        let Some(end) = find(&input[pos..], b"\r\n").map(|end| pos + end) else { return Ok(None) };
        let line = std::str::from_utf8(&input[pos..end]).map_err(|_| bad("bad chunk size"))?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad("bad chunk size"))?;
        pos = end + 2;
        if size == 0 {
            // Trailers (skipped) end at a blank line.
            return Ok(find(&input[pos - 2..], b"\r\n\r\n").map(|_| body));
        }
        // A huge size waits for more input, which `read_message` caps.
        if size.saturating_add(2) > input.len() - pos {
            return Ok(None);
        }
        if &input[pos + size..pos + size + 2] != b"\r\n" {
            return Err(bad("bad chunk terminator"));
        }
        body.extend_from_slice(&input[pos..pos + size]);
        pos += size + 2;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Serialises a message with fresh framing: `Content-Length` and `Connection: close`.
fn to_bytes(first_line: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{first_line}\r\n");
    for (name, value) in headers.iter().filter(|(n, _)| !HOP_BY_HOP.split(' ').any(|h| h == n)) {
        let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// An answer the proxy makes itself, readable cross-origin by `origin`; no body for 204.
fn reply(status: u16, origin: Option<&str>, extra: &[(&str, String)], body: &Value) -> Vec<u8> {
    let reason = REASONS.split('|').find_map(|r| r.strip_prefix(&format!("{status} ")));
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
    let status_line = format!("HTTP/1.1 {status} {}", reason.unwrap_or("Unknown"));
    to_bytes(&status_line, &headers, body.as_bytes())
}

fn error_body(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

fn handle_connection(mut client: TcpStream, upstream: &str, state: &Shared) {
    let _ = client.set_read_timeout(Some(IO_TIMEOUT));
    let _ = client.set_write_timeout(Some(IO_TIMEOUT));
    let answer = match read_message(&mut client, false, false) {
        Ok(request) if is_websocket_upgrade(&request) => {
            tunnel(client, &request, upstream, state);
            return;
        }
        Ok(request) => answer(&request, upstream, state),
        Err(err) if err.kind() == io::ErrorKind::InvalidData => {
            Some(reply(400, None, &[], &error_body("bad_request", &err.to_string())))
        }
        Err(_) => None,
    };
    if let Some(answer) = answer {
        let _ = client.write_all(&answer);
        let _ = client.flush();
    }
    let _ = client.shutdown(Shutdown::Both);
}

fn is_websocket_upgrade(request: &Message) -> bool {
    request.header("upgrade").is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

/// A WebSocket upgrade: the faults that apply to it, else a byte tunnel to the upstream.
fn tunnel(mut client: TcpStream, request: &Message, upstream: &str, state: &Shared) {
    let target = request.first_line.split(' ').nth(1).unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default();
    let origin = request.header("origin");
    let (mode, _, retry_after) = lock(state).decide("GET", path);
    let refusal = match mode {
        "drop" => Some(Vec::new()),
        "error500" => Some(reply(500, origin, &[], &error_body("internal", "injected"))),
        "error429" => {
            let retry = [("retry-after", retry_after.to_string())];
            Some(reply(429, origin, &retry, &error_body("rate_limited", "injected")))
        }
        _ => None,
    };
    if let Some(answer) = refusal {
        let _ = client.write_all(&answer);
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let mut server = match TcpStream::connect(upstream) {
        Ok(server) => server,
        Err(err) => {
            let _ = client.write_all(&reply(
                502,
                origin,
                &[],
                &error_body("bad_gateway", &err.to_string()),
            ));
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
    };
    // The head as it came (upgrade headers included), with the upstream as Host.
    let mut head = format!("{}\r\nhost: {upstream}\r\n", request.first_line);
    for (name, value) in request.headers.iter().filter(|(name, _)| name != "host") {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    if server.write_all(head.as_bytes()).is_err() {
        let _ = client.write_all(&reply(
            502,
            origin,
            &[],
            &error_body("bad_gateway", "upstream write failed"),
        ));
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    lock(state).counters[FORWARDED] += 1;
    // A live socket is quiet for long stretches: no read timeouts inside the tunnel.
    let _ = client.set_read_timeout(None);
    let _ = server.set_read_timeout(None);
    let (Ok(mut client_out), Ok(mut server_in)) = (client.try_clone(), server.try_clone()) else {
        let _ = client.shutdown(Shutdown::Both);
        let _ = server.shutdown(Shutdown::Both);
        return;
    };
    let downstream = std::thread::spawn(move || {
        let _ = io::copy(&mut server_in, &mut client_out);
        let _ = client_out.shutdown(Shutdown::Both);
    });
    let _ = io::copy(&mut client, &mut server);
    let _ = server.shutdown(Shutdown::Both);
    let _ = downstream.join();
}

/// The bytes to send back, or `None` to close without an answer.
fn answer(request: &Message, upstream: &str, state: &Shared) -> Option<Vec<u8>> {
    let mut parts = request.first_line.split(' ');
    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let path = target.split('?').next().unwrap_or_default();
    let origin = request.header("origin");
    if !target.starts_with('/') || method.is_empty() {
        return Some(reply(400, origin, &[], &error_body("bad_request", "bad request line")));
    }
    if path.starts_with("/_proxy/") {
        return Some(admin(method, path, &request.body, origin, state));
    }
    let (mode, delay_ms, retry_after) = lock(state).decide(method, path);
    let forward_once = || {
        forward(request, upstream, state)
            .map_err(|err| reply(502, origin, &[], &error_body("bad_gateway", &err.to_string())))
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
fn forward(request: &Message, upstream: &str, state: &Shared) -> io::Result<Vec<u8>> {
    let mut server = TcpStream::connect(upstream)?;
    server.set_read_timeout(Some(IO_TIMEOUT))?;
    server.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut headers = request.headers.clone();
    headers.retain(|(name, _)| name != "host");
    headers.insert(0, ("host".into(), upstream.into()));
    server.write_all(&to_bytes(&request.first_line, &headers, &request.body))?;
    let response = read_message(&mut server, true, request.first_line.starts_with("HEAD "))?;
    lock(state).counters[FORWARDED] += 1;
    Ok(to_bytes(&response.first_line, &response.headers, &response.body))
}

fn admin(method: &str, path: &str, body: &[u8], origin: Option<&str>, state: &Shared) -> Vec<u8> {
    let (status, answer) = match (method, path) {
        ("OPTIONS", _) => (204, Value::Null),
        ("POST", "/_proxy/mode") => match parse_mode_command(body) {
            Ok(command) => {
                let active = command.mode != "pass" && command.count != Some(0);
                lock(state).command = active.then_some(command);
                (200, json!({"ok": true}))
            }
            Err(message) => (400, error_body("bad_request", &message)),
        },
        ("GET", "/_proxy/stats") => (200, lock(state).stats()),
        ("POST", "/_proxy/reset") => {
            *lock(state) = State::default();
            (200, json!({"ok": true}))
        }
        _ => (404, error_body("not_found", "no such admin endpoint")),
    };
    reply(status, origin, &[], &answer)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_admin_json_and_args() {
        let body = br#"{"mode":"error429","count":2,"retry_after":5,"only_path_prefix":"/api/"}"#;
        let c = parse_mode_command(body).unwrap();
        assert_eq!((c.mode, c.count, c.retry_after, c.delay_ms), ("error429", Some(2), 5, 11_000));
        assert_eq!(c.only_path_prefix.as_deref(), Some("/api/"));
        let delay = parse_mode_command(br#"{"mode":"delay","delay_ms":50,"count":null}"#).unwrap();
        assert_eq!((delay.delay_ms, delay.retry_after, delay.count), (50, 1, None));
        let bad = [&b"nope"[..], b"{}", br#"{"mode":"boom"}"#, br#"{"mode":"drop","count":-1}"#];
        assert!(bad.iter().all(|body| parse_mode_command(body).is_err()));
        assert!(parse_mode_command(br#"{"mode":"drop","only_path_prefix":1}"#).is_err());
        let args = |list: &[&str]| parse_args(list.iter().map(|arg| arg.to_string()));
        assert_eq!(args(&[]), Ok((8793, "127.0.0.1:8788".into())));
        assert_eq!(args(&["--port", "0", "--upstream", "http://h:1/"]), Ok((0, "h:1".into())));
        assert!(args(&["--port"]).is_err() && args(&["--upstream", "http://h"]).is_err());
    }

    #[test]
    fn dechunks_and_parses_messages() {
        let chunked = b"4\r\nWiki\r\n6;ext=1\r\npedia \r\n0\r\nX-Trailer: 1\r\n\r\n";
        assert_eq!(dechunk(chunked).unwrap(), Some(b"Wikipedia ".to_vec()));
        assert!((0..chunked.len()).all(|cut| dechunk(&chunked[..cut]).unwrap().is_none()));
        assert!(dechunk(b"zz\r\n").is_err() && dechunk(b"2\r\nabcd\r\n").is_err());
        let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        let parsed = parse_message(&[&head[..], chunked].concat(), true, false, false).unwrap();
        assert_eq!(parsed.unwrap().body, b"Wikipedia ");
        let to_eof = b"HTTP/1.1 200 OK\r\n\r\nabc";
        assert!(parse_message(to_eof, true, false, false).unwrap().is_none());
        assert_eq!(parse_message(to_eof, true, false, true).unwrap().unwrap().body, b"abc");
        let preflight = parse_message(b"OPTIONS / HTTP/1.1\r\n\r\n", false, false, false);
        assert_eq!(preflight.unwrap().map(|request| request.body), Some(vec![]));
        assert!(parse_message(b"GET / HTTP/1.1\r\nbad\r\n\r\n", false, false, false).is_err());
    }

    const UPSTREAM_ANSWER: &[u8] = b"HTTP/1.1 201 Created\r\nAccess-Control-Allow-Origin: \
        http://page\r\nKeep-Alive: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";

    /// Sends a request from a page; the whole raw answer ("" when the proxy closed silently).
    fn send(port: u16, method: &str, path: &str, body: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let head = format!("{method} {path} HTTP/1.1\r\nOrigin: http://page\r\nContent-Length: ");
        stream.write_all(format!("{head}{}\r\n\r\n{body}", body.len()).as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    fn start_proxy(upstream: String) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || serve(listener, upstream, Arc::default()));
        port
    }

    #[test]
    fn end_to_end() {
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = start_proxy(upstream.local_addr().unwrap().to_string());
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for mut stream in upstream.incoming().flatten() {
                let request = read_message(&mut stream, false, false).unwrap();
                let body = String::from_utf8_lossy(&request.body);
                log.lock().unwrap().push(format!("{} {body}", request.first_line));
                let _ = stream.write_all(UPSTREAM_ANSWER);
            }
        });
        let hits = || seen.lock().unwrap().len();
        let set = |body: &str| send(port, "POST", "/_proxy/mode", body);
        let get = |path: &str| send(port, "GET", path, "");
        let code = |answer: String| answer.get(9..12).unwrap_or_default().parse().unwrap_or(0);

        let answer = send(port, "POST", "/api/x?a=1", "hi");
        assert!(answer.starts_with("HTTP/1.1 201 Created\r\n"), "{answer}");
        assert!(answer.contains("access-control-allow-origin: http://page\r\n"), "{answer}");
        assert!(answer.contains("Content-Length: 5\r\n") && answer.ends_with("\r\n\r\nhello"));
        assert!(!answer.contains("keep-alive") && !answer.contains("chunked"), "{answer}");
        assert_eq!(seen.lock().unwrap()[0], "POST /api/x?a=1 HTTP/1.1 hi");

        assert!(set(r#"{"mode":"error500","count":2}"#).ends_with(r#"{"ok":true}"#));
        let answer = get("/api/x");
        assert!(answer.starts_with("HTTP/1.1 500 ") && answer.contains("http://page\r\n"));
        assert!(answer.ends_with(r#"{"error":{"code":"internal","message":"injected"}}"#));
        assert_eq!((code(get("/api/x")), code(get("/api/x"))), (500, 201), "count reverts");

        set(r#"{"mode":"error429","retry_after":7,"only_path_prefix":"/api/"}"#);
        let answer = get("/api/x");
        assert!(answer.starts_with("HTTP/1.1 429 ") && answer.contains("retry-after: 7\r\n"));
        assert!(answer.contains("access-control-expose-headers: Retry-After\r\n"), "{answer}");
        assert_eq!((code(get("/other")), code(send(port, "OPTIONS", "/api/x", ""))), (201, 201));

        set(r#"{"mode":"drop"}"#);
        let before = hits();
        assert_eq!(get("/api/x") + &send(port, "OPTIONS", "/api/x", ""), "");
        set(r#"{"mode":"lose_reply","count":1}"#);
        assert_eq!((get("/api/x"), hits()), (String::new(), before + 1));
        set(r#"{"mode":"duplicate","count":1}"#);
        assert_eq!((code(get("/api/x")), hits()), (201, before + 3));
        set(r#"{"mode":"delay","delay_ms":200,"count":1}"#);
        let started = std::time::Instant::now();
        assert_eq!(code(get("/api/x")), 201);
        assert!(started.elapsed() >= Duration::from_millis(200));

        let stats = || -> Value {
            serde_json::from_str(get("/_proxy/stats").split("\r\n\r\n").nth(1).unwrap()).unwrap()
        };
        let expected = json!({"mode": "pass", "forwarded": 8, "dropped": 2, "delayed": 1,
            "injected_500": 2, "injected_429": 1, "lost_replies": 1, "duplicated": 1, "requests": 12});
        assert_eq!(stats(), expected);
        assert_eq!(code(set(r#"{"mode":"boom"}"#)), 400);
        let answer = send(port, "OPTIONS", "/_proxy/mode", "");
        assert!(answer.starts_with("HTTP/1.1 204 ") && answer.contains("allow-methods: GET, POST"));
        send(port, "POST", "/_proxy/reset", "");
        assert_eq!(stats()["requests"], 0);

        // A WebSocket upgrade is tunnelled as is, and refused by the refusing modes.
        let echo = TcpListener::bind("127.0.0.1:0").unwrap();
        let ws_port = start_proxy(echo.local_addr().unwrap().to_string());
        std::thread::spawn(move || {
            for mut stream in echo.incoming().flatten() {
                let request = read_message(&mut stream, false, false).unwrap();
                assert_eq!(request.header("upgrade"), Some("websocket"), "{request:?}");
                assert_eq!(request.header("connection"), Some("Upgrade"), "{request:?}");
                let _ = stream
                    .write_all(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
                let mut buffer = [0u8; 64];
                while let Ok(read) = stream.read(&mut buffer) {
                    if read == 0 || stream.write_all(&buffer[..read]).is_err() {
                        break;
                    }
                }
            }
        });
        let upgrade = |port: u16| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let head = "GET /api/live?ticket=t HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
            stream.write_all(head.as_bytes()).unwrap();
            stream
        };
        let mut socket = upgrade(ws_port);
        let mut answer = [0u8; 128];
        let read = socket.read(&mut answer).unwrap();
        assert!(
            answer[..read].starts_with(b"HTTP/1.1 101 "),
            "{:?}",
            String::from_utf8_lossy(&answer[..read])
        );
        for frame in [&b"frame one"[..], b"frame two"] {
            socket.write_all(frame).unwrap();
            let read = socket.read(&mut answer).unwrap();
            assert_eq!(&answer[..read], frame);
        }
        drop(socket);
        let refuse = |body: &str| send(ws_port, "POST", "/_proxy/mode", body);
        refuse(r#"{"mode":"drop","count":1}"#);
        let mut dropped = String::new();
        let _ = upgrade(ws_port).read_to_string(&mut dropped);
        assert_eq!(dropped, "");
        refuse(r#"{"mode":"error500","count":1}"#);
        let mut refused = String::new();
        let _ = upgrade(ws_port).read_to_string(&mut refused);
        assert!(refused.starts_with("HTTP/1.1 500 "), "{refused}");

        let dead = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
        let answer = send(start_proxy(dead), "GET", "/api/x", "");
        assert!(answer.starts_with("HTTP/1.1 502 ") && answer.contains("http://page"), "{answer}");
    }
}
