//! Snapshots: the format, and restoring mid-round behaves like never having stopped.

use super::*;

fn restored(engine: &Engine) -> Engine {
    Engine::restore(&engine.snapshot()).expect("restores")
}

#[test]
fn snapshots_are_versioned_and_other_versions_are_refused() {
    let mut engine = signed_in();
    start(&mut engine, T0, 1);
    let snapshot = engine.snapshot();
    let value: serde_json::Value = serde_json::from_str(&snapshot).expect("JSON");
    assert_eq!(value["version"], 4);
    assert_eq!(restored(&engine).snapshot(), snapshot);
    let future = snapshot.replacen("\"version\":4", "\"version\":5", 1);
    assert_eq!(Engine::restore(&future).err(), Some(SnapshotError::UnsupportedVersion(5)));
    let ancient = snapshot.replacen("\"version\":4", "\"version\":0", 1);
    assert_eq!(Engine::restore(&ancient).err(), Some(SnapshotError::UnsupportedVersion(0)));
    assert_eq!(Engine::restore(r#"{"state":{}}"#).err(), Some(SnapshotError::MissingVersion));
    assert!(matches!(Engine::restore("{"), Err(SnapshotError::Malformed(_))));
    for empty in [
        r#"{"version":1,"state":{}}"#,
        r#"{"version":2,"state":{}}"#,
        r#"{"version":3}"#,
        r#"{"version":4}"#,
    ] {
        assert!(matches!(Engine::restore(empty), Err(SnapshotError::Malformed(_))), "{empty}");
    }
}

/// Runs a round that fails `failures` times, then succeeds; returns every request's
/// op ids and the time it was sent. `restart_at` restores from a snapshot after that
/// many answers.
fn run(failures: usize, restart_at: Option<usize>) -> (Vec<(i64, Vec<String>)>, String) {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 3);
    start(&mut engine, T0, 90);
    let mut at = T0;
    let mut sent = Vec::new();
    let mut answers = 0;
    loop {
        if let Some(transmit) = engine.poll_transmit(now(at)) {
            sent.push((at, sent_ids(&transmit)));
            let outcome = if answers < failures { http(503, "") } else { all_applied(&transmit) };
            engine.handle_response(now(at), transmit.id, outcome);
            answers += 1;
            if restart_at == Some(answers) {
                engine = restored(&engine);
            }
        } else if let Some(deadline) = engine.retry_at() {
            at = deadline.0;
            engine.handle_timeout(now(at));
        } else {
            break;
        }
    }
    (sent, engine.snapshot())
}

#[test]
fn restoring_mid_round_changes_nothing() {
    let reference = run(4, None);
    assert_eq!(reference.0.len(), 5);
    let times: Vec<i64> = reference.0.iter().map(|(at, _)| at - T0).collect();
    assert_eq!(times, [0, 1_000, 3_000, 7_000, 15_000]);
    for restart in 1..=5 {
        assert_eq!(run(4, Some(restart)), reference, "restart after answer {restart}");
    }
    // The round that gives up, too.
    let given_up = run(6, None);
    for restart in 1..=6 {
        assert_eq!(run(6, Some(restart)), given_up, "restart after answer {restart}");
    }
}

#[test]
fn a_request_in_flight_at_the_snapshot_is_sent_again_after_restore() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 1);
    let lost = poll(&mut engine, T0);
    let snapshot = engine.snapshot();
    let mut engine = Engine::restore(&snapshot).expect("restores");
    let again = poll(&mut engine, T0 + 500);
    assert_eq!(sent_ids(&again), sent_ids(&lost));
    assert_ne!(again.id, lost.id);
    // The answer to the lost request cannot be delivered to the new engine's request.
    engine.handle_response(now(T0 + 600), lost.id, http(500, ""));
    assert_eq!(engine.retry_at(), None);
    engine.handle_response(now(T0 + 600), again.id, answer(&again, |_| OpStatus::Duplicate));
    assert_eq!(engine.status(now(T0)).pending_count, 0);
}

#[test]
fn a_deadline_survives_a_restart_as_an_absolute_instant() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 1);
    let transmit = poll(&mut engine, T0);
    engine.handle_response(now(T0), transmit.id, Outcome::Timeout);
    let mut engine = restored(&engine);
    assert_eq!(engine.retry_at(), Some(now(T0 + 1_000)));
    assert_eq!(engine.poll_transmit(now(T0 + 999)), None);
    // A worker that wakes up late sends at once.
    assert!(engine.poll_transmit(now(T0 + 60_000)).is_some());
}

#[test]
fn public_values_serialize_with_snake_case_fields() {
    let mut engine = signed_in();
    start(&mut engine, T0, 1);
    let status = serde_json::to_value(engine.status(now(T0))).expect("serializes");
    for field in [
        "pending_count",
        "failed_items",
        "sign_in_needed",
        "last_sync_ms",
        "next_retry_ms",
        "round_active",
    ] {
        assert!(status.get(field).is_some(), "{field}");
    }
    let session = serde_json::to_value(engine.active_session()).expect("serializes");
    assert_eq!(session["sync_state"], "pending");
    assert_eq!(session["start_ms"], T0);
}
