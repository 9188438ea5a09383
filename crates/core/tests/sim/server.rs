//! The model server: the worker's `/api/sync` and `/auth/refresh` for one user, its
//! abandon job, and its materialized statistics, kept in memory.
//!
//! A sync request is handled the way the worker does it: read the rows the request
//! names (`sync_plan::referenced_ids` / `referenced_devices`, each named device's active
//! session, the op ids applied before), decide the whole request with
//! `sync_plan::plan`, then commit its writes together with the statistics: one
//! `overlap::Ledger` over the ended sessions around the windows the writes change, and
//! the resulting `LedgerDelta` added to the per-session attributed seconds and the
//! per-(15-minute bucket, repository) rows, as UPSERTs would.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use worktime_api::auth::{AuthResponse, User};
use worktime_api::sessions::SessionStatus;
use worktime_api::sync::{OpResult, OpStatus, SyncOp, SyncRequest, SyncResponse, MAX_OPS};
use worktime_api::{paths, ErrorBody, ErrorCode, ErrorDetail};
use worktime_core::client::Transmit;
use worktime_core::overlap::{Ledger, LedgerDelta, Span};
use worktime_core::sessions::{decide_abandon, Limits, StoredSession};
use worktime_core::sync_plan::{self, Known, Logging, Write};
use worktime_core::time::UnixMillis;

use super::{DAY, MIN, T_START};

/// The worker's `ABANDON_AFTER_MINUTES` default.
pub const ABANDON_AFTER_MS: i64 = 30 * MIN;
/// The abandon job's cron period.
const CRON_MS: i64 = 5 * MIN;

/// Materialized figures, as the database holds them after applying deltas (the shape of
/// `overlap/tests.rs`'s `Figures`): attributed seconds per session, and per bucket row
/// `(seconds, starts, running_in)` keyed by `(bucket_ms, owner, name)` in lowercase.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Figures {
    pub sessions: BTreeMap<String, i64>,
    pub buckets: BTreeMap<(i64, String, String), (i64, i64, i64)>,
}

impl Figures {
    pub fn apply(&mut self, delta: &LedgerDelta) {
        for (id, seconds) in &delta.sessions {
            *self.sessions.entry(id.clone()).or_default() += seconds;
        }
        for (key, change) in &delta.buckets {
            let row = self.buckets.entry(key.clone()).or_default();
            row.0 += change.seconds;
            row.1 += change.starts;
            row.2 += change.running_in;
        }
        self.sessions.retain(|_, seconds| *seconds != 0);
        self.buckets.retain(|_, row| *row != (0, 0, 0));
    }
}

/// How one op id was applied.
#[derive(Debug, Clone)]
pub struct Applied {
    pub count: u32,
    /// The device whose request applied it.
    pub device: usize,
}

/// Who wrote a session row: a device's request, or the abandon job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Writer {
    Device(usize),
    AbandonJob,
}

pub struct Server {
    pub now: i64,
    pub tokens: HashMap<String, i64>,
    next_token: u64,
    /// The `sync_ops` table: op id → how it was applied.
    pub applied: HashMap<String, Applied>,
    pub rejected: HashMap<String, Vec<ErrorDetail>>,
    pub sessions: BTreeMap<String, StoredSession>,
    /// Every writer of each session row.
    pub writers: HashMap<String, BTreeSet<Writer>>,
    /// Op ids in the order they were applied.
    pub log: Vec<String>,
    pub figures: Figures,
    /// The last cron tick the abandon job ran at.
    last_cron: i64,
    pub stats: BTreeMap<&'static str, u64>,
}

pub fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serializes")
}

pub fn error(code: ErrorCode, message: &str) -> (u16, String) {
    (code.http_status(), json(&ErrorBody::new(code, message)))
}

impl Server {
    pub fn new() -> Server {
        Server {
            now: T_START,
            tokens: HashMap::new(),
            next_token: 0,
            applied: HashMap::new(),
            rejected: HashMap::new(),
            sessions: BTreeMap::new(),
            writers: HashMap::new(),
            log: Vec::new(),
            figures: Figures::default(),
            last_cron: T_START,
            stats: BTreeMap::new(),
        }
    }

    fn bump(&mut self, what: &'static str) {
        *self.stats.entry(what).or_default() += 1;
    }

    pub fn issue(&mut self, lifetime: i64) -> (String, i64) {
        self.next_token += 1;
        let jwt = format!("jwt-{}", self.next_token);
        let expires = self.now + lifetime;
        self.tokens.insert(jwt.clone(), expires);
        (jwt, expires)
    }

    fn authorized(&self, bearer: Option<&str>) -> bool {
        bearer.and_then(|jwt| self.tokens.get(jwt)).is_some_and(|expires| self.now < *expires)
    }

    /// One request from `device`. `slack` moves the clock the planner judges client times
    /// by (0: the worker's rule; see the module doc of the test on skew). With
    /// `fail_after = Some(k)` the first `k` ops commit and the request then fails (503).
    pub fn handle(
        &mut self,
        transmit: &Transmit,
        device: usize,
        slack: i64,
        fail_after: Option<usize>,
        max_ops: usize,
    ) -> (u16, String) {
        self.abandon_job();
        if !self.authorized(transmit.bearer.as_deref()) {
            return error(ErrorCode::Unauthorized, "Sign in again.");
        }
        if transmit.path == paths::AUTH_REFRESH {
            let (jwt, expires) = self.issue(7 * DAY);
            let user = User { id: 1, username: "sim".into(), avatar_url: None };
            return (
                200,
                json(&AuthResponse { jwt, expires_at: UnixMillis(expires).to_rfc3339(), user }),
            );
        }
        assert_eq!((transmit.method, transmit.path.as_str()), ("POST", paths::SYNC));
        let Some(request) = transmit
            .body
            .as_deref()
            .and_then(|body| serde_json::from_str::<SyncRequest>(body).ok())
        else {
            return error(ErrorCode::InvalidJson, "Not a sync request.");
        };
        if request.ops.len() > max_ops {
            return error(ErrorCode::PayloadTooLarge, "The body is too large.");
        }
        if request.ops.len() > MAX_OPS {
            return error(ErrorCode::ValidationFailed, "Too many ops.");
        }
        if let Some(k) = fail_after {
            self.sync(&request.ops[..k], device, slack);
            return error(ErrorCode::Unavailable, "The database went away.");
        }
        let results = self.sync(&request.ops, device, slack);
        (200, json(&SyncResponse { results }))
    }

    /// Read, plan, commit: the worker's `/api/sync`.
    fn sync(&mut self, ops: &[SyncOp], device: usize, slack: i64) -> Vec<OpResult> {
        let (op_ids, session_ids) = sync_plan::referenced_ids(ops);
        let mut known = Known::default();
        for id in session_ids {
            if let Some(session) = self.sessions.get(&id) {
                known.sessions.insert(id, session.clone());
            }
        }
        for named in sync_plan::referenced_devices(ops) {
            let active = self
                .sessions
                .values()
                .find(|s| s.device_id == named && s.status == SessionStatus::Active);
            if let Some(active) = active {
                known.active.insert(named, active.id.clone());
                known.sessions.insert(active.id.clone(), active.clone());
            }
        }
        known.applied_ops = op_ids.into_iter().filter(|id| self.applied.contains_key(id)).collect();
        let now = UnixMillis(self.now + slack);
        let (plan, after) = sync_plan::plan(ops, known, now, Limits::default(), Logging::OpLog);
        assert_eq!(plan.results.len(), ops.len(), "one result per op");
        self.commit(&plan.writes, Writer::Device(device));
        for (id, session) in &after {
            assert_eq!(
                self.sessions.get(id),
                Some(session),
                "the plan's sessions differ from its writes for {id}"
            );
        }
        for (op, result) in ops.iter().zip(&plan.results) {
            match result.status {
                OpStatus::Applied => {}
                OpStatus::Duplicate => self.bump("duplicate"),
                OpStatus::Rejected => {
                    let detail = result.error.clone().expect("a rejection has a reason");
                    self.rejected.entry(op.op_id.clone()).or_default().push(detail);
                }
            }
        }
        plan.results
    }

    /// Writes one batch: the rows, the op log, and the statistics' delta.
    fn commit(&mut self, writes: &[Write], writer: Writer) {
        let mut ledger = self.ledger_around(writes);
        let mut delta = LedgerDelta::default();
        for write in writes {
            match write {
                Write::Insert(session) => {
                    assert!(!self.sessions.contains_key(&session.id), "insert over {}", session.id);
                    self.store(session.clone(), writer);
                    let active = self
                        .sessions
                        .values()
                        .filter(|s| s.device_id == session.device_id)
                        .filter(|s| s.status == SessionStatus::Active)
                        .count();
                    assert!(
                        active <= 1,
                        "device {} has {active} active sessions",
                        session.device_id
                    );
                }
                Write::End(ending) => {
                    // The worker's guarded update: applies only to the row as read.
                    assert_eq!(
                        self.sessions.get(&ending.before.id),
                        Some(&ending.before),
                        "an ending planned against a stale row"
                    );
                    if ending.before.status == SessionStatus::Abandoned {
                        self.bump("abandon_corrected");
                    }
                    let (before, after) = (ending.before.span(), ending.session.span());
                    ledger.change(before.as_ref(), after.as_ref(), &mut delta);
                    self.store(ending.session.clone(), writer);
                }
                Write::Delete(session) => {
                    assert_eq!(
                        self.sessions.get(&session.id),
                        Some(session),
                        "a deletion planned against a stale row"
                    );
                    // Its time leaves the statistics; the row goes, its attributed seconds
                    // with it.
                    ledger.change(session.span().as_ref(), None, &mut delta);
                    delta.sessions.remove(&session.id);
                    self.figures.sessions.remove(&session.id);
                    self.sessions.remove(&session.id);
                }
                Write::Heartbeat(session) => {
                    let stored = self.sessions.get(&session.id).expect("heartbeat of a stored row");
                    assert_eq!(stored.end_ms, session.end_ms, "a heartbeat write moved an end");
                    self.store(session.clone(), writer);
                }
                Write::Log { op_id, .. } => {
                    let Writer::Device(device) = writer else { panic!("the job logs no op") };
                    let entry =
                        self.applied.entry(op_id.clone()).or_insert(Applied { count: 0, device });
                    entry.count += 1;
                    self.log.push(op_id.clone());
                }
            }
        }
        self.figures.apply(&delta);
    }

    fn store(&mut self, session: StoredSession, writer: Writer) {
        self.writers.entry(session.id.clone()).or_default().insert(writer);
        self.sessions.insert(session.id.clone(), session);
    }

    /// What the worker reads before writing `writes`: every ended session overlapping
    /// the window (old and new interval) of each session whose end a write sets or moves.
    fn ledger_around(&self, writes: &[Write]) -> Ledger {
        let windows: Vec<(i64, i64)> = writes
            .iter()
            .filter_map(|write| match write {
                Write::End(ending) => Some([ending.before.span(), ending.session.span()]),
                Write::Delete(session) => Some([session.span(), None]),
                _ => None,
            })
            .filter_map(|spans| {
                let from = spans.iter().flatten().map(|s| s.start_ms).min()?;
                let to = spans.iter().flatten().map(|s| s.end_ms).max()?;
                Some((from, to))
            })
            .collect();
        if windows.is_empty() {
            return Ledger::new(Vec::new());
        }
        let spans: Vec<Span> = self
            .sessions
            .values()
            .filter_map(StoredSession::span)
            .filter(|s| s.end_ms > s.start_ms)
            .filter(|s| windows.iter().any(|&(from, to)| s.start_ms < to && s.end_ms > from))
            .collect();
        Ledger::new(spans)
    }

    /// The 5-minute cron job, run lazily: nothing changes between two requests, so every
    /// tick since the last request decides like the latest one (a silent session ends at
    /// its last heartbeat whichever tick abandons it).
    fn abandon_job(&mut self) {
        let tick = self.now - self.now.rem_euclid(CRON_MS);
        if tick <= self.last_cron {
            return;
        }
        self.last_cron = tick;
        let silent: Vec<_> = self
            .sessions
            .values()
            .filter_map(|s| decide_abandon(s, UnixMillis(tick), ABANDON_AFTER_MS))
            .collect();
        for ending in silent {
            self.bump("abandoned");
            self.commit(&[Write::End(ending)], Writer::AbandonJob);
        }
    }
}
