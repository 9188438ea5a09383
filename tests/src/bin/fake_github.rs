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
//! Std only (plus `serde_json`): one thread per connection, `Connection: close` always, and
//! no panic on bad input (400 instead).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

/// The OAuth app the fake knows.
const CLIENT_ID: &str = "test-client-id";
const CLIENT_SECRET: &str = "test-client-secret";
/// The scope every token is granted.
const GRANTED_SCOPE: &str = "read:user";
const DEFAULT_PORT: u16 = 8790;
const DEFAULT_LOGIN: &str = "octocat";

/// Limits on what a request may send.
const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 1024 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(10);

const USER_AGENT_REQUIRED: &str = "Request forbidden by administrative rules. Please make sure \
your request has a User-Agent header \
(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).";
const GITHUB_DOWN_HTML: &str = "<html><head><title>503 Service Unavailable</title></head>\
<body><h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>";
const MALFORMED_HTML: &str = "<html>not json</html>";

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

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
    let response = match read_request(&mut stream) {
        Ok(request) => {
            // The handler is written not to panic; this is a last line of defence.
            panic::catch_unwind(AssertUnwindSafe(|| handle(state, &request))).unwrap_or_else(|_| {
                Response::json(500, &json!({"message": "fake-github: internal error"}))
            })
        }
        Err(ReadError::Io) => return,
        Err(ReadError::Bad(status, message)) => Response::text(status, message),
    };
    let _ = stream.write_all(&response.to_bytes());
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 parsing and writing
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Request {
    method: String,
    /// The path without its query.
    path: String,
    /// The raw query, without `?` (empty when absent).
    query: String,
    /// Header names lowercased, in arrival order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    /// All values of header `name` (any case), joined by `, `.
    fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    fn query_params(&self) -> HashMap<String, String> {
        form_decode_map(&self.query)
    }
}

#[derive(Debug)]
enum ReadError {
    /// The connection failed or closed; nothing to answer.
    Io,
    /// The request is malformed: answer this status and text.
    Bad(u16, &'static str),
}

fn read_request(stream: &mut TcpStream) -> Result<Request, ReadError> {
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = find(&buffer, b"\r\n\r\n") {
            break pos;
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err(ReadError::Bad(431, "request head too large"));
        }
        let read = stream.read(&mut chunk).map_err(|_| ReadError::Io)?;
        if read == 0 {
            return Err(if buffer.is_empty() {
                ReadError::Io
            } else {
                ReadError::Bad(400, "incomplete request head")
            });
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let (method, target, headers) = parse_head(&buffer[..head_end])?;
    let mut rest = buffer[head_end + 4..].to_vec();

    let expects_continue = headers.iter().any(|(name, value)| {
        name == "expect" && value.to_ascii_lowercase().contains("100-continue")
    });
    let chunked = match header_of(&headers, "transfer-encoding") {
        None => false,
        Some(te) if te.trim().eq_ignore_ascii_case("chunked") => true,
        Some(_) => return Err(ReadError::Bad(400, "unsupported transfer-encoding")),
    };
    let content_length = content_length(&headers)?;
    if chunked && content_length.is_some() {
        return Err(ReadError::Bad(400, "both content-length and transfer-encoding"));
    }
    let wants_body = chunked || content_length.is_some_and(|len| len > 0);
    if expects_continue && wants_body {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|_| ReadError::Io)?;
    }

    let body = if chunked {
        read_chunked(stream, rest)?
    } else {
        let length = content_length.unwrap_or(0);
        if length > MAX_BODY_BYTES {
            return Err(ReadError::Bad(413, "body too large"));
        }
        while rest.len() < length {
            let read = stream.read(&mut chunk).map_err(|_| ReadError::Io)?;
            if read == 0 {
                return Err(ReadError::Bad(400, "body shorter than content-length"));
            }
            rest.extend_from_slice(&chunk[..read]);
        }
        rest.truncate(length);
        rest
    };

    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), query.to_owned()),
        None => (target, String::new()),
    };
    // Drop a fragment, should a client send one.
    let query = query.split('#').next().unwrap_or_default().to_owned();
    Ok(Request { method, path, query, headers, body })
}

type Head = (String, String, Vec<(String, String)>);

fn parse_head(head: &[u8]) -> Result<Head, ReadError> {
    let head = std::str::from_utf8(head).map_err(|_| ReadError::Bad(400, "head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let parts: Vec<&str> = request_line.split(' ').collect();
    let [method, target, version] = parts.as_slice() else {
        return Err(ReadError::Bad(400, "bad request line"));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ReadError::Bad(400, "bad method"));
    }
    if !target.starts_with('/') {
        return Err(ReadError::Bad(400, "bad request target"));
    }
    if !matches!(*version, "HTTP/1.1" | "HTTP/1.0") {
        return Err(ReadError::Bad(400, "unsupported HTTP version"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Bad(400, "bad header line"));
        };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(ReadError::Bad(400, "bad header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    Ok(((*method).to_owned(), (*target).to_owned(), headers))
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

fn content_length(headers: &[(String, String)]) -> Result<Option<usize>, ReadError> {
    let mut found: Option<usize> = None;
    for (name, value) in headers {
        if name != "content-length" {
            continue;
        }
        for part in value.split(',') {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ReadError::Bad(400, "bad content-length"));
            }
            let length: usize = part.parse().map_err(|_| ReadError::Bad(413, "body too large"))?;
            if found.is_some_and(|seen| seen != length) {
                return Err(ReadError::Bad(400, "conflicting content-length"));
            }
            found = Some(length);
        }
    }
    Ok(found)
}

/// Decodes a chunked body; `buffered` holds bytes already read past the head.
fn read_chunked(stream: &mut TcpStream, buffered: Vec<u8>) -> Result<Vec<u8>, ReadError> {
    let mut input = buffered;
    let mut pos = 0;
    let mut body = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut fill = |input: &mut Vec<u8>| -> Result<(), ReadError> {
        if input.len() > MAX_BODY_BYTES + MAX_HEAD_BYTES {
            return Err(ReadError::Bad(413, "body too large"));
        }
        let read = stream.read(&mut chunk).map_err(|_| ReadError::Io)?;
        if read == 0 {
            return Err(ReadError::Bad(400, "truncated chunked body"));
        }
        input.extend_from_slice(&chunk[..read]);
        Ok(())
    };
    loop {
        // Chunk-size line.
        let line_end = loop {
            if let Some(end) = find(&input[pos..], b"\r\n") {
                break pos + end;
            }
            fill(&mut input)?;
        };
        let line = std::str::from_utf8(&input[pos..line_end])
            .map_err(|_| ReadError::Bad(400, "bad chunk size"))?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| ReadError::Bad(400, "bad chunk size"))?;
        pos = line_end + 2;
        if size == 0 {
            // Skip trailers up to the blank line.
            loop {
                let end = loop {
                    if let Some(end) = find(&input[pos..], b"\r\n") {
                        break pos + end;
                    }
                    fill(&mut input)?;
                };
                let blank = end == pos;
                pos = end + 2;
                if blank {
                    return Ok(body);
                }
            }
        }
        if body.len().saturating_add(size) > MAX_BODY_BYTES {
            return Err(ReadError::Bad(413, "body too large"));
        }
        while input.len() < pos + size + 2 {
            fill(&mut input)?;
        }
        body.extend_from_slice(&input[pos..pos + size]);
        if &input[pos + size..pos + size + 2] != b"\r\n" {
            return Err(ReadError::Bad(400, "bad chunk terminator"));
        }
        pos += size + 2;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

#[derive(Debug, Clone, PartialEq)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    fn json(status: u16, value: &Value) -> Self {
        Response::new(status, "application/json; charset=utf-8", value.to_string())
    }

    fn text(status: u16, text: &str) -> Self {
        Response::new(status, "text/plain; charset=utf-8", text)
    }

    fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    #[cfg(test)]
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            // Never let a value smuggle a line break into the head.
            let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", self.body.len()));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

// ---------------------------------------------------------------------------------------------
// State and routing
// ---------------------------------------------------------------------------------------------

type Shared = Arc<Mutex<State>>;

#[derive(Default)]
struct State {
    /// Makes codes and tokens unique.
    counter: u64,
    /// One-time codes from the authorize step.
    codes: HashMap<String, PendingCode>,
    /// Issued access tokens.
    tokens: HashMap<String, TokenUser>,
    /// Requests received, for `/_fake/requests`.
    log: Vec<Value>,
}

#[derive(Debug, Clone)]
struct PendingCode {
    login: String,
    code_challenge: Option<String>,
    redirect_uri: String,
}

#[derive(Debug, Clone, PartialEq)]
enum UserBehaviour {
    Normal,
    /// `/user` answers 500.
    Down,
    /// `/user` answers 200 with an unexpected shape.
    Malformed,
}

#[derive(Debug, Clone)]
struct TokenUser {
    id: u64,
    login: String,
    behaviour: UserBehaviour,
}

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    /// A fresh random-looking hex string of `len` characters (len ≤ 64).
    fn fresh_hex(&mut self, len: usize) -> String {
        self.counter = self.counter.wrapping_add(1);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (self.counter, nanos, std::process::id()).hash(&mut hasher);
        let seed = format!("{}:{}:{}:{}", self.counter, nanos, std::process::id(), hasher.finish());
        let hex = to_hex(&sha256(seed.as_bytes()));
        hex[..len.min(hex.len())].to_owned()
    }

    fn issue_token(&mut self, user: TokenUser) -> String {
        let token = format!("gho_{}", self.fresh_hex(36));
        self.tokens.insert(token.clone(), user);
        token
    }
}

fn handle(state: &Shared, request: &Request) -> Response {
    if !request.path.starts_with("/_fake/") {
        let entry = log_entry(request);
        lock(state).log.push(entry);
    }
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/login/oauth/authorize") => authorize(state, request),
        ("POST", "/login/oauth/access_token") => access_token(state, request),
        ("GET", "/user") => user(state, request),
        ("GET", "/_fake/requests") => Response::json(200, &Value::Array(lock(state).log.clone())),
        ("POST", "/_fake/reset") => {
            lock(state).log.clear();
            Response::json(200, &json!({"ok": true}))
        }
        _ => Response::json(404, &json!({"message": "Not Found"})),
    }
}

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

// ---------------------------------------------------------------------------------------------
// GET /login/oauth/authorize
// ---------------------------------------------------------------------------------------------

fn authorize(state: &Shared, request: &Request) -> Response {
    let params = request.query_params();
    let param = |name: &str| params.get(name).map(String::as_str).filter(|v| !v.is_empty());
    if param("client_id") != Some(CLIENT_ID) {
        return Response::text(400, "fake-github: unknown client_id (expected test-client-id)");
    }
    let Some(redirect_uri) = param("redirect_uri") else {
        return Response::text(400, "fake-github: redirect_uri is required");
    };
    if !(redirect_uri.starts_with("http://") || redirect_uri.starts_with("https://")) {
        return Response::text(400, "fake-github: redirect_uri must be an http(s) URL");
    }
    let code_challenge = param("code_challenge").map(str::to_owned);
    if code_challenge.is_some() && param("code_challenge_method") != Some("S256") {
        return Response::text(400, "fake-github: code_challenge_method must be S256");
    }
    let login = param("login").unwrap_or(DEFAULT_LOGIN).to_owned();

    let code = {
        let mut state = lock(state);
        let code = state.fresh_hex(20);
        let pending = PendingCode { login, code_challenge, redirect_uri: redirect_uri.to_owned() };
        state.codes.insert(code.clone(), pending);
        code
    };
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let mut location = format!("{redirect_uri}{separator}code={}", percent_encode(&code));
    if let Some(state_param) = params.get("state") {
        location.push_str(&format!("&state={}", percent_encode(state_param)));
    }
    Response::text(302, &format!("Redirecting to {location}")).with_header("Location", location)
}

// ---------------------------------------------------------------------------------------------
// POST /login/oauth/access_token
// ---------------------------------------------------------------------------------------------

fn access_token(state: &Shared, request: &Request) -> Response {
    let params = match token_params(request) {
        Ok(params) => params,
        Err(message) => return Response::json(400, &json!({"message": message})),
    };
    let get = |name: &str| params.get(name).map(String::as_str);
    let wants_json = request
        .header("accept")
        .is_some_and(|accept| accept.to_ascii_lowercase().contains("application/json"));

    // Outages do not care who is asking.
    match get("code") {
        Some("github-down") => {
            return Response::new(503, "text/html; charset=utf-8", GITHUB_DOWN_HTML)
        }
        Some("malformed") => return Response::new(200, "text/html; charset=utf-8", MALFORMED_HTML),
        _ => {}
    }

    let outcome = exchange(
        state,
        get("client_id"),
        get("client_secret"),
        get("code"),
        get("redirect_uri"),
        get("code_verifier"),
    );
    let fields: Vec<(&str, String)> = match outcome {
        Ok(token) => vec![
            ("access_token", token),
            ("token_type", "bearer".to_owned()),
            ("scope", GRANTED_SCOPE.to_owned()),
        ],
        Err(error) => vec![
            ("error", error.code().to_owned()),
            ("error_description", error.description().to_owned()),
            ("error_uri", error.uri().to_owned()),
        ],
    };
    let response = if wants_json {
        let object: Map<String, Value> =
            fields.into_iter().map(|(k, v)| (k.to_owned(), Value::String(v))).collect();
        Response::json(200, &Value::Object(object))
    } else {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        Response::new(200, "application/x-www-form-urlencoded; charset=utf-8", body)
    };
    response.with_header("Cache-Control", "no-store")
}

/// Parameters from the query, then the body (form or JSON), then HTTP Basic client credentials.
fn token_params(request: &Request) -> Result<HashMap<String, String>, &'static str> {
    let mut params = request.query_params();
    let content_type = request.header("content-type").unwrap_or_default().to_ascii_lowercase();
    let body = String::from_utf8_lossy(&request.body);
    let looks_json = content_type.contains("json")
        || (!content_type.contains("x-www-form-urlencoded") && body.trim_start().starts_with('{'));
    if looks_json {
        let value: Value = serde_json::from_str(&body).map_err(|_| "Problems parsing JSON")?;
        let Value::Object(object) = value else {
            return Err("Problems parsing JSON");
        };
        for (key, value) in object {
            let text = match value {
                Value::String(text) => text,
                Value::Null => continue,
                other => other.to_string(),
            };
            params.insert(key, text);
        }
    } else {
        params.extend(form_decode_map(&body));
    }
    if let Some(auth) = request.header("authorization") {
        if let Some((scheme, credentials)) = auth.trim().split_once(' ') {
            if scheme.eq_ignore_ascii_case("basic") {
                let decoded = base64_decode(credentials.trim()).unwrap_or_default();
                let decoded = String::from_utf8_lossy(&decoded);
                if let Some((id, secret)) = decoded.split_once(':') {
                    params.entry("client_id".into()).or_insert_with(|| id.to_owned());
                    params.entry("client_secret".into()).or_insert_with(|| secret.to_owned());
                }
            }
        }
    }
    Ok(params)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TokenError {
    IncorrectClientCredentials,
    BadVerificationCode,
    RedirectUriMismatch,
}

impl TokenError {
    fn code(self) -> &'static str {
        match self {
            TokenError::IncorrectClientCredentials => "incorrect_client_credentials",
            TokenError::BadVerificationCode => "bad_verification_code",
            TokenError::RedirectUriMismatch => "redirect_uri_mismatch",
        }
    }

    fn description(self) -> &'static str {
        match self {
            TokenError::IncorrectClientCredentials => {
                "The client_id and/or client_secret passed are incorrect."
            }
            TokenError::BadVerificationCode => "The code passed is incorrect or expired.",
            TokenError::RedirectUriMismatch => {
                "The redirect_uri MUST match the registered callback URL for this application."
            }
        }
    }

    fn uri(self) -> &'static str {
        match self {
            TokenError::IncorrectClientCredentials => "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials",
            TokenError::BadVerificationCode => "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code",
            TokenError::RedirectUriMismatch => "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#redirect-uri-mismatch2",
        }
    }
}

/// Checks a token request and issues a token.
///
/// Order: client credentials, then the code (static codes are reusable and skip PKCE; an
/// authorize code is consumed by the first attempt that names it, whatever the outcome),
/// then redirect_uri, then PKCE.
fn exchange(
    state: &Shared,
    client_id: Option<&str>,
    client_secret: Option<&str>,
    code: Option<&str>,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
) -> Result<String, TokenError> {
    if client_id != Some(CLIENT_ID) || client_secret != Some(CLIENT_SECRET) {
        return Err(TokenError::IncorrectClientCredentials);
    }
    let code = code.filter(|c| !c.is_empty()).ok_or(TokenError::BadVerificationCode)?;
    let mut state = lock(state);

    if let Some(user) = static_code_user(code) {
        return Ok(state.issue_token(user));
    }
    let pending = state.codes.remove(code).ok_or(TokenError::BadVerificationCode)?;
    if let Some(uri) = redirect_uri.filter(|u| !u.is_empty()) {
        if uri != pending.redirect_uri {
            return Err(TokenError::RedirectUriMismatch);
        }
    }
    if let Some(challenge) = &pending.code_challenge {
        let verifier = code_verifier.ok_or(TokenError::BadVerificationCode)?;
        if !valid_verifier(verifier) || pkce_s256(verifier) != *challenge {
            return Err(TokenError::BadVerificationCode);
        }
    }
    let user = TokenUser {
        id: id_for_login(&pending.login),
        login: pending.login,
        behaviour: UserBehaviour::Normal,
    };
    Ok(state.issue_token(user))
}

/// The user behind a static test code, if `code` is one.
fn static_code_user(code: &str) -> Option<TokenUser> {
    match code {
        "user-api-down" => {
            return Some(TokenUser {
                id: 9_000_001,
                login: "user-api-down".into(),
                behaviour: UserBehaviour::Down,
            })
        }
        "user-malformed" => {
            return Some(TokenUser {
                id: 9_000_002,
                login: "user-malformed".into(),
                behaviour: UserBehaviour::Malformed,
            })
        }
        _ => {}
    }
    let rest = code.strip_prefix("test-code:")?;
    let (id, login) = rest.split_once(':')?;
    let id: u64 = id.parse().ok()?;
    if login.is_empty() {
        return None;
    }
    Some(TokenUser { id, login: login.to_owned(), behaviour: UserBehaviour::Normal })
}

/// RFC 7636: 43–128 characters from `[A-Za-z0-9-._~]`.
fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// The S256 code challenge for `verifier`: base64url-no-pad(SHA-256(verifier)).
fn pkce_s256(verifier: &str) -> String {
    base64url_nopad(&sha256(verifier.as_bytes()))
}

/// A stable user id for a login: the same login always gets the same id, in [1000, 10^9+1000).
fn id_for_login(login: &str) -> u64 {
    let digest = sha256(login.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 1_000_000_000 + 1000
}

// ---------------------------------------------------------------------------------------------
// GET /user
// ---------------------------------------------------------------------------------------------

fn user(state: &Shared, request: &Request) -> Response {
    if request.header("user-agent").is_none() {
        return Response::text(403, USER_AGENT_REQUIRED);
    }
    let bad_credentials = || {
        Response::json(
            401,
            &json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}),
        )
    };
    let Some(authorization) = request.header("authorization") else {
        return bad_credentials();
    };
    let Some((scheme, token)) = authorization.trim().split_once(' ') else {
        return bad_credentials();
    };
    if !(scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token")) {
        return bad_credentials();
    }
    let Some(user) = lock(state).tokens.get(token.trim()).cloned() else {
        return bad_credentials();
    };
    match user.behaviour {
        UserBehaviour::Down => Response::json(500, &json!({"message": "Server Error"})),
        UserBehaviour::Malformed => Response::json(200, &json!({"unexpected": true})),
        UserBehaviour::Normal => Response::json(200, &user_json(&user)),
    }
}

/// GitHub's user object. Logins starting with `no-email` have no public email.
fn user_json(user: &TokenUser) -> Value {
    let email = if user.login.starts_with("no-email") {
        Value::Null
    } else {
        Value::String(format!("{}@users.noreply.github.com", user.login))
    };
    json!({
        "login": user.login,
        "id": user.id,
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", user.id),
        "email": email,
        "name": user.login,
        "type": "User",
    })
}

// ---------------------------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------------------------

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte.
/// A malformed `%` escape is kept as is.
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|pair| {
                    std::str::from_utf8(pair).ok().and_then(|s| u8::from_str_radix(s, 16).ok())
                });
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes `a=1&b=2`; the first occurrence of a name wins, as GitHub does.
fn form_decode_map(text: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for pair in text.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        map.entry(form_decode(name)).or_insert_with(|| form_decode(value));
    }
    map
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_nopad(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = [group[0], *group.get(1).unwrap_or(&0), *group.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = group.len() + 1;
        for k in 0..chars {
            let index = (n >> (18 - 6 * k)) & 0x3f;
            out.push(char::from(BASE64URL[index as usize]));
        }
    }
    out
}

/// Standard or URL-safe base64, padding optional. `None` on bad input.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(((bits >> count) & 0xff) as u8);
        }
    }
    Some(out)
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// SHA-256 comes from the tests library (`worktime_tests::hmac::sha256`).
use worktime_tests::hmac::sha256;

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        Arc::new(Mutex::new(State::default()))
    }

    fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Request {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn body_json(response: &Response) -> Value {
        serde_json::from_slice(&response.body).unwrap()
    }

    const JSON_ACCEPT: (&str, &str) = ("Accept", "application/json");

    #[test]
    fn sha256_fips_vectors() {
        assert_eq!(
            to_hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            to_hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            to_hex(&sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        // Lengths around the padding boundary (55, 56, 64 bytes) must not panic and differ.
        let lengths = [55, 56, 63, 64, 65].map(|n| sha256(&vec![b'a'; n]));
        assert_eq!(
            to_hex(&lengths[3]),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"
        );
    }

    #[test]
    fn pkce_rfc7636_appendix_b() {
        // The verifier is base64url of the RFC's 32 example octets.
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        assert_eq!(base64url_nopad(&octets), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn base64_round_trip() {
        assert_eq!(base64url_nopad(b""), "");
        assert_eq!(base64url_nopad(b"f"), "Zg");
        assert_eq!(base64url_nopad(b"fo"), "Zm8");
        assert_eq!(base64url_nopad(b"foo"), "Zm9v");
        assert_eq!(base64url_nopad(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64_decode("dGVzdC1jbGllbnQtaWQ6eA==").unwrap(), b"test-client-id:x");
        assert_eq!(base64_decode("-_8").unwrap(), vec![0xfb, 0xff]);
        assert!(base64_decode("a b").is_none());
    }

    #[test]
    fn form_decoding() {
        assert_eq!(form_decode("read%3Auser+user%3Aemail"), "read:user user:email");
        assert_eq!(form_decode("a%2Bb+c"), "a+b c");
        assert_eq!(form_decode("%E2%9C%93"), "✓");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
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
        let challenge = "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
        let code = authorize_code(&state, challenge);
        let r = token(&state, &creds(&code), true);
        assert_eq!(body_json(&r)["error"], "bad_verification_code", "missing verifier");

        let code = authorize_code(&state, challenge);
        let wrong = "x".repeat(43);
        let r = token(&state, &format!("{}&code_verifier={wrong}", creds(&code)), true);
        assert_eq!(body_json(&r)["error"], "bad_verification_code", "wrong verifier");

        let code = authorize_code(&state, "");
        let r =
            token(&state, &format!("{}&redirect_uri=http%3A%2F%2Fevil%2Fcb", creds(&code)), true);
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
        assert!(body_json(&token(&state, &creds("test-code:42:alice"), true))["access_token"]
            .is_string());
        assert_eq!(
            body_json(&token(&state, &creds("test-code:x:alice"), true))["error"],
            "bad_verification_code"
        );

        let r = token(&state, &creds("github-down"), true);
        assert_eq!(r.status, 503);
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        let r = token(&state, &creds("malformed"), true);
        assert_eq!((r.status, r.body.as_slice()), (200, MALFORMED_HTML.as_bytes()));

        for (code, status, expected) in [
            ("user-api-down", 500, None),
            ("user-malformed", 200, Some(json!({"unexpected": true}))),
        ] {
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
            b"GET /user HTTP/9\r\n\r\n",
            b"\xff\xfe /user HTTP/1.1\r\n\r\n",
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ] {
            let answer = raw(port, bad);
            assert!(answer.starts_with("HTTP/1.1 400 "), "{bad:?} -> {answer}");
            assert!(answer.contains("Connection: close"));
        }
        assert_eq!(raw(port, b""), "");

        let body =
            "client_id=test-client-id&client_secret=test-client-secret&code=test-code%3A7%3Abob";
        let answer = raw(port, format!("POST /login/oauth/access_token HTTP/1.1\r\nHost: x\r\naccept: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("\"access_token\":\"gho_"), "{answer}");

        let chunked = "POST /login/oauth/access_token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nclient_id=test-c\r\n4a;ext=1\r\nlient-id&client_secret=test-client-secret&code=test-code%3A7%3Abob&x=yyyyy\r\n0\r\n\r\n";
        let answer = raw(port, chunked.as_bytes());
        assert!(answer.contains("access_token=gho_"), "{answer}");
    }
}
