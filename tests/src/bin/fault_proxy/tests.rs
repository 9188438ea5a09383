//! The proxy's unit tests: the admin body and arguments, then a live proxy in front of a
//! scripted upstream.

#![allow(clippy::unwrap_used)]

use std::io::Read;

use super::*;
use crate::faults::parse_mode_command;

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
            let request = http1::read_request(&mut stream, 1 << 20).unwrap();
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
            let request = http1::read_request(&mut stream, 1 << 20).unwrap();
            assert_eq!(request.header("upgrade"), Some("websocket"), "{request:?}");
            assert_eq!(request.header("connection"), Some("Upgrade"), "{request:?}");
            let _ =
                stream.write_all(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
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
        let head =
            "GET /api/live?ticket=t HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
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
