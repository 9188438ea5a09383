//! The proxy's faults: the active mode (set by `POST /_proxy/mode`), what it does to each
//! request, the counters `GET /_proxy/stats` reports, and the admin endpoints.

use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};

use crate::{error_body, reply};

/// The modes; fault counter `i` of `State::counters` counts mode `i` (1..=6).
const MODES: &str = "pass drop delay error500 error429 lose_reply duplicate";
const COUNTERS: &str =
    "forwarded dropped delayed injected_500 injected_429 lost_replies duplicated requests";
pub const FORWARDED: usize = 0;
const REQUESTS: usize = 7;

/// A parsed `POST /_proxy/mode` body.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeCommand {
    pub mode: &'static str,
    pub count: Option<u64>,
    pub delay_ms: u64,
    pub retry_after: u64,
    pub only_path_prefix: Option<String>,
}

pub fn parse_mode_command(body: &[u8]) -> Result<ModeCommand, String> {
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

pub type Shared = Arc<Mutex<State>>;

#[derive(Debug, Default)]
pub struct State {
    /// The active fault; `None` is `pass`.
    command: Option<ModeCommand>,
    /// Indexed like `COUNTERS`.
    pub counters: [u64; 8],
}

pub fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    /// What to do with a non-admin request: (mode, delay_ms, retry_after). Counts the request
    /// and its fault, and uses up one request of a counted mode.
    pub fn decide(&mut self, method: &str, path: &str) -> (&'static str, u64, u64) {
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

/// `/_proxy/*`: CORS preflights, `POST mode`, `GET stats` and `POST reset`.
pub fn admin(
    method: &str,
    path: &str,
    body: &[u8],
    origin: Option<&str>,
    state: &Shared,
) -> Vec<u8> {
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
