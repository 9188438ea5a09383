//! Seeded simulation of three devices of one user syncing to a model server over faulty
//! networks.
//!
//! Workload. Each seed runs for 2 hours to 3.5 days of simulated time. Each of the three
//! devices (an `Engine` with its own `adopt_device_id`; in some seeds device 0 is a
//! legacy client that adopts its id only after an update, or never) goes through its own
//! phases: working (starts, heartbeats and ends every 30 s to 8 min), idle (only the
//! 15-minute alarm), and asleep (30 minutes to 60 hours: the service worker dies, the
//! engine wakes from its snapshot). Phases are independent per device, so the user works
//! on two or three devices at once as often as in turn, and sessions are often left
//! running while a device sleeps or idles (the server abandons them; the device later
//! corrects them, or ends them at their 24-hour limit). Every device has a clock skew of
//! up to ±10 minutes, its own token, its own offline periods (minutes, sometimes up to two
//! days, during which it keeps tracking) and its own fault rates: the network drops requests,
//! answers 5xx and 429, times out, loses replies after the server committed, delivers a
//! request twice, garbles answers, and fails part-way through a batch; the server revokes
//! tokens; the device is killed and restored from its snapshot at random points, also
//! while a request is in flight. Then the network heals, every device wakes, and the
//! driver keeps the alarms running until every queue is empty.
//!
//! The model server (`sim/server.rs`) is what the worker does with the core's rules: it
//! reads the rows a request names and decides it with `sync_plan::plan` (per-user op-id
//! dedupe, per-device active sessions, the 24-hour and 400-day bounds), runs the abandon
//! job (30 minutes of silence, every 5 minutes), and keeps materialized statistics
//! incrementally: a fresh `overlap::Ledger` over the ended sessions around each write's
//! windows, whose `LedgerDelta` is added to per-session attributed seconds and
//! per-(15-minute bucket, repository) rows.
//!
//! Checks (`sim/checks.rs`), after every seed:
//! (a) every op applied at most once, by a request of its own device, starts and ends
//!     exactly once, each session's ops in order;
//! (b) each device's local history equals the server's record of that device's sessions
//!     (ids, starts, ends, last heartbeats; a session still running locally may be
//!     abandoned on the server at its last heartbeat), every row carries its owner's
//!     device id, and no request of another device ever wrote it;
//! (c) the materialized figures equal a from-scratch recomputation (the union of the
//!     ended sessions, each second to the latest-started session covering it);
//!     per-session seconds and bucket seconds sum to the union; for local days at
//!     offsets 0, +5:30 and -7:00 the day's bucket seconds (also through
//!     `stats::days_from_buckets`) equal `union_seconds` of the sessions clipped to the
//!     day, and the session counts match `days_from_sessions`;
//! (d) no server session is longer than 24 hours; a device has at most one active session.
//!
//! Clock skew: the real server refuses client times more than 5 minutes ahead of ITS
//! clock. A client clock more than 5 minutes fast therefore gets its fresh starts
//! rejected; the engine does not estimate the server's clock (it must not depend on it)
//! and records such rejections like any other. The model server applies the rule to a
//! device whose skew is at most +4 minutes (where it must never trigger) and judges a
//! faster device's times by the device's clock, so every seed can check that nothing is
//! lost. `fast_clocks_get_rejections_that_are_recorded_not_retried` runs the strict rule
//! with every device +10 minutes fast.
//!
//! Run more seeds with `WORKTIME_SIM_SEEDS=100000 cargo test -p worktime-core --test sync_sim`
//! (`--release` is much faster); `WORKTIME_SIM_SEED=n` runs only seed `n` of the first test,
//! to replay a failure; `WORKTIME_SIM_STATS=1` (with `--nocapture`) prints how often each
//! fault and path occurred.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use worktime_api::ErrorCode;

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

#[path = "sim/checks.rs"]
mod checks;
#[path = "sim/driver.rs"]
mod driver;
#[path = "sim/server.rs"]
mod server;

use driver::{Options, Sim};

const SEC: i64 = 1_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
const T_START: i64 = 1_795_000_000_000;
const DEFAULT_SEEDS: u64 = 1_000;

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
    "long_offline",
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
    "sleep",
    "sign_in",
    "round_given_up",
    "duplicate",
    "legacy_device",
    "adopted_late",
    "abandoned",
    "abandon_corrected",
    "ended_at_max_length",
    "ended_silent",
    "never_silent",
    "max_length",
    "overlap",
    "running_at_end",
    "abandoned_while_running",
];

fn run_seed(seed: u64) -> Result<Counts, String> {
    let mut sim = Sim::new(seed, Options::default());
    sim.run()?;
    checks::drained(&sim)?;
    let mut counts = Counts::default();
    checks::sessions(&sim, true, &mut counts)?;
    checks::applications(&sim, true)?;
    checks::figures(&sim, &mut counts)?;
    checks::lengths(&sim, &mut counts)?;
    for (d, device) in sim.devices.iter().enumerate() {
        let rejected = device.engine.status(sim.client_now(d)).rejected_items;
        if let Some(last) = rejected.last() {
            return Err(format!(
                "device {d}: {} ops rejected, the first: {:?} of session {}: {:?} {}",
                rejected.len(),
                last.op_type,
                last.session_id,
                last.code,
                last.message
            ));
        }
    }
    ensure!(
        sim.server.rejected.is_empty(),
        "the server rejected {} ops",
        sim.server.rejected.len()
    );
    counts.add(&sim.finish());
    Ok(counts)
}

fn run_fast_clock_seed(seed: u64) -> Result<Counts, String> {
    let mut sim = Sim::new(seed, Options { skew: Some(10 * MIN), strict: true });
    sim.run()?;
    checks::drained(&sim)?;
    let mut recorded = 0;
    for (d, device) in sim.devices.iter().enumerate() {
        let status = device.engine.status(sim.client_now(d));
        for item in &status.rejected_items {
            let future = item.message.contains("future");
            ensure!(
                future || item.code == ErrorCode::NotFound,
                "device {d}: unexpected rejection {item:?}"
            );
        }
        recorded += status.rejected_items.len();
    }
    let rejected_ops = sim.server.rejected.len();
    ensure!(rejected_ops == 0 || recorded > 0, "rejections not recorded");
    let mut counts = Counts::default();
    checks::sessions(&sim, false, &mut counts)?;
    checks::applications(&sim, false)?;
    checks::figures(&sim, &mut counts)?;
    checks::lengths(&sim, &mut counts)?;
    counts.add(&sim.finish());
    Ok(counts)
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
    assert!(failures.is_empty(), "{} failing seeds: {failures:?}", failures.len());
    if std::env::var_os("WORKTIME_SIM_STATS").is_some() {
        eprintln!("sync_sim: {:?}", total.0);
    }
    total
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|n| n.parse().ok())
}

fn seed_count() -> u64 {
    env_number("WORKTIME_SIM_SEEDS").unwrap_or(DEFAULT_SEEDS)
}

#[test]
fn every_op_is_applied_exactly_once_whatever_the_network_does() {
    if let Some(seed) = env_number("WORKTIME_SIM_SEED") {
        run_seeds(seed..seed + 1, run_seed);
        return;
    }
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
