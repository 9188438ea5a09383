//! The HTTP/1.1 of the test servers (the fake GitHub and the fault proxy): one message each
//! way per connection. Heads are parsed by `httparse`; bodies are de-framed (Content-Length,
//! chunked, or up to the close for a response without either); every message is written
//! with fresh framing, `Content-Length` and `Connection: close`.
//!
//! Reads never panic on bad input: a malformed or oversized message is a
//! [`ReadError::Bad`] with the status to answer, a peer that closes mid-message a
//! [`ReadError::Truncated`], and a failed or silent connection a [`ReadError::Io`].

use std::fmt;
use std::io::{self, Read, Write};

/// The most a head may take, request line or status line included.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The most headers a head may carry.
const MAX_HEADERS: usize = 128;
/// Hop-by-hop headers, plus the framing headers [`to_bytes`] always writes itself.
const HOP_BY_HOP: &str =
    "connection keep-alive proxy-connection te trailer transfer-encoding upgrade content-length";

/// A request or a response: its first line, headers (names lowercased, values trimmed, in
/// arrival order) and de-framed body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    /// `GET /path?query HTTP/1.1` or `HTTP/1.1 200 OK`.
    pub first_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Message {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut values = self.headers.iter().filter(|(key, _)| key.eq_ignore_ascii_case(name));
        values.next().map(|(_, value)| value.as_str())
    }

    /// All values of header `name` (any case), joined by `, `.
    pub fn joined_header(&self, name: &str) -> Option<String> {
        joined_header(&self.headers, name)
    }

    /// A request's method (the first line's first word).
    pub fn method(&self) -> &str {
        self.first_line.split(' ').next().unwrap_or_default()
    }

    /// A request's target, `/path?query` (the first line's second word).
    pub fn target(&self) -> &str {
        self.first_line.split(' ').nth(1).unwrap_or_default()
    }

    /// A request's path: its target without the query.
    pub fn path(&self) -> &str {
        self.target().split('?').next().unwrap_or_default()
    }
}

/// All values of header `name` (any case) in `headers`, joined by `, `.
pub fn joined_header(headers: &[(String, String)], name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .iter()
        .filter(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Why no whole message could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The connection failed, timed out, or closed before sending anything.
    Io(io::Error),
    /// The peer closed in the middle of the message.
    Truncated(&'static str),
    /// The message is malformed or too large: answer this status.
    Bad(u16, String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(err) => err.fmt(f),
            ReadError::Truncated(message) => f.write_str(message),
            ReadError::Bad(_, message) => f.write_str(message),
        }
    }
}

fn bad(status: u16, message: &str) -> ReadError {
    ReadError::Bad(status, message.to_owned())
}

/// Reads one request of at most `max_body` body bytes. Answers `Expect: 100-continue`
/// with `100 Continue` before reading a body. Without a length the body is empty.
pub fn read_request<S: Read + Write>(
    stream: &mut S,
    max_body: usize,
) -> Result<Message, ReadError> {
    let mut buffer = Vec::with_capacity(4096);
    let (message, head_len) = read_head(stream, &mut buffer, false)?;
    let framing = framing(&message, false, max_body)?;
    let expects_continue = message
        .header("expect")
        .is_some_and(|expect| expect.to_ascii_lowercase().contains("100-continue"));
    if expects_continue && !matches!(framing, Framing::Length(0)) {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(ReadError::Io)?;
    }
    buffer.drain(..head_len);
    let body = read_body(stream, buffer, framing, max_body)?;
    Ok(Message { body, ..message })
}

/// Reads one response of at most `max_body` body bytes; `to_head` when it answers a HEAD
/// request. Without a length the body runs to the close; answers to HEAD and 1xx, 204 and
/// 304 answers have none.
pub fn read_response<S: Read>(
    stream: &mut S,
    max_body: usize,
    to_head: bool,
) -> Result<Message, ReadError> {
    let mut buffer = Vec::with_capacity(4096);
    let (message, head_len) = read_head(stream, &mut buffer, true)?;
    let status = message.first_line.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok());
    let framing = if to_head || matches!(status, Some(100..=199 | 204 | 304)) {
        Framing::Length(0)
    } else {
        framing(&message, true, max_body)?
    };
    buffer.drain(..head_len);
    let body = read_body(stream, buffer, framing, max_body)?;
    Ok(Message { body, ..message })
}

/// Reads into `buffer` until it holds a whole head; the head and its length in bytes.
fn read_head<S: Read>(
    stream: &mut S,
    buffer: &mut Vec<u8>,
    response: bool,
) -> Result<(Message, usize), ReadError> {
    loop {
        if let Some((message, length)) = parse_head(buffer, response)? {
            if length > MAX_HEAD_BYTES {
                return Err(head_too_large(response));
            }
            return Ok((message, length));
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err(head_too_large(response));
        }
        if fill(stream, buffer)? == 0 {
            return Err(if buffer.is_empty() {
                ReadError::Io(io::ErrorKind::UnexpectedEof.into())
            } else if response {
                ReadError::Truncated("incomplete response head")
            } else {
                ReadError::Truncated("incomplete request head")
            });
        }
    }
}

fn head_too_large(response: bool) -> ReadError {
    bad(431, if response { "response head too large" } else { "request head too large" })
}

/// Reads what `stream` has into `buffer`; the number of bytes (0 at the close).
fn fill<S: Read>(stream: &mut S, buffer: &mut Vec<u8>) -> Result<usize, ReadError> {
    let mut chunk = [0u8; 8192];
    let read = stream.read(&mut chunk).map_err(ReadError::Io)?;
    buffer.extend_from_slice(&chunk[..read]);
    Ok(read)
}

/// The head at the start of `buffer` and its length, `Ok(None)` while it is incomplete. A
/// request's target must be a path.
fn parse_head(buffer: &[u8], response: bool) -> Result<Option<(Message, usize)>, ReadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let (status, first_line) = if response {
        let mut head = httparse::Response::new(&mut headers);
        let status = head.parse(buffer).map_err(head_error)?;
        let (version, code) = (head.version.unwrap_or(1), head.code.unwrap_or(0));
        let reason = head.reason.unwrap_or_default();
        (status, format!("HTTP/1.{version} {code} {reason}"))
    } else {
        let mut head = httparse::Request::new(&mut headers);
        let status = head.parse(buffer).map_err(head_error)?;
        let (method, target) = (head.method.unwrap_or_default(), head.path.unwrap_or_default());
        if status.is_complete() && !target.starts_with('/') {
            return Err(bad(400, "bad request target"));
        }
        (status, format!("{method} {target} HTTP/1.{}", head.version.unwrap_or(1)))
    };
    let httparse::Status::Complete(length) = status else { return Ok(None) };
    // httparse also takes a bare LF for a line end; HTTP/1.1 ends lines with CRLF.
    if buffer[..length]
        .iter()
        .enumerate()
        .any(|(i, b)| *b == b'\n' && (i == 0 || buffer[i - 1] != b'\r'))
    {
        return Err(bad(400, "bare LF in head"));
    }
    let mut message = Message { first_line, ..Message::default() };
    for header in headers.iter().take_while(|header| !header.name.is_empty()) {
        let value = std::str::from_utf8(header.value).map_err(|_| bad(400, "head is not UTF-8"))?;
        message.headers.push((header.name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    Ok(Some((message, length)))
}

fn head_error(err: httparse::Error) -> ReadError {
    match err {
        httparse::Error::TooManyHeaders => bad(431, "too many headers"),
        httparse::Error::Version => bad(400, "unsupported HTTP version"),
        httparse::Error::HeaderName => bad(400, "bad header name"),
        httparse::Error::HeaderValue => bad(400, "bad header value"),
        httparse::Error::Status => bad(400, "bad status line"),
        _ => bad(400, "bad request line"),
    }
}

/// How a body is delimited.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Framing {
    Length(usize),
    Chunked,
    /// Up to the close (a response without a length).
    ToClose,
}

fn framing(message: &Message, response: bool, max_body: usize) -> Result<Framing, ReadError> {
    let chunked = match message.joined_header("transfer-encoding") {
        None => false,
        Some(coding) if coding.trim().eq_ignore_ascii_case("chunked") => true,
        Some(_) => return Err(bad(400, "unsupported transfer-encoding")),
    };
    let length = content_length(message)?;
    match (chunked, length) {
        (true, Some(_)) => Err(bad(400, "both content-length and transfer-encoding")),
        (true, None) => Ok(Framing::Chunked),
        (false, Some(length)) if length > max_body => Err(bad(413, "body too large")),
        (false, Some(length)) => Ok(Framing::Length(length)),
        (false, None) if response => Ok(Framing::ToClose),
        (false, None) => Ok(Framing::Length(0)),
    }
}

/// The `Content-Length`, if any: repeated values (in one header or several) must agree.
fn content_length(message: &Message) -> Result<Option<usize>, ReadError> {
    let mut found: Option<usize> = None;
    let values = message.headers.iter().filter(|(name, _)| name == "content-length");
    for part in values.flat_map(|(_, value)| value.split(',')).map(str::trim) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(400, "bad content-length"));
        }
        let length: usize = part.parse().map_err(|_| bad(413, "body too large"))?;
        if found.is_some_and(|seen| seen != length) {
            return Err(bad(400, "conflicting content-length"));
        }
        found = Some(length);
    }
    Ok(found)
}

/// Reads the body framed by `framing`; `buffer` holds the bytes already read past the head.
fn read_body<S: Read>(
    stream: &mut S,
    mut buffer: Vec<u8>,
    framing: Framing,
    max_body: usize,
) -> Result<Vec<u8>, ReadError> {
    match framing {
        Framing::Length(length) => {
            while buffer.len() < length {
                if fill(stream, &mut buffer)? == 0 {
                    return Err(ReadError::Truncated("body shorter than content-length"));
                }
            }
            buffer.truncate(length);
            Ok(buffer)
        }
        Framing::Chunked => loop {
            if let Some(body) = dechunk(&buffer, max_body)? {
                return Ok(body);
            }
            if buffer.len() > max_body + MAX_HEAD_BYTES {
                return Err(bad(413, "body too large"));
            }
            if fill(stream, &mut buffer)? == 0 {
                return Err(ReadError::Truncated("truncated chunked body"));
            }
        },
        Framing::ToClose => loop {
            if buffer.len() > max_body {
                return Err(bad(413, "body too large"));
            }
            if fill(stream, &mut buffer)? == 0 {
                return Ok(buffer);
            }
        },
    }
}

/// Decodes a chunked body of at most `max_body` bytes (chunk extensions and trailers are
/// skipped): `Ok(None)` while `input` holds only part of it.
fn dechunk(input: &[u8], max_body: usize) -> Result<Option<Vec<u8>>, ReadError> {
    let (mut pos, mut body) = (0, Vec::new());
    loop {
        let Some(end) = find(&input[pos..], b"\r\n").map(|end| pos + end) else { return Ok(None) };
        let line = std::str::from_utf8(&input[pos..end]).map_err(|_| bad(400, "bad chunk size"))?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad(400, "bad chunk size"))?;
        pos = end + 2;
        if size == 0 {
            // Trailers (skipped) end at a blank line.
            return Ok(find(&input[pos - 2..], b"\r\n\r\n").map(|_| body));
        }
        if body.len().saturating_add(size) > max_body {
            return Err(bad(413, "body too large"));
        }
        if size + 2 > input.len() - pos {
            return Ok(None);
        }
        if &input[pos + size..pos + size + 2] != b"\r\n" {
            return Err(bad(400, "bad chunk terminator"));
        }
        body.extend_from_slice(&input[pos..pos + size]);
        pos += size + 2;
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// `first_line`, the headers (hop-by-hop and framing ones left out, line breaks removed from
/// values), `Content-Length` and `Connection: close`, then the body.
pub fn to_bytes(first_line: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{first_line}\r\n");
    let end_to_end = headers
        .iter()
        .filter(|(name, _)| !HOP_BY_HOP.split(' ').any(|hop| hop.eq_ignore_ascii_case(name)));
    for (name, value) in end_to_end {
        let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// `HTTP/1.1 <status> <reason>`.
pub fn status_line(status: u16) -> String {
    let reason = match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    };
    format!("HTTP/1.1 {status} {reason}")
}

/// An answer a test server makes itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    /// In writing order, names as written.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// `status` with `Content-Type: content_type` and `body`.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        let headers = vec![("Content-Type".into(), content_type.into())];
        Response { status, headers, body: body.into() }
    }

    /// `value` as JSON.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Response::new(status, "application/json; charset=utf-8", value.to_string())
    }

    /// `text` as plain text.
    pub fn text(status: u16, text: &str) -> Self {
        Response::new(status, "text/plain; charset=utf-8", text)
    }

    /// With one more header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut values = self.headers.iter().filter(|(key, _)| key.eq_ignore_ascii_case(name));
        values.next().map(|(_, value)| value.as_str())
    }

    /// The whole answer, framed by [`to_bytes`].
    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes(&status_line(self.status), &self.headers, &self.body)
    }
}

#[cfg(test)]
mod tests;
