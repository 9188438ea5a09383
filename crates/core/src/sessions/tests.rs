//! Tests of the session rules.

use super::*;

const T0: i64 = 1_795_000_000_000;

fn start(id: &str, pr: i64, at: i64) -> NewStart {
    NewStart {
        id: id.into(),
        repo_owner: "octo".into(),
        repo_name: "hello".into(),
        pr_number: pr,
        start_ms: at,
        start_given: true,
        tz_offset_minutes: Some(60),
    }
}

fn created(decision: StartDecision) -> (StoredSession, Option<Ending>) {
    match decision {
        StartDecision::Create { session, end_previous } => (session, end_previous),
        other => panic!("expected Create, got {other:?}"),
    }
}

#[test]
fn a_fresh_start_creates_an_active_session() {
    let (session, previous) = created(decide_start(start("a", 1, T0), None, None));
    assert_eq!(session.status, SessionStatus::Active);
    assert_eq!(session.last_heartbeat_ms, T0);
    assert_eq!(session.end_ms, None);
    assert!(previous.is_none());
    assert_eq!(session.to_api().duration_seconds, None);
}

#[test]
fn a_replayed_start_returns_the_stored_row_and_a_changed_one_conflicts() {
    let (stored, _) = created(decide_start(start("a", 1, T0), None, None));
    assert_eq!(decide_start(start("a", 1, T0), Some(&stored), None), StartDecision::Replay(stored.clone()));
    let mut without_time = start("a", 1, T0 + 5_000);
    without_time.start_given = false;
    assert_eq!(decide_start(without_time, Some(&stored), None), StartDecision::Replay(stored.clone()));
    assert_eq!(decide_start(start("a", 2, T0), Some(&stored), None), StartDecision::Conflict);
    assert_eq!(decide_start(start("a", 1, T0 + 1000), Some(&stored), None), StartDecision::Conflict);
}

#[test]
fn a_new_start_ends_the_previous_active_session_at_its_start() {
    let (first, _) = created(decide_start(start("a", 1, T0), None, None));
    let (second, previous) = created(decide_start(start("b", 2, T0 + 600_000), None, Some(&first)));
    let previous = previous.expect("the first session ends");
    assert_eq!(previous.session.end_ms, Some(T0 + 600_000));
    assert_eq!(previous.session.status, SessionStatus::Completed);
    assert_eq!(previous.session.duration_seconds(), Some(600));
    assert_eq!(previous.buckets.iter().map(|b| b.seconds).sum::<i64>(), 600);
    assert_eq!(second.status, SessionStatus::Active);
}

#[test]
fn an_out_of_order_start_never_ends_the_previous_before_its_start() {
    let (first, _) = created(decide_start(start("a", 1, T0), None, None));
    let (_, previous) = created(decide_start(start("b", 2, T0 - 60_000), None, Some(&first)));
    let previous = previous.expect("ended");
    assert_eq!(previous.session.end_ms, Some(T0));
    assert_eq!(previous.session.duration_seconds(), Some(0));
    assert!(previous.buckets.is_empty());
}

#[test]
fn end_is_idempotent_and_rejects_end_before_start() {
    let (session, _) = created(decide_start(start("a", 1, T0), None, None));
    assert_eq!(decide_end(&session, T0 - 1000), EndDecision::EndBeforeStart);
    let EndDecision::End(ending) = decide_end(&session, T0 + 90_000) else { panic!("ends") };
    assert_eq!(ending.session.duration_seconds(), Some(90));
    assert_eq!(ending.session.to_api().end_time.as_deref(), Some("2026-11-18T11:08:10Z"));
    assert_eq!(decide_end(&ending.session, T0 + 95_000), EndDecision::AlreadyEnded(ending.session.clone()));
}

#[test]
fn heartbeats_only_move_forward_and_only_while_active() {
    let (session, _) = created(decide_start(start("a", 1, T0), None, None));
    let beat = decide_heartbeat(&session, T0 + 30_000).expect("moves forward");
    assert_eq!(beat.last_heartbeat_ms, T0 + 30_000);
    assert_eq!(decide_heartbeat(&beat, T0 + 10_000), None);
    let EndDecision::End(ending) = decide_end(&beat, T0 + 40_000) else { panic!("ends") };
    assert_eq!(decide_heartbeat(&ending.session, T0 + 50_000), None);
}

#[test]
fn silent_sessions_are_abandoned_at_their_last_heartbeat() {
    let (session, _) = created(decide_start(start("a", 1, T0), None, None));
    let beat = decide_heartbeat(&session, T0 + 120_000).expect("beat");
    let limit = 30 * 60_000;
    assert_eq!(decide_abandon(&beat, UnixMillis(T0 + 120_000 + limit), limit), None);
    let ending = decide_abandon(&beat, UnixMillis(T0 + 120_001 + limit), limit).expect("abandoned");
    assert_eq!(ending.session.status, SessionStatus::Abandoned);
    assert_eq!(ending.session.end_ms, Some(T0 + 120_000));
    assert_eq!(ending.session.duration_seconds(), Some(120));
    assert_eq!(decide_abandon(&ending.session, UnixMillis(T0 + 10 * limit), limit), None);
}
