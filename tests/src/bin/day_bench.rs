//! Benchmark: what one tracked day costs the backend. The SDK's real engine
//! (`worktime_core::client`) tracks a simulated 8-hour review day against the worker, the
//! way the extension drives it: a heartbeat every minute while a PR is open, the periodic
//! sync every 15 minutes, a new session at every switch of PR, breaks in between. Time is
//! simulated (yesterday, replayed as fast as the worker answers); every request really
//! goes to the worker. Prints what the day cost, summed from each answer's
//! `Server-Timing` (`rows-written`), in one line for scripts/benchmarks.sh:
//!
//!   DAY github_id=G requests=N rows_written=W statements=S tracked_seconds=T sessions=K
//!
//! usage: day-bench BASE_URL [SEED]. Prints only; asserts nothing.

use std::time::Duration;

use worktime_core::client::{Engine, EngineConfig, Outcome, StartInput, SyncReason, Transmit};
use worktime_core::time::UnixMillis;
use worktime_tests::engine_http;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// A small deterministic generator (the day is the same for a given seed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low + 1) as u64) as i64
    }
}

#[derive(Default)]
struct Cost {
    requests: u64,
    rows_written: u64,
    statements: u64,
}

struct Client {
    agent: ureq::Agent,
    base: String,
    engine: Engine,
    cost: Cost,
}

impl Client {
    /// Sends what the engine asks for until it has nothing more right now.
    fn pump(&mut self, now: i64) {
        while let Some(transmit) = self.engine.poll_transmit(UnixMillis(now)) {
            let outcome = self.send(&transmit);
            self.engine.handle_response(UnixMillis(now), transmit.id, outcome);
        }
    }

    fn send(&mut self, transmit: &Transmit) -> Outcome {
        self.cost.requests += 1;
        let (outcome, timing) = engine_http::perform(&self.agent, &self.base, transmit);
        self.cost.rows_written += figure(&timing, "rows-written");
        self.cost.statements += figure(&timing, "statements");
        outcome
    }
}

/// `name=N` from a `Server-Timing` value (0 when absent).
fn figure(timing: &str, name: &str) -> u64 {
    let Some(at) = timing.find(&format!("{name}=")) else { return 0 };
    timing[at + name.len() + 1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0)
}

fn uuid(seed: u64, kind: u64, n: u64) -> String {
    format!("{:08x}-{kind:04x}-4000-8000-{n:012x}", seed as u32)
}

fn wall_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).map(|b| b.trim_end_matches('/').to_owned()).unwrap_or_else(|| {
        eprintln!("usage: day-bench BASE_URL [SEED]");
        std::process::exit(2)
    });
    let seed: u64 =
        args.get(2).and_then(|s| s.parse().ok()).unwrap_or(u64::from(std::process::id()));
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
    let github_id = 7_000_000 + seed % 1_000_000;
    let auth = engine_http::sign_in(&agent, &base, github_id, "daybench");

    let mut engine = Engine::new(EngineConfig::default());
    engine.adopt_device_id(&uuid(seed, 0xd, 1)).expect("a device id");
    // Yesterday, from 09:00 (the server's clock), minute by minute.
    let day_start = (wall_ms() / (24 * HOUR) - 1) * 24 * HOUR + 9 * HOUR;
    let expires = UnixMillis::parse_rfc3339(&auth.expires_at).expect("expiry");
    engine.set_token(auth.jwt, expires, auth.user);
    let mut client = Client { agent, base, engine, cost: Cost::default() };
    client.engine.request_sync(UnixMillis(day_start), SyncReason::SignIn);
    client.pump(day_start);

    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let (mut tracked, mut sessions, mut ids) = (0i64, 0u64, 0u64);
    let mut t = day_start;
    let mut next_sync = t + 15 * MINUTE;
    // Work until 8 hours are tracked: stretches on one PR of 10 to 75 minutes, a switch to
    // the next PR (half the time straight away), or a break of 5 to 30 minutes (a lunch
    // hour once).
    let mut lunch = false;
    while tracked < 8 * HOUR {
        ids += 1;
        let input = StartInput {
            session_id: uuid(seed, 1, ids),
            op_id: uuid(seed, 2, ids),
            repo_owner: "bench".into(),
            repo_name: format!("repo-{}", rng.range(1, 4)),
            pr_number: rng.range(1, 300),
            tz_offset_minutes: Some(60),
        };
        client.engine.start_session(UnixMillis(t), input).expect("start");
        sessions += 1;
        let length = rng.range(10, 75).min((8 * HOUR - tracked) / MINUTE).max(1);
        for _ in 0..length {
            t += MINUTE;
            ids += 1;
            client.engine.heartbeat(UnixMillis(t), uuid(seed, 3, ids)).expect("heartbeat");
            client.pump(t);
            if t >= next_sync {
                client.engine.request_sync(UnixMillis(t), SyncReason::Periodic);
                client.pump(t);
                next_sync += 15 * MINUTE;
            }
        }
        tracked += length * MINUTE;
        let switch = rng.range(0, 1) == 0 && tracked < 8 * HOUR;
        if !switch {
            ids += 1;
            client.engine.end_session(UnixMillis(t), uuid(seed, 4, ids)).expect("end");
            client.pump(t);
            let pause = if !lunch && t - day_start > 3 * HOUR {
                lunch = true;
                HOUR
            } else {
                rng.range(5, 30) * MINUTE
            };
            // The periodic alarm keeps firing during the break.
            let resume = t + pause;
            while next_sync <= resume {
                client.engine.request_sync(UnixMillis(next_sync), SyncReason::Periodic);
                client.pump(next_sync);
                next_sync += 15 * MINUTE;
            }
            t = resume;
        }
    }
    if client.engine.active_session().is_some() {
        ids += 1;
        client.engine.end_session(UnixMillis(t), uuid(seed, 4, ids)).expect("end");
    }
    client.pump(t);
    let status = client.engine.status(UnixMillis(t));
    if status.pending_count > 0 || status.failed_count > 0 {
        eprintln!(
            "day-bench: {} ops still pending, {} failed",
            status.pending_count, status.failed_count
        );
    }
    let cost = &client.cost;
    println!(
        "DAY github_id={github_id} requests={} rows_written={} statements={} tracked_seconds={} sessions={sessions}",
        cost.requests,
        cost.rows_written,
        cost.statements,
        tracked / 1000
    );
}
