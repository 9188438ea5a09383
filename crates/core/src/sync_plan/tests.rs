//! Tests of sync planning.

mod deletes;
mod properties;

use worktime_api::sessions::{SessionStatus, LEGACY_DEVICE_ID};

use super::*;

const NOW: i64 = 1_795_000_000_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const LAPTOP: &str = "11111111-1111-4111-8111-111111111111";
const DESKTOP: &str = "22222222-2222-4222-8222-222222222222";

fn id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn start(op: u32, session: u32, at: i64) -> SyncOp {
    SyncOp {
        op_id: id(op),
        op_type: OpType::Start,
        session_id: id(session),
        repo_owner: Some("octo".into()),
        repo_name: Some("hello".into()),
        pr_number: Some(1),
        start_time: Some(UnixMillis(at).to_rfc3339()),
        tz_offset_minutes: None,
        end_time: None,
        at: None,
        device_id: None,
    }
}

fn end(op: u32, session: u32, at: i64) -> SyncOp {
    SyncOp {
        op_type: OpType::End,
        repo_owner: None,
        repo_name: None,
        pr_number: None,
        start_time: None,
        end_time: Some(UnixMillis(at).to_rfc3339()),
        ..start(op, session, at)
    }
}

/// A delete of `session` (no fields but its id).
fn delete(op: u32, session: u32) -> SyncOp {
    SyncOp { op_type: OpType::Delete, end_time: None, ..end(op, session, NOW) }
}

fn heartbeat(op: u32, session: u32, at: i64) -> SyncOp {
    SyncOp {
        op_type: OpType::Heartbeat,
        end_time: None,
        at: Some(UnixMillis(at).to_rfc3339()),
        ..end(op, session, at)
    }
}

/// `op` sent by `device`.
fn on(device: &str, op: SyncOp) -> SyncOp {
    SyncOp { device_id: Some(device.into()), ..op }
}

/// Plans a `/api/sync` request with the default limits.
fn sync(ops: &[SyncOp], known: Known) -> (Plan, HashMap<String, StoredSession>) {
    plan(ops, known, UnixMillis(NOW), Limits::default(), Logging::OpLog)
}

fn statuses(plan: &Plan) -> Vec<OpStatus> {
    plan.results.iter().map(|r| r.status).collect()
}

fn codes(plan: &Plan) -> Vec<Option<ErrorCode>> {
    plan.results.iter().map(|r| r.error.as_ref().map(|e| e.code)).collect()
}

fn ends(plan: &Plan) -> Vec<&Ending> {
    plan.writes.iter().filter_map(|w| if let Write::End(e) = w { Some(e) } else { None }).collect()
}

fn logs(plan: &Plan) -> usize {
    plan.writes.iter().filter(|w| matches!(w, Write::Log { .. })).count()
}

/// Folds a plan's writes into `known`, as the database would, and reads each device's
/// active session back as the worker does.
fn absorb(known: &mut Known, plan: &Plan) {
    for write in &plan.writes {
        match write {
            Write::Insert(s) | Write::Heartbeat(s) => {
                known.sessions.insert(s.id.clone(), s.clone());
            }
            Write::End(e) => {
                known.sessions.insert(e.session.id.clone(), e.session.clone());
            }
            Write::Delete(s) => {
                known.sessions.remove(&s.id);
            }
            Write::Log { op_id, .. } => {
                known.applied_ops.insert(op_id.clone());
            }
        }
    }
    known.active = active_by_device(&known.sessions);
}

/// Each device's active session; panics when a device has two.
fn active_by_device(sessions: &HashMap<String, StoredSession>) -> HashMap<String, String> {
    let mut active = HashMap::new();
    for s in sessions.values().filter(|s| s.status == SessionStatus::Active) {
        let other = active.insert(s.device_id.clone(), s.id.clone());
        assert!(other.is_none(), "device {} has two active sessions", s.device_id);
    }
    active
}

/// A stored row of `device`, ended at `end_ms` when given.
fn stored(
    session: u32,
    device: &str,
    start_ms: i64,
    end_ms: Option<i64>,
    status: SessionStatus,
) -> StoredSession {
    StoredSession {
        id: id(session),
        repo_owner: "octo".into(),
        repo_name: "hello".into(),
        pr_number: 1,
        start_ms,
        end_ms,
        status,
        last_heartbeat_ms: end_ms.unwrap_or(start_ms),
        tz_offset_minutes: None,
        device_id: device.into(),
    }
}

/// What the worker reads for `rows`.
fn known_of(rows: &[StoredSession]) -> Known {
    let sessions: HashMap<_, _> = rows.iter().map(|s| (s.id.clone(), s.clone())).collect();
    Known { active: active_by_device(&sessions), sessions, applied_ops: HashSet::new() }
}

#[test]
fn applies_in_order_and_logs_each_start_and_end() {
    let t = NOW - HOUR;
    let ops = [start(1, 1, t), heartbeat(2, 1, t + MIN), end(3, 1, t + 10 * MIN)];
    let (plan, sessions) = sync(&ops, Known::default());
    assert_eq!(statuses(&plan), vec![OpStatus::Applied; 3]);
    assert_eq!(logs(&plan), 2, "heartbeats are not logged");
    assert!(plan.rows().touch_ledger());
    let ended = ends(&plan);
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].before.last_heartbeat_ms, t + MIN);
    assert_eq!(ended[0].session.duration_seconds(), Some(600));
    assert_eq!(sessions[&id(1)], ended[0].session, "the sessions as they stand after the plan");
    assert_eq!(sessions[&id(1)].device_id, LEGACY_DEVICE_ID);
}

#[test]
fn replayed_and_repeated_op_ids_are_duplicates() {
    let t = NOW - HOUR;
    let ops = [start(1, 1, t), start(1, 1, t)];
    let (first, _) = sync(&ops, Known::default());
    assert_eq!(statuses(&first), vec![OpStatus::Applied, OpStatus::Duplicate]);
    let mut known = Known::default();
    absorb(&mut known, &first);
    let (again, _) = sync(&ops, known);
    assert_eq!(statuses(&again), vec![OpStatus::Duplicate, OpStatus::Duplicate]);
    assert!(again.writes.is_empty(), "a replay writes nothing");
}

#[test]
fn a_rejected_op_does_not_block_the_rest() {
    let t = NOW - HOUR;
    let ops = [end(1, 9, t), start(2, 1, t), end(3, 1, t - 1000), end(4, 1, t + 5000)];
    let (plan, _) = sync(&ops, Known::default());
    assert_eq!(
        statuses(&plan),
        vec![OpStatus::Rejected, OpStatus::Applied, OpStatus::Rejected, OpStatus::Applied]
    );
    assert_eq!(codes(&plan)[0], Some(ErrorCode::NotFound));
    assert_eq!(codes(&plan)[2], Some(ErrorCode::ValidationFailed));
}

#[test]
fn conflicting_reuse_and_misplaced_fields_are_rejected() {
    let t = NOW - HOUR;
    let mut other_pr = start(2, 1, t);
    other_pr.pr_number = Some(2);
    let mut misplaced = end(3, 1, t);
    misplaced.at = Some(UnixMillis(t).to_rfc3339());
    let mut bad_id = start(4, 2, t);
    bad_id.op_id = "nope".into();
    let other_device = on(DESKTOP, start(5, 1, t));
    let mut bad_device = start(6, 3, t);
    bad_device.device_id = Some("desktop".into());
    let ops = [start(1, 1, t), other_pr, misplaced, bad_id, other_device, bad_device];
    let (plan, _) = sync(&ops, Known::default());
    let invalid = Some(ErrorCode::ValidationFailed);
    let conflict = Some(ErrorCode::Conflict);
    assert_eq!(codes(&plan), vec![None, conflict, invalid, invalid, conflict, invalid]);
}

#[test]
fn a_new_start_ends_the_same_devices_session_read_before() {
    let t = NOW - HOUR;
    let mut known = Known::default();
    absorb(&mut known, &sync(&[on(LAPTOP, start(1, 1, t))], Known::default()).0);
    assert_eq!(known.active, HashMap::from([(LAPTOP.to_owned(), id(1))]));
    let (plan, sessions) = sync(&[on(LAPTOP, start(2, 2, t + 2 * MIN))], known);
    let ended = ends(&plan);
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].session.id, id(1));
    assert_eq!(ended[0].session.end_ms, Some(t + 2 * MIN));
    assert_eq!(sessions[&id(1)].status, SessionStatus::Completed);
    assert_eq!(sessions[&id(2)].status, SessionStatus::Active);
}

#[test]
fn a_start_on_one_device_never_ends_another_devices_session() {
    let t = NOW - HOUR;
    let laptop = stored(1, LAPTOP, t, None, SessionStatus::Active);
    let legacy = stored(2, LEGACY_DEVICE_ID, t, None, SessionStatus::Active);
    let ops = [on(DESKTOP, start(3, 3, t + 5 * MIN)), on(DESKTOP, start(4, 4, t + 9 * MIN))];
    let (plan, sessions) = sync(&ops, known_of(&[laptop.clone(), legacy.clone()]));
    assert_eq!(statuses(&plan), vec![OpStatus::Applied; 2]);
    // The desktop's second start ends its first; nothing else ends.
    let ended: Vec<_> = ends(&plan).iter().map(|e| e.session.id.clone()).collect();
    assert_eq!(ended, [id(3)]);
    assert_eq!((&sessions[&id(1)], &sessions[&id(2)]), (&laptop, &legacy));
    let active: Vec<_> = {
        let mut active: Vec<_> = active_by_device(&sessions).into_values().collect();
        active.sort();
        active
    };
    assert_eq!(active, [id(1), id(2), id(4)], "one active session per device, overlapping");
}

#[test]
fn within_one_request_each_device_ends_only_its_own_sessions() {
    let t = NOW - HOUR;
    let ops = [
        on(LAPTOP, start(1, 1, t)),
        on(DESKTOP, start(2, 2, t + MIN)),
        start(3, 3, t + 2 * MIN),
        on(LAPTOP, start(4, 4, t + 3 * MIN)),
        on(DESKTOP, end(5, 2, t + 4 * MIN)),
        start(6, 5, t + 5 * MIN),
    ];
    let (plan, sessions) = sync(&ops, Known::default());
    assert_eq!(statuses(&plan), vec![OpStatus::Applied; 6]);
    let ended: Vec<_> =
        ends(&plan).iter().map(|e| (e.session.id.clone(), e.session.end_ms)).collect();
    assert_eq!(
        ended,
        [(id(1), Some(t + 3 * MIN)), (id(2), Some(t + 4 * MIN)), (id(3), Some(t + 5 * MIN))]
    );
    let mut active: Vec<_> = active_by_device(&sessions).into_iter().collect();
    active.sort();
    assert_eq!(active, [(LEGACY_DEVICE_ID.to_owned(), id(5)), (LAPTOP.to_owned(), id(4))]);
}

#[test]
fn ends_and_heartbeats_from_another_device_are_conflicts_and_write_nothing() {
    let t = NOW - HOUR;
    let laptop = stored(1, LAPTOP, t, None, SessionStatus::Active);
    let silent = stored(2, LAPTOP, t - HOUR, Some(t - 50 * MIN), SessionStatus::Abandoned);
    let ops = [
        on(DESKTOP, heartbeat(1, 1, t + MIN)),
        on(DESKTOP, end(2, 1, t + 2 * MIN)),
        heartbeat(3, 1, t + 3 * MIN),
        end(4, 1, t + 4 * MIN),
        on(DESKTOP, heartbeat(5, 2, t)),
        on(DESKTOP, end(6, 2, t)),
    ];
    let (plan, sessions) = sync(&ops, known_of(&[laptop.clone(), silent.clone()]));
    assert_eq!(codes(&plan), vec![Some(ErrorCode::Conflict); 6]);
    assert!(plan.writes.is_empty());
    assert_eq!((&sessions[&id(1)], &sessions[&id(2)]), (&laptop, &silent));
}

#[test]
fn a_completed_session_refuses_other_ends_and_heartbeats_as_not_active() {
    let t = NOW - HOUR;
    let ops = [
        on(LAPTOP, start(1, 1, t)),
        on(LAPTOP, end(2, 1, t + 5 * MIN)),
        on(LAPTOP, end(3, 1, t + 6 * MIN)),
        on(LAPTOP, heartbeat(4, 1, t + 6 * MIN)),
        on(LAPTOP, end(5, 1, t + 5 * MIN)),
    ];
    let (plan, sessions) = sync(&ops, Known::default());
    let not_active = Some(ErrorCode::SessionNotActive);
    assert_eq!(codes(&plan), vec![None, None, not_active, not_active, None]);
    // The same end under a new op id is applied (logged) but changes nothing.
    assert_eq!((ends(&plan).len(), logs(&plan)), (1, 3));
    assert_eq!(sessions[&id(1)].end_ms, Some(t + 5 * MIN));
}

#[test]
fn an_abandoned_session_is_corrected_by_its_own_device() {
    let t = NOW - HOUR;
    let silent = stored(1, LAPTOP, t, Some(t + 2 * MIN), SessionStatus::Abandoned);
    let ops = [
        on(LAPTOP, heartbeat(1, 1, t + MIN)),
        on(LAPTOP, heartbeat(2, 1, t + 20 * MIN)),
        on(LAPTOP, end(3, 1, t + 25 * MIN)),
    ];
    let (plan, sessions) = sync(&ops, known_of(std::slice::from_ref(&silent)));
    // The first heartbeat is within what the server has: already covered.
    assert_eq!(statuses(&plan), vec![OpStatus::Duplicate, OpStatus::Applied, OpStatus::Applied]);
    let ended = ends(&plan);
    assert_eq!(ended.len(), 2, "the later heartbeat and the end both move the end");
    assert_eq!(ended[0].before, silent);
    assert_eq!(
        (ended[0].session.status, ended[0].session.end_ms),
        (SessionStatus::Abandoned, Some(t + 20 * MIN))
    );
    assert_eq!(ended[1].before, ended[0].session);
    assert_eq!(sessions[&id(1)].status, SessionStatus::Completed);
    assert_eq!(sessions[&id(1)].end_ms, Some(t + 25 * MIN));
    assert!(!plan.writes.iter().any(|w| matches!(w, Write::Heartbeat(_))));
    assert!(plan.rows().touch_ledger(), "moving an end changes the statistics");
}

#[test]
fn a_heartbeat_of_an_active_session_is_written_as_a_heartbeat() {
    let t = NOW - HOUR;
    let active = stored(1, LAPTOP, t, None, SessionStatus::Active);
    let (plan, _) = sync(&[on(LAPTOP, heartbeat(1, 1, t + MIN))], known_of(&[active]));
    let Some(Write::Heartbeat(beat)) = plan.writes.first() else {
        panic!("a heartbeat write: {:?}", plan.writes)
    };
    assert_eq!((beat.last_heartbeat_ms, beat.end_ms), (t + MIN, None));
    assert_eq!(logs(&plan), 0);
    assert!(!plan.rows().touch_ledger(), "an active session's heartbeat needs no fence");
}

#[test]
fn sessions_beyond_the_bounds_are_rejected_and_write_nothing() {
    let t = NOW - 3 * HOUR;
    let short = Limits::from_hours(1);
    let run = |ops: &[SyncOp], known| plan(ops, known, UnixMillis(NOW), short, Logging::OpLog).0;
    let ancient = run(&[start(1, 1, NOW - 401 * DAY)], Known::default());
    assert_eq!(codes(&ancient), [Some(ErrorCode::ValidationFailed)]);
    assert!(ancient.writes.is_empty());
    let active = known_of(&[stored(1, LAPTOP, t, None, SessionStatus::Active)]);
    let too_long = run(
        &[on(LAPTOP, end(1, 1, t + HOUR + 1000)), on(LAPTOP, heartbeat(2, 1, t + 2 * HOUR))],
        active.clone(),
    );
    assert_eq!(codes(&too_long), vec![Some(ErrorCode::ValidationFailed); 2]);
    assert!(too_long.writes.is_empty());
    // A start after the limit ends the forgotten session at its longest.
    let next = run(&[on(LAPTOP, start(3, 2, t + 2 * HOUR))], active);
    assert_eq!(ends(&next)[0].session.end_ms, Some(t + HOUR));
}

#[test]
fn unlogged_requests_need_no_op_id_and_write_no_log() {
    let t = NOW - HOUR;
    let unlogged = |ops: &[SyncOp], known| {
        plan(ops, known, UnixMillis(NOW), Limits::default(), Logging::Unlogged)
    };
    let without_id = |op: SyncOp| SyncOp { op_id: String::new(), ..op };
    let (first, sessions) = unlogged(&[without_id(on(LAPTOP, start(1, 1, t)))], Known::default());
    assert_eq!(statuses(&first), [OpStatus::Applied]);
    assert!(matches!(first.writes.as_slice(), [Write::Insert(_)]), "{:?}", first.writes);
    let known =
        Known { active: active_by_device(&sessions), sessions, applied_ops: HashSet::new() };
    // Replays are recognised by content, not by op id: applied again, nothing written.
    let ops = [
        on(LAPTOP, start(1, 1, t)),
        on(LAPTOP, start(1, 1, t)),
        on(LAPTOP, end(2, 1, t + MIN)),
        on(LAPTOP, end(2, 1, t + MIN)),
    ];
    let (again, sessions) = unlogged(&ops, known);
    assert_eq!(statuses(&again), vec![OpStatus::Applied; 4]);
    assert_eq!(logs(&again), 0);
    assert_eq!(again.writes.len(), 1, "only the first end writes: {:?}", again.writes);
    assert_eq!(sessions[&id(1)].end_ms, Some(t + MIN));
}

#[test]
fn referenced_devices_name_each_device_once_and_the_legacy_device_for_ops_without_one() {
    let t = NOW - HOUR;
    let mut bad = start(4, 4, t);
    bad.device_id = Some("laptop".into());
    let ops = [
        on(&LAPTOP.to_uppercase(), start(1, 1, t)),
        on(LAPTOP, end(2, 1, t)),
        heartbeat(3, 2, t),
        bad,
    ];
    assert_eq!(referenced_devices(&ops), [LEGACY_DEVICE_ID, LAPTOP]);
    assert_eq!(referenced_devices(&[on(DESKTOP, start(1, 1, t))]), [DESKTOP]);
    assert!(referenced_devices(&[]).is_empty());
}

#[test]
fn the_window_around_ops_reaches_one_session_length_each_side_when_they_are_close() {
    let t = NOW - HOUR;
    let max = Limits::default().max_session_ms;
    let ops = [start(1, 1, t), end(2, 1, t + 10 * MIN)];
    assert_eq!(
        window_around(&ops, UnixMillis(NOW), Limits::default()),
        Some((t - max, t + 10 * MIN + max))
    );
    // Heartbeats only, and ops spread over more than a session's length: no window.
    assert_eq!(window_around(&[heartbeat(3, 1, t)], UnixMillis(NOW), Limits::default()), None);
    let spread = [start(4, 2, t - max - MIN), end(5, 2, t)];
    assert_eq!(window_around(&spread, UnixMillis(NOW), Limits::default()), None);
}
