//! Every snapshot format ever written restores: golden files written by the builds that
//! wrote each version (`tests/snapshots/v{N}.json`) are read by this build, and what the
//! engine restores from them is what their state held.

use worktime_api::auth::User;
use worktime_api::sync::{OpResult, OpStatus, SyncRequest, SyncResponse};
use worktime_api::{ErrorBody, ErrorCode, ErrorDetail};
use worktime_core::client::{
    Engine, EngineConfig, Failure, Outcome, StartInput, Transmit, SNAPSHOT_VERSION,
};
use worktime_core::time::UnixMillis;

/// 2026-11-18T11:06:40Z.
const T0: i64 = 1_795_000_000_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn start(engine: &mut Engine, at: i64, n: u64, pr: i64) {
    let input = StartInput {
        session_id: uuid(1000 + n),
        op_id: uuid(2000 + n),
        repo_owner: "octo-org".into(),
        repo_name: "review-tools".into(),
        pr_number: pr,
        tz_offset_minutes: Some(60),
    };
    engine.start_session(UnixMillis(at), input).expect("starts");
}

fn answer(transmit: &Transmit, reject: Option<usize>) -> Outcome {
    let request: SyncRequest =
        serde_json::from_str(transmit.body.as_deref().unwrap_or("")).expect("sync body");
    let results = request
        .ops
        .iter()
        .enumerate()
        .map(|(i, op)| OpResult {
            op_id: op.op_id.clone(),
            status: if Some(i) == reject { OpStatus::Rejected } else { OpStatus::Applied },
            error: (Some(i) == reject).then(|| ErrorDetail {
                code: ErrorCode::ValidationFailed,
                message: "pr_number must be between 1 and 2147483647.".into(),
            }),
        })
        .collect();
    let body = serde_json::to_string(&SyncResponse { results }).expect("JSON");
    Outcome::Http { status: 200, retry_after_seconds: None, body }
}

fn unavailable() -> Outcome {
    let body = serde_json::to_string(&ErrorBody::new(ErrorCode::Unavailable, "D1 is busy."))
        .expect("JSON");
    Outcome::Http { status: 503, retry_after_seconds: None, body }
}

/// A week of a realistic engine: a device id, a token, synced and rejected sessions, a
/// round that gave up (failed ops), and a running session with a round waiting to retry.
fn scenario() -> Engine {
    let mut engine = Engine::new(EngineConfig::default());
    engine.adopt_device_id(&uuid(9)).expect("device id");
    let user = User { id: 7, username: "octo".into(), avatar_url: None };
    engine.set_token(
        "header.payload.signature".into(),
        UnixMillis(T0 + 7 * 24 * 60 * MINUTE),
        user,
    );
    let mut at = T0;
    start(&mut engine, at, 1, 11);
    let sent = engine.poll_transmit(UnixMillis(at)).expect("start goes at once");
    engine.handle_response(UnixMillis(at), sent.id, answer(&sent, Some(0)));
    at += 3 * MINUTE;
    start(&mut engine, at, 2, 12);
    let sent = engine.poll_transmit(UnixMillis(at)).expect("sends");
    engine.handle_response(UnixMillis(at), sent.id, answer(&sent, None));
    // Six 503s: the round gives up and marks what is queued failed.
    at += 2 * MINUTE;
    engine.end_session(UnixMillis(at), uuid(3001)).expect("ends");
    for _ in 0..6 {
        if let Some(sent) = engine.poll_transmit(UnixMillis(at)) {
            engine.handle_response(UnixMillis(at), sent.id, unavailable());
        }
        if let Some(deadline) = engine.retry_at() {
            at = deadline.0;
            engine.handle_timeout(UnixMillis(at));
        }
    }
    // A running session, heartbeats, and a round waiting after one failure.
    at += MINUTE;
    start(&mut engine, at, 3, 13);
    for _ in 0..3 {
        at += MINUTE;
        engine.heartbeat(UnixMillis(at), uuid(4000 + (at / MINUTE % 1000) as u64)).expect("beats");
    }
    if let Some(sent) = engine.poll_transmit(UnixMillis(at)) {
        engine.handle_response(
            UnixMillis(at),
            sent.id,
            Outcome::NetworkError("TypeError: Failed to fetch".into()),
        );
    }
    engine
}

fn golden(version: u64) -> String {
    golden_named(&format!("v{version}"))
}

fn golden_named(name: &str) -> String {
    let path = format!("{}/tests/snapshots/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// What every version's golden file holds, as the restored engine shows it. The device
/// id is the one thing version 1 could not hold.
fn assert_restored_as_written(engine: &Engine, device_id: Option<&str>) {
    let at = UnixMillis(T0 + 9 * MINUTE);
    let status = engine.status(at);
    assert_eq!(engine.device_id(), device_id);
    assert_eq!(status.user.as_ref().map(|u| u.username.as_str()), Some("octo"));
    assert!(status.signed_in);
    assert_eq!(status.pending_count, 3, "the end that failed, the start, the heartbeat");
    assert_eq!(status.failed_count, 1);
    assert_eq!(
        status.failed_items[0].reason,
        Failure::Http { status: 503, code: ErrorCode::Unavailable, message: "D1 is busy.".into() }
    );
    assert_eq!(status.rejected_items.len(), 1);
    assert_eq!(status.rejected_items[0].code, ErrorCode::ValidationFailed);
    assert_eq!(
        status.last_error,
        Some(Failure::Network { detail: "TypeError: Failed to fetch".into() })
    );
    assert!(status.round_active, "the round waiting after a network error");
    assert_eq!(status.next_retry_ms, Some(T0 + 572_000));
    assert_eq!(status.recovery, None);
    let active = engine.active_session().expect("the running session");
    assert_eq!((active.pr_number, active.start_ms), (13, T0 + 391_000));
    assert_eq!(active.last_heartbeat_ms, T0 + 571_000);
    assert_eq!(engine.history(10, 0).len(), 3);
}

#[test]
fn every_version_ever_written_restores() {
    let v1 = Engine::restore(&golden(1)).expect("version 1 restores");
    assert_restored_as_written(&v1, None);
    let v2 = Engine::restore(&golden(2)).expect("version 2 restores");
    assert_restored_as_written(&v2, Some(&uuid(9)));
    let v3 = Engine::restore(&golden(3)).expect("version 3 restores");
    assert_restored_as_written(&v3, Some(&uuid(9)));
    let v4 = Engine::restore(&golden(4)).expect("version 4 restores");
    assert_restored_as_written(&v4, Some(&uuid(9)));
    assert_eq!(v3.snapshot(), v4.snapshot(), "version 3 migrates to what version 4 wrote");
    // A migrated snapshot is written in the current format: the same as the golden one
    // but for what version 3 added (version 2 kept no timer table).
    let without_timers = |engine: &Engine| {
        let mut value: serde_json::Value = serde_json::from_str(&engine.snapshot()).expect("JSON");
        value["timers"] = serde_json::Value::Null;
        value
    };
    assert_eq!(without_timers(&v2), without_timers(&v3));
}

/// Compares `engine`'s snapshot with the golden file `name` of the current version. The
/// file is written once, by the first build that writes that version (the test then
/// fails until it is committed), and never overwritten.
fn assert_writes_golden(engine: &Engine, name: &str) {
    let written: serde_json::Value = serde_json::from_str(&engine.snapshot()).expect("JSON");
    let path = format!("{}/tests/snapshots/{name}.json", env!("CARGO_MANIFEST_DIR"));
    if !std::path::Path::new(&path).exists() {
        let pretty = serde_json::to_string_pretty(&written).expect("JSON") + "\n";
        std::fs::write(&path, pretty).expect("writes the golden file");
        panic!("wrote {path}: review and commit it");
    }
    let text = std::fs::read_to_string(&path).expect("reads the golden file");
    let golden: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(written["version"], SNAPSHOT_VERSION);
    assert_eq!(
        written, golden,
        "the format changed: bump SNAPSHOT_VERSION, keep the old golden files, add a migration and a golden file"
    );
}

#[test]
fn this_build_writes_the_current_golden_file() {
    assert_writes_golden(&scenario(), &format!("v{SNAPSHOT_VERSION}"));
}

/// The scenario, then the user pauses for an hour: the running session ends there.
fn paused_scenario() -> Engine {
    let mut engine = scenario();
    let at = UnixMillis(T0 + 9 * MINUTE);
    engine.pause(at, Some(UnixMillis(T0 + 69 * MINUTE)), uuid(3000)).expect("pauses");
    engine
}

#[test]
fn a_pause_is_written_and_restored() {
    assert_writes_golden(&paused_scenario(), "v4-paused");
    let restored = Engine::restore(&golden_named("v4-paused")).expect("restores");
    let pause = restored.pause_state(UnixMillis(T0 + 10 * MINUTE)).expect("still paused");
    assert_eq!((pause.since_ms, pause.until_ms), (T0 + 9 * MINUTE, Some(T0 + 69 * MINUTE)));
    assert!(restored.active_session().is_none(), "the pause ended the running session");
    assert_eq!(restored.pause_state(UnixMillis(T0 + 69 * MINUTE)), None, "over after the hour");
}

#[test]
fn a_restored_engine_goes_on_as_the_original() {
    let mut original = scenario();
    let mut restored = Engine::restore(&original.snapshot()).expect("restores");
    let at = UnixMillis(T0 + 10 * MINUTE);
    for engine in [&mut original, &mut restored] {
        engine.handle_timeout(at);
    }
    let (a, b) = (original.poll_transmit(at), restored.poll_transmit(at));
    assert_eq!(a.map(|t| t.body), b.map(|t| t.body));
    assert_eq!(original.snapshot(), restored.snapshot());
}

#[test]
fn unreadable_snapshots_never_brick_and_keep_their_queued_ops() {
    let at = UnixMillis(T0 + DAY);
    // A newer version, an unknown shape, a truncated file, and not JSON at all.
    let newer = golden(4).replacen("\"version\": 4", "\"version\": 5", 1);
    let mut broken_v2: serde_json::Value = serde_json::from_str(&golden(2)).expect("JSON");
    broken_v2["state"]["auth"] = serde_json::json!("garbage");
    let truncated = &golden(4)[..golden(4).len() / 2];
    let cases: [(&str, usize, bool); 4] = [
        (&newer, 3, true),
        (&broken_v2.to_string(), 3, true),
        (truncated, 0, false),
        ("\u{1}", 0, false),
    ];
    for (text, ops, device) in cases {
        let (engine, error) = Engine::restore_or_recover(Some(text), EngineConfig::default(), at);
        assert!(error.is_some(), "refused: {text:.40}");
        let status = engine.status(at);
        let recovery = status.recovery.expect("the status says so");
        assert_eq!((recovery.recovered_ops, status.pending_count), (ops, ops));
        assert_eq!(recovery.recovered_device_id, device);
        assert_eq!(engine.device_id().is_some(), device);
        assert!(!status.signed_in, "a recovered engine asks for a sign-in");
    }
    // A good snapshot is restored as it is, and a missing one is a fresh engine.
    let (engine, error) = Engine::restore_or_recover(Some(&golden(2)), EngineConfig::default(), at);
    assert_eq!((error, engine.status(at).recovery), (None, None));
    let (engine, error) = Engine::restore_or_recover(None, EngineConfig::default(), at);
    assert_eq!((error, engine.status(at).pending_count), (None, 0));
}

#[test]
fn the_recovery_note_stays_until_the_server_confirms_a_batch() {
    let newer = golden(4).replacen("\"version\": 4", "\"version\": 5", 1);
    let at = UnixMillis(T0 + DAY);
    let (mut engine, _) = Engine::restore_or_recover(Some(&newer), EngineConfig::default(), at);
    let restored = Engine::restore(&engine.snapshot()).expect("the recovered state persists");
    assert!(restored.status(at).recovery.is_some());
    let user = User { id: 7, username: "octo".into(), avatar_url: None };
    engine.set_token("jwt-2".into(), UnixMillis(T0 + 30 * DAY), user);
    engine.request_sync(at, worktime_core::client::SyncReason::SignIn);
    let sent = engine.poll_transmit(at).expect("the recovered ops go");
    engine.handle_response(at, sent.id, answer(&sent, None));
    let status = engine.status(at);
    assert_eq!((status.pending_count, status.recovery), (0, None));
}
