//! Load benchmark for the worker: mixed traffic (start, end, sync, stats) from N
//! connections, each its own signed-in user, for a fixed time. Prints requests/s, p50 and
//! p99 per request kind and overall, and the count of non-2xx answers. Prints only;
//! asserts nothing.
//!
//! usage: bench BASE_URL SECONDS CONNECTIONS...

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

static COUNTER: AtomicU64 = AtomicU64::new(1);

const KINDS: [&str; 4] = ["start", "end", "sync(10 ops)", "stats/daily"];

fn uuid() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let pid = u64::from(std::process::id());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", nanos, pid & 0xffff, n >> 12 & 0xfff, n & 0xfff, n)
}

struct Sample {
    kind: usize,
    micros: u64,
    ok: bool,
}

fn send(agent: &ureq::Agent, method: &str, url: &str, jwt: &str, body: Option<Value>) -> bool {
    let request = agent.request(method, url).set("Authorization", &format!("Bearer {jwt}"));
    let result = match body {
        Some(body) => request.send_json(body),
        None => request.call(),
    };
    match result {
        Ok(response) => {
            let ok = (200..300).contains(&response.status());
            let _ = response.into_string();
            ok
        }
        Err(_) => false,
    }
}

fn sign_in(agent: &ureq::Agent, base: &str, github_id: u64) -> String {
    let answer: Value = agent
        .post(&format!("{base}/auth/github/callback"))
        .send_json(json!({ "code": format!("test-code:{github_id}:bench{github_id}"), "code_verifier": worktime_tests::TEST_VERIFIER }))
        .and_then(|r| Ok(r.into_json()?))
        .unwrap_or_else(|err| panic!("sign-in failed: {err}"));
    answer["jwt"].as_str().unwrap_or_default().to_owned()
}

fn rfc3339(ms: i64) -> String {
    worktime_core::time::UnixMillis(ms).to_rfc3339()
}

/// One connection's loop: start → end → sync → stats, repeated until `deadline`.
fn run_connection(base: String, github_id: u64, deadline: Instant) -> Vec<Sample> {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).max_idle_connections(1).build();
    let jwt = sign_in(&agent, &base, github_id);
    let mut samples = Vec::new();
    let mut clock = 1_700_000_000_000_i64 + (github_id as i64 % 1000) * 86_400_000;
    let mut step = 0usize;
    let mut open: Option<String> = None;
    while Instant::now() < deadline {
        let kind = step % KINDS.len();
        let started = Instant::now();
        let ok = match kind {
            0 => {
                let id = uuid();
                clock += 60_000;
                let body = json!({"id": id, "repo_owner": "bench", "repo_name": "load", "pr_number": 1 + step % 7, "start_time": rfc3339(clock)});
                open = Some(id);
                send(&agent, "POST", &format!("{base}/api/sessions/start"), &jwt, Some(body))
            }
            1 => {
                clock += 300_000;
                let id = open.take().unwrap_or_else(uuid);
                let body = json!({"end_time": rfc3339(clock)});
                send(&agent, "PATCH", &format!("{base}/api/sessions/{id}/end"), &jwt, Some(body))
            }
            2 => {
                let mut ops = Vec::new();
                for _ in 0..5 {
                    let session = uuid();
                    clock += 60_000;
                    ops.push(json!({"op_id": uuid(), "type": "start", "session_id": session, "repo_owner": "bench", "repo_name": "sync", "pr_number": 2, "start_time": rfc3339(clock)}));
                    clock += 120_000;
                    ops.push(json!({"op_id": uuid(), "type": "end", "session_id": session, "end_time": rfc3339(clock)}));
                }
                send(&agent, "POST", &format!("{base}/api/sync"), &jwt, Some(json!({"ops": ops})))
            }
            _ => send(&agent, "GET", &format!("{base}/api/stats/daily?days=30"), &jwt, None),
        };
        samples.push(Sample { kind, micros: started.elapsed().as_micros() as u64, ok });
        step += 1;
    }
    samples
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)] as f64 / 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: bench BASE_URL SECONDS CONNECTIONS...");
        std::process::exit(2);
    }
    let base = args[1].trim_end_matches('/').to_owned();
    let seconds: u64 = args[2].parse().unwrap_or(10);
    println!("| connections | request | requests | req/s | p50 ms | p99 ms | non-2xx |");
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for (round, connections) in args[3..].iter().filter_map(|c| c.parse::<u64>().ok()).enumerate() {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let handles: Vec<_> = (0..connections)
            .map(|c| {
                let base = base.clone();
                let github_id = 7_000_000 + (round as u64) * 1000 + c + u64::from(std::process::id() % 1000) * 10_000;
                std::thread::spawn(move || run_connection(base, github_id, deadline))
            })
            .collect();
        let started = Instant::now();
        let samples: Vec<Sample> = handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect();
        let elapsed = started.elapsed().as_secs_f64().max(seconds as f64);
        let mut rows: Vec<(String, Vec<&Sample>)> =
            KINDS.iter().enumerate().map(|(k, name)| (name.to_string(), samples.iter().filter(|s| s.kind == k).collect())).collect();
        rows.push(("all (mixed)".to_owned(), samples.iter().collect()));
        for (name, group) in rows {
            let mut micros: Vec<u64> = group.iter().map(|s| s.micros).collect();
            micros.sort_unstable();
            let failures = group.iter().filter(|s| !s.ok).count();
            println!(
                "| {connections} | {name} | {} | {:.0} | {:.2} | {:.2} | {failures} |",
                group.len(),
                group.len() as f64 / elapsed,
                percentile(&micros, 0.50),
                percentile(&micros, 0.99)
            );
        }
    }
}
