//! Rounds and retries: backoff steps, Retry-After, failed marks, what is retryable.

use super::*;

/// Fails the current attempt with `outcome` at `at`; returns the retry deadline.
fn fail(engine: &mut Engine, at: i64, outcome: Outcome) -> Option<i64> {
    let transmit = poll(engine, at);
    engine.handle_response(now(at), transmit.id, outcome);
    engine.retry_at().map(|deadline| deadline.0)
}

#[test]
fn waits_are_exactly_1_2_4_8_16_seconds_then_the_ops_are_failed_and_kept() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 2);
    let mut at = T0;
    for wait in [1_000, 2_000, 4_000, 8_000, 16_000] {
        assert_eq!(fail(&mut engine, at, Outcome::NetworkError("offline".into())), Some(at + wait));
        assert_eq!(engine.status(now(at)).next_retry_ms, Some(at + wait));
        // Nothing is sent before the deadline, whatever the shell calls.
        engine.handle_timeout(now(at + wait - 1));
        assert_eq!(engine.poll_transmit(now(at + wait - 1)), None);
        at += wait;
        engine.handle_timeout(now(at));
    }
    assert_eq!(fail(&mut engine, at, Outcome::Timeout), None);
    let status = engine.status(now(at));
    assert!(!status.round_active);
    assert_eq!((status.pending_count, status.failed_count), (4, 4));
    assert_eq!(status.failed_items[0].reason, Failure::Timeout);
    assert_eq!(status.last_error, Some(Failure::Timeout));
    assert_eq!(engine.poll_transmit(now(at + DAY)), None);
    // The next round starts only when asked, and a success clears the failed marks.
    engine.request_sync(now(at + 60_000), SyncReason::Periodic);
    assert_eq!(drain(&mut engine, at + 60_000), 1);
    let status = engine.status(now(at));
    assert_eq!((status.pending_count, status.failed_count, status.last_error), (0, 0, None));
    assert_eq!(status.last_sync_ms, Some(at + 60_000));
}

#[test]
fn retry_after_is_honoured_and_counts_as_a_retry() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 1);
    let limited =
        |seconds| Outcome::Http { status: 429, retry_after_seconds: seconds, body: String::new() };
    assert_eq!(fail(&mut engine, T0, limited(Some(7))), Some(T0 + 7_000));
    assert_eq!(fail(&mut engine, T0 + 7_000, limited(None)), Some(T0 + 8_000));
    assert_eq!(fail(&mut engine, T0 + 8_000, http(503, "")), Some(T0 + 12_000));
    assert_eq!(fail(&mut engine, T0 + 12_000, limited(Some(30))), Some(T0 + 42_000));
    assert_eq!(fail(&mut engine, T0 + 42_000, limited(Some(2))), Some(T0 + 44_000));
    assert_eq!(fail(&mut engine, T0 + 44_000, limited(Some(2))), None);
    assert_eq!(engine.status(now(T0 + 44_000)).failed_count, 2);
}

#[test]
fn server_errors_and_malformed_answers_are_retried() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 1);
    assert_eq!(
        fail(&mut engine, T0, http(500, &error_body(ErrorCode::Internal, "Oops."))),
        Some(T0 + 1_000)
    );
    let oops = Failure::Http { status: 500, code: ErrorCode::Internal, message: "Oops.".into() };
    assert_eq!(engine.status(now(T0)).last_error, Some(oops));
    assert_eq!(
        fail(&mut engine, T0 + 1_000, http(200, "<html>captive portal</html>")),
        Some(T0 + 3_000)
    );
    // Results that do not match the ops sent are as bad as garbage.
    let transmit = poll(&mut engine, T0 + 3_000);
    let wrong =
        r#"{"results":[{"op_id":"00000000-0000-4000-8000-000000000001","status":"applied"}]}"#;
    engine.handle_response(now(T0 + 3_000), transmit.id, http(200, wrong));
    assert_eq!(engine.retry_at(), Some(now(T0 + 7_000)));
    assert_eq!(engine.status(now(T0)).pending_count, 2);
    assert_eq!(drain(&mut engine, T0 + 7_000), 1);
}

#[test]
fn a_confirmed_batch_resets_the_retry_count() {
    let mut engine = Engine::new(EngineConfig { batch_size: 2, ..EngineConfig::default() });
    engine.set_token("jwt".into(), now(T0 + 7 * DAY), user());
    queue_sessions(&mut engine, T0, 2);
    assert_eq!(fail(&mut engine, T0, http(502, "")), Some(T0 + 1_000));
    assert_eq!(fail(&mut engine, T0 + 1_000, http(502, "")), Some(T0 + 3_000));
    let transmit = poll(&mut engine, T0 + 3_000);
    engine.handle_response(now(T0 + 3_000), transmit.id, all_applied(&transmit));
    assert_eq!(fail(&mut engine, T0 + 3_000, http(502, "")), Some(T0 + 4_000));
}

#[test]
fn enqueueing_starts_a_round_only_when_signed_in_and_none_runs() {
    let mut engine = unthrottled();
    start(&mut engine, T0, 1);
    assert!(!engine.status(now(T0)).round_active);
    assert_eq!(engine.poll_transmit(now(T0)), None);
    engine.request_sync(now(T0), SyncReason::Manual);
    assert_eq!(engine.poll_transmit(now(T0)), None);
    engine.set_token("jwt".into(), now(T0 + 7 * DAY), user());
    engine.heartbeat(now(T0 + 1_000), uuid(2)).expect("beats");
    let status = engine.status(now(T0));
    assert_eq!((status.round_active, status.round_reason), (true, Some(SyncReason::Enqueued)));
    // While the round waits, new ops and periodic sync requests do not cut the wait short.
    assert_eq!(
        fail(&mut engine, T0 + 1_000, Outcome::NetworkError("down".into())),
        Some(T0 + 2_000)
    );
    engine.end_session(now(T0 + 1_500), uuid(3)).expect("ends");
    engine.request_sync(now(T0 + 1_500), SyncReason::Periodic);
    assert_eq!(engine.poll_transmit(now(T0 + 1_500)), None);
    assert_eq!(sent_ids(&poll(&mut engine, T0 + 2_000)), [uuid(1), uuid(3)]);
}

#[test]
fn unknown_and_stale_response_ids_are_ignored() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 1);
    let transmit = poll(&mut engine, T0);
    engine.handle_response(now(T0), transmit.id + 1, http(500, ""));
    engine.handle_response(now(T0), transmit.id, all_applied(&transmit));
    engine.handle_response(now(T0), transmit.id, http(500, ""));
    let status = engine.status(now(T0));
    assert_eq!((status.pending_count, status.last_error, status.round_active), (0, None, false));
}

#[test]
fn failed_items_are_listed_up_to_fifty_and_never_dropped() {
    let mut engine =
        Engine::new(EngineConfig { backoff_steps_ms: Vec::new(), ..EngineConfig::default() });
    engine.set_token("jwt".into(), now(T0 + 7 * DAY), user());
    queue_sessions(&mut engine, T0, 40);
    assert_eq!(fail(&mut engine, T0, Outcome::NetworkError("offline".into())), None);
    let status = engine.status(now(T0));
    assert_eq!((status.pending_count, status.failed_count), (80, 80));
    assert_eq!((status.failed_items.len(), status.failed_items_hidden), (50, 30));
    assert_eq!(status.failed_items[0].op_id, uuid(1));
}

#[test]
fn a_manual_sync_or_reconnect_cuts_a_backoff_wait_short_but_not_a_retry_after() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 1);
    let first = poll(&mut engine, T0);
    engine.handle_response(now(T0), first.id, Outcome::NetworkError("offline".into()));
    engine.handle_timeout(now(T0 + 500));
    assert!(engine.poll_transmit(now(T0 + 500)).is_none(), "the 1 s backoff is waiting");
    engine.request_sync(now(T0 + 500), SyncReason::Periodic);
    assert!(engine.poll_transmit(now(T0 + 500)).is_none(), "a periodic request keeps the wait");
    engine.request_sync(now(T0 + 500), SyncReason::Manual);
    let retried = engine.poll_transmit(now(T0 + 500)).expect("a manual sync sends at once");
    assert_eq!(sent_ids(&retried), sent_ids(&first));

    engine.handle_response(
        now(T0 + 600),
        retried.id,
        Outcome::Http { status: 429, retry_after_seconds: Some(30), body: String::new() },
    );
    engine.request_sync(now(T0 + 700), SyncReason::Reconnect);
    assert!(engine.poll_transmit(now(T0 + 700)).is_none(), "the server's Retry-After is honoured");
    assert_eq!(engine.retry_at(), Some(now(T0 + 600 + 30_000)));
}
