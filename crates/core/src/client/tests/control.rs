//! Pausing tracking and deleting a session.

use super::*;

const HOUR: i64 = 3_600_000;

#[test]
fn a_pause_ends_the_running_session_and_refuses_starts_until_resumed() {
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    let pause = engine.pause(now(T0 + 60_000), None, uuid(2)).expect("pauses");
    assert_eq!(pause, Pause { since_ms: T0 + 60_000, until_ms: None });
    assert!(engine.active_session().is_none(), "the running session ended");
    let ended = engine.history(1, 0).remove(0);
    assert_eq!(ended.end_ms, Some(T0 + 60_000));
    assert_eq!(engine.start_session(now(T0 + 120_000), start_input(3)), Err(TrackingError::Paused));
    assert!(engine.pause_state(now(T0 + 100 * DAY)).is_some(), "held until resumed");
    assert!(engine.resume(now(T0 + 180_000)));
    assert!(!engine.resume(now(T0 + 180_000)), "a second resume finds nothing");
    assert!(engine.start_session(now(T0 + 240_000), start_input(3)).is_ok());
}

#[test]
fn a_pause_for_an_hour_ends_by_itself_through_the_timer_table() {
    let mut engine = signed_out();
    engine.pause(now(T0), Some(now(T0 + HOUR)), uuid(1)).expect("pauses");
    assert!(engine.next_timer().is_some());
    assert!(!engine.handle_timeout(now(T0 + HOUR - 1)).contains(&Timer::PauseEnds));
    assert!(engine.pause_state(now(T0 + HOUR - 1)).is_some());
    assert_eq!(
        engine.timer_table().iter().find(|(timer, _)| *timer == Timer::PauseEnds),
        Some(&(Timer::PauseEnds, now(T0 + HOUR)))
    );
    assert!(engine.handle_timeout(now(T0 + HOUR)).contains(&Timer::PauseEnds));
    assert_eq!(engine.pause_state(now(T0 + HOUR)), None);
    assert!(engine.timer_table().iter().all(|(timer, _)| *timer != Timer::PauseEnds));
    assert!(engine.start_session(now(T0 + HOUR), start_input(2)).is_ok());
}

#[test]
fn an_expired_pause_no_longer_holds_even_before_its_timer_fires() {
    let mut engine = signed_out();
    engine.pause(now(T0), Some(now(T0 + HOUR)), uuid(1)).expect("pauses");
    assert!(engine.start_session(now(T0 + HOUR + 1), start_input(2)).is_ok());
}

#[test]
fn a_pause_must_end_after_it_begins_and_within_a_day() {
    let mut engine = signed_out();
    for until in [T0, T0 - 1, T0 + MAX_TIMED_PAUSE_MS + 1] {
        let refused = engine.pause(now(T0), Some(now(until)), uuid(1));
        assert!(matches!(refused, Err(TrackingError::Invalid(_))), "{until}: {refused:?}");
    }
    assert_eq!(engine.pause_state(now(T0)), None, "a refused pause changes nothing");
    assert!(engine.pause(now(T0), Some(now(T0 + MAX_TIMED_PAUSE_MS)), uuid(1)).is_ok());
}

#[test]
fn a_pause_survives_a_restart() {
    let mut engine = signed_out();
    engine.pause(now(T0), Some(now(T0 + HOUR)), uuid(1)).expect("pauses");
    let restored = Engine::restore(&engine.snapshot()).expect("restores");
    assert_eq!(restored.pause_state(now(T0 + 1)), engine.pause_state(now(T0 + 1)));
    assert!(restored.pause_state(now(T0 + 1)).is_some());
}

#[test]
fn deleting_a_synced_session_queues_one_delete_op_and_forgets_it_locally() {
    let mut engine = signed_in();
    start(&mut engine, T0, 1);
    engine.end_session(now(T0 + 60_000), uuid(2)).expect("ends");
    drain(&mut engine, T0 + 60_000);
    let session_id = uuid(1_001);
    engine.delete_session(now(T0 + 120_000), &session_id, uuid(3)).expect("deletes");
    assert!(engine.history(10, 0).is_empty(), "gone from the local history");
    let transmit = poll(&mut engine, T0 + 120_000);
    let ops = sent_ops(&transmit);
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].op_type, OpType::Delete);
    assert_eq!(ops[0].session_id, session_id);
    assert!(ops[0].start_time.is_none() && ops[0].end_time.is_none() && ops[0].at.is_none());
    engine.handle_response(now(T0 + 120_000), transmit.id, all_applied(&transmit));
    assert_eq!(engine.status(now(T0 + 120_000)).pending_count, 0);
}

#[test]
fn deleting_an_unsent_session_drops_its_queued_ops_but_never_the_ones_being_sent() {
    let mut engine = signed_in();
    start(&mut engine, T0, 1);
    let in_flight = poll(&mut engine, T0);
    engine.end_session(now(T0 + 60_000), uuid(2)).expect("ends");
    engine.delete_session(now(T0 + 60_000), &uuid(1_001), uuid(3)).expect("deletes");
    // The request carrying the start is lost: the start is sent again, with the delete
    // after it, while the never-sent end is gone.
    let lost = Outcome::NetworkError("TypeError: Failed to fetch".into());
    engine.handle_response(now(T0 + 60_000), in_flight.id, lost);
    engine.handle_timeout(now(T0 + 62_000));
    let next = poll(&mut engine, T0 + 62_000);
    let types: Vec<OpType> = sent_ops(&next).iter().map(|op| op.op_type).collect();
    assert_eq!(types, vec![OpType::Start, OpType::Delete]);
}

#[test]
fn deleting_offline_waits_in_the_queue_like_any_op() {
    let mut engine = signed_out();
    engine.delete_session(now(T0), &uuid(1_001), uuid(3)).expect("queued while signed out");
    assert_eq!(engine.status(now(T0)).pending_count, 1);
    let restored = Engine::restore(&engine.snapshot()).expect("restores");
    assert_eq!(restored.status(now(T0)).pending_count, 1, "kept across restarts");
}

#[test]
fn the_running_session_cannot_be_deleted_and_bad_ids_change_nothing() {
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    assert_eq!(
        engine.delete_session(now(T0 + 1_000), &uuid(1_001), uuid(2)),
        Err(TrackingError::SessionRunning)
    );
    assert!(matches!(
        engine.delete_session(now(T0 + 1_000), "not-a-uuid", uuid(2)),
        Err(TrackingError::Invalid(_))
    ));
    assert!(matches!(
        engine.delete_session(now(T0 + 1_000), &uuid(9), uuid(1)),
        Err(TrackingError::DuplicateId(_))
    ));
    assert_eq!(engine.status(now(T0 + 1_000)).pending_count, 1, "only the start is queued");
    assert!(engine.active_session().is_some());
}

#[test]
fn the_shortcut_pauses_until_resumed_then_resumes() {
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    let paused = engine.toggle_pause(now(T0 + 1_000), uuid(2)).expect("pauses");
    assert_eq!(paused, Some(Pause { since_ms: T0 + 1_000, until_ms: None }));
    assert!(engine.active_session().is_none());
    assert_eq!(engine.toggle_pause(now(T0 + 2_000), uuid(3)), Ok(None));
    assert_eq!(engine.pause_state(now(T0 + 2_000)), None);
}
