//! WebSocket upgrades: refused by the refusing modes, else tunnelled byte for byte.

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};

use worktime_tests::http1::Message;

use crate::faults::{lock, Shared, FORWARDED};
use crate::{error_body, reply};

pub fn is_websocket_upgrade(request: &Message) -> bool {
    request.header("upgrade").is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

/// A WebSocket upgrade: the faults that apply to it, else a byte tunnel to the upstream.
pub fn tunnel(mut client: TcpStream, request: &Message, upstream: &str, state: &Shared) {
    let path = request.path();
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
