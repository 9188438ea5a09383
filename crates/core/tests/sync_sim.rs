//! Seeded simulation of the sync engine against a model server over a faulty network.
//!
//! Each seed draws a workload (sessions started, ended and kept alive over simulated
//! hours, with offline periods), a clock skew of up to ±10 minutes between client and
//! server, fault rates, and token lifetimes. The network drops requests, answers 5xx and
//! 429, times out, loses replies after the server committed, delivers a request twice,
//! garbles answers, and fails part-way through a batch; the server revokes tokens; the
//! client is killed and restored from its snapshot at random points, also while a
//! request is in flight. Then the network heals and the driver keeps the 15-minute alarm
//! running until the queue is empty.
//!
//! The model server mirrors the worker's `/api/sync` (per-user op_id dedup, one op
//! after the other, the `worktime_core::sessions::decide_*` rules) and `/auth/refresh`.
//!
//! Clock skew: the real server refuses client times more than 5 minutes ahead of ITS
//! clock. A client clock more than 5 minutes fast therefore gets its fresh starts
//! rejected; the engine does not estimate the server's clock (it must not depend on it)
//! and records such rejections like any other. The model server enforces the rule when
//! the seed's skew is at most +4 minutes (where it must never trigger) and only records
//! future times above that, so every seed can check that nothing is lost.
//! `fast_clocks_get_rejections_that_are_recorded_not_retried` runs the strict rule with
//! +10 minutes.
//!
//! Run more seeds with `WORKTIME_SIM_SEEDS=100000 cargo test -p worktime-core --test sync_sim`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

use worktime_api::auth::{AuthResponse, User};
use worktime_api::sessions::SessionStatus;
use worktime_api::sync::{OpResult, OpStatus, OpType, SyncOp, SyncRequest, SyncResponse, MAX_OPS};
use worktime_api::{paths, ErrorBody, ErrorCode, ErrorDetail};
use worktime_core::client::{
    implicit_end_op_id, Engine, EngineConfig, Outcome, StartInput, SyncReason, SyncState, Transmit,
};
use worktime_core::sessions::{
    decide_end, decide_heartbeat, decide_start, EndDecision, NewStart, StartDecision, StoredSession,
};
use worktime_core::time::UnixMillis;
use worktime_core::validate;

const SEC: i64 = 1_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
const T_START: i64 = 1_795_000_000_000;
const DEFAULT_SEEDS: u64 = 1_000;

// ---------------------------------------------------------------------------------------
// Randomness

/// splitmix64: small, seedable, good enough for a simulation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo) as u64 + 1)) as i64
    }

    fn chance(&mut self, per_mille: u32) -> bool {
        self.next() % 1000 < u64::from(per_mille)
    }
}

// ---------------------------------------------------------------------------------------
// The model server

struct Server {
    now: i64,
    /// Refuse client times more than 5 minutes ahead of `now`, like the worker.
    enforce_future: bool,
    tokens: HashMap<String, i64>,
    next_token: u64,
    /// Op ids applied (the worker's `sync_ops` table).
    seen: HashSet<String>,
    applied: HashMap<String, u32>,
    rejected: HashMap<String, Vec<ErrorDetail>>,
    sessions: BTreeMap<String, StoredSession>,
    /// Op ids in the order they were applied.
    log: Vec<String>,
    duplicates: u64,
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serializes")
}

fn error(code: ErrorCode, message: &str) -> (u16, String) {
    (code.http_status(), json(&ErrorBody::new(code, message)))
}

impl Server {
    fn new(enforce_future: bool) -> Server {
        Server {
            now: T_START,
            enforce_future,
            tokens: HashMap::new(),
            next_token: 0,
            seen: HashSet::new(),
            applied: HashMap::new(),
            rejected: HashMap::new(),
            sessions: BTreeMap::new(),
            log: Vec::new(),
            duplicates: 0,
        }
    }

    fn issue(&mut self, lifetime: i64) -> (String, i64) {
        self.next_token += 1;
        let jwt = format!("jwt-{}", self.next_token);
        let expires = self.now + lifetime;
        self.tokens.insert(jwt.clone(), expires);
        (jwt, expires)
    }

    fn authorized(&self, bearer: Option<&str>) -> bool {
        bearer.and_then(|jwt| self.tokens.get(jwt)).is_some_and(|expires| self.now < *expires)
    }

    fn handle(
        &mut self,
        transmit: &Transmit,
        fail_after: Option<usize>,
        max_ops: usize,
    ) -> (u16, String) {
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
        let mut results = Vec::new();
        for (index, op) in request.ops.iter().enumerate() {
            if fail_after == Some(index) {
                return error(ErrorCode::Unavailable, "The database went away.");
            }
            let status = if self.seen.contains(&op.op_id) {
                self.duplicates += 1;
                OpResult { op_id: op.op_id.clone(), status: OpStatus::Duplicate, error: None }
            } else {
                match self.apply(op) {
                    Ok(()) => {
                        self.seen.insert(op.op_id.clone());
                        *self.applied.entry(op.op_id.clone()).or_default() += 1;
                        self.log.push(op.op_id.clone());
                        OpResult { op_id: op.op_id.clone(), status: OpStatus::Applied, error: None }
                    }
                    Err(detail) => {
                        self.rejected.entry(op.op_id.clone()).or_default().push(detail.clone());
                        OpResult {
                            op_id: op.op_id.clone(),
                            status: OpStatus::Rejected,
                            error: Some(detail),
                        }
                    }
                }
            };
            results.push(status);
        }
        (200, json(&SyncResponse { results }))
    }

    fn time(&self, text: Option<&str>, field: &str) -> Result<i64, ErrorDetail> {
        let reject = |message: String| ErrorDetail { code: ErrorCode::ValidationFailed, message };
        let text =
            text.ok_or_else(|| reject(format!("the simulated client always sends {field}")))?;
        if self.enforce_future {
            return validate::client_time(Some(text), field, UnixMillis(self.now))
                .map(|time| time.0)
                .map_err(|violation| reject(violation.message));
        }
        let time = UnixMillis::parse_rfc3339(text)
            .ok_or_else(|| reject(format!("{field} is not RFC 3339")))?;
        Ok(validate::truncate_to_second(time).0)
    }

    fn apply(&mut self, op: &SyncOp) -> Result<(), ErrorDetail> {
        let not_found =
            || ErrorDetail { code: ErrorCode::NotFound, message: "No such session.".into() };
        let id = validate::uuid(&op.session_id, "session_id")
            .map_err(|v| ErrorDetail { code: v.code, message: v.message })?;
        match op.op_type {
            OpType::Start => {
                let start = NewStart {
                    id: id.clone(),
                    repo_owner: op.repo_owner.clone().unwrap_or_default(),
                    repo_name: op.repo_name.clone().unwrap_or_default(),
                    pr_number: op.pr_number.unwrap_or_default(),
                    start_ms: self.time(op.start_time.as_deref(), "start_time")?,
                    start_given: true,
                    tz_offset_minutes: op.tz_offset_minutes,
                };
                let existing = self.sessions.get(&id).cloned();
                let active = match existing {
                    Some(_) => None,
                    None => {
                        self.sessions.values().find(|s| s.status == SessionStatus::Active).cloned()
                    }
                };
                match decide_start(start, existing.as_ref(), active.as_ref()) {
                    StartDecision::Replay(_) => {}
                    StartDecision::Conflict => {
                        return Err(ErrorDetail {
                            code: ErrorCode::Conflict,
                            message: "Id reused.".into(),
                        })
                    }
                    StartDecision::Create { session, end_previous } => {
                        if let Some(ending) = end_previous {
                            self.sessions.insert(ending.session.id.clone(), ending.session);
                        }
                        self.sessions.insert(id, session);
                    }
                }
            }
            OpType::End => {
                let session = self.sessions.get(&id).cloned().ok_or_else(not_found)?;
                match decide_end(&session, self.time(op.end_time.as_deref(), "end_time")?) {
                    EndDecision::AlreadyEnded(_) => {}
                    EndDecision::EndBeforeStart => {
                        return Err(ErrorDetail {
                            code: ErrorCode::ValidationFailed,
                            message: "End before start.".into(),
                        })
                    }
                    EndDecision::End(ending) => {
                        self.sessions.insert(id, ending.session);
                    }
                }
            }
            OpType::Heartbeat => {
                let session = self.sessions.get(&id).cloned().ok_or_else(not_found)?;
                if let Some(updated) =
                    decide_heartbeat(&session, self.time(op.at.as_deref(), "at")?)
                {
                    self.sessions.insert(id, updated);
                }
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Faults and the driver

/// Per-mille rates, drawn per seed (some seeds are calm, some stormy).
struct Faults {
    drop: u32,
    timeout_before: u32,
    unavailable: u32,
    rate_limited: u32,
    revoke: u32,
    partial: u32,
    lost_reply: u32,
    timeout_after: u32,
    duplicate_delivery: u32,
    garbled: u32,
    kill: u32,
    /// Requests with more ops than this get 413 (a body limit).
    max_ops: usize,
}

impl Faults {
    fn draw(rng: &mut Rng) -> Faults {
        let mut rate = |max: i64| rng.range(0, max) as u32;
        Faults {
            drop: rate(150),
            timeout_before: rate(60),
            unavailable: rate(100),
            rate_limited: rate(80),
            revoke: rate(15),
            partial: rate(60),
            lost_reply: rate(80),
            timeout_after: rate(60),
            duplicate_delivery: rate(60),
            garbled: rate(40),
            kill: rate(60),
            max_ops: if rng.chance(300) { rng.range(3, 40) as usize } else { usize::MAX },
        }
    }
}

/// How often each fault and path occurred, by name, to prove the seeds exercise them.
#[derive(Debug, Default)]
struct Counts(BTreeMap<&'static str, u64>);

impl Counts {
    fn bump(&mut self, what: &'static str) {
        *self.0.entry(what).or_default() += 1;
    }

    fn add(&mut self, other: &Counts) {
        for (what, n) in &other.0 {
            *self.0.entry(what).or_default() += n;
        }
    }
}

/// What every default run must have exercised at least once.
const COVERED: &[&str] = &[
    "request",
    "offline",
    "dropped",
    "timeout",
    "unavailable",
    "rate_limited",
    "revoked",
    "partial",
    "lost_reply",
    "delivered_twice",
    "garbled",
    "too_large",
    "unauthorized",
    "refresh",
    "kill",
    "kill_in_flight",
    "sign_in",
    "round_given_up",
    "duplicate",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Start,
    End,
    Heartbeat,
}

struct Generated {
    session_id: String,
    kind: Kind,
    seq: u64,
}

struct Pending {
    at: i64,
    id: u64,
    outcome: Outcome,
}

struct Sim {
    seed: u64,
    rng: Rng,
    t: i64,
    skew: i64,
    engine: Engine,
    server: Server,
    faults: Faults,
    healed: bool,
    offline: Vec<(i64, i64)>,
    pending: Option<Pending>,
    next_action: i64,
    workload_end: i64,
    next_alarm: i64,
    sign_in_at: Option<i64>,
    ids: u64,
    seq: u64,
    generated: HashMap<String, Generated>,
    started: Vec<String>,
    steps: u64,
    counts: Counts,
    had_failed: bool,
}

impl Sim {
    fn new(seed: u64, skew: Option<i64>, enforce: Option<bool>) -> Sim {
        let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed);
        let skew = skew.unwrap_or_else(|| rng.range(-10 * MIN, 10 * MIN));
        let enforce_future = enforce.unwrap_or(skew <= 4 * MIN);
        let faults = Faults::draw(&mut rng);
        let duration = rng.range(HOUR, 5 * HOUR);
        let mut offline = Vec::new();
        for _ in 0..rng.range(0, 3) {
            let from = T_START + rng.range(0, duration);
            offline.push((from, from + rng.range(5 * MIN, 90 * MIN)));
        }
        let mut sim = Sim {
            seed,
            t: T_START,
            skew,
            engine: Engine::new(EngineConfig::default()),
            server: Server::new(enforce_future),
            faults,
            healed: false,
            offline,
            pending: None,
            next_action: T_START + rng.range(0, 5 * MIN),
            workload_end: T_START + duration,
            next_alarm: T_START + rng.range(0, 15 * MIN),
            sign_in_at: None,
            ids: 0,
            seq: 0,
            generated: HashMap::new(),
            started: Vec::new(),
            steps: 0,
            counts: Counts::default(),
            had_failed: false,
            rng,
        };
        if sim.rng.chance(800) {
            let lifetime = sim.rng.range(20 * MIN, 8 * DAY);
            sim.sign_in(lifetime);
        } else {
            sim.sign_in_at = Some(T_START + sim.rng.range(0, HOUR));
        }
        sim
    }

    fn client_now(&self) -> UnixMillis {
        UnixMillis(self.t + self.skew)
    }

    fn uuid(&mut self) -> String {
        self.ids += 1;
        format!("{:08x}-0000-4000-8000-{:012x}", self.seed as u32, self.ids)
    }

    fn record(&mut self, op_id: String, session_id: String, kind: Kind) {
        self.seq += 1;
        self.generated.insert(op_id, Generated { session_id, kind, seq: self.seq });
    }

    fn sign_in(&mut self, lifetime: i64) {
        self.counts.bump("sign_in");
        self.server.now = self.t;
        let (jwt, expires) = self.server.issue(lifetime);
        let user = User { id: 1, username: "sim".into(), avatar_url: None };
        self.engine.set_token(jwt, UnixMillis(expires), user);
        self.engine.request_sync(self.client_now(), SyncReason::SignIn);
    }

    /// One user action of the workload.
    fn act(&mut self) {
        let now = self.client_now();
        let active = self.engine.active_session();
        let roll = self.rng.range(0, 99);
        let can_start = self.started.len() < 90;
        let op_id = self.uuid();
        match active {
            Some(session) if roll < 65 => {
                self.engine.heartbeat(now, op_id.clone()).expect("heartbeat");
                self.record(op_id, session.session_id, Kind::Heartbeat);
            }
            Some(session) if roll < 85 || !can_start => {
                self.engine.end_session(now, op_id.clone()).expect("end");
                self.record(op_id, session.session_id, Kind::End);
            }
            None if roll >= 70 || !can_start => {}
            previous => {
                let session_id = self.uuid();
                if let Some(previous) = previous {
                    self.record(implicit_end_op_id(&op_id), previous.session_id, Kind::End);
                }
                let input = StartInput {
                    session_id: session_id.clone(),
                    op_id: op_id.clone(),
                    repo_owner: "octo".into(),
                    repo_name: format!("repo-{}", self.rng.range(1, 4)),
                    pr_number: self.rng.range(1, 500),
                    tz_offset_minutes: Some(self.rng.range(-12, 14) as i32 * 60),
                };
                self.engine.start_session(now, input).expect("start");
                self.record(op_id, session_id.clone(), Kind::Start);
                self.started.push(session_id);
            }
        }
        self.next_action = self.t + self.rng.range(20 * SEC, 8 * MIN);
    }

    fn is_offline(&self) -> bool {
        !self.healed && self.offline.iter().any(|(from, to)| (*from..*to).contains(&self.t))
    }

    /// Performs a request: the network and the server decide what comes back, and when.
    fn send(&mut self, transmit: Transmit) {
        assert!(self.pending.is_none(), "one request at a time");
        self.counts.bump("request");
        if transmit.path == paths::AUTH_REFRESH {
            self.counts.bump("refresh");
        }
        let latency = self.rng.range(20, 1_500);
        let (delay, outcome) = self.fate(&transmit, latency);
        match &outcome {
            Outcome::Http { status: 401, .. } => self.counts.bump("unauthorized"),
            Outcome::Http { status: 413, .. } => self.counts.bump("too_large"),
            _ => {}
        }
        self.pending = Some(Pending { at: self.t + delay, id: transmit.id, outcome });
    }

    fn fate(&mut self, transmit: &Transmit, latency: i64) -> (i64, Outcome) {
        let network_error = || Outcome::NetworkError("Failed to fetch".into());
        if self.is_offline() {
            self.counts.bump("offline");
            return if self.rng.chance(300) {
                (10 * SEC, Outcome::Timeout)
            } else {
                (latency / 10, network_error())
            };
        }
        let calm = self.healed;
        let fault = |rate: u32, what: &'static str, sim: &mut Sim| {
            let hit = !calm && sim.rng.chance(rate);
            if hit {
                sim.counts.bump(what);
            }
            hit
        };
        if fault(self.faults.drop, "dropped", self) {
            return (latency / 2, network_error());
        }
        if fault(self.faults.timeout_before, "timeout", self) {
            return (10 * SEC, Outcome::Timeout);
        }
        if fault(self.faults.unavailable, "unavailable", self) {
            let (status, body) = error(ErrorCode::Unavailable, "Try later.");
            return (latency, Outcome::Http { status, retry_after_seconds: None, body });
        }
        if fault(self.faults.rate_limited, "rate_limited", self) {
            let (status, body) = error(ErrorCode::RateLimited, "Slow down.");
            let retry_after =
                if self.rng.chance(500) { Some(self.rng.range(1, 5) as u32) } else { None };
            return (latency, Outcome::Http { status, retry_after_seconds: retry_after, body });
        }
        if fault(self.faults.revoke, "revoked", self) {
            if let Some(jwt) = &transmit.bearer {
                self.server.tokens.remove(jwt);
            }
        }
        let ops = transmit.body.as_deref().map_or(0, |b| b.matches("\"op_id\"").count()) as i64;
        let fail_after = if ops > 0 && fault(self.faults.partial, "partial", self) {
            Some(self.rng.range(0, ops - 1) as usize)
        } else {
            None
        };
        self.server.now = self.t;
        let max_ops = self.faults.max_ops;
        let (mut status, mut body) = self.server.handle(transmit, fail_after, max_ops);
        if fault(self.faults.duplicate_delivery, "delivered_twice", self) {
            (status, body) = self.server.handle(transmit, None, max_ops);
        }
        if fault(self.faults.lost_reply, "lost_reply", self) {
            return (latency, network_error());
        }
        if fault(self.faults.timeout_after, "timeout", self) {
            return (10 * SEC, Outcome::Timeout);
        }
        if status == 200 && fault(self.faults.garbled, "garbled", self) {
            body = if self.rng.chance(500) {
                "<html>proxy</html>".into()
            } else {
                r#"{"results":[]}"#.into()
            };
        }
        (latency, Outcome::Http { status, retry_after_seconds: None, body })
    }

    /// The call rule: drain `poll_transmit` (persisting is modelled by `kill`, which
    /// restores the state as of the last call); then the user signs in when asked.
    fn pump(&mut self) {
        while let Some(transmit) = self.engine.poll_transmit(self.client_now()) {
            self.send(transmit);
        }
        let status = self.engine.status(self.client_now());
        if status.failed_count > 0 && !self.had_failed {
            self.counts.bump("round_given_up");
        }
        self.had_failed = status.failed_count > 0;
        if status.sign_in_needed && self.sign_in_at.is_none() {
            let wait = if self.healed {
                self.rng.range(MIN, 10 * MIN)
            } else {
                self.rng.range(2 * MIN, HOUR)
            };
            self.sign_in_at = Some(self.t + wait);
        }
    }

    /// The service worker dies: the engine comes back from its snapshot, and the answer
    /// to a request in flight is never heard (the server may have applied it). The
    /// snapshot taken here is the one the shell persisted after the last call: the call
    /// rule persists after every call, and nothing changes in between.
    fn kill(&mut self) {
        self.counts.bump("kill");
        if self.pending.is_some() {
            self.counts.bump("kill_in_flight");
        }
        let snapshot = self.engine.snapshot();
        self.engine = Engine::restore(&snapshot).expect("restores");
        assert_eq!(self.engine.snapshot(), snapshot, "a restored engine snapshots the same");
        self.pending = None;
    }

    /// Advances to the next event and handles it. Returns false when the run is over.
    fn step(&mut self) -> bool {
        self.steps += 1;
        let deadline = self.engine.poll_timeout().map(|at| at.0 - self.skew);
        let workload = (!self.healed).then_some(self.next_action.min(self.workload_end));
        let candidates = [
            self.pending.as_ref().map(|p| p.at),
            deadline,
            Some(self.next_alarm),
            self.sign_in_at,
            workload,
        ];
        let Some((which, at)) = candidates
            .iter()
            .enumerate()
            .filter_map(|(i, at)| at.map(|at| (i, at)))
            .min_by_key(|(i, at)| (*at, *i))
        else {
            return false;
        };
        self.t = self.t.max(at);
        let now = self.client_now();
        match which {
            0 => {
                let pending = self.pending.take().expect("pending");
                self.engine.handle_response(now, pending.id, pending.outcome);
            }
            1 => self.engine.handle_timeout(now),
            2 => {
                self.next_alarm = self.t + 15 * MIN;
                self.engine.request_sync(now, SyncReason::Periodic);
            }
            3 => {
                self.sign_in_at = None;
                if !self.engine.status(now).signed_in {
                    let lifetime = self.rng.range(2 * HOUR, 8 * DAY);
                    self.sign_in(lifetime);
                }
            }
            _ if self.t >= self.workload_end => {
                self.healed = true;
                self.engine.request_sync(now, SyncReason::Reconnect);
            }
            _ => self.act(),
        }
        self.pump();
        if !self.healed && self.rng.chance(self.faults.kill) {
            self.kill();
            self.pump();
        }
        let done = self.healed
            && self.pending.is_none()
            && self.engine.status(self.client_now()).pending_count == 0;
        !done
    }

    fn finish(mut self) -> Counts {
        for _ in 0..self.server.duplicates {
            self.counts.bump("duplicate");
        }
        for _ in 0..self.server.rejected.len() {
            self.counts.bump("rejected");
        }
        self.counts
    }

    fn run(&mut self) -> Result<(), String> {
        while self.step() {
            if self.steps > 100_000 {
                return Err(format!("no convergence after {} steps", self.steps));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Checks

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// Every op applied at most once, starts and ends exactly once, in per-session order.
fn check_applications(sim: &Sim, strict: bool) -> Result<(), String> {
    for (op_id, count) in &sim.server.applied {
        ensure!(sim.generated.contains_key(op_id), "the server applied an unknown op {op_id}");
        ensure!(*count == 1, "op {op_id} applied {count} times");
    }
    if strict {
        for (op_id, op) in &sim.generated {
            if op.kind != Kind::Heartbeat {
                ensure!(sim.server.applied.contains_key(op_id), "start/end {op_id} never applied");
            }
        }
    }
    let mut last_seq: HashMap<&str, u64> = HashMap::new();
    for op_id in &sim.server.log {
        let op = &sim.generated[op_id];
        let last = last_seq.entry(op.session_id.as_str()).or_default();
        ensure!(op.seq > *last, "op {op_id} applied out of order in session {}", op.session_id);
        *last = op.seq;
    }
    Ok(())
}

/// The server's sessions equal the client's history (for synced sessions when `strict`
/// is off).
fn check_sessions(sim: &Sim, strict: bool) -> Result<(), String> {
    let history = sim.engine.history(1_000, 0);
    ensure!(
        history.len() == sim.started.len(),
        "history has {} of {} sessions",
        history.len(),
        sim.started.len()
    );
    for local in &history {
        let server = sim.server.sessions.get(&local.session_id);
        if !strict && local.sync_state == SyncState::Rejected {
            continue;
        }
        ensure!(
            local.sync_state == SyncState::Synced,
            "session {} is {:?}",
            local.session_id,
            local.sync_state
        );
        let Some(server) = server else {
            return Err(format!("session {} missing on the server", local.session_id));
        };
        ensure!(
            (server.start_ms, server.end_ms) == (local.start_ms, local.end_ms),
            "session {}: server {:?}-{:?}, client {}-{:?}",
            local.session_id,
            server.start_ms,
            server.end_ms,
            local.start_ms,
            local.end_ms
        );
        // The newest heartbeat of a running session is never dropped; an end may drop
        // older ones (the end fixes the duration).
        let beat_ok = match local.end_ms {
            None => server.last_heartbeat_ms == local.last_heartbeat_ms,
            Some(_) => server.last_heartbeat_ms <= local.last_heartbeat_ms,
        };
        ensure!(beat_ok, "session {}: last heartbeat differs", local.session_id);
        ensure!(
            (server.status == SessionStatus::Active) == local.end_ms.is_none(),
            "status of {}",
            local.session_id
        );
    }
    if strict {
        ensure!(sim.server.sessions.len() == history.len(), "the server has extra sessions");
    }
    Ok(())
}

fn check_drained(sim: &Sim) -> Result<(), String> {
    let status = sim.engine.status(sim.client_now());
    ensure!(status.pending_count == 0, "{} ops still queued", status.pending_count);
    ensure!(status.failed_count == 0 && status.failed_items.is_empty(), "failed items left");
    ensure!(!status.round_active, "a round is still running");
    Ok(())
}

fn run_seed(seed: u64) -> Result<Counts, String> {
    let mut sim = Sim::new(seed, None, None);
    sim.run()?;
    check_drained(&sim)?;
    let status = sim.engine.status(sim.client_now());
    ensure!(status.rejected_items.is_empty(), "rejections: {:?}", status.rejected_items);
    ensure!(sim.server.rejected.is_empty(), "the server rejected ops");
    check_applications(&sim, true)?;
    check_sessions(&sim, true)?;
    Ok(sim.finish())
}

fn run_fast_clock_seed(seed: u64) -> Result<Counts, String> {
    let mut sim = Sim::new(seed, Some(10 * MIN), Some(true));
    sim.run()?;
    check_drained(&sim)?;
    let status = sim.engine.status(sim.client_now());
    for item in &status.rejected_items {
        let future = item.message.contains("future");
        ensure!(future || item.code == ErrorCode::NotFound, "unexpected rejection {item:?}");
    }
    let rejected_ops = sim.server.rejected.len();
    ensure!(rejected_ops == 0 || !status.rejected_items.is_empty(), "rejections not recorded");
    check_applications(&sim, false)?;
    check_sessions(&sim, false)?;
    Ok(sim.finish())
}

/// Runs the seeds; reports every failing seed, and returns what the seeds exercised.
fn run_seeds(seeds: impl Iterator<Item = u64>, run: fn(u64) -> Result<Counts, String>) -> Counts {
    let mut failures = Vec::new();
    let mut total = Counts::default();
    for seed in seeds {
        let result = catch_unwind(AssertUnwindSafe(|| run(seed))).unwrap_or_else(|panic| {
            let message = panic.downcast_ref::<String>().cloned();
            let message = message.or_else(|| panic.downcast_ref::<&str>().map(|m| m.to_string()));
            Err(format!("panicked: {}", message.unwrap_or_default()))
        });
        match result {
            Ok(counts) => total.add(&counts),
            Err(message) => {
                eprintln!("sync_sim: seed {seed} failed: {message}");
                failures.push(seed);
            }
        }
    }
    assert!(failures.is_empty(), "failing seeds: {failures:?}");
    if std::env::var_os("WORKTIME_SIM_STATS").is_some() {
        eprintln!("sync_sim: {:?}", total.0);
    }
    total
}

fn seed_count() -> u64 {
    std::env::var("WORKTIME_SIM_SEEDS").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_SEEDS)
}

#[test]
fn every_op_is_applied_exactly_once_whatever_the_network_does() {
    let seeds = seed_count();
    let counts = run_seeds(0..seeds, run_seed);
    if seeds >= DEFAULT_SEEDS {
        let missing: Vec<_> = COVERED.iter().filter(|what| !counts.0.contains_key(*what)).collect();
        assert!(missing.is_empty(), "the seeds never exercised {missing:?}");
    }
}

#[test]
fn fast_clocks_get_rejections_that_are_recorded_not_retried() {
    let counts = run_seeds(1_000_000..1_000_000 + seed_count() / 10, run_fast_clock_seed);
    assert!(counts.0.contains_key("rejected"), "a fast clock never got a rejection");
}
