#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;

use super::*;

/// A peer that sends `reads` one per `read` call (then closes) and records what it is sent.
#[derive(Default)]
struct Peer {
    reads: VecDeque<Vec<u8>>,
    written: Vec<u8>,
}

impl Peer {
    fn sending(parts: &[&[u8]]) -> Self {
        Peer { reads: parts.iter().map(|part| part.to_vec()).collect(), written: Vec::new() }
    }

    /// `bytes`, one byte per read.
    fn trickling(bytes: &[u8]) -> Self {
        Peer { reads: bytes.iter().map(|b| vec![*b]).collect(), written: Vec::new() }
    }
}

impl Read for Peer {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let Some(mut next) = self.reads.pop_front() else { return Ok(0) };
        let n = next.len().min(out.len());
        out[..n].copy_from_slice(&next[..n]);
        if n < next.len() {
            self.reads.push_front(next.split_off(n));
        }
        Ok(n)
    }
}

impl Write for Peer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.written.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn request(parts: &[&[u8]]) -> Result<Message, ReadError> {
    read_request(&mut Peer::sending(parts), 1024)
}

fn status_of(result: Result<Message, ReadError>) -> u16 {
    match result {
        Err(ReadError::Bad(status, _)) => status,
        other => panic!("expected a bad request, got {other:?}"),
    }
}

const POST: &[u8] = b"POST /login/oauth/access_token?x=1 HTTP/1.1\r\nHost: a\r\nX-Two: 1\r\n\
    x-two:  2 \r\nContent-Length: 5\r\n\r\nhello";

#[test]
fn a_head_split_across_reads_is_reassembled() {
    for message in [
        request(&[&POST[..10], &POST[10..40], &POST[40..]]).unwrap(),
        read_request(&mut Peer::trickling(POST), 1024).unwrap(),
    ] {
        assert_eq!(message.first_line, "POST /login/oauth/access_token?x=1 HTTP/1.1");
        assert_eq!(message.method(), "POST");
        assert_eq!(message.target(), "/login/oauth/access_token?x=1");
        assert_eq!(message.path(), "/login/oauth/access_token");
        assert_eq!(message.header("X-TWO"), Some("1"));
        assert_eq!(message.joined_header("x-two").as_deref(), Some("1, 2"));
        assert_eq!(message.headers[0], ("host".to_owned(), "a".to_owned()));
        assert_eq!(message.body, b"hello");
    }
    // Bytes past the length (a pipelined request) are not part of the body.
    let extra = [POST, b"GET / HTTP/1.1\r\n\r\n"].concat();
    assert_eq!(request(&[&extra]).unwrap().body, b"hello");
}

#[test]
fn chunked_bodies_are_decoded_however_they_arrive() {
    let wire = b"POST /x HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n4\r\nWiki\r\n\
        6;ext=1\r\npedia \r\n0\r\nX-Trailer: 1\r\n\r\n";
    let message = read_request(&mut Peer::trickling(wire), 1024).unwrap();
    assert_eq!(message.body, b"Wikipedia ");
    let chunks = b"4\r\nWiki\r\n6;ext=1\r\npedia \r\n0\r\nX-Trailer: 1\r\n\r\n";
    assert_eq!(dechunk(chunks, 1024).unwrap(), Some(b"Wikipedia ".to_vec()));
    assert!((0..chunks.len()).all(|cut| dechunk(&chunks[..cut], 1024).unwrap().is_none()));
    assert!(matches!(dechunk(b"zz\r\n", 1024), Err(ReadError::Bad(400, _))));
    assert!(matches!(dechunk(b"2\r\nabcd\r\n", 1024), Err(ReadError::Bad(400, _))));
    assert!(matches!(dechunk(b"ff\r\n", 16), Err(ReadError::Bad(413, _))));
    let cut = &wire[..wire.len() - 2];
    assert!(matches!(request(&[cut]), Err(ReadError::Truncated(_))));
}

#[test]
fn malformed_requests_are_bad_requests() {
    for wire in [
        &b"garbage\r\n\r\n"[..],
        b"GET /user HTTP/1.1\r\nno colon\r\n\r\n",
        b"GET /user HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"GET /user HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"GET user HTTP/1.1\r\n\r\n",
        b"GET /user HTTP/9\r\n\r\n",
        b"GET /user HTTP/1.1\n\n",
        b"GET /user HTTP/1.1\r\nX: 1\n\r\n",
        b"\xff\xfe /user HTTP/1.1\r\n\r\n",
        b"GET /user HTTP/1.1\r\nX: \xff\r\n\r\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
    ] {
        assert_eq!(status_of(request(&[wire])), 400, "{:?}", String::from_utf8_lossy(wire));
    }
    assert_eq!(status_of(request(&[b"POST / HTTP/1.1\r\nContent-Length: 1025\r\n\r\n"])), 413);
    let huge = [&b"GET / HTTP/1.1\r\nX: "[..], &vec![b'a'; MAX_HEAD_BYTES + 1]].concat();
    assert_eq!(status_of(request(&[&huge])), 431);
    // A head that ends just past the limit, all in one read, is as large.
    let past = [&huge[..], b"\r\n\r\n"].concat();
    assert_eq!(status_of(request(&[&past])), 431);
    let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: 1\r\n")).collect();
    assert_eq!(status_of(request(&[format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()])), 431);
    // Equal repeated lengths are one length.
    let twice = b"POST / HTTP/1.1\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok";
    assert_eq!(request(&[twice]).unwrap().body, b"ok");
}

#[test]
fn closes_are_told_apart() {
    assert!(matches!(request(&[]), Err(ReadError::Io(_))));
    assert!(matches!(request(&[b"GET / HTTP/1.1\r\n"]), Err(ReadError::Truncated(_))));
    let short = b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort";
    assert!(matches!(request(&[short]), Err(ReadError::Truncated(_))));
    // Without a length a request has no body, a response runs to the close.
    assert_eq!(request(&[b"OPTIONS / HTTP/1.1\r\n\r\nignored"]).unwrap().body, b"");
    let to_close = b"HTTP/1.1 200 OK\r\n\r\nabc";
    let answer = read_response(&mut Peer::sending(&[to_close, b"def"]), 1024, false).unwrap();
    assert_eq!(
        (answer.first_line.as_str(), answer.body.as_slice()),
        ("HTTP/1.1 200 OK", &b"abcdef"[..])
    );
    let too_long = read_response(&mut Peer::sending(&[to_close]), 2, false);
    assert!(matches!(too_long, Err(ReadError::Bad(413, _))));
}

#[test]
fn bodiless_answers_have_no_body() {
    let head_answer = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    let answer = read_response(&mut Peer::sending(&[head_answer]), 1024, true).unwrap();
    assert_eq!(answer.body, b"");
    for status in ["101 Switching Protocols", "204 No Content", "304 Not Modified"] {
        let wire = format!("HTTP/1.1 {status}\r\nContent-Length: 5\r\n\r\n");
        let answer = read_response(&mut Peer::sending(&[wire.as_bytes()]), 1024, false).unwrap();
        assert_eq!((answer.first_line, answer.body), (format!("HTTP/1.1 {status}"), vec![]));
    }
    // A reasonless status line keeps its separator.
    let reasonless = b"HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok";
    let answer = read_response(&mut Peer::sending(&[reasonless]), 1024, false).unwrap();
    assert_eq!((answer.first_line.as_str(), answer.body.as_slice()), ("HTTP/1.1 200 ", &b"ok"[..]));
    let chunked =
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    let answer = read_response(&mut Peer::trickling(chunked), 1024, false).unwrap();
    assert_eq!(
        (answer.first_line.as_str(), answer.body.as_slice()),
        ("HTTP/1.1 201 Created", &b"hello"[..])
    );
}

#[test]
fn expect_continue_is_answered_before_the_body() {
    let wire = b"POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n";
    let mut peer = Peer::sending(&[wire, b"ok"]);
    assert_eq!(read_request(&mut peer, 1024).unwrap().body, b"ok");
    assert_eq!(peer.written, b"HTTP/1.1 100 Continue\r\n\r\n");
    let mut bodiless = Peer::sending(&[b"GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n"]);
    read_request(&mut bodiless, 1024).unwrap();
    assert_eq!(bodiless.written, b"");
}

#[test]
fn messages_are_written_with_fresh_framing() {
    let headers: Vec<(String, String)> = [
        ("Content-Type", "text/plain"),
        ("keep-alive", "5"),
        ("Transfer-Encoding", "chunked"),
        ("content-length", "99"),
        ("x-evil", "a\r\nInjected: 1"),
    ]
    .iter()
    .map(|(name, value)| (name.to_string(), value.to_string()))
    .collect();
    let bytes = to_bytes("HTTP/1.1 201 Created", &headers, b"hi");
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nx-evil: aInjected: 1\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\nhi"
    );
    let response = Response::text(302, "moved").with_header("Location", "http://x/");
    assert_eq!(response.header("location"), Some("http://x/"));
    let text = String::from_utf8(response.to_bytes()).unwrap();
    assert!(text.starts_with("HTTP/1.1 302 Found\r\nContent-Type: text/plain; charset=utf-8\r\n"));
    assert!(text
        .ends_with("Location: http://x/\r\nContent-Length: 5\r\nConnection: close\r\n\r\nmoved"));
    assert_eq!(status_line(429), "HTTP/1.1 429 Too Many Requests");
    assert_eq!(status_line(599), "HTTP/1.1 599 Unknown");
}
