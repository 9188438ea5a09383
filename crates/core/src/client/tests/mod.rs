//! Engine tests, one file per concern, driven through the public sans-IO API.

mod auth;
mod batches;
mod control;
mod devices;
mod heartbeats;
mod live;
mod retry;
mod snapshots;
mod timers;
mod tracking;

use worktime_api::auth::User;
use worktime_api::sync::{OpResult, OpStatus, SyncOp, SyncRequest, SyncResponse};
use worktime_api::ErrorBody;

use super::*;

/// 2026-11-18T11:06:40Z.
const T0: i64 = 1_795_000_000_000;
const DAY: i64 = 24 * 60 * 60 * 1000;

fn now(ms: i64) -> UnixMillis {
    UnixMillis(ms)
}

/// A canonical UUID numbered `n`.
fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn user() -> User {
    User { id: 7, username: "octo".into(), avatar_url: None }
}

/// Sends what is queued at once (the ten-minute send interval is tested on its own, with
/// the product's configuration, in `heartbeats`).
fn signed_out() -> Engine {
    Engine::new(EngineConfig { send_interval_ms: 0, ..EngineConfig::default() })
}

/// The product's configuration.
fn product() -> Engine {
    Engine::new(EngineConfig::default())
}

/// An engine that sends every heartbeat and never finds a session silent: the queue and
/// the 24-hour cap alone, whatever the time between calls.
fn unthrottled() -> Engine {
    let config = EngineConfig {
        server_heartbeat_ms: 0,
        silence_ms: 30 * DAY,
        send_interval_ms: 0,
        ..EngineConfig::default()
    };
    Engine::new(config)
}

/// Signed in with a token valid for a week.
fn signed_in() -> Engine {
    let mut engine = signed_out();
    engine.set_token("jwt-1".into(), now(T0 + 7 * DAY), user());
    engine
}

fn start_input(n: u64) -> StartInput {
    StartInput {
        session_id: uuid(1_000 + n),
        op_id: uuid(n),
        repo_owner: "octo".into(),
        repo_name: "hello".into(),
        pr_number: 42,
        tz_offset_minutes: Some(60),
    }
}

/// Starts session `n` at `at` (op id `uuid(n)`, session id `uuid(1000 + n)`).
fn start(engine: &mut Engine, at: i64, n: u64) {
    engine.start_session(now(at), start_input(n)).expect("starts");
}

/// Starts and ends `count` sessions, queueing `2 * count` ops.
fn queue_sessions(engine: &mut Engine, at: i64, count: u64) {
    for n in 0..count {
        start(engine, at, 10 * n + 1);
        engine.end_session(now(at), uuid(10 * n + 2)).expect("ends");
    }
}

fn sent_ops(transmit: &Transmit) -> Vec<SyncOp> {
    let body = transmit.body.as_deref().expect("a sync request has a body");
    serde_json::from_str::<SyncRequest>(body).expect("a SyncRequest").ops
}

fn sent_ids(transmit: &Transmit) -> Vec<String> {
    sent_ops(transmit).into_iter().map(|op| op.op_id).collect()
}

fn http(status: u16, body: &str) -> Outcome {
    Outcome::Http { status, retry_after_seconds: None, body: body.into() }
}

fn error_body(code: ErrorCode, message: &str) -> String {
    serde_json::to_string(&ErrorBody::new(code, message)).expect("serializes")
}

/// A 200 answer giving every op of `transmit` the status `pick` chooses.
fn answer(transmit: &Transmit, pick: impl Fn(&SyncOp) -> OpStatus) -> Outcome {
    let results = sent_ops(transmit)
        .iter()
        .map(|op| {
            let status = pick(op);
            let error = (status == OpStatus::Rejected).then(|| ErrorDetail {
                code: ErrorCode::ValidationFailed,
                message: format!("{} is wrong.", op.op_id),
            });
            OpResult { op_id: op.op_id.clone(), status, error }
        })
        .collect();
    http(200, &serde_json::to_string(&SyncResponse { results }).expect("serializes"))
}

fn all_applied(transmit: &Transmit) -> Outcome {
    answer(transmit, |_| OpStatus::Applied)
}

/// Polls one request; panics when there is none.
fn poll(engine: &mut Engine, at: i64) -> Transmit {
    engine.poll_transmit(now(at)).expect("a request to send")
}

/// Answers sync requests with "applied" until the engine has nothing to send.
fn drain(engine: &mut Engine, at: i64) -> usize {
    let mut requests = 0;
    while let Some(transmit) = engine.poll_transmit(now(at)) {
        requests += 1;
        engine.handle_response(now(at), transmit.id, all_applied(&transmit));
    }
    requests
}

use worktime_api::{ErrorCode, ErrorDetail};
