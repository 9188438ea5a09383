//! Properties of planning over random requests from several devices.

use proptest::prelude::*;

use super::*;

/// The devices ops come from: the legacy device (no `device_id`) and two named ones.
const DEVICES: [Option<&str>; 3] = [None, Some(LAPTOP), Some(DESKTOP)];

/// Rows read before the request: an abandoned laptop session, a completed desktop
/// session, an active legacy session and an active laptop session (ids 20–23), just
/// before the two hours the ops fall in, so corrections, refusals, implicit ends and
/// ends at the maximum length all occur.
pub(super) fn seed() -> Vec<StoredSession> {
    let base = NOW - 2 * HOUR;
    vec![
        stored(20, LAPTOP, base - 30 * MIN, Some(base - 20 * MIN), SessionStatus::Abandoned),
        stored(21, DESKTOP, base - 40 * MIN, Some(base - 10 * MIN), SessionStatus::Completed),
        stored(22, LEGACY_DEVICE_ID, base - 10 * MIN, None, SessionStatus::Active),
        stored(23, LAPTOP, base - 5 * MIN, None, SessionStatus::Active),
    ]
}

/// An op (of the legacy device) on one of four new sessions or on a seeded one. Half the starts of a session
/// use its own start time (replays, or conflicts when another device reuses the id); the
/// rest start at any time; op ids repeat now and then. One op in nine is a delete (of a
/// session there or not, running or ended; a later start may reuse its id).
pub(super) fn arbitrary_op() -> impl Strategy<Value = SyncOp> {
    let session = prop_oneof![3 => 1u32..5, 1 => 20u32..24];
    (0u32..9, 1u32..40, session, 0i64..7200).prop_map(|(kind, op, session, offset_s)| {
        let at = NOW - 2 * HOUR + offset_s * 1000;
        let own_start = NOW - 2 * HOUR + i64::from(session % 5) * 25 * MIN;
        match kind {
            0 | 1 => start(op, session, own_start),
            2 | 3 => start(op, session, at),
            4 | 5 => end(op, session, at),
            6 | 7 => heartbeat(op, session, at),
            _ => delete(op, session),
        }
    })
}

fn any_device() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(DEVICES.to_vec())
}

/// The device a session's ops mostly come from: a seeded row's own device; for a new
/// session `id(n)`, `DEVICES[n % 3]`.
fn home(session_id: &str) -> Option<&'static str> {
    if let Some(row) = seed().into_iter().find(|s| s.id == session_id) {
        return DEVICES
            .into_iter()
            .find(|d| d.unwrap_or(LEGACY_DEVICE_ID) == row.device_id)
            .flatten();
    }
    let n: usize = session_id[24..].parse().expect("a session id made by id(n)");
    DEVICES[n % 3]
}

/// Ops mostly from their session's home device, a quarter from any device.
pub(super) fn op_from_several_devices() -> impl Strategy<Value = SyncOp> {
    (arbitrary_op(), prop::bool::weighted(0.25), any_device()).prop_map(|(op, stray, device)| {
        let device = if stray { device } else { home(&op.session_id) };
        SyncOp { device_id: device.map(str::to_owned), ..op }
    })
}

fn logging() -> impl Strategy<Value = Logging> {
    prop_oneof![Just(Logging::OpLog), Just(Logging::Unlogged)]
}

/// Sessions an hour long at most, so that the ops' two hours reach past the limit.
pub(super) fn limits() -> Limits {
    Limits::from_hours(1)
}

proptest! {
    /// Planning a request at once equals applying its ops one request at a time, with
    /// ops from several devices, against rows read before, in both logging modes.
    #[test]
    fn planning_at_once_equals_one_by_one(
        ops in prop::collection::vec(op_from_several_devices(), 0..30),
        logging in logging(),
    ) {
        let now = UnixMillis(NOW);
        let (whole, returned) = plan(&ops, known_of(&seed()), now, limits(), logging);
        let mut whole_known = known_of(&seed());
        absorb(&mut whole_known, &whole);
        prop_assert_eq!(&returned, &whole_known.sessions);

        let mut known = known_of(&seed());
        let mut results = Vec::new();
        for op in &ops {
            let (single, _) = plan(std::slice::from_ref(op), known.clone(), now, limits(), logging);
            absorb(&mut known, &single);
            results.extend(single.results);
        }
        prop_assert_eq!(&whole.results, &results);
        prop_assert_eq!(whole_known.sessions, known.sessions);
        prop_assert_eq!(whole_known.applied_ops, known.applied_ops);
        if logging == Logging::Unlogged {
            prop_assert_eq!(logs(&whole), 0);
        }
    }

    /// No request of one device ends, shortens, extends or otherwise writes another
    /// device's session, whatever it asks — but deletes it: the user's own decision, from
    /// any of their devices (see `deletes`).
    #[test]
    fn a_device_never_alters_another_devices_sessions(
        device in any_device(),
        ops in prop::collection::vec(arbitrary_op(), 0..30),
        logging in logging(),
    ) {
        let ops: Vec<SyncOp> = ops
            .into_iter()
            .filter(|op| op.op_type != OpType::Delete)
            .map(|op| SyncOp { device_id: device.map(str::to_owned), ..op })
            .collect();
        let mine = device.unwrap_or(LEGACY_DEVICE_ID);
        let theirs: Vec<StoredSession> = seed().into_iter().filter(|s| s.device_id != mine).collect();
        let (planned, after) = plan(&ops, known_of(&seed()), UnixMillis(NOW), limits(), logging);
        for session in &theirs {
            prop_assert_eq!(&after[&session.id], session);
        }
        for write in &planned.writes {
            let touched = match write {
                Write::Insert(s) | Write::Heartbeat(s) | Write::Delete(s) => &s.id,
                Write::End(e) => &e.session.id,
                Write::Log { session_id, .. } => session_id,
            };
            prop_assert!(!theirs.iter().any(|s| &s.id == touched), "{:?} touches another device's session", write);
        }
        for (result, op) in planned.results.iter().zip(&ops) {
            if theirs.iter().any(|s| s.id == op.session_id) {
                let code = result.error.as_ref().map(|e| e.code);
                prop_assert!(
                    result.status == OpStatus::Duplicate || code == Some(ErrorCode::Conflict),
                    "an op on another device's session is a conflict, got {:?}", result
                );
            }
        }
    }
}
