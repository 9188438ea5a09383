//! Benchmark: 10,000 ops queued offline by the SDK's engine (`worktime_core::client`),
//! then synced to the worker. Prints the number of requests and the seconds taken, and
//! checks on the server that every session arrived. Prints only; asserts nothing.
//!
//! usage: sync-bench BASE_URL [SESSIONS]   (each session is a start and an end op)

use std::time::{Duration, Instant};

use serde_json::Value;
use worktime_core::client::{Engine, EngineConfig, StartInput, SyncReason};
use worktime_core::time::UnixMillis;
use worktime_tests::engine_http;

fn uuid(n: u64, kind: u64) -> String {
    format!("{:08x}-{:04x}-4000-8000-{:012x}", std::process::id(), kind, n)
}

fn now() -> UnixMillis {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    UnixMillis(ms as i64)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).map(|b| b.trim_end_matches('/').to_owned()).unwrap_or_else(|| {
        eprintln!("usage: sync-bench BASE_URL [SESSIONS]");
        std::process::exit(2)
    });
    let sessions: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5_000);
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
    let github_id = 8_000_000 + u64::from(std::process::id());
    let auth = engine_http::sign_in(&agent, &base, github_id, "syncbench");

    // Offline: track `sessions` sessions of 2 minutes, one every 3 minutes, in the past.
    let mut engine = Engine::new(EngineConfig::default());
    let mut clock = now().0 - (sessions as i64) * 180_000 - 3_600_000;
    for n in 0..sessions {
        let input = StartInput {
            session_id: uuid(n, 1),
            op_id: uuid(n, 2),
            repo_owner: "bench".into(),
            repo_name: "offline".into(),
            pr_number: 1 + (n % 20) as i64,
            tz_offset_minutes: Some(0),
        };
        engine.start_session(UnixMillis(clock), input).expect("start");
        engine.end_session(UnixMillis(clock + 120_000), uuid(n, 3)).expect("end");
        clock += 180_000;
    }
    let queued = engine.status(now()).pending_count;

    // Online: sign in and let the engine drain its queue.
    let expires = UnixMillis::parse_rfc3339(&auth.expires_at).expect("expiry");
    engine.set_token(auth.jwt.clone(), expires, auth.user);
    engine.request_sync(now(), SyncReason::SignIn);
    let started = Instant::now();
    let mut requests = 0;
    while let Some(transmit) = engine.poll_transmit(now()) {
        requests += 1;
        let (outcome, _) = engine_http::perform(&agent, &base, &transmit);
        engine.handle_response(now(), transmit.id, outcome);
    }
    let seconds = started.elapsed().as_secs_f64();
    let status = engine.status(now());
    let total: Value = agent
        .get(&format!("{base}/api/sessions?limit=1"))
        .set("Authorization", &format!("Bearer {}", auth.jwt))
        .call()
        .ok()
        .and_then(|r| r.into_json().ok())
        .unwrap_or(Value::Null);
    println!(
        "| ops queued offline | requests | seconds | ops/s | left pending | sessions on server |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {queued} | {requests} | {seconds:.2} | {:.0} | {} | {} |",
        queued as f64 / seconds.max(0.001),
        status.pending_count,
        total["total"]
    );
}
