//! The timer table: one deadline per timer, the earliest armed, every due one handled.

use super::*;

const MINUTE: i64 = 60_000;

/// The product's configuration (a periodic round every 15 minutes), signed in.
fn product_signed_in() -> Engine {
    let mut engine = product();
    engine.set_token("jwt-1".into(), now(T0 + 7 * DAY), user());
    engine
}

#[test]
fn a_fresh_engine_syncs_at_once_and_then_every_interval() {
    let mut engine = signed_in();
    assert_eq!(engine.next_timer(), Some((Timer::Sync, now(0))));
    assert_eq!(engine.handle_timeout(now(T0)), vec![Timer::Sync]);
    let interval = engine.config().send_interval_ms.max(MINUTE);
    assert_eq!(engine.next_timer(), Some((Timer::Sync, now(T0 + interval))));
    assert_eq!(engine.handle_timeout(now(T0 + interval - 1)), vec![]);
}

#[test]
fn the_periodic_timer_starts_a_round_for_what_is_queued() {
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    engine.set_token("jwt-1".into(), now(T0 + 7 * DAY), user());
    assert_eq!(engine.poll_transmit(now(T0)), None, "nothing sends before a round");
    engine.handle_timeout(now(T0));
    assert!(engine.poll_transmit(now(T0)).is_some(), "the periodic round sends the start");
}

#[test]
fn the_heartbeat_timer_follows_the_active_session_and_never_loops() {
    let mut engine = product_signed_in();
    engine.handle_timeout(now(T0));
    start(&mut engine, T0, 1);
    assert_eq!(engine.next_timer(), Some((Timer::Heartbeat, now(T0 + MINUTE))));
    engine.heartbeat(now(T0 + 50_000), uuid(500)).expect("beats");
    assert_eq!(engine.next_timer(), Some((Timer::Heartbeat, now(T0 + 110_000))));
    // The shell finds nothing to do when it fires: the next one is a minute later.
    assert_eq!(engine.handle_timeout(now(T0 + 110_000)), vec![Timer::Heartbeat]);
    assert_eq!(engine.next_timer(), Some((Timer::Heartbeat, now(T0 + 170_000))));
    engine.end_session(now(T0 + 120_000), uuid(501)).expect("ends");
    assert_ne!(engine.next_timer().map(|(timer, _)| timer), Some(Timer::Heartbeat));
}

#[test]
fn a_waiting_round_arms_the_retry_entry_first() {
    let mut engine = product_signed_in();
    engine.handle_timeout(now(T0));
    queue_sessions(&mut engine, T0, 1);
    let transmit = poll(&mut engine, T0);
    assert_eq!(engine.next_timer(), Some((Timer::Sync, now(T0 + 15 * MINUTE))), "in flight");
    engine.handle_response(now(T0), transmit.id, Outcome::Timeout);
    assert_eq!(engine.next_timer(), Some((Timer::Retry, now(T0 + 1_000))));
    assert_eq!(engine.handle_timeout(now(T0 + 1_000)), vec![Timer::Retry]);
    assert!(engine.poll_transmit(now(T0 + 1_000)).is_some());
}

#[test]
fn deadlines_survive_a_restart() {
    let mut engine = product_signed_in();
    engine.handle_timeout(now(T0));
    start(&mut engine, T0, 1);
    let restored = Engine::restore(&engine.snapshot()).expect("restores");
    assert_eq!(restored.timer_table(), engine.timer_table());
}

#[test]
fn the_live_connection_s_wait_joins_the_table() {
    let mut engine = product_signed_in();
    engine.handle_timeout(now(T0));
    let live = Live::new(LiveConfig::default());
    let wake = next_wake(&engine, Some(&live)).expect("the sync entry");
    assert_eq!((wake.timer, wake.at_ms), (Timer::Sync, T0 + 15 * MINUTE));
}
