//! A fake GitHub for WorkTime's integration tests: a real HTTP/1.1 server on 127.0.0.1 that
//! plays GitHub's OAuth web flow (with PKCE) and the `GET /user` REST call, so the tests need
//! no internet.
//!
//! Usage: `fake-github [--port PORT]` (default 8790; `--port 0` picks a free port). Once bound
//! it prints `fake-github listening on http://127.0.0.1:PORT` and serves until killed.
//!
//! Endpoints:
//! - `GET /login/oauth/authorize` — the browser step; `login=` (test only) picks the user.
//!   Answers 302 to `redirect_uri` with a fresh one-time `code` and the `state`.
//! - `POST /login/oauth/access_token` — form or JSON body. Always HTTP 200 with an `error`
//!   field on failure, like GitHub; form-encoded unless `Accept` mentions `application/json`.
//!   Static codes: `test-code:<id>:<login>`, `github-down` (503 HTML), `malformed` (200 HTML),
//!   `user-api-down` (token whose `/user` is 500), `user-malformed` (token whose `/user` is
//!   `{"unexpected":true}`).
//! - `GET /user` — 403 without `User-Agent`, 401 without a known `Bearer`/`token` token.
//! - `GET /_fake/requests` — every request so far (except `/_fake/*`); `POST /_fake/reset`
//!   clears that log.
//!
//! One thread per connection, one request per connection (`worktime_tests::http1`), and no
//! panic on bad input (400 instead).
//!
//! Modules: `oauth` (the two OAuth steps), `user` (`GET /user`), `state` (codes, tokens and
//! the request log); this file holds the server, the routing and the control API.

mod oauth;
mod state;
mod user;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Map, Value};
use worktime_tests::http1::{self, ReadError, Response};

use state::{lock, Shared, State};

const DEFAULT_PORT: u16 = 8790;
/// The most a request body may hold.
const MAX_BODY_BYTES: usize = 1024 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(10);

fn main() {
    let port = match parse_args(std::env::args().skip(1)) {
        Ok(Some(port)) => port,
        Ok(None) => {
            println!("{}", usage());
            return;
        }
        Err(message) => {
            eprintln!("fake-github: {message}\n{}", usage());
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("fake-github: cannot listen on 127.0.0.1:{port}: {err}");
            std::process::exit(1);
        }
    };
    let bound = listener.local_addr().map(|addr| addr.port()).unwrap_or(port);
    println!("fake-github listening on http://127.0.0.1:{bound}");
    let _ = io::stdout().flush();
    serve(listener, Arc::new(Mutex::new(State::default())));
}

fn usage() -> &'static str {
    "usage: fake-github [--port PORT]   (default 8790; 0 picks a free port)"
}

/// `Ok(None)` means help was asked for.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<u16>, String> {
    let mut port = DEFAULT_PORT;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let value = if arg == "--port" || arg == "-p" {
            args.next().ok_or("--port needs a value")?
        } else if let Some(value) = arg.strip_prefix("--port=") {
            value.to_owned()
        } else if arg == "--help" || arg == "-h" {
            return Ok(None);
        } else {
            return Err(format!("unknown argument {arg:?}"));
        };
        port = value.parse().map_err(|_| format!("bad port {value:?}"))?;
    }
    Ok(Some(port))
}

/// Accepts connections forever, one thread each.
fn serve(listener: TcpListener, state: Shared) {
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let state = Arc::clone(&state);
                let spawned = std::thread::Builder::new()
                    .name("fake-github-conn".into())
                    .spawn(move || handle_connection(stream, &state));
                if let Err(err) = spawned {
                    eprintln!("fake-github: cannot spawn a thread: {err}");
                }
            }
            Err(err) => {
                eprintln!("fake-github: accept failed: {err}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

fn handle_connection(mut stream: TcpStream, state: &Shared) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
    let response = match http1::read_request(&mut stream, MAX_BODY_BYTES) {
        Ok(message) if !message.method().bytes().all(|b| b.is_ascii_uppercase()) => {
            Response::text(400, "bad method")
        }
        Ok(message) => {
            let request = Request::from(message);
            // The handler is written not to panic; this is a last line of defence.
            panic::catch_unwind(AssertUnwindSafe(|| handle(state, &request))).unwrap_or_else(|_| {
                Response::json(500, &json!({"message": "fake-github: internal error"}))
            })
        }
        Err(ReadError::Io(_)) => return,
        Err(ReadError::Truncated(message)) => Response::text(400, message),
        Err(ReadError::Bad(status, message)) => Response::text(status, &message),
    };
    let _ = stream.write_all(&response.to_bytes());
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
}

/// A request as the handlers see it.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    /// The path without its query.
    path: String,
    /// The raw query, without `?` or a fragment (empty when absent).
    query: String,
    /// Header names lowercased, in arrival order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl From<http1::Message> for Request {
    fn from(message: http1::Message) -> Self {
        let target = message.target();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query = query.split('#').next().unwrap_or_default();
        Request {
            method: message.method().to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: message.headers,
            body: message.body,
        }
    }
}

impl Request {
    /// All values of header `name` (any case), joined by `, `.
    fn header(&self, name: &str) -> Option<String> {
        http1::joined_header(&self.headers, name)
    }

    fn query_params(&self) -> HashMap<String, String> {
        form_decode_map(&self.query)
    }
}

/// Decodes `a=1&b=2`; the first occurrence of a name wins, as GitHub does.
fn form_decode_map(text: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (name, value) in worktime_tests::form_pairs(text) {
        map.entry(name).or_insert(value);
    }
    map
}

fn handle(state: &Shared, request: &Request) -> Response {
    if !request.path.starts_with("/_fake/") {
        let entry = log_entry(request);
        lock(state).log.push(entry);
    }
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/login/oauth/authorize") => oauth::authorize(state, request),
        ("POST", "/login/oauth/access_token") => oauth::access_token(state, request),
        ("GET", "/user") => user::user(state, request),
        ("GET", "/_fake/requests") => Response::json(200, &Value::Array(lock(state).log.clone())),
        ("POST", "/_fake/reset") => {
            lock(state).log.clear();
            Response::json(200, &json!({"ok": true}))
        }
        _ => Response::json(404, &json!({"message": "Not Found"})),
    }
}

/// A request as `GET /_fake/requests` lists it; repeated headers joined by `, `.
fn log_entry(request: &Request) -> Value {
    let mut headers = Map::new();
    for (name, value) in &request.headers {
        let joined = match headers.get(name).and_then(Value::as_str) {
            Some(previous) => format!("{previous}, {value}"),
            None => value.clone(),
        };
        headers.insert(name.clone(), Value::String(joined));
    }
    json!({
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": headers,
        "body": String::from_utf8_lossy(&request.body),
    })
}
