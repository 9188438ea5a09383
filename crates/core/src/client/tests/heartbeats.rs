//! The heartbeat economy: one local heartbeat a minute (the crash-recovery point in the
//! snapshot), one sent to the server at most every ten minutes, waiting for a request
//! that goes anyway or for the slot fifteen minutes after the last one (starts and ends
//! go at once), and a session whose heartbeats stopped ends at the last one.

use worktime_api::sync::OpType;

use super::*;

const MINUTE: i64 = 60_000;

/// Answers every request until the engine has nothing to send; how many there were.
fn answered(engine: &mut Engine, at: i64) -> usize {
    drain(engine, at)
}

fn product_signed_in() -> Engine {
    let mut engine = product();
    engine.set_token("jwt-1".into(), now(T0 + 7 * DAY), user());
    engine
}

#[test]
fn starts_and_ends_go_at_once_and_heartbeats_wait_for_the_slot() {
    let mut engine = product_signed_in();
    start(&mut engine, T0, 1);
    assert_eq!(answered(&mut engine, T0), 1, "the start goes at once");
    for minute in 1..=11 {
        engine.heartbeat(now(T0 + minute * MINUTE), uuid(100 + minute as u64)).expect("beats");
    }
    // The heartbeat due at ten minutes waits for the slot, fifteen after the last request.
    assert_eq!(engine.poll_transmit(now(T0 + 11 * MINUTE)), None, "the heartbeat waits");
    assert_eq!(engine.retry_at(), Some(now(T0 + 15 * MINUTE)), "the shell arms the slot");
    // A switch of PR goes at once; its end replaces the waiting heartbeat.
    start(&mut engine, T0 + 12 * MINUTE, 2);
    let sent = poll(&mut engine, T0 + 12 * MINUTE);
    let kinds: Vec<OpType> = sent_ops(&sent).iter().map(|op| op.op_type).collect();
    assert_eq!(kinds, [OpType::End, OpType::Start]);
    engine.handle_response(now(T0 + 12 * MINUTE), sent.id, all_applied(&sent));
    // So does an end.
    engine.end_session(now(T0 + 13 * MINUTE), uuid(3)).expect("ends");
    assert_eq!(answered(&mut engine, T0 + 13 * MINUTE), 1);
}

#[test]
fn a_waiting_heartbeat_goes_at_once_when_the_user_asks() {
    let mut engine = product_signed_in();
    start(&mut engine, T0, 1);
    answered(&mut engine, T0);
    for minute in 1..=10 {
        engine.heartbeat(now(T0 + minute * MINUTE), uuid(100 + minute as u64)).expect("beats");
    }
    assert_eq!(engine.poll_transmit(now(T0 + 10 * MINUTE)), None);
    engine.request_sync(now(T0 + 10 * MINUTE), SyncReason::Manual);
    let sent = sent_ops(&poll(&mut engine, T0 + 10 * MINUTE));
    assert_eq!((sent.len(), sent[0].op_type), (1, OpType::Heartbeat));
}

#[test]
fn an_hour_of_tracking_sends_four_requests_and_keeps_every_minute_locally() {
    let mut engine = product_signed_in();
    start(&mut engine, T0, 1);
    assert_eq!(answered(&mut engine, T0), 1, "the start goes at once");
    let mut requests = 0;
    for minute in 1..=60 {
        let at = T0 + minute * MINUTE;
        engine.heartbeat(now(at), uuid(100 + minute as u64)).expect("beats");
        requests += answered(&mut engine, at);
        let restored = Engine::restore(&engine.snapshot()).expect("restores");
        let active = restored.active_session().expect("still tracking");
        assert_eq!(active.last_heartbeat_ms, at, "minute {minute} is in the snapshot");
        let behind = active.last_heartbeat_ms - active.last_sent_heartbeat_ms;
        assert!(behind < 10 * MINUTE, "minute {minute}: the server is {behind} ms behind");
    }
    assert_eq!(requests, 4, "one request every fifteen minutes");
}

#[test]
fn a_heartbeat_rides_along_when_a_request_goes_anyway() {
    let mut engine = signed_in();
    start(&mut engine, T0, 1);
    let first = poll(&mut engine, T0);
    // Three minutes on, the start is still unanswered: the round runs, so the heartbeat
    // is queued to go with the next request instead of waiting ten minutes.
    engine.heartbeat(now(T0 + 3 * MINUTE), uuid(2)).expect("beats");
    engine.handle_response(now(T0 + 3 * MINUTE), first.id, Outcome::NetworkError("down".into()));
    let retry = poll(&mut engine, T0 + 3 * MINUTE + 1_000);
    let ops = sent_ops(&retry);
    assert_eq!(sent_ids(&retry), [uuid(1), uuid(2)]);
    assert_eq!(ops[1].at.as_deref(), Some("2026-11-18T11:09:40Z"));
    engine.handle_response(now(T0 + 3 * MINUTE + 1_000), retry.id, all_applied(&retry));
    // With nothing on its way, the next ones stay local until ten minutes after it.
    for minute in 4..=12 {
        engine.heartbeat(now(T0 + minute * MINUTE), uuid(minute as u64)).expect("beats");
        assert_eq!(engine.status(now(T0 + minute * MINUTE)).pending_count, 0);
    }
    engine.heartbeat(now(T0 + 13 * MINUTE), uuid(13)).expect("beats");
    assert_eq!(engine.status(now(T0 + 13 * MINUTE)).pending_count, 1);
}

#[test]
fn after_a_crash_the_session_ends_at_its_last_local_heartbeat() {
    let mut engine = signed_in();
    start(&mut engine, T0, 1);
    answered(&mut engine, T0);
    for minute in 1..=7 {
        engine.heartbeat(now(T0 + minute * MINUTE), uuid(10 + minute as u64)).expect("beats");
        answered(&mut engine, T0 + minute * MINUTE);
    }
    // The browser dies; two hours later a new service worker restores the snapshot.
    let mut engine = Engine::restore(&engine.snapshot()).expect("restores");
    let later = T0 + 2 * 60 * MINUTE;
    let ended = engine.end_if_silent(now(later)).expect("the silent session ends");
    assert_eq!((ended.end_ms, ended.duration_seconds), (Some(T0 + 7 * MINUTE), Some(7 * 60)));
    assert_eq!(engine.active_session(), None);
    let ops = sent_ops(&poll(&mut engine, later));
    assert_eq!(ops.len(), 1);
    assert_eq!(
        (ops[0].op_type, ops[0].op_id.clone()),
        (OpType::End, silent_end_op_id(&uuid(1_001)))
    );
    assert_eq!(ops[0].end_time.as_deref(), Some("2026-11-18T11:13:40Z"));
}

#[test]
fn every_tracking_call_ends_a_silent_session_first() {
    // A start after the gap: the silent session ends at its last heartbeat, not at the
    // new start.
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    engine.heartbeat(now(T0 + MINUTE), uuid(2)).expect("beats");
    start(&mut engine, T0 + 60 * MINUTE, 3);
    assert_eq!(engine.history(2, 0)[1].end_ms, Some(T0 + MINUTE));
    // A heartbeat after the gap: it ended; the shell's next look starts a new session.
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    assert_eq!(
        engine.heartbeat(now(T0 + 6 * MINUTE), uuid(2)),
        Err(TrackingError::NoActiveSession)
    );
    assert_eq!(engine.history(1, 0)[0].end_ms, Some(T0));
    // An end after the gap ends at the last heartbeat, whatever time it names.
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    let ended = engine.end_session(now(T0 + 30 * MINUTE), uuid(2)).expect("ends");
    assert_eq!(ended.end_ms, Some(T0));
}

#[test]
fn a_late_alarm_within_the_silence_limit_changes_nothing() {
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    engine.heartbeat(now(T0 + MINUTE), uuid(2)).expect("beats");
    engine.heartbeat(now(T0 + 6 * MINUTE), uuid(3)).expect("five minutes is not silence");
    assert_eq!(engine.end_if_silent(now(T0 + 11 * MINUTE)), None);
    assert_eq!(engine.active_session().map(|s| s.last_heartbeat_ms), Some(T0 + 6 * MINUTE));
}
