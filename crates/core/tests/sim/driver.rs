//! The driver: three devices of one user, each an `Engine` with its own clock skew,
//! faulty network, schedule (work, idle, asleep) and kills, against one model server.

use std::collections::HashMap;

use worktime_api::auth::User;
use worktime_core::client::{
    implicit_end_op_id, silent_end_op_id, Engine, EngineConfig, Outcome, StartInput, SyncReason,
};
use worktime_core::time::UnixMillis;

use super::server::Server;
use super::{Counts, Rng, DAY, HOUR, MIN, SEC, T_START};

#[path = "driver/network.rs"]
mod network;

pub const DEVICES: usize = 3;
/// Sessions a device starts at most (its local history keeps 100).
const MAX_SESSIONS: usize = 90;

/// Per-mille rates, drawn per device (some networks are calm, some stormy).
pub struct Faults {
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
            kill: rate(20),
            max_ops: if rng.chance(300) { rng.range(3, 40) as usize } else { usize::MAX },
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Start,
    End,
    Heartbeat,
}

/// An op the workload made.
pub struct Generated {
    pub session_id: String,
    pub kind: Kind,
    pub seq: u64,
    pub device: usize,
}

/// Who started a session: the device, and the device id its ops carry (`None`: legacy).
pub struct Owner {
    pub device: usize,
    pub device_id: Option<String>,
}

struct Pending {
    at: i64,
    id: u64,
    outcome: Outcome,
}

/// What the user does with a device until `until`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// Working: actions every 20 s to 8 min.
    Work,
    /// The browser is open, nobody works: only alarms and the network.
    Idle,
    /// The computer sleeps: nothing happens; it wakes with the engine restored.
    Asleep,
}

pub struct Device {
    pub engine: Engine,
    /// The id the shell gives the engine (adopted at once, later, or never).
    pub device_id: String,
    /// When a device that started without an id adopts it (at its next restore);
    /// `None` once adopted. `i64::MAX`: never (a legacy client throughout).
    adopt_at: Option<i64>,
    pub skew: i64,
    /// The server judges this device's times by its own clock (the worker's rule).
    pub strict: bool,
    faults: Faults,
    offline: Vec<(i64, i64)>,
    pending: Option<Pending>,
    sign_in_at: Option<i64>,
    phase: Phase,
    phase_end: i64,
    next_action: i64,
    had_failed: bool,
    /// Nothing queued or in flight (as of this device's last event).
    drained: bool,
    pub started: Vec<String>,
}

impl Device {
    pub fn client_now(&self, t: i64) -> UnixMillis {
        UnixMillis(t + self.skew)
    }

    fn asleep(&self) -> bool {
        self.phase == Phase::Asleep
    }
}

/// Options of a run: `skew` fixes every device's skew, `strict` makes the server apply
/// the worker's future-time rule to every device.
#[derive(Clone, Copy, Default)]
pub struct Options {
    pub skew: Option<i64>,
    pub strict: bool,
}

pub struct Sim {
    pub seed: u64,
    rng: Rng,
    pub t: i64,
    pub devices: Vec<Device>,
    pub server: Server,
    healed: bool,
    workload_end: i64,
    ids: u64,
    seq: u64,
    pub generated: HashMap<String, Generated>,
    pub owners: HashMap<String, Owner>,
    pub steps: u64,
    pub counts: Counts,
}

/// The events of one device, in tie-breaking order.
const RESPONSE: usize = 0;
const TIMER: usize = 1;
const SIGN_IN: usize = 3;
const USER: usize = 4;

impl Sim {
    pub fn new(seed: u64, options: Options) -> Sim {
        let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed);
        let duration = match rng.range(0, 99) {
            0..=59 => rng.range(2 * HOUR, 6 * HOUR),
            60..=87 => rng.range(6 * HOUR, DAY),
            _ => rng.range(DAY, 84 * HOUR),
        };
        let workload_end = T_START + duration;
        let legacy = rng.chance(300);
        let mut counts = Counts::default();
        let mut devices = Vec::new();
        for d in 0..DEVICES {
            let skew = options.skew.unwrap_or_else(|| rng.range(-10 * MIN, 10 * MIN));
            let mut offline = Vec::new();
            for _ in 0..rng.range(0, 3) {
                let from = T_START + rng.range(0, duration);
                offline.push((from, from + rng.range(5 * MIN, 90 * MIN)));
            }
            if rng.chance(100) {
                counts.bump("long_offline");
                let from = T_START + rng.range(0, duration);
                offline.push((from, from + rng.range(4 * HOUR, 2 * DAY)));
            }
            let adopt_at = match (legacy && d == 0, rng.chance(200)) {
                (false, _) => None,
                (true, true) => Some(i64::MAX),
                (true, false) => Some(T_START + rng.range(0, duration)),
            };
            // One device in four never notices a silence (an SDK from before the rule):
            // its sessions run on through sleep until the 24-hour limit.
            let config = if rng.chance(250) {
                counts.bump("never_silent");
                EngineConfig { silence_ms: 4 * DAY, ..EngineConfig::default() }
            } else {
                EngineConfig::default()
            };
            let mut engine = Engine::new(config);
            let device_id = format!("{:08x}-0000-4000-9000-{:012x}", seed as u32, d);
            if adopt_at.is_none() {
                let adopted = engine.adopt_device_id(&device_id).expect("a valid device id");
                assert_eq!(adopted, device_id);
            } else {
                counts.bump("legacy_device");
            }
            let (phase, phase_end) = if rng.chance(600) {
                (Phase::Work, T_START + rng.range(10 * MIN, 3 * HOUR))
            } else {
                (Phase::Idle, T_START + rng.range(0, 2 * HOUR))
            };
            devices.push(Device {
                engine,
                device_id,
                adopt_at,
                skew,
                strict: options.strict || skew <= 4 * MIN,
                faults: Faults::draw(&mut rng),
                offline,
                pending: None,
                sign_in_at: None,
                phase,
                phase_end,
                next_action: T_START + rng.range(0, 5 * MIN),
                had_failed: false,
                drained: false,
                started: Vec::new(),
            });
        }
        let mut sim = Sim {
            seed,
            rng,
            t: T_START,
            devices,
            server: Server::new(),
            healed: false,
            workload_end,
            ids: 0,
            seq: 0,
            generated: HashMap::new(),
            owners: HashMap::new(),
            steps: 0,
            counts,
        };
        for d in 0..DEVICES {
            if sim.rng.chance(800) {
                let lifetime = sim.rng.range(20 * MIN, 8 * DAY);
                sim.sign_in(d, lifetime);
            } else {
                sim.devices[d].sign_in_at = Some(T_START + sim.rng.range(0, HOUR));
            }
        }
        sim
    }

    pub fn client_now(&self, d: usize) -> UnixMillis {
        self.devices[d].client_now(self.t)
    }

    fn uuid(&mut self) -> String {
        self.ids += 1;
        format!("{:08x}-0000-4000-8000-{:012x}", self.seed as u32, self.ids)
    }

    fn record(&mut self, op_id: String, session_id: String, kind: Kind, device: usize) {
        self.seq += 1;
        let op = Generated { session_id, kind, seq: self.seq, device };
        assert!(self.generated.insert(op_id, op).is_none(), "op ids are unique");
    }

    fn sign_in(&mut self, d: usize, lifetime: i64) {
        self.counts.bump("sign_in");
        self.server.now = self.t;
        let (jwt, expires) = self.server.issue(lifetime);
        let user = User { id: 1, username: "sim".into(), avatar_url: None };
        let now = self.client_now(d);
        let engine = &mut self.devices[d].engine;
        engine.set_token(jwt, UnixMillis(expires), user);
        engine.request_sync(now, SyncReason::SignIn);
    }

    /// What the shell does before it looks at the browser: a session whose local
    /// heartbeats stopped (the device slept or was killed) ends at the last one.
    fn end_if_silent(&mut self, d: usize) {
        let now = self.client_now(d);
        if let Some(ended) = self.devices[d].engine.end_if_silent(now) {
            self.counts.bump("ended_silent");
            let op_id = silent_end_op_id(&ended.session_id);
            self.record(op_id, ended.session_id, Kind::End, d);
        }
    }

    /// One user action on device `d` while it is in use.
    fn act(&mut self, d: usize) {
        self.end_if_silent(d);
        let now = self.client_now(d);
        let active = self.devices[d].engine.active_session();
        let roll = self.rng.range(0, 99);
        let can_start = self.devices[d].started.len() < MAX_SESSIONS;
        let op_id = self.uuid();
        match active {
            Some(session) if roll < 65 => {
                let engine = &mut self.devices[d].engine;
                engine.heartbeat(now, op_id.clone()).expect("heartbeat");
                // A heartbeat at the longest length ends the session instead.
                let kind = if engine.active_session().is_none() {
                    self.counts.bump("ended_at_max_length");
                    Kind::End
                } else {
                    Kind::Heartbeat
                };
                self.record(op_id, session.session_id, kind, d);
            }
            Some(session) if roll < 85 || !can_start => {
                self.devices[d].engine.end_session(now, op_id.clone()).expect("end");
                self.record(op_id, session.session_id, Kind::End, d);
            }
            None if roll >= 70 || !can_start => {
                if !can_start {
                    self.counts.bump("session_cap");
                }
            }
            previous => {
                let session_id = self.uuid();
                if let Some(previous) = previous {
                    self.record(implicit_end_op_id(&op_id), previous.session_id, Kind::End, d);
                }
                let owner = if self.rng.chance(200) { "Octo" } else { "octo" };
                let input = StartInput {
                    session_id: session_id.clone(),
                    op_id: op_id.clone(),
                    repo_owner: owner.into(),
                    repo_name: format!("repo-{}", self.rng.range(1, 4)),
                    pr_number: self.rng.range(1, 500),
                    tz_offset_minutes: Some(self.rng.range(-12, 14) as i32 * 60),
                };
                let device = &mut self.devices[d];
                device.engine.start_session(now, input).expect("start");
                let device_id = device.engine.device_id().map(str::to_owned);
                device.started.push(session_id.clone());
                self.record(op_id, session_id.clone(), Kind::Start, d);
                self.owners.insert(session_id, Owner { device: d, device_id });
            }
        }
        self.devices[d].next_action = self.t + self.rng.range(30 * SEC, 8 * MIN);
    }

    /// The user stops working on device `d`, maybe leaving its session running.
    fn end_if_active(&mut self, d: usize) {
        self.end_if_silent(d);
        if let Some(session) = self.devices[d].engine.active_session() {
            let op_id = self.uuid();
            let now = self.client_now(d);
            self.devices[d].engine.end_session(now, op_id.clone()).expect("end");
            self.record(op_id, session.session_id, Kind::End, d);
        }
    }

    /// The user-side event of device `d`: an action, or the next phase.
    fn user_event(&mut self, d: usize) {
        let device = &self.devices[d];
        if self.t < device.phase_end {
            if device.phase == Phase::Work {
                self.act(d);
            }
            return;
        }
        match device.phase {
            Phase::Work => {
                // A device that never notices a silence mostly leaves its session running
                // and often sleeps for a day or more: its sessions reach the 24-hour limit.
                let never_silent = self.devices[d].engine.config().silence_ms > DAY;
                if self.rng.chance(if never_silent { 200 } else { 600 }) {
                    self.end_if_active(d);
                }
                let (phase, length) = if self.rng.chance(500) {
                    (Phase::Idle, self.rng.range(5 * MIN, 3 * HOUR))
                } else if self.rng.chance(if never_silent { 600 } else { 900 }) {
                    (Phase::Asleep, self.rng.range(30 * MIN, 14 * HOUR))
                } else {
                    (Phase::Asleep, self.rng.range(DAY, 60 * HOUR))
                };
                if phase == Phase::Asleep {
                    // The lid closes: whatever is in flight is never heard of.
                    self.counts.bump("sleep");
                    self.pump(d);
                    self.kill(d);
                }
                let device = &mut self.devices[d];
                device.phase = phase;
                device.phase_end = self.t + length;
            }
            Phase::Idle | Phase::Asleep => {
                if self.devices[d].asleep() {
                    self.wake(d);
                }
                let length = self.rng.range(10 * MIN, 3 * HOUR);
                let first = self.rng.range(0, 2 * MIN);
                let device = &mut self.devices[d];
                device.phase = Phase::Work;
                device.phase_end = self.t + length;
                device.next_action = self.t + first;
            }
        }
    }

    /// The computer wakes: the service worker starts from the snapshot, and the timers
    /// missed while asleep fire.
    fn wake(&mut self, d: usize) {
        // The engine was restored from the snapshot when the computer went to sleep, and
        // nothing ran since: only the shell's start-up remains.
        self.start_up(d);
        // Timers missed while asleep are due: the shell's one timer fires at once.
        self.devices[d].phase = Phase::Idle;
    }

    /// The service worker dies: the engine comes back from its snapshot, and the answer
    /// to a request in flight is never heard (the server may have applied it). The
    /// snapshot taken here is the one the shell persisted after the last call: the call
    /// rule persists after every call, and nothing changes in between.
    fn kill(&mut self, d: usize) {
        self.counts.bump("kill");
        if self.devices[d].pending.is_some() {
            self.counts.bump("kill_in_flight");
        }
        self.restore(d);
    }

    fn restore(&mut self, d: usize) {
        let device = &mut self.devices[d];
        let snapshot = device.engine.snapshot();
        device.engine = Engine::restore(&snapshot).expect("restores");
        assert_eq!(device.engine.snapshot(), snapshot, "a restored engine snapshots the same");
        device.pending = None;
        self.start_up(d);
    }

    /// On start-up the shell hands the engine its stored id; only the first one counts.
    fn start_up(&mut self, d: usize) {
        let t = self.t;
        let device = &mut self.devices[d];
        match device.adopt_at {
            Some(at) if t >= at => {
                let adopted = device.engine.adopt_device_id(&device.device_id).expect("adopts");
                assert_eq!(adopted, device.device_id);
                device.adopt_at = None;
                self.counts.bump("adopted_late");
            }
            Some(_) => assert_eq!(device.engine.device_id(), None),
            None => {
                let other = format!("{:08x}-0000-4000-a000-{:012x}", self.seed as u32, d);
                let kept = device.engine.adopt_device_id(&other).expect("answers");
                assert_eq!(kept, device.device_id, "the first device id is kept");
            }
        }
    }

    /// The network heals, every device wakes, and the users may stop working.
    fn heal(&mut self) {
        self.healed = true;
        for d in 0..DEVICES {
            if self.devices[d].asleep() {
                self.wake(d);
            }
            if self.rng.chance(500) {
                self.end_if_active(d);
            }
            let now = self.client_now(d);
            self.devices[d].engine.request_sync(now, SyncReason::Reconnect);
            self.pump(d);
            self.update_drained(d);
        }
    }

    /// The next event of device `d` as `(at, kind)`.
    fn next_event(&self, d: usize) -> Option<(i64, usize)> {
        let device = &self.devices[d];
        if device.asleep() && !self.healed {
            return Some((device.phase_end, USER));
        }
        let user = match device.phase {
            _ if self.healed => None,
            Phase::Work => Some(device.next_action.min(device.phase_end)),
            Phase::Idle | Phase::Asleep => Some(device.phase_end),
        };
        // The shell's one timer: the earliest entry of the engine's timer table.
        let deadline = device.engine.next_timer().map(|(_, at)| at.0 - device.skew);
        let candidates = [
            (device.pending.as_ref().map(|p| p.at), RESPONSE),
            (deadline, TIMER),
            (device.sign_in_at, SIGN_IN),
            (user, USER),
        ];
        candidates.into_iter().filter_map(|(at, kind)| Some((at?, kind))).min()
    }

    /// Advances to the next event and handles it. Returns false when the run is over.
    fn step(&mut self) -> bool {
        self.steps += 1;
        let mut next =
            (0..DEVICES).filter_map(|d| self.next_event(d).map(|(at, kind)| (at, d, kind))).min();
        if !self.healed && next.is_none_or(|(at, _, _)| at >= self.workload_end) {
            self.t = self.t.max(self.workload_end);
            self.heal();
            return true;
        }
        let Some((at, d, kind)) = next.take() else { return false };
        self.t = self.t.max(at);
        let now = self.client_now(d);
        match kind {
            RESPONSE => {
                let pending = self.devices[d].pending.take().expect("pending");
                self.devices[d].engine.handle_response(now, pending.id, pending.outcome);
            }
            TIMER => {
                self.devices[d].engine.handle_timeout(now);
            }
            SIGN_IN => {
                self.devices[d].sign_in_at = None;
                if !self.devices[d].engine.status(now).signed_in {
                    let lifetime = self.rng.range(2 * HOUR, 8 * DAY);
                    self.sign_in(d, lifetime);
                }
            }
            _ => self.user_event(d),
        }
        if self.devices[d].asleep() {
            return true;
        }
        self.pump(d);
        if !self.healed && self.rng.chance(self.devices[d].faults.kill) {
            self.kill(d);
            self.pump(d);
        }
        // Only device `d` changed: the others' drained marks stand.
        self.update_drained(d);
        !(self.healed && self.devices.iter().all(|device| device.drained))
    }

    fn update_drained(&mut self, d: usize) {
        let now = self.client_now(d);
        let device = &mut self.devices[d];
        device.drained = device.pending.is_none() && device.engine.status(now).pending_count == 0;
    }

    pub fn run(&mut self) -> Result<(), String> {
        while self.step() {
            if self.steps > 300_000 {
                return Err(format!("no convergence after {} steps", self.steps));
            }
        }
        Ok(())
    }

    /// What the run exercised, the server's observations included.
    pub fn finish(mut self) -> Counts {
        for (what, n) in &self.server.stats {
            *self.counts.0.entry(what).or_default() += n;
        }
        for _ in 0..self.server.rejected.len() {
            self.counts.bump("rejected");
        }
        self.counts
    }
}
