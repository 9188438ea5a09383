//! Deleting sessions: what a delete op plans, how its rows fold and, through a model of
//! the worker's write (`writes::commit`: rows, attributed seconds, 15-minute buckets and
//! their hourly rollup), that the statistics after a deletion are those of the sessions
//! left — as if the deleted one had never existed.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::properties::{limits as short_limits, op_from_several_devices, seed};
use super::*;
use crate::stats::hours_of_buckets;

/// A bucket or hour row: `(seconds, starts, running_in)`.
type Counts = (i64, i64, i64);

/// The statistics as the database holds them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Figures {
    /// `time_sessions.attributed_seconds`.
    attributed: BTreeMap<String, i64>,
    /// `daily_stats`.
    buckets: BTreeMap<(i64, String, String), Counts>,
    /// `hourly_stats`.
    hours: BTreeMap<i64, Counts>,
}

impl Figures {
    /// Adds a delta's bucket rows and their hourly rollup, as `ledger::delta` writes them.
    fn add_rows(&mut self, delta: &LedgerDelta) {
        for (key, change) in &delta.buckets {
            let row = self.buckets.entry(key.clone()).or_default();
            *row = (row.0 + change.seconds, row.1 + change.starts, row.2 + change.running_in);
        }
        let changes =
            delta.buckets.iter().map(|((b, _, _), c)| (*b, c.seconds, c.starts, c.running_in));
        for (hour, change) in hours_of_buckets(changes) {
            let row = self.hours.entry(hour).or_default();
            *row = (row.0 + change.seconds, row.1 + change.starts, row.2 + change.running_in);
        }
    }

    /// Without the rows that hold nothing: every answer sums rows, so those change none.
    fn without_zeros(&self) -> Figures {
        Figures {
            attributed: self.attributed.clone().into_iter().filter(|(_, s)| *s != 0).collect(),
            buckets: self.buckets.clone().into_iter().filter(|(_, r)| *r != (0, 0, 0)).collect(),
            hours: self.hours.clone().into_iter().filter(|(_, r)| *r != (0, 0, 0)).collect(),
        }
    }
}

/// The worker's tables for one user, written the way `writes::commit` writes them.
#[derive(Debug, Clone)]
struct Store {
    limits: Limits,
    sessions: HashMap<String, StoredSession>,
    applied: HashSet<String>,
    figures: Figures,
}

impl Store {
    /// Rows stored before, with their statistics.
    fn new(rows: &[StoredSession], limits: Limits) -> Store {
        let sessions = rows.iter().map(|s| (s.id.clone(), s.clone())).collect();
        let mut store =
            Store { limits, sessions, applied: HashSet::new(), figures: Figures::default() };
        store.figures = store.recomputed();
        store
    }

    /// One `/api/sync` request: read, plan, commit.
    fn sync(&mut self, ops: &[SyncOp]) -> Plan {
        let known = Known {
            active: active_by_device(&self.sessions),
            sessions: self.sessions.clone(),
            applied_ops: self.applied.clone(),
        };
        let (plan, after) = plan(ops, known, UnixMillis(NOW), self.limits, Logging::OpLog);
        self.commit(&plan);
        assert_eq!(after, self.sessions, "the rows written are the sessions planned");
        plan
    }

    /// The batch: deletes, updates, inserts (with their own attributed seconds), the
    /// other sessions' attributed seconds, bucket and hour rows, the op log.
    fn commit(&mut self, plan: &Plan) {
        let rows = plan.rows();
        let windows = rows.windows();
        let spans: Vec<Span> = self
            .sessions
            .values()
            .filter_map(StoredSession::span)
            .filter(|s| s.end_ms > s.start_ms)
            .filter(|s| windows.iter().any(|&(from, to)| s.start_ms < to && s.end_ms > from))
            .collect();
        let mut delta = rows.delta(&mut Ledger::new(spans));
        for id in &rows.deleted {
            assert!(self.sessions.remove(*id).is_some(), "delete of a row not there: {id}");
            self.figures.attributed.remove(*id);
        }
        for session in &rows.updated {
            let change = delta.sessions.remove(&session.id).unwrap_or(0);
            *self.figures.attributed.entry(session.id.clone()).or_default() += change;
            assert!(self.sessions.insert(session.id.clone(), (*session).clone()).is_some());
        }
        for session in &rows.inserted {
            let attributed = delta.sessions.remove(&session.id).unwrap_or(0);
            self.figures.attributed.insert(session.id.clone(), attributed);
            assert!(self.sessions.insert(session.id.clone(), (*session).clone()).is_none());
        }
        // `UPDATE … WHERE id IN (…)`: rows not there are not created.
        for (id, change) in &delta.sessions {
            if self.sessions.contains_key(id) {
                *self.figures.attributed.entry(id.clone()).or_default() += change;
            }
        }
        self.figures.add_rows(&delta);
        self.applied.extend(rows.logs.iter().map(|(op_id, _, _)| op_id.to_string()));
    }

    /// The statistics computed from scratch from the sessions stored now.
    fn recomputed(&self) -> Figures {
        let mut spans: Vec<Span> = self.sessions.values().filter_map(StoredSession::span).collect();
        spans.sort_by(|a, b| a.id.cmp(&b.id));
        let mut ledger = Ledger::new(Vec::new());
        let mut delta = LedgerDelta::default();
        for span in &spans {
            ledger.change(None, Some(span), &mut delta);
        }
        let mut figures = Figures { attributed: delta.sessions.clone(), ..Figures::default() };
        figures.add_rows(&delta);
        figures.without_zeros()
    }

    /// The statistics as stored, rows that hold nothing left out.
    fn figures(&self) -> Figures {
        self.figures.without_zeros()
    }
}

/// `op` on another repository.
fn elsewhere(op: SyncOp) -> SyncOp {
    SyncOp { repo_name: Some("world".into()), ..op }
}

#[test]
fn deleting_an_overlapping_session_leaves_the_statistics_of_never_having_had_it() {
    let t = NOW - 3 * HOUR;
    let a = [on(LAPTOP, start(1, 1, t)), on(LAPTOP, end(2, 1, t + 60 * MIN))];
    let b = [
        on(DESKTOP, elsewhere(start(3, 2, t + 15 * MIN + 7000))),
        on(DESKTOP, end(4, 2, t + 45 * MIN)),
    ];
    let mut with_b = Store::new(&[], Limits::default());
    with_b.sync(&a);
    with_b.sync(&b);
    let overlap = 30 * 60 - 7;
    assert_eq!(with_b.figures.attributed[&id(1)], 60 * 60 - overlap, "B owns the overlap");
    // Deleted from the laptop, although the desktop recorded it.
    let deleted = with_b.sync(&[on(LAPTOP, delete(5, 2))]);
    assert_eq!(statuses(&deleted), [OpStatus::Applied]);
    let mut only_a = Store::new(&[], Limits::default());
    only_a.sync(&a);
    assert_eq!(with_b.figures(), only_a.figures());
    assert_eq!(with_b.figures(), with_b.recomputed());
    assert_eq!(with_b.figures.attributed[&id(1)], 60 * 60, "A has its overlapped seconds back");
    assert!(!with_b.sessions.contains_key(&id(2)));
}

#[test]
fn deleting_the_session_underneath_keeps_the_later_ones_time() {
    let t = NOW - 3 * HOUR;
    let mut store = Store::new(&[], Limits::default());
    store.sync(&[
        on(LAPTOP, start(1, 1, t)),
        on(DESKTOP, elsewhere(start(2, 2, t + 10 * MIN))),
        on(LAPTOP, end(3, 1, t + 60 * MIN)),
        on(DESKTOP, end(4, 2, t + 20 * MIN)),
    ]);
    store.sync(&[delete(5, 1)]);
    assert_eq!(store.figures(), store.recomputed());
    assert_eq!(store.figures().attributed, BTreeMap::from([(id(2), 10 * 60)]));
    let seconds: i64 = store.figures().hours.values().map(|h| h.0).sum();
    assert_eq!(seconds, 10 * 60);
}

#[test]
fn deleting_twice_changes_nothing_and_a_replayed_delete_is_a_duplicate() {
    let t = NOW - 3 * HOUR;
    let mut store = Store::new(&[], Limits::default());
    store.sync(&[start(1, 1, t), end(2, 1, t + 20 * MIN)]);
    let first = store.sync(&[delete(3, 1)]);
    assert!(matches!(first.writes.as_slice(), [Write::Delete(_), Write::Log { .. }]));
    let after = store.clone();
    // Another delete of it: applied, only logged (so its replay is a duplicate).
    let again = store.sync(&[delete(4, 1)]);
    assert_eq!(statuses(&again), [OpStatus::Applied]);
    assert!(matches!(again.writes.as_slice(), [Write::Log { .. }]), "{:?}", again.writes);
    let replay = store.sync(&[delete(3, 1), delete(4, 1)]);
    assert_eq!(statuses(&replay), [OpStatus::Duplicate, OpStatus::Duplicate]);
    assert!(replay.writes.is_empty());
    assert_eq!((store.figures(), &store.sessions), (after.figures(), &after.sessions));
    assert!(store.figures().buckets.is_empty() && store.figures().hours.is_empty());
}

#[test]
fn a_rest_delete_of_a_missing_session_writes_nothing() {
    let unlogged = |known| {
        let ops = [SyncOp { op_id: String::new(), ..delete(1, 7) }];
        plan(&ops, known, UnixMillis(NOW), Limits::default(), Logging::Unlogged)
    };
    let (missing, _) = unlogged(Known::default());
    assert_eq!(statuses(&missing), [OpStatus::Applied]);
    assert!(missing.writes.is_empty());
    assert!(!missing.rows().touch_ledger());
    let stored = stored(7, LAPTOP, NOW - HOUR, Some(NOW - 50 * MIN), SessionStatus::Completed);
    let (there, sessions) = unlogged(known_of(std::slice::from_ref(&stored)));
    assert_eq!(there.writes, [Write::Delete(stored)]);
    assert!(sessions.is_empty());
    let rows = there.rows();
    assert_eq!(rows.deleted, [id(7).as_str()]);
    assert!(rows.updated.is_empty() && rows.inserted.is_empty() && rows.touch_ledger());
}

#[test]
fn a_running_session_may_be_deleted_from_any_device_and_its_device_then_finds_nothing() {
    let t = NOW - HOUR;
    let running = stored(1, LAPTOP, t, None, SessionStatus::Active);
    let mut store = Store::new(std::slice::from_ref(&running), Limits::default());
    let deleted = store.sync(&[on(DESKTOP, delete(1, 1))]);
    assert_eq!(deleted.writes[0], Write::Delete(running));
    assert!(deleted.rows().windows().is_empty(), "a running session has no time to remove");
    let later = store.sync(&[
        on(LAPTOP, heartbeat(2, 1, t + 5 * MIN)),
        on(LAPTOP, end(3, 1, t + 10 * MIN)),
        // The laptop's next session: nothing of the deleted one is ended by it.
        on(LAPTOP, start(4, 2, t + 11 * MIN)),
    ]);
    assert_eq!(codes(&later), [Some(ErrorCode::NotFound), Some(ErrorCode::NotFound), None]);
    assert!(ends(&later).is_empty());
    assert_eq!(active_by_device(&store.sessions), HashMap::from([(LAPTOP.to_owned(), id(2))]));
}

#[test]
fn a_session_started_and_deleted_in_one_request_leaves_no_row_and_no_time() {
    let t = NOW - 2 * HOUR;
    let mut store = Store::new(&[], Limits::default());
    store.sync(&[on(LAPTOP, start(1, 1, t)), on(LAPTOP, end(2, 1, t + 60 * MIN))]);
    let before = store.clone();
    let plan = store.sync(&[
        on(DESKTOP, elsewhere(start(3, 2, t + 10 * MIN))),
        on(DESKTOP, end(4, 2, t + 30 * MIN)),
        on(DESKTOP, delete(5, 2)),
    ]);
    let rows = plan.rows();
    assert!(rows.inserted.is_empty() && rows.deleted.is_empty() && rows.updated.is_empty());
    assert_eq!((rows.changes.len(), rows.logs.len()), (2, 3));
    assert_eq!(store.figures(), before.figures());
    assert_eq!(store.sessions, before.sessions);
}

#[test]
fn an_id_deleted_then_started_again_is_deleted_then_inserted_afresh() {
    let t = NOW - 2 * HOUR;
    let mut store = Store::new(&[], Limits::default());
    store.sync(&[on(LAPTOP, start(1, 1, t)), on(LAPTOP, end(2, 1, t + 60 * MIN))]);
    store.sync(&[on(DESKTOP, start(3, 2, t + 30 * MIN)), on(DESKTOP, end(4, 2, t + 90 * MIN))]);
    let plan = store.sync(&[
        delete(5, 2),
        on(DESKTOP, elsewhere(start(6, 2, t + 5 * MIN))),
        on(DESKTOP, end(7, 2, t + 15 * MIN)),
    ]);
    assert_eq!(statuses(&plan), vec![OpStatus::Applied; 3]);
    let rows = plan.rows();
    assert_eq!(rows.deleted, [id(2).as_str()]);
    assert_eq!(rows.inserted.iter().map(|s| s.repo_name.as_str()).collect::<Vec<_>>(), ["world"]);
    assert_eq!(store.figures(), store.recomputed());
    assert_eq!(store.figures().attributed[&id(2)], 10 * 60, "only the new session's time");
}

#[test]
fn a_delete_takes_no_fields_but_its_ids() {
    let mut with_time = delete(1, 1);
    with_time.end_time = Some(UnixMillis(NOW).to_rfc3339());
    let mut with_repo = delete(2, 1);
    with_repo.repo_owner = Some("octo".into());
    let mut bad_device = delete(3, 1);
    bad_device.device_id = Some("laptop".into());
    let mut bad_session = delete(4, 1);
    bad_session.session_id = "one".into();
    let (plan, _) = sync(&[with_time, with_repo, bad_device, bad_session], Known::default());
    assert_eq!(codes(&plan), vec![Some(ErrorCode::ValidationFailed); 4]);
    assert!(plan.writes.is_empty());
}

#[test]
fn deletes_alone_need_no_window_around_their_times() {
    let ops = [delete(1, 1), heartbeat(2, 2, NOW - HOUR)];
    assert_eq!(window_around(&ops, UnixMillis(NOW), Limits::default()), None);
    let max = Limits::default().max_session_ms;
    let mixed = [delete(1, 1), start(3, 3, NOW - HOUR)];
    assert_eq!(
        window_around(&mixed, UnixMillis(NOW), Limits::default()),
        Some((NOW - HOUR - max, NOW - HOUR + max))
    );
}

proptest! {
    /// Whatever requests a user's devices send — starts, ends, heartbeats and deletes, of
    /// sessions there or not, split into requests anywhere — the statistics written equal
    /// those recomputed from the sessions left: a deleted session leaves no trace.
    #[test]
    fn with_deletes_the_statistics_always_equal_a_recomputation(
        ops in prop::collection::vec(op_from_several_devices(), 0..40),
        cuts in prop::collection::vec(0usize..40, 0..6),
    ) {
        let mut store = Store::new(&seed(), short_limits());
        let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c < ops.len()).collect();
        cuts.extend([0, ops.len()]);
        cuts.sort_unstable();
        cuts.dedup();
        for pair in cuts.windows(2) {
            store.sync(&ops[pair[0]..pair[1]]);
            prop_assert_eq!(store.figures(), store.recomputed());
        }
    }
}
