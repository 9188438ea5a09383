//! Tests of the session rules: starts per device, ends and heartbeats from the session's
//! own device only, corrections of abandoned sessions, and the bounds.

use super::*;

const T0: i64 = 1_795_000_000_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const LAPTOP: &str = "11111111-1111-4111-8111-111111111111";
const DESKTOP: &str = "22222222-2222-4222-8222-222222222222";

fn limits() -> Limits {
    Limits::default()
}

fn start_on(device: &str, id: &str, pr: i64, at: i64) -> NewStart {
    NewStart {
        id: id.into(),
        repo_owner: "octo".into(),
        repo_name: "hello".into(),
        pr_number: pr,
        start_ms: at,
        start_given: true,
        tz_offset_minutes: Some(60),
        device_id: device.into(),
    }
}

fn start(id: &str, pr: i64, at: i64) -> NewStart {
    start_on(LAPTOP, id, pr, at)
}

fn created(decision: StartDecision) -> (StoredSession, Option<Ending>) {
    match decision {
        StartDecision::Create { session, end_previous } => (session, end_previous),
        other => panic!("expected Create, got {other:?}"),
    }
}

/// A new active session of `device`, started at `at`.
fn active_on(device: &str, id: &str, at: i64) -> StoredSession {
    created(decide_start(start_on(device, id, 1, at), None, None, limits())).0
}

fn ended(decision: Result<EndDecision, Violation>) -> Ending {
    match decision {
        Ok(EndDecision::End(ending)) => ending,
        other => panic!("expected End, got {other:?}"),
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, Violation>) -> ErrorCode {
    result.expect_err("refused").code
}

/// `session` after `decide_abandon` with a 30-minute silence limit, long after.
fn abandoned(session: &StoredSession) -> StoredSession {
    let limit = 30 * MIN;
    decide_abandon(session, UnixMillis(session.last_heartbeat_ms + limit + 1), limit)
        .expect("abandoned")
        .session
}

// --- devices ---

#[test]
fn requests_without_a_device_belong_to_the_legacy_device() {
    assert_eq!(device_of(None).as_deref(), Ok(LEGACY_DEVICE_ID));
    assert_eq!(device_of(Some(&LAPTOP.to_uppercase())).as_deref(), Ok(LAPTOP));
    assert_eq!(device_of(Some("laptop")).map_err(|v| v.code), Err(ErrorCode::ValidationFailed));
}

#[test]
fn a_fresh_start_creates_an_active_session_of_its_device() {
    let (session, previous) = created(decide_start(start("a", 1, T0), None, None, limits()));
    assert_eq!(session.status, SessionStatus::Active);
    assert_eq!(session.last_heartbeat_ms, T0);
    assert_eq!(session.end_ms, None);
    assert_eq!(session.device_id, LAPTOP);
    assert!(previous.is_none());
    assert_eq!(session.span(), None, "an active session covers no time yet");
    let api = session.to_api();
    assert_eq!((api.duration_seconds, api.device_id.as_str()), (None, LAPTOP));
}

#[test]
fn a_replayed_start_returns_the_stored_row_and_a_changed_one_conflicts() {
    let stored = active_on(LAPTOP, "a", T0);
    let replay = |start| decide_start(start, Some(&stored), None, limits());
    assert_eq!(replay(start("a", 1, T0)), StartDecision::Replay(stored.clone()));
    let mut without_time = start("a", 1, T0 + 5_000);
    without_time.start_given = false;
    assert_eq!(replay(without_time), StartDecision::Replay(stored.clone()));
    assert_eq!(replay(start("a", 2, T0)), StartDecision::Conflict);
    assert_eq!(replay(start("a", 1, T0 + 1000)), StartDecision::Conflict);
    assert_eq!(replay(start_on(DESKTOP, "a", 1, T0)), StartDecision::Conflict, "another device");
}

#[test]
fn a_new_start_ends_the_same_devices_previous_session_at_its_start() {
    let first = active_on(LAPTOP, "a", T0);
    let (second, previous) =
        created(decide_start(start("b", 2, T0 + 10 * MIN), None, Some(&first), limits()));
    let previous = previous.expect("the first session ends");
    assert_eq!(previous.before, first);
    assert_eq!(previous.session.end_ms, Some(T0 + 10 * MIN));
    assert_eq!(previous.session.status, SessionStatus::Completed);
    assert_eq!(previous.session.duration_seconds(), Some(600));
    let span = previous.session.span().expect("ended");
    assert_eq!((span.id.as_str(), span.start_ms, span.end_ms), ("a", T0, T0 + 10 * MIN));
    assert_eq!(second.status, SessionStatus::Active);
}

#[test]
fn an_out_of_order_start_never_ends_the_previous_before_its_start() {
    let first = active_on(LAPTOP, "a", T0);
    let (_, previous) =
        created(decide_start(start("b", 2, T0 - MIN), None, Some(&first), limits()));
    let previous = previous.expect("ended");
    assert_eq!(previous.session.end_ms, Some(T0));
    assert_eq!(previous.session.duration_seconds(), Some(0));
}

#[test]
fn a_start_on_one_device_never_ends_another_devices_session() {
    let desktop = active_on(DESKTOP, "d", T0);
    // Even if a caller passes the other device's active session, it plays no part.
    let (laptop, previous) =
        created(decide_start(start("l", 2, T0 + 5 * MIN), None, Some(&desktop), limits()));
    assert_eq!(previous, None);
    assert_eq!((laptop.device_id.as_str(), laptop.status), (LAPTOP, SessionStatus::Active));
    let (_, legacy_previous) = created(decide_start(
        start_on(LEGACY_DEVICE_ID, "x", 3, T0 + 6 * MIN),
        None,
        Some(&laptop),
        limits(),
    ));
    assert_eq!(legacy_previous, None, "the legacy device is a device like any other");
}

#[test]
fn a_start_ends_a_forgotten_session_at_its_maximum_length() {
    let first = active_on(LAPTOP, "a", T0);
    let (_, previous) =
        created(decide_start(start("b", 2, T0 + 3 * DAY), None, Some(&first), limits()));
    let previous = previous.expect("ended");
    assert_eq!(previous.session.end_ms, Some(T0 + DAY));
    let short = Limits::from_hours(2);
    let (_, previous) =
        created(decide_start(start("b", 2, T0 + 3 * HOUR), None, Some(&first), short));
    assert_eq!(previous.expect("ended").session.end_ms, Some(T0 + 2 * HOUR));
}

// --- validation of a start ---

fn fields<'a>(start_time: Option<&'a str>, device_id: Option<&'a str>) -> StartFields<'a> {
    StartFields {
        id: "33333333-3333-4333-8333-333333333333",
        repo_owner: "octo",
        repo_name: "hello",
        pr_number: 7,
        start_time,
        tz_offset_minutes: None,
        device_id,
    }
}

#[test]
fn a_start_names_its_device_or_belongs_to_the_legacy_device() {
    let upper = LAPTOP.to_uppercase();
    let named = validate_start(&fields(None, Some(&upper)), UnixMillis(T0)).expect("valid");
    assert_eq!((named.device_id.as_str(), named.start_ms, named.start_given), (LAPTOP, T0, false));
    let legacy = validate_start(&fields(None, None), UnixMillis(T0)).expect("valid");
    assert_eq!(legacy.device_id, LEGACY_DEVICE_ID);
    let bad = validate_start(&fields(None, Some("not-a-uuid")), UnixMillis(T0));
    assert_eq!(code(bad), ErrorCode::ValidationFailed);
}

#[test]
fn a_start_more_than_400_days_old_is_refused() {
    let oldest = UnixMillis(T0 - MAX_START_AGE_DAYS * DAY).to_rfc3339();
    let accepted =
        validate_start(&fields(Some(&oldest), None), UnixMillis(T0)).expect("400 days is accepted");
    assert_eq!(accepted.start_ms, T0 - 400 * DAY);
    let older = UnixMillis(T0 - 400 * DAY - 1000).to_rfc3339();
    let refused = validate_start(&fields(Some(&older), None), UnixMillis(T0)).expect_err("refused");
    assert_eq!(refused.code, ErrorCode::ValidationFailed);
    assert!(refused.message.contains("400 days"), "{}", refused.message);
}

// --- ends ---

#[test]
fn an_end_completes_the_session_and_its_replay_changes_nothing() {
    let session = active_on(LAPTOP, "a", T0);
    let ending = ended(decide_end(&session, T0 + 90_000, true, LAPTOP, limits()));
    assert_eq!(ending.before, session);
    assert_eq!(ending.session.status, SessionStatus::Completed);
    assert_eq!(ending.session.duration_seconds(), Some(90));
    assert_eq!(ending.session.to_api().end_time.as_deref(), Some("2026-11-18T11:08:10Z"));
    let done = ending.session;
    let replay = decide_end(&done, T0 + 90_000, true, LAPTOP, limits());
    assert_eq!(replay, Ok(EndDecision::AlreadyEnded(done.clone())));
    let timeless = decide_end(&done, T0 + 95_000, false, LAPTOP, limits());
    assert_eq!(
        timeless,
        Ok(EndDecision::AlreadyEnded(done.clone())),
        "an end without a time is a replay"
    );
}

#[test]
fn a_completed_session_refuses_a_different_end_as_not_active() {
    let session = active_on(LAPTOP, "a", T0);
    let done = ended(decide_end(&session, T0 + 90_000, true, LAPTOP, limits())).session;
    for other in [T0 + 95_000, T0 + 30_000] {
        let refused = decide_end(&done, other, true, LAPTOP, limits()).expect_err("refused");
        assert_eq!(refused.code, ErrorCode::SessionNotActive);
        assert_eq!(refused.code.http_status(), 409);
        assert!(refused.message.contains("2026-11-18T11:08:10Z"), "{}", refused.message);
    }
}

#[test]
fn an_end_before_the_start_is_refused() {
    let session = active_on(LAPTOP, "a", T0);
    assert_eq!(
        code(decide_end(&session, T0 - 1000, true, LAPTOP, limits())),
        ErrorCode::ValidationFailed
    );
    let zero = ended(decide_end(&session, T0, true, LAPTOP, limits()));
    assert_eq!(zero.session.duration_seconds(), Some(0));
}

#[test]
fn an_end_longer_than_the_maximum_session_is_refused() {
    let session = active_on(LAPTOP, "a", T0);
    let longest = ended(decide_end(&session, T0 + DAY, true, LAPTOP, limits()));
    assert_eq!(longest.session.duration_seconds(), Some(24 * 3600));
    let refused =
        decide_end(&session, T0 + DAY + 1000, true, LAPTOP, limits()).expect_err("refused");
    assert_eq!(refused.code, ErrorCode::ValidationFailed);
    assert!(refused.message.contains("24 hours"), "{}", refused.message);
    let short = Limits::from_hours(1);
    assert_eq!(
        code(decide_end(&session, T0 + HOUR + 1000, true, LAPTOP, short)),
        ErrorCode::ValidationFailed
    );
}

#[test]
fn an_end_from_another_device_is_a_conflict() {
    let session = active_on(LAPTOP, "a", T0);
    let refused = decide_end(&session, T0 + MIN, true, DESKTOP, limits()).expect_err("refused");
    assert_eq!(refused.code, ErrorCode::Conflict);
    assert_eq!(
        code(decide_end(&session, T0 + MIN, true, LEGACY_DEVICE_ID, limits())),
        ErrorCode::Conflict
    );
    // Even a replay of its own end is not answered to another device.
    let done = ended(decide_end(&session, T0 + MIN, true, LAPTOP, limits())).session;
    assert_eq!(code(decide_end(&done, T0 + MIN, true, DESKTOP, limits())), ErrorCode::Conflict);
}

#[test]
fn an_end_corrects_an_abandoned_session_to_its_true_end() {
    let session = active_on(LAPTOP, "a", T0);
    let beat = decide_heartbeat(&session, T0 + 2 * MIN, LAPTOP, limits())
        .expect("accepted")
        .expect("beat")
        .session;
    let silent = abandoned(&beat);
    assert_eq!((silent.status, silent.end_ms), (SessionStatus::Abandoned, Some(T0 + 2 * MIN)));
    let later = ended(decide_end(&silent, T0 + 45 * MIN, true, LAPTOP, limits()));
    assert_eq!(later.before, silent);
    assert_eq!(
        (later.session.status, later.session.end_ms),
        (SessionStatus::Completed, Some(T0 + 45 * MIN))
    );
    let earlier = ended(decide_end(&silent, T0 + MIN, true, LAPTOP, limits()));
    assert_eq!(earlier.session.end_ms, Some(T0 + MIN), "the device knows its true end");
    // The correction is final: its replay changes nothing, another end is refused.
    let done = later.session;
    assert_eq!(
        decide_end(&done, T0 + 45 * MIN, true, LAPTOP, limits()),
        Ok(EndDecision::AlreadyEnded(done.clone()))
    );
    assert_eq!(
        code(decide_end(&done, T0 + 50 * MIN, true, LAPTOP, limits())),
        ErrorCode::SessionNotActive
    );
    // Bounds and devices still apply to corrections.
    assert_eq!(
        code(decide_end(&silent, T0 + DAY + 1000, true, LAPTOP, limits())),
        ErrorCode::ValidationFailed
    );
    assert_eq!(
        code(decide_end(&silent, T0 + 45 * MIN, true, DESKTOP, limits())),
        ErrorCode::Conflict
    );
}

// --- heartbeats ---

#[test]
fn heartbeats_only_move_forward_while_active() {
    let session = active_on(LAPTOP, "a", T0);
    let change = decide_heartbeat(&session, T0 + 30_000, LAPTOP, limits())
        .expect("accepted")
        .expect("moves forward");
    assert_eq!(change.before, session);
    let beat = change.session;
    assert_eq!(
        (beat.last_heartbeat_ms, beat.end_ms, beat.status),
        (T0 + 30_000, None, SessionStatus::Active)
    );
    assert_eq!(
        decide_heartbeat(&beat, T0 + 10_000, LAPTOP, limits()),
        Ok(None),
        "an older heartbeat"
    );
    assert_eq!(
        decide_heartbeat(&beat, T0 + 30_000, LAPTOP, limits()),
        Ok(None),
        "the same heartbeat"
    );
    assert_eq!(
        decide_heartbeat(&beat, T0 - 10_000, LAPTOP, limits()),
        Ok(None),
        "before the start"
    );
}

#[test]
fn a_heartbeat_after_the_end_is_refused_and_one_within_it_changes_nothing() {
    let session = active_on(LAPTOP, "a", T0);
    let done = ended(decide_end(&session, T0 + 40_000, true, LAPTOP, limits())).session;
    assert_eq!(
        code(decide_heartbeat(&done, T0 + 50_000, LAPTOP, limits())),
        ErrorCode::SessionNotActive
    );
    // The replay of a heartbeat sent before the end (heartbeats are not in the op log).
    for at in [T0 + 20_000, T0 + 40_000] {
        assert_eq!(decide_heartbeat(&done, at, LAPTOP, limits()), Ok(None));
    }
}

#[test]
fn a_heartbeat_from_another_device_is_a_conflict() {
    let session = active_on(LAPTOP, "a", T0);
    assert_eq!(code(decide_heartbeat(&session, T0 + MIN, DESKTOP, limits())), ErrorCode::Conflict);
    let silent = abandoned(&session);
    assert_eq!(code(decide_heartbeat(&silent, T0 + HOUR, DESKTOP, limits())), ErrorCode::Conflict);
}

#[test]
fn a_heartbeat_beyond_the_maximum_session_is_refused() {
    let session = active_on(LAPTOP, "a", T0);
    let last = decide_heartbeat(&session, T0 + DAY, LAPTOP, limits())
        .expect("accepted")
        .expect("at the limit");
    assert_eq!(last.session.last_heartbeat_ms, T0 + DAY);
    assert_eq!(
        code(decide_heartbeat(&session, T0 + DAY + 1000, LAPTOP, limits())),
        ErrorCode::ValidationFailed
    );
    let silent = abandoned(&session);
    assert_eq!(
        code(decide_heartbeat(&silent, T0 + DAY + 1000, LAPTOP, limits())),
        ErrorCode::ValidationFailed
    );
}

#[test]
fn a_later_heartbeat_extends_an_abandoned_session_to_it() {
    let session = active_on(LAPTOP, "a", T0);
    let beat = decide_heartbeat(&session, T0 + 2 * MIN, LAPTOP, limits())
        .expect("accepted")
        .expect("beat")
        .session;
    let silent = abandoned(&beat);
    let change = decide_heartbeat(&silent, T0 + 40 * MIN, LAPTOP, limits())
        .expect("accepted")
        .expect("extends");
    assert_eq!(change.before, silent);
    let extended = change.session;
    assert_eq!(extended.status, SessionStatus::Abandoned, "still ended: only its end moved");
    assert_eq!((extended.end_ms, extended.last_heartbeat_ms), (Some(T0 + 40 * MIN), T0 + 40 * MIN));
    assert_eq!(extended.span().map(|s| s.end_ms), Some(T0 + 40 * MIN));
    // Older heartbeats change nothing; the abandon job leaves it alone.
    assert_eq!(decide_heartbeat(&extended, T0 + 20 * MIN, LAPTOP, limits()), Ok(None));
    assert_eq!(decide_heartbeat(&silent, T0 + MIN, LAPTOP, limits()), Ok(None));
    assert_eq!(decide_abandon(&extended, UnixMillis(T0 + 10 * DAY), 30 * MIN), None);
}

// --- silence ---

#[test]
fn silent_sessions_are_abandoned_at_their_last_heartbeat() {
    let session = active_on(LAPTOP, "a", T0);
    let beat = decide_heartbeat(&session, T0 + 2 * MIN, LAPTOP, limits())
        .expect("accepted")
        .expect("beat")
        .session;
    let limit = 30 * MIN;
    assert_eq!(decide_abandon(&beat, UnixMillis(T0 + 2 * MIN + limit), limit), None);
    let ending =
        decide_abandon(&beat, UnixMillis(T0 + 2 * MIN + limit + 1), limit).expect("abandoned");
    assert_eq!(ending.before, beat);
    assert_eq!(ending.session.status, SessionStatus::Abandoned);
    assert_eq!(ending.session.end_ms, Some(T0 + 2 * MIN));
    assert_eq!(ending.session.duration_seconds(), Some(120));
    assert_eq!(decide_abandon(&ending.session, UnixMillis(T0 + 10 * limit), limit), None);
}

#[test]
fn the_abandon_threshold_is_at_least_three_request_intervals() {
    assert_eq!(abandon_after_minutes(45, 15), 45);
    assert_eq!(abandon_after_minutes(30, 15), 45);
    assert_eq!(abandon_after_minutes(60, 15), 60);
    assert_eq!(abandon_after_minutes(0, 0), 1);
}
