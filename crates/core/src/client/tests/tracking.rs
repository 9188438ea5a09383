//! Tracking: starts, ends, heartbeats, the history, and the ops they queue.

use worktime_api::sync::OpType;

use super::*;

#[test]
fn a_start_queues_a_start_op_with_second_precision_and_becomes_active() {
    let mut engine = signed_out();
    let session = engine.start_session(now(T0 + 999), start_input(1)).expect("starts");
    assert_eq!(session.start_ms, T0);
    assert_eq!(session.sync_state, SyncState::Pending);
    assert_eq!(engine.active_session(), Some(session));
    engine.set_token("jwt".into(), now(T0 + 7 * DAY), user());
    engine.request_sync(now(T0), SyncReason::SignIn);
    let ops = sent_ops(&poll(&mut engine, T0));
    assert_eq!(ops.len(), 1);
    let op = &ops[0];
    assert_eq!(op.op_type, OpType::Start);
    assert_eq!(op.start_time.as_deref(), Some("2026-11-18T11:06:40Z"));
    assert_eq!(
        (op.repo_owner.as_deref(), op.pr_number, op.tz_offset_minutes),
        (Some("octo"), Some(42), Some(60))
    );
    assert_eq!((op.end_time.as_ref(), op.at.as_ref()), (None, None));
}

#[test]
fn starting_while_active_ends_the_active_session_first() {
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    start(&mut engine, T0 + 90_500, 2);
    let history = engine.history(10, 0);
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].session_id, uuid(1_002));
    assert_eq!(history[1].end_ms, Some(T0 + 90_000));
    assert_eq!(history[1].duration_seconds, Some(90));
    assert_eq!(history[0].start_ms, T0 + 90_000);
    engine.set_token("jwt".into(), now(T0 + 7 * DAY), user());
    engine.request_sync(now(T0), SyncReason::SignIn);
    let ops = sent_ops(&poll(&mut engine, T0 + 91_000));
    let kinds: Vec<_> = ops.iter().map(|op| (op.op_type, op.session_id.clone())).collect();
    assert_eq!(
        kinds,
        [(OpType::Start, uuid(1_001)), (OpType::End, uuid(1_001)), (OpType::Start, uuid(1_002))]
    );
    assert_eq!(ops[1].op_id, implicit_end_op_id(&uuid(2)));
    assert_eq!(ops[1].end_time.as_deref(), ops[2].start_time.as_deref());
}

#[test]
fn end_and_heartbeat_without_an_active_session_are_errors_not_panics() {
    let mut engine = signed_in();
    assert_eq!(engine.end_session(now(T0), uuid(1)), Err(TrackingError::NoActiveSession));
    assert_eq!(engine.heartbeat(now(T0), uuid(2)), Err(TrackingError::NoActiveSession));
    start(&mut engine, T0, 3);
    engine.end_session(now(T0 + 1_000), uuid(4)).expect("ends");
    assert_eq!(engine.heartbeat(now(T0 + 2_000), uuid(5)), Err(TrackingError::NoActiveSession));
    assert_eq!(engine.status(now(T0)).pending_count, 2);
}

#[test]
fn bad_input_and_reused_ids_change_nothing() {
    let mut engine = signed_in();
    let mut bad = start_input(1);
    bad.pr_number = 0;
    assert!(matches!(engine.start_session(now(T0), bad), Err(TrackingError::Invalid(_))));
    let mut bad = start_input(1);
    bad.op_id = "not-a-uuid".into();
    assert!(matches!(engine.start_session(now(T0), bad), Err(TrackingError::Invalid(_))));
    assert_eq!(engine.status(now(T0)).pending_count, 0);
    start(&mut engine, T0, 1);
    let mut reused = start_input(2);
    reused.op_id = uuid(1);
    assert!(matches!(engine.start_session(now(T0), reused), Err(TrackingError::DuplicateId(_))));
    let mut reused = start_input(2);
    reused.session_id = uuid(1_001);
    assert!(matches!(engine.start_session(now(T0), reused), Err(TrackingError::DuplicateId(_))));
    assert_eq!(engine.active_session().map(|s| s.session_id), Some(uuid(1_001)));
}

#[test]
fn uppercase_ids_are_stored_lowercased_like_the_server_does() {
    let mut engine = signed_in();
    let mut input = start_input(1);
    input.session_id = input.session_id.to_uppercase();
    let session = engine.start_session(now(T0), input).expect("starts");
    assert_eq!(session.session_id, uuid(1_001));
}

#[test]
fn heartbeats_coalesce_but_never_replace_one_being_sent() {
    let mut engine = unthrottled();
    start(&mut engine, T0, 1);
    engine.heartbeat(now(T0 + 60_000), uuid(2)).expect("beats");
    engine.heartbeat(now(T0 + 120_000), uuid(3)).expect("beats");
    assert_eq!(engine.status(now(T0)).pending_count, 2);
    engine.set_token("jwt".into(), now(T0 + 7 * DAY), user());
    engine.request_sync(now(T0), SyncReason::SignIn);
    let first = poll(&mut engine, T0 + 120_000);
    assert_eq!(sent_ids(&first), [uuid(1), uuid(3)]);
    assert_eq!(sent_ops(&first)[1].at.as_deref(), Some("2026-11-18T11:08:40Z"));
    // Uuid(3) is in flight: the next heartbeat queues beside it, later ones replace it.
    engine.heartbeat(now(T0 + 180_000), uuid(4)).expect("beats");
    engine.heartbeat(now(T0 + 240_000), uuid(5)).expect("beats");
    assert_eq!(engine.status(now(T0)).pending_count, 3);
    engine.handle_response(now(T0 + 240_000), first.id, all_applied(&first));
    assert_eq!(sent_ids(&poll(&mut engine, T0 + 240_000)), [uuid(5)]);
    assert_eq!(engine.active_session().map(|s| s.last_heartbeat_ms), Some(T0 + 240_000));
}

#[test]
fn an_end_drops_the_sessions_queued_heartbeats_but_never_starts_or_ends() {
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    engine.heartbeat(now(T0 + 60_000), uuid(2)).expect("beats");
    engine.end_session(now(T0 + 90_000), uuid(3)).expect("ends");
    start(&mut engine, T0 + 100_000, 4);
    engine.end_session(now(T0 + 110_000), uuid(5)).expect("ends");
    engine.set_token("jwt".into(), now(T0 + 7 * DAY), user());
    engine.request_sync(now(T0), SyncReason::SignIn);
    assert_eq!(sent_ids(&poll(&mut engine, T0 + 120_000)), [uuid(1), uuid(3), uuid(4), uuid(5)]);
}

#[test]
fn an_end_is_never_before_the_start_even_if_the_clock_went_back() {
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    let ended = engine.end_session(now(T0 - 60_000), uuid(2)).expect("ends");
    assert_eq!((ended.end_ms, ended.duration_seconds), (Some(T0), Some(0)));
}

#[test]
fn the_history_keeps_the_newest_hundred_with_their_sync_state() {
    let mut engine = signed_in();
    for n in 0..120u64 {
        let at = T0 + n as i64 * 60_000;
        start(&mut engine, at, 10 * n + 1);
        if n < 119 {
            engine.end_session(now(at + 30_000), uuid(10 * n + 2)).expect("ends");
        }
    }
    let history = engine.history(1_000, 0);
    assert_eq!(history.len(), 100);
    assert_eq!(history[0].end_ms, None);
    assert_eq!(history[0].session_id, uuid(1_000 + 10 * 119 + 1));
    assert_eq!(history[99].session_id, uuid(1_000 + 10 * 20 + 1));
    assert!(history.iter().all(|s| s.sync_state == SyncState::Pending));
    assert_eq!(engine.history(5, 98).len(), 2);
    // Every op is still queued, whether or not its session is still in the history.
    assert_eq!(engine.status(now(T0)).pending_count, 239);
    drain(&mut engine, T0 + DAY);
    assert!(engine.history(1_000, 0).iter().all(|s| s.sync_state == SyncState::Synced));
    assert_eq!(engine.status(now(T0)).pending_count, 0);
}
