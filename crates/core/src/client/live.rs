//! The live connection: a WebSocket that says when a write of the user committed, so an
//! open popup can re-read what it shows at once instead of polling.
//!
//! [`Live`] is a sans-IO state machine like the [`Engine`]: the shell passes `now` in,
//! performs the [`LiveCommand`]s it asks for (one ticket request, open a socket, send a
//! frame, close it), reports what came of them, delivers the [`LiveEvent`]s, and arms one
//! timer from [`Live::next_timer`]. The token comes from the engine, and a refusal of it
//! (a 401 on the ticket, close code 4001) is reported back to the engine.
//!
//! Rules:
//!
//! - It starts only while the engine holds a usable token, and stops (reporting
//!   [`LiveEvent::SignedOut`]) as soon as the engine no longer has one.
//! - A connection is `POST /api/live/ticket` (with the token) → a single-use ticket →
//!   `GET /api/live?ticket=…` as a WebSocket. An opened socket resets the backoff.
//! - A socket that closes or fails is reopened after 1, 2, 4, 8, 16 s, then every 30 s
//!   (consecutive failures since the last open).
//! - Close code [`CLOSE_SIGNED_OUT`] (4001) or a 401 on the ticket: the sign-in was ended
//!   on the server. The engine drops that token ([`Engine::token_refused`]), the live
//!   connection stops and reports `SignedOut`. (Had the engine meanwhile got a new token,
//!   the connection just reconnects with it.)
//! - Refused: a ticket answered with anything else (503, other statuses, no answer, a
//!   malformed ticket), or 3 sockets in a row that never opened. The connection falls
//!   back to polling — a [`LiveEvent::Poll`] every 30 s — while it keeps trying the socket
//!   every 30 s (the longest backoff). The first socket that opens ends the polling.
//! - A socket that opens after an earlier one was lost, or after polling, is followed by
//!   one `Poll`: writes may have committed while nobody was listening.
//! - While open, a `ping` text frame goes out every 20 s (the server answers `pong`; the
//!   traffic also keeps an extension's service worker alive); when nothing at all arrives
//!   within 10 s of a ping the socket is taken for dead, closed and reopened.
//! - [`Live::stop`] closes the socket; nothing is reported after it.

use std::collections::VecDeque;
use std::fmt;

use serde::Serialize;
use worktime_api::live::{LiveMessage, LiveTicket, CLOSE_SIGNED_OUT};
use worktime_api::paths;

use super::failure::Failure;
use super::wire::{Outcome, Transmit};
use super::Engine;
use crate::time::UnixMillis;

/// Timing of the live connection. [`LiveConfig::default`] holds the product's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveConfig {
    /// Waits before reopening after the 1st, 2nd, … consecutive failure (1, 2, 4, 8, 16 s).
    pub backoff_steps_ms: Vec<i64>,
    /// The wait after the steps, and between attempts while polling (30 s).
    pub max_backoff_ms: i64,
    /// Between two [`LiveEvent::Poll`]s while the socket is refused (30 s).
    pub poll_interval_ms: i64,
    /// Sockets in a row that never open before polling starts (3).
    pub open_failures_before_polling: u32,
    /// Between two `ping` frames on an open socket (20 s).
    pub ping_interval_ms: i64,
    /// How long after a ping silence means the socket is dead (10 s).
    pub pong_timeout_ms: i64,
}

impl Default for LiveConfig {
    fn default() -> LiveConfig {
        LiveConfig {
            backoff_steps_ms: vec![1_000, 2_000, 4_000, 8_000, 16_000],
            max_backoff_ms: 30_000,
            poll_interval_ms: 30_000,
            open_failures_before_polling: 3,
            ping_interval_ms: 20_000,
            pong_timeout_ms: 10_000,
        }
    }
}

impl LiveConfig {
    /// The longest wait the machine schedules: a deadline further away can only come from
    /// the clock jumping backwards, and is treated as due.
    fn longest_wait_ms(&self) -> i64 {
        let steps = self.backoff_steps_ms.iter().copied().max().unwrap_or(0);
        [
            steps,
            self.max_backoff_ms,
            self.poll_interval_ms,
            self.ping_interval_ms,
            self.pong_timeout_ms,
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}

/// What the shell must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveCommand {
    /// Perform this request (`POST /api/live/ticket`) and report it to
    /// [`Live::handle_ticket`] with the same id.
    RequestTicket(Transmit),
    /// Open a WebSocket at `path` on the API's origin (see [`socket_url`]) and report its
    /// `open`, text messages and `close` with `socket`.
    Open { socket: u64, path: String },
    /// Send a text frame on `socket`.
    Send { socket: u64, text: String },
    /// Close `socket` (code 1000) and forget it: whatever it reports afterwards is ignored.
    Close { socket: u64 },
}

/// What the application hears, serialized for JavaScript as `{ type: "changed", … }`,
/// `{ type: "poll" }` or `{ type: "signed_out" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum LiveEvent {
    /// A write of the user committed: re-read what is shown (unless `this_device`, whose
    /// writes the application already knows about).
    Changed {
        /// When it committed, RFC 3339 UTC.
        at: String,
        /// The device whose request it was (`None` for the server's own jobs).
        device_id: Option<String>,
        /// Whether that device is this installation (the engine's device id).
        this_device: bool,
    },
    /// Re-read what is shown: every 30 s while the socket is refused, and once after a
    /// lost socket is reopened.
    Poll,
    /// The sign-in ended (here, on the server, or everywhere): the live connection
    /// stopped; the engine's status says what to show.
    SignedOut,
}

/// Where the connection stands, for diagnostics and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum LiveState {
    Stopped,
    /// Asking for a ticket or opening the socket.
    Connecting,
    Open,
    /// Waiting to try again after a failure.
    Retrying,
    /// The socket is refused: polling, and trying the socket again every 30 s.
    Polling,
}

/// Why [`Live::start`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveError {
    /// No usable token: sign in first.
    NotSignedIn,
}

/// A token kept for comparing with the engine's; never printed.
#[derive(Clone, PartialEq, Eq)]
struct Bearer(String);

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Stopped,
    /// A ticket is to be requested at the next [`Live::poll_command`].
    NeedTicket,
    Ticket {
        request: u64,
        bearer: Bearer,
    },
    Connecting {
        socket: u64,
        bearer: Bearer,
    },
    Open {
        socket: u64,
        bearer: Bearer,
        ping_at: i64,
        pong_by: Option<i64>,
    },
    Waiting {
        until: i64,
    },
}

/// The live connection's state machine; see the module docs for the rules.
///
/// The call rule, as for the engine: after every call, drain
/// [`poll_command`](Live::poll_command) and perform each command, deliver every
/// [`poll_event`](Live::poll_event), and arm a timer from
/// [`next_timer`](Live::next_timer) that calls [`handle_timeout`](Live::handle_timeout).
/// Call `poll_command` also after the engine changed (a sign-out, a 401 on sync): that is
/// where a lost token stops the connection.
#[derive(Debug, Clone)]
pub struct Live {
    config: LiveConfig,
    phase: Phase,
    next_id: u64,
    device_id: Option<String>,
    /// Failed attempts since the last socket opened (picks the backoff step).
    failures: u32,
    /// Sockets in a row that never opened.
    open_failures: u32,
    /// When the next `Poll` is due; `Some` while polling.
    next_poll_ms: Option<i64>,
    /// A socket has been open since the start (so a reopened one may have missed writes).
    opened_before: bool,
    commands: VecDeque<LiveCommand>,
    events: VecDeque<LiveEvent>,
}

impl Default for Live {
    fn default() -> Live {
        Live::new(LiveConfig::default())
    }
}

impl Live {
    pub fn new(config: LiveConfig) -> Live {
        Live {
            config,
            phase: Phase::Stopped,
            next_id: 1,
            device_id: None,
            failures: 0,
            open_failures: 0,
            next_poll_ms: None,
            opened_before: false,
            commands: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Starts connecting, when the engine holds a usable token at `now`. Starting a running
    /// connection changes nothing.
    pub fn start(&mut self, now: UnixMillis, engine: &Engine) -> Result<(), LiveError> {
        if engine.bearer(now).is_none() {
            return Err(LiveError::NotSignedIn);
        }
        if self.is_running() {
            return Ok(());
        }
        self.device_id = engine.device_id().map(str::to_owned);
        self.failures = 0;
        self.open_failures = 0;
        self.next_poll_ms = None;
        self.opened_before = false;
        self.phase = Phase::NeedTicket;
        Ok(())
    }

    /// Stops: closes the socket (a [`LiveCommand::Close`] follows) and drops undelivered
    /// events.
    pub fn stop(&mut self) {
        self.release_socket();
        self.phase = Phase::Stopped;
        self.next_poll_ms = None;
        self.events.clear();
    }

    pub fn is_running(&self) -> bool {
        self.phase != Phase::Stopped
    }

    pub fn state(&self) -> LiveState {
        match self.phase {
            Phase::Stopped => LiveState::Stopped,
            Phase::Open { .. } => LiveState::Open,
            _ if self.next_poll_ms.is_some() => LiveState::Polling,
            Phase::Waiting { .. } => LiveState::Retrying,
            Phase::NeedTicket | Phase::Ticket { .. } | Phase::Connecting { .. } => {
                LiveState::Connecting
            }
        }
    }

    /// The next thing for the shell to do. Stops the connection (reporting `SignedOut`)
    /// when the engine no longer holds a usable token.
    pub fn poll_command(&mut self, now: UnixMillis, engine: &Engine) -> Option<LiveCommand> {
        if self.is_running() && engine.bearer(now).is_none() {
            self.signed_out();
        }
        if let Some(command) = self.commands.pop_front() {
            return Some(command);
        }
        if self.phase != Phase::NeedTicket {
            return None;
        }
        let bearer = engine.bearer(now)?;
        let request = self.fresh_id();
        self.phase = Phase::Ticket { request, bearer: Bearer(bearer.clone()) };
        Some(LiveCommand::RequestTicket(Transmit {
            id: request,
            method: "POST",
            path: paths::LIVE_TICKET.to_owned(),
            bearer: Some(bearer),
            body: None,
        }))
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<LiveEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Live::handle_timeout) is next needed: a reconnection, a
    /// poll, a ping or a ping's deadline. `None` while nothing waits.
    pub fn next_timer(&self) -> Option<UnixMillis> {
        let phase = match &self.phase {
            Phase::Waiting { until } => Some(*until),
            Phase::Open { pong_by: Some(by), .. } => Some(*by),
            Phase::Open { ping_at, pong_by: None, .. } => Some(*ping_at),
            _ => None,
        };
        [phase, self.next_poll_ms].into_iter().flatten().min().map(UnixMillis)
    }

    /// The timer fired (early or late calls are fine: what is not due yet waits).
    pub fn handle_timeout(&mut self, now: UnixMillis) {
        if let Some(at) = self.next_poll_ms {
            if self.is_due(at, now) {
                self.events.push_back(LiveEvent::Poll);
                self.next_poll_ms = Some(now.0 + self.config.poll_interval_ms);
            }
        }
        match self.phase.clone() {
            Phase::Waiting { until } if self.is_due(until, now) => self.phase = Phase::NeedTicket,
            Phase::Open { pong_by: Some(by), .. } if self.is_due(by, now) => {
                // Nothing came back after the ping: the connection is dead.
                self.release_socket();
                self.failed(now, false);
            }
            Phase::Open { socket, bearer, ping_at, pong_by: None } if self.is_due(ping_at, now) => {
                self.commands.push_back(LiveCommand::Send { socket, text: "ping".into() });
                self.phase = Phase::Open {
                    socket,
                    bearer,
                    ping_at: now.0 + self.config.ping_interval_ms,
                    pong_by: Some(now.0 + self.config.pong_timeout_ms),
                };
            }
            _ => {}
        }
    }

    /// What came of the ticket request `request`. Stale ids are ignored.
    pub fn handle_ticket(
        &mut self,
        now: UnixMillis,
        request: u64,
        outcome: Outcome,
        engine: &mut Engine,
    ) {
        let bearer = match &self.phase {
            Phase::Ticket { request: current, bearer } if *current == request => bearer.clone(),
            _ => return,
        };
        match outcome {
            Outcome::Http { status: 200..=299, body, .. } => {
                match serde_json::from_str::<LiveTicket>(&body) {
                    Ok(ticket) if !ticket.ticket.is_empty() => {
                        let socket = self.fresh_id();
                        let path = format!("{}?ticket={}", paths::LIVE, encode(&ticket.ticket));
                        self.commands.push_back(LiveCommand::Open { socket, path });
                        self.phase = Phase::Connecting { socket, bearer };
                    }
                    _ => self.refused(now),
                }
            }
            Outcome::Http { status: 401, .. } => {
                self.phase = Phase::NeedTicket;
                self.sign_in_ended(engine, &bearer, "HTTP 401: the sign-in was ended");
            }
            Outcome::Http { .. } | Outcome::NetworkError(_) | Outcome::Timeout => self.refused(now),
        }
    }

    /// The socket opened. Resets the backoff and ends polling.
    pub fn handle_open(&mut self, now: UnixMillis, socket: u64) {
        let bearer = match &self.phase {
            Phase::Connecting { socket: current, bearer } if *current == socket => bearer.clone(),
            _ => return,
        };
        let catch_up = self.opened_before || self.next_poll_ms.is_some();
        self.phase = Phase::Open {
            socket,
            bearer,
            ping_at: now.0 + self.config.ping_interval_ms,
            pong_by: None,
        };
        self.failures = 0;
        self.open_failures = 0;
        self.next_poll_ms = None;
        self.opened_before = true;
        if catch_up {
            self.events.push_back(LiveEvent::Poll);
        }
    }

    /// A text message arrived on `socket`. Anything that is not a [`LiveMessage`] is
    /// ignored (but still shows the socket is alive).
    pub fn handle_message(&mut self, _now: UnixMillis, socket: u64, text: &str) {
        let Phase::Open { socket: current, pong_by, .. } = &mut self.phase else { return };
        if *current != socket {
            return;
        }
        *pong_by = None;
        match serde_json::from_str::<LiveMessage>(text) {
            Ok(LiveMessage::Changed { at, device_id }) => {
                let this_device = device_id.is_some() && device_id == self.device_id;
                self.events.push_back(LiveEvent::Changed { at, device_id, this_device });
            }
            Ok(LiveMessage::Pong) | Err(_) => {}
        }
    }

    /// `socket` closed (or failed to open: browsers report that as a close, code 1006)
    /// with `code`. Stale sockets are ignored.
    pub fn handle_close(&mut self, now: UnixMillis, socket: u64, code: u16, engine: &mut Engine) {
        let (bearer, opened) = match &self.phase {
            Phase::Connecting { socket: current, bearer } if *current == socket => {
                (bearer.clone(), false)
            }
            Phase::Open { socket: current, bearer, .. } if *current == socket => {
                (bearer.clone(), true)
            }
            _ => return,
        };
        // The socket is gone: nothing to close, nothing more to send on it.
        self.phase = Phase::NeedTicket;
        self.commands.retain(|c| !matches!(c, LiveCommand::Send { socket: s, .. } if *s == socket));
        if code == CLOSE_SIGNED_OUT {
            self.sign_in_ended(engine, &bearer, "the sign-in was ended on the server");
            return;
        }
        self.failed(now, !opened);
    }

    // --- internals ---

    fn fresh_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn is_due(&self, at: i64, now: UnixMillis) -> bool {
        at <= now.0 || at - now.0 > self.config.longest_wait_ms()
    }

    /// The ticket was refused: poll, and try the socket again at the longest backoff.
    fn refused(&mut self, now: UnixMillis) {
        self.failures += 1;
        self.start_polling(now);
        self.wait(now);
    }

    /// A socket failed (`never_opened`: it closed before opening).
    fn failed(&mut self, now: UnixMillis, never_opened: bool) {
        self.failures += 1;
        if never_opened {
            self.open_failures += 1;
            if self.open_failures >= self.config.open_failures_before_polling {
                self.start_polling(now);
            }
        }
        self.wait(now);
    }

    fn start_polling(&mut self, now: UnixMillis) {
        if self.next_poll_ms.is_none() {
            self.next_poll_ms = Some(now.0 + self.config.poll_interval_ms);
        }
    }

    fn wait(&mut self, now: UnixMillis) {
        let max = self.config.max_backoff_ms;
        let step = (self.failures as usize)
            .checked_sub(1)
            .and_then(|i| self.config.backoff_steps_ms.get(i));
        let delay = match step {
            Some(step) if self.next_poll_ms.is_none() => (*step).min(max),
            _ => max,
        };
        self.phase = Phase::Waiting { until: now.0 + delay.max(0) };
    }

    /// The server ended the sign-in of `bearer`. When that is the engine's token, the
    /// engine drops it and the connection stops; when the engine has replaced it since (a
    /// new sign-in), the connection reconnects at once with the new one; when it has none,
    /// the next `poll_command` stops the connection.
    fn sign_in_ended(&mut self, engine: &mut Engine, bearer: &Bearer, reason: &str) {
        let reason = Failure::Http {
            status: 401,
            code: worktime_api::ErrorCode::Unauthorized,
            message: reason.to_owned(),
        };
        if engine.token_refused(&bearer.0, reason) {
            self.signed_out();
        } else {
            self.phase = Phase::NeedTicket;
        }
    }

    /// Stops and reports `SignedOut` (once).
    fn signed_out(&mut self) {
        self.stop();
        self.events.push_back(LiveEvent::SignedOut);
    }

    /// Forgets the current socket: a `Close` for the shell, unless it never got the `Open`.
    fn release_socket(&mut self) {
        let socket = match &self.phase {
            Phase::Connecting { socket, .. } | Phase::Open { socket, .. } => *socket,
            _ => return,
        };
        let before = self.commands.len();
        self.commands.retain(|command| match command {
            LiveCommand::Open { socket: s, .. } | LiveCommand::Send { socket: s, .. } => {
                *s != socket
            }
            _ => true,
        });
        let never_opened =
            self.commands.len() < before && matches!(self.phase, Phase::Connecting { .. });
        if !never_opened {
            self.commands.push_back(LiveCommand::Close { socket });
        }
    }
}

/// The WebSocket URL of `path` on the API at `base_url`: `http` becomes `ws`, `https`
/// becomes `wss`. `None` for any other scheme.
pub fn socket_url(base_url: &str, path: &str) -> Option<String> {
    let base = base_url.trim_end_matches('/');
    if let Some(rest) = base.strip_prefix("https://") {
        return Some(format!("wss://{rest}{path}"));
    }
    base.strip_prefix("http://").map(|rest| format!("ws://{rest}{path}"))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
