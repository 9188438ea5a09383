//! The live connection: tickets, sockets, backoff, polling, sign-out, pings.

use worktime_api::live::{LiveMessage, LiveTicket, CLOSE_SIGNED_OUT};
use worktime_api::paths;

use super::*;
use crate::client::live::socket_url;

const LAPTOP: &str = "11111111-1111-4111-8111-111111111111";
const DESKTOP: &str = "22222222-2222-4222-8222-222222222222";
/// A socket that failed or dropped (what browsers report when no close frame came).
const ABNORMAL: u16 = 1006;

fn ticket_answer(ticket: &str) -> Outcome {
    let answer = LiveTicket { ticket: ticket.into(), expires_at: now(T0 + 30_000).to_rfc3339() };
    http(200, &serde_json::to_string(&answer).expect("serializes"))
}

fn changed(device_id: Option<&str>) -> String {
    let message =
        LiveMessage::Changed { at: now(T0).to_rfc3339(), device_id: device_id.map(str::to_owned) };
    serde_json::to_string(&message).expect("serializes")
}

fn commands(live: &mut Live, at: i64, engine: &Engine) -> Vec<LiveCommand> {
    std::iter::from_fn(|| live.poll_command(now(at), engine)).collect()
}

fn events(live: &mut Live) -> Vec<LiveEvent> {
    std::iter::from_fn(|| live.poll_event()).collect()
}

/// Polls the ticket request; panics when the next command is anything else.
fn ticket_request(live: &mut Live, at: i64, engine: &Engine) -> Transmit {
    match live.poll_command(now(at), engine) {
        Some(LiveCommand::RequestTicket(transmit)) => transmit,
        other => panic!("expected a ticket request, got {other:?}"),
    }
}

/// Requests a ticket, gets one, and returns the socket the shell is told to open.
fn connect(live: &mut Live, at: i64, engine: &mut Engine) -> u64 {
    let request = ticket_request(live, at, engine);
    live.handle_ticket(now(at), request.id, ticket_answer("7.secret"), engine);
    match live.poll_command(now(at), engine) {
        Some(LiveCommand::Open { socket, .. }) => socket,
        other => panic!("expected an open, got {other:?}"),
    }
}

/// Started and open at `T0`; returns the socket.
fn open_live(engine: &mut Engine) -> (Live, u64) {
    let mut live = Live::default();
    live.start(now(T0), engine).expect("signed in");
    let socket = connect(&mut live, T0, engine);
    live.handle_open(now(T0), socket);
    assert_eq!(live.state(), LiveState::Open);
    (live, socket)
}

#[test]
fn starts_only_with_a_usable_token_and_asks_for_a_ticket_with_it() {
    let mut live = Live::default();
    assert_eq!(live.start(now(T0), &signed_out()), Err(LiveError::NotSignedIn));
    let mut expired = signed_out();
    expired.set_token("old".into(), now(T0), user());
    assert_eq!(live.start(now(T0), &expired), Err(LiveError::NotSignedIn));
    assert_eq!((live.state(), live.next_timer()), (LiveState::Stopped, None));

    let mut engine = signed_in();
    assert_eq!(live.start(now(T0), &engine), Ok(()));
    assert_eq!(live.state(), LiveState::Connecting);
    let request = ticket_request(&mut live, T0, &engine);
    assert_eq!((request.method, request.path.as_str()), ("POST", paths::LIVE_TICKET));
    assert_eq!((request.bearer.as_deref(), request.body), (Some("jwt-1"), None));
    assert_eq!(live.poll_command(now(T0), &engine), None, "one ticket at a time");
    assert_eq!(live.start(now(T0), &engine), Ok(()), "starting again changes nothing");
    assert_eq!(live.poll_command(now(T0), &engine), None);

    live.handle_ticket(now(T0), request.id, ticket_answer("7.a+b/c"), &mut engine);
    let open = live.poll_command(now(T0), &engine);
    let Some(LiveCommand::Open { socket, path }) = open else { panic!("an open: {open:?}") };
    assert_eq!(path, format!("{}?ticket=7.a%2Bb%2Fc", paths::LIVE));
    live.handle_open(now(T0 + 100), socket);
    assert_eq!((live.state(), events(&mut live)), (LiveState::Open, vec![]));
}

#[test]
fn changed_messages_say_which_device_wrote() {
    let mut engine = signed_in();
    engine.adopt_device_id(LAPTOP).expect("a uuid");
    let (mut live, socket) = open_live(&mut engine);
    live.handle_message(now(T0), socket, &changed(Some(DESKTOP)));
    live.handle_message(now(T0), socket, &changed(Some(LAPTOP)));
    live.handle_message(now(T0), socket, &changed(None));
    live.handle_message(now(T0), socket, r#"{"type":"pong"}"#);
    live.handle_message(now(T0), socket, "<html>not a message</html>");
    live.handle_message(now(T0), socket + 1, &changed(Some(DESKTOP)));
    let at = now(T0).to_rfc3339();
    let change = |device: Option<&str>, this_device| LiveEvent::Changed {
        at: at.clone(),
        device_id: device.map(str::to_owned),
        this_device,
    };
    assert_eq!(
        events(&mut live),
        [change(Some(DESKTOP), false), change(Some(LAPTOP), true), change(None, false)]
    );
    // As JavaScript receives them.
    let json = |event: &LiveEvent| serde_json::to_value(event).expect("serializes");
    assert_eq!(
        json(&change(Some(DESKTOP), false)),
        serde_json::json!({"type": "changed", "at": at, "device_id": DESKTOP, "this_device": false})
    );
    assert_eq!(json(&LiveEvent::Poll), serde_json::json!({"type": "poll"}));
    assert_eq!(json(&LiveEvent::SignedOut), serde_json::json!({"type": "signed_out"}));
}

#[test]
fn an_engine_without_a_device_id_calls_nothing_this_device() {
    let mut engine = signed_in();
    let (mut live, socket) = open_live(&mut engine);
    live.handle_message(now(T0), socket, &changed(None));
    assert!(matches!(events(&mut live)[..], [LiveEvent::Changed { this_device: false, .. }]));
}

#[test]
fn a_lost_socket_is_reopened_after_1_s_and_then_a_poll_catches_up() {
    let mut engine = signed_in();
    let (mut live, socket) = open_live(&mut engine);
    live.handle_close(now(T0 + 5_000), socket, ABNORMAL, &mut engine);
    assert_eq!((live.state(), live.next_timer()), (LiveState::Retrying, Some(now(T0 + 6_000))));
    assert_eq!(commands(&mut live, T0 + 5_000, &engine), [], "nothing before the deadline");
    live.handle_timeout(now(T0 + 5_999));
    assert_eq!(commands(&mut live, T0 + 5_999, &engine), []);
    live.handle_timeout(now(T0 + 6_000));
    let socket = connect(&mut live, T0 + 6_000, &mut engine);
    assert_eq!(events(&mut live), []);
    live.handle_open(now(T0 + 6_100), socket);
    assert_eq!(events(&mut live), [LiveEvent::Poll], "writes may have committed meanwhile");
    // The open reset the backoff: the next loss waits 1 s again.
    live.handle_close(now(T0 + 9_000), socket, 1000, &mut engine);
    assert_eq!(live.next_timer(), Some(now(T0 + 10_000)));
}

#[test]
fn backoff_is_1_2_4_8_16_s_then_30_s_at_most() {
    let config = LiveConfig { open_failures_before_polling: u32::MAX, ..LiveConfig::default() };
    let mut live = Live::new(config);
    let mut engine = signed_in();
    live.start(now(T0), &engine).expect("signed in");
    let mut at = T0;
    for wait in [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000] {
        let socket = connect(&mut live, at, &mut engine);
        live.handle_close(now(at), socket, ABNORMAL, &mut engine);
        assert_eq!(live.next_timer(), Some(now(at + wait)));
        at += wait;
        live.handle_timeout(now(at));
    }
    assert_eq!(events(&mut live), [], "no polling with this configuration");
}

#[test]
fn three_sockets_that_never_open_fall_back_to_polling_every_30_s() {
    let mut live = Live::default();
    let mut engine = signed_in();
    live.start(now(T0), &engine).expect("signed in");
    let mut at = T0;
    for wait in [1_000, 2_000] {
        let socket = connect(&mut live, at, &mut engine);
        live.handle_close(now(at), socket, ABNORMAL, &mut engine);
        assert_eq!((live.state(), live.next_timer()), (LiveState::Retrying, Some(now(at + wait))));
        at += wait;
        live.handle_timeout(now(at));
    }
    let socket = connect(&mut live, at, &mut engine);
    live.handle_close(now(at), socket, ABNORMAL, &mut engine);
    assert_eq!((live.state(), live.next_timer()), (LiveState::Polling, Some(now(at + 30_000))));
    // Every 30 s a poll, and another try at the socket.
    for _ in 0..3 {
        at += 30_000;
        live.handle_timeout(now(at));
        assert_eq!(events(&mut live), [LiveEvent::Poll]);
        let socket = connect(&mut live, at, &mut engine);
        live.handle_close(now(at), socket, ABNORMAL, &mut engine);
        assert_eq!(live.state(), LiveState::Polling);
        assert_eq!(live.next_timer(), Some(now(at + 30_000)));
    }
    // The socket opens at last: polling ends, with one poll to catch up.
    at += 30_000;
    live.handle_timeout(now(at));
    assert_eq!(events(&mut live), [LiveEvent::Poll]);
    let socket = connect(&mut live, at, &mut engine);
    live.handle_open(now(at), socket);
    assert_eq!((live.state(), events(&mut live)), (LiveState::Open, vec![LiveEvent::Poll]));
    assert_eq!(live.next_timer(), Some(now(at + 20_000)), "only the ping is left");
}

#[test]
fn a_refused_ticket_polls_at_once_and_retries_every_30_s() {
    for refusal in [
        http(503, &error_body(ErrorCode::Unavailable, "Live updates are unavailable.")),
        http(404, ""),
        http(500, ""),
        http(429, ""),
        http(200, "<html>captive portal</html>"),
        Outcome::NetworkError("offline".into()),
        Outcome::Timeout,
    ] {
        let mut live = Live::default();
        let mut engine = signed_in();
        live.start(now(T0), &engine).expect("signed in");
        let request = ticket_request(&mut live, T0, &engine);
        live.handle_ticket(now(T0), request.id, refusal.clone(), &mut engine);
        assert_eq!(live.state(), LiveState::Polling, "{refusal:?}");
        assert_eq!(live.next_timer(), Some(now(T0 + 30_000)), "{refusal:?}");
        live.handle_timeout(now(T0 + 30_000));
        assert_eq!(events(&mut live), [LiveEvent::Poll]);
        let again = ticket_request(&mut live, T0 + 30_000, &engine);
        live.handle_ticket(now(T0 + 30_000), again.id, refusal.clone(), &mut engine);
        assert_eq!(live.next_timer(), Some(now(T0 + 60_000)), "{refusal:?}");
        assert!(engine.status(now(T0)).signed_in, "a refusal is not a sign-out");
    }
}

#[test]
fn a_401_on_the_ticket_signs_the_engine_out_and_stops() {
    let mut live = Live::default();
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 1);
    live.start(now(T0), &engine).expect("signed in");
    let request = ticket_request(&mut live, T0, &engine);
    live.handle_ticket(now(T0), request.id, http(401, ""), &mut engine);
    assert_eq!(events(&mut live), [LiveEvent::SignedOut]);
    assert_eq!((live.state(), live.next_timer()), (LiveState::Stopped, None));
    assert_eq!(commands(&mut live, T0, &engine), []);
    let status = engine.status(now(T0));
    assert!(status.sign_in_needed && !status.signed_in);
    assert_eq!(status.pending_count, 2, "the queue is kept");
    assert_eq!(live.start(now(T0), &engine), Err(LiveError::NotSignedIn));
}

#[test]
fn close_code_4001_signs_the_engine_out_and_stops() {
    let mut engine = signed_in();
    let (mut live, socket) = open_live(&mut engine);
    live.handle_close(now(T0 + 1_000), socket, CLOSE_SIGNED_OUT, &mut engine);
    assert_eq!(events(&mut live), [LiveEvent::SignedOut]);
    assert_eq!(commands(&mut live, T0 + 1_000, &engine), [], "the server closed it already");
    assert_eq!((live.state(), live.next_timer()), (LiveState::Stopped, None));
    assert!(engine.status(now(T0 + 1_000)).sign_in_needed);
}

#[test]
fn the_end_of_a_replaced_sign_in_reconnects_with_the_new_token() {
    let mut engine = signed_in();
    let (mut live, socket) = open_live(&mut engine);
    engine.set_token("jwt-2".into(), now(T0 + 7 * DAY), user());
    live.handle_close(now(T0 + 1_000), socket, CLOSE_SIGNED_OUT, &mut engine);
    assert_eq!(events(&mut live), []);
    assert!(engine.status(now(T0 + 1_000)).signed_in, "jwt-2 is not the one that ended");
    let request = ticket_request(&mut live, T0 + 1_000, &engine);
    assert_eq!(request.bearer.as_deref(), Some("jwt-2"));
    live.handle_ticket(now(T0 + 1_000), request.id, http(401, ""), &mut engine);
    assert_eq!(events(&mut live), [LiveEvent::SignedOut]);
}

#[test]
fn an_engine_that_loses_its_token_stops_the_connection() {
    // Signed out here, a 401 on sync, an expired token: the next poll_command stops.
    for lose in 0..3 {
        let mut engine = signed_in();
        let (mut live, socket) = open_live(&mut engine);
        let mut at = T0 + 1_000;
        match lose {
            0 => engine.sign_out(),
            1 => {
                queue_sessions(&mut engine, at, 1);
                let transmit = poll(&mut engine, at);
                engine.handle_response(now(at), transmit.id, http(401, ""));
            }
            _ => at = T0 + 7 * DAY,
        }
        assert_eq!(
            commands(&mut live, at, &engine),
            [LiveCommand::Close { socket }],
            "case {lose}"
        );
        assert_eq!(events(&mut live), [LiveEvent::SignedOut]);
        assert_eq!((live.state(), live.next_timer()), (LiveState::Stopped, None));
        assert_eq!(commands(&mut live, at, &engine), []);
        assert_eq!(events(&mut live), [], "reported once");
    }
}

#[test]
fn stop_closes_the_socket_and_nothing_is_reported_after_it() {
    let mut engine = signed_in();
    let (mut live, socket) = open_live(&mut engine);
    live.handle_message(now(T0), socket, &changed(Some(DESKTOP)));
    live.stop();
    assert_eq!(commands(&mut live, T0, &engine), [LiveCommand::Close { socket }]);
    assert_eq!(events(&mut live), [], "undelivered events are dropped");
    live.handle_message(now(T0), socket, &changed(Some(DESKTOP)));
    live.handle_close(now(T0), socket, CLOSE_SIGNED_OUT, &mut engine);
    live.handle_timeout(now(T0 + DAY));
    assert_eq!((events(&mut live), live.next_timer()), (vec![], None));
    assert!(engine.status(now(T0)).signed_in, "a stale socket's 4001 is ignored");

    // Stopped before the shell even opened the socket: no close for it.
    let mut live = Live::default();
    live.start(now(T0), &engine).expect("signed in");
    let request = ticket_request(&mut live, T0, &engine);
    live.handle_ticket(now(T0), request.id, ticket_answer("7.x"), &mut engine);
    live.stop();
    assert_eq!(commands(&mut live, T0, &engine), []);
    // And a ticket arriving after a stop opens nothing.
    live.start(now(T0), &engine).expect("signed in");
    let request = ticket_request(&mut live, T0, &engine);
    live.stop();
    live.handle_ticket(now(T0), request.id, ticket_answer("7.x"), &mut engine);
    assert_eq!(commands(&mut live, T0, &engine), []);
}

#[test]
fn pings_every_20_s_and_a_silent_socket_is_taken_for_dead() {
    let mut engine = signed_in();
    let (mut live, socket) = open_live(&mut engine);
    assert_eq!(live.next_timer(), Some(now(T0 + 20_000)));
    live.handle_timeout(now(T0 + 19_999));
    assert_eq!(commands(&mut live, T0 + 19_999, &engine), []);
    live.handle_timeout(now(T0 + 20_000));
    let ping = LiveCommand::Send { socket, text: "ping".into() };
    assert_eq!(commands(&mut live, T0 + 20_000, &engine), std::slice::from_ref(&ping));
    assert_eq!(live.next_timer(), Some(now(T0 + 30_000)), "the answer's deadline");
    live.handle_message(now(T0 + 20_050), socket, r#"{"type":"pong"}"#);
    assert_eq!(live.next_timer(), Some(now(T0 + 40_000)), "the next ping");
    live.handle_timeout(now(T0 + 40_000));
    assert_eq!(commands(&mut live, T0 + 40_000, &engine), [ping]);
    // No answer: closed and reopened after the first backoff step.
    live.handle_timeout(now(T0 + 50_000));
    assert_eq!(commands(&mut live, T0 + 50_000, &engine), [LiveCommand::Close { socket }]);
    assert_eq!((live.state(), live.next_timer()), (LiveState::Retrying, Some(now(T0 + 51_000))));
    live.handle_close(now(T0 + 50_010), socket, 1000, &mut engine);
    assert_eq!(live.next_timer(), Some(now(T0 + 51_000)), "the closed socket's report is stale");
}

#[test]
fn stale_tickets_and_sockets_are_ignored() {
    let mut engine = signed_in();
    let mut live = Live::default();
    live.start(now(T0), &engine).expect("signed in");
    let request = ticket_request(&mut live, T0, &engine);
    live.handle_ticket(now(T0), request.id + 7, http(401, ""), &mut engine);
    assert!(engine.status(now(T0)).signed_in);
    live.handle_ticket(now(T0), request.id, ticket_answer("7.x"), &mut engine);
    let Some(LiveCommand::Open { socket, .. }) = live.poll_command(now(T0), &engine) else {
        panic!("an open")
    };
    live.handle_ticket(now(T0), request.id, http(401, ""), &mut engine);
    live.handle_open(now(T0), socket + 1);
    assert_eq!(live.state(), LiveState::Connecting);
    live.handle_close(now(T0), socket + 1, CLOSE_SIGNED_OUT, &mut engine);
    assert!(engine.status(now(T0)).signed_in);
    live.handle_open(now(T0), socket);
    assert_eq!(live.state(), LiveState::Open);
}

#[test]
fn a_clock_that_jumps_back_does_not_stall_the_reconnection() {
    let mut engine = signed_in();
    let (mut live, socket) = open_live(&mut engine);
    live.handle_close(now(T0), socket, ABNORMAL, &mut engine);
    live.handle_timeout(now(T0 - DAY));
    assert!(matches!(
        live.poll_command(now(T0 - DAY), &engine),
        Some(LiveCommand::RequestTicket(_))
    ));
}

#[test]
fn socket_urls_follow_the_api_scheme() {
    let path = "/api/live?ticket=7.x";
    assert_eq!(
        socket_url("http://127.0.0.1:8787/", path).as_deref(),
        Some("ws://127.0.0.1:8787/api/live?ticket=7.x")
    );
    assert_eq!(
        socket_url("https://w.example.dev", path).as_deref(),
        Some("wss://w.example.dev/api/live?ticket=7.x")
    );
    assert_eq!(socket_url("ftp://w.example.dev", path), None);
}
