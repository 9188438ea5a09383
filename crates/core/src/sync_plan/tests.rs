//! Tests of sync planning.

use proptest::prelude::*;
use worktime_api::sessions::SessionStatus;

use super::*;

const NOW: i64 = 1_795_000_000_000;

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

fn heartbeat(op: u32, session: u32, at: i64) -> SyncOp {
    SyncOp { op_type: OpType::Heartbeat, end_time: None, at: Some(UnixMillis(at).to_rfc3339()), ..end(op, session, at) }
}

fn statuses(plan: &Plan) -> Vec<OpStatus> {
    plan.results.iter().map(|r| r.status).collect()
}

/// Folds a plan's writes into `known`, as the database would.
fn absorb(known: &mut Known, plan: &Plan) {
    for write in &plan.writes {
        match write {
            Write::Insert(s) | Write::Heartbeat(s) => {
                known.sessions.insert(s.id.clone(), s.clone());
            }
            Write::End(e) => {
                known.sessions.insert(e.session.id.clone(), e.session.clone());
            }
            Write::Log { op_id, .. } => {
                known.applied_ops.insert(op_id.clone());
            }
        }
    }
    known.active = known.sessions.values().find(|s| s.status == SessionStatus::Active).map(|s| s.id.clone());
}

#[test]
fn applies_in_order_and_logs_each_op() {
    let t = NOW - 3_600_000;
    let ops = [start(1, 1, t), heartbeat(2, 1, t + 60_000), end(3, 1, t + 600_000)];
    let plan = plan(&ops, Known::default(), UnixMillis(NOW));
    assert_eq!(statuses(&plan), vec![OpStatus::Applied; 3]);
    let logs = plan.writes.iter().filter(|w| matches!(w, Write::Log { .. })).count();
    assert_eq!(logs, 3);
    let Some(Write::End(ending)) = plan.writes.iter().find(|w| matches!(w, Write::End(_))) else {
        panic!("an end is written")
    };
    assert_eq!(ending.session.duration_seconds(), Some(600));
}

#[test]
fn replayed_and_repeated_op_ids_are_duplicates() {
    let t = NOW - 3_600_000;
    let ops = [start(1, 1, t), start(1, 1, t)];
    let first = plan(&ops, Known::default(), UnixMillis(NOW));
    assert_eq!(statuses(&first), vec![OpStatus::Applied, OpStatus::Duplicate]);
    let mut known = Known::default();
    absorb(&mut known, &first);
    let again = plan(&ops, known, UnixMillis(NOW));
    assert_eq!(statuses(&again), vec![OpStatus::Duplicate, OpStatus::Duplicate]);
    assert!(again.writes.is_empty(), "a replay writes nothing");
}

#[test]
fn a_rejected_op_does_not_block_the_rest() {
    let t = NOW - 3_600_000;
    let ops = [end(1, 9, t), start(2, 1, t), end(3, 1, t - 1000), end(4, 1, t + 5000)];
    let plan = plan(&ops, Known::default(), UnixMillis(NOW));
    assert_eq!(
        statuses(&plan),
        vec![OpStatus::Rejected, OpStatus::Applied, OpStatus::Rejected, OpStatus::Applied]
    );
    assert_eq!(plan.results[0].error.as_ref().map(|e| e.code), Some(ErrorCode::NotFound));
    assert_eq!(plan.results[2].error.as_ref().map(|e| e.code), Some(ErrorCode::ValidationFailed));
}

#[test]
fn conflicting_reuse_and_misplaced_fields_are_rejected() {
    let t = NOW - 3_600_000;
    let mut other_pr = start(2, 1, t);
    other_pr.pr_number = Some(2);
    let mut misplaced = end(3, 1, t);
    misplaced.at = Some(UnixMillis(t).to_rfc3339());
    let mut bad_id = start(4, 2, t);
    bad_id.op_id = "nope".into();
    let plan = plan(&[start(1, 1, t), other_pr, misplaced, bad_id], Known::default(), UnixMillis(NOW));
    let codes: Vec<_> = plan.results.iter().map(|r| r.error.as_ref().map(|e| e.code)).collect();
    assert_eq!(codes, vec![None, Some(ErrorCode::Conflict), Some(ErrorCode::ValidationFailed), Some(ErrorCode::ValidationFailed)]);
}

#[test]
fn a_new_start_ends_the_active_session_read_before() {
    let t = NOW - 3_600_000;
    let mut known = Known::default();
    absorb(&mut known, &plan(&[start(1, 1, t)], Known::default(), UnixMillis(NOW)));
    let plan = plan(&[start(2, 2, t + 120_000)], known, UnixMillis(NOW));
    let ended: Vec<_> = plan.writes.iter().filter_map(|w| match w { Write::End(e) => Some(e), _ => None }).collect();
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].session.id, id(1));
    assert_eq!(ended[0].session.end_ms, Some(t + 120_000));
}

fn arbitrary_op() -> impl Strategy<Value = SyncOp> {
    (0u32..3, 1u32..12, 1u32..4, 0i64..7200).prop_map(|(kind, op, session, offset_s)| {
        let at = NOW - 7_200_000 + offset_s * 1000;
        match kind {
            0 => start(op, session, at),
            1 => end(op, session, at),
            _ => heartbeat(op, session, at),
        }
    })
}

proptest! {
    /// Planning a request at once equals applying its ops one request at a time.
    #[test]
    fn planning_at_once_equals_one_by_one(ops in prop::collection::vec(arbitrary_op(), 0..25)) {
        let whole = plan(&ops, Known::default(), UnixMillis(NOW));
        let mut whole_known = Known::default();
        absorb(&mut whole_known, &whole);

        let mut known = Known::default();
        let mut results = Vec::new();
        for op in &ops {
            let single = plan(std::slice::from_ref(op), known.clone(), UnixMillis(NOW));
            absorb(&mut known, &single);
            results.extend(single.results);
        }
        prop_assert_eq!(whole.results, results);
        prop_assert_eq!(whole_known.sessions, known.sessions);
        prop_assert_eq!(whole_known.applied_ops, known.applied_ops);
    }
}
