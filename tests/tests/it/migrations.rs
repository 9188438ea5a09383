//! The D1 migrations and their rollback scripts, through wrangler on a fresh local
//! database of its own (never the running worker's): apply all, roll back 0003 and 0002,
//! re-apply, roll back everything, apply again, checking the schema at every step; and
//! 0003 keeping the rows that exist when it runs (and its rollback keeping them too).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(180);
const FIRST: &str = "0001_initial_schema.sql";
const SECOND: &str = "0002_sessions_buckets_sync.sql";
const THIRD: &str = "0003_devices_overlaps.sql";
const FOURTH: &str = "0004_revocable_tokens.sql";
const FIFTH: &str = "0005_sync_ops_retention.sql";
const SIXTH: &str = "0006_heartbeats_without_index.sql";
const SEVENTH: &str = "0007_hourly_stats.sql";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// wrangler from the workspace's node_modules, else from PATH.
fn wrangler() -> PathBuf {
    let local = workspace().join("node_modules/.bin/wrangler");
    if local.exists() {
        local
    } else {
        PathBuf::from("wrangler")
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// Kills `child` and panics when it outlives the deadline.
fn wait_bounded(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("`wrangler {what}` took longer than {TIMEOUT:?}; killed");
            }
            Err(err) => panic!("`wrangler {what}`: {err}"),
        }
    }
}

/// Runs `wrangler <args> --local --persist-to <state>` in `worker/`; returns stdout.
fn run(state: &Path, args: &[&str]) -> String {
    let what = args.join(" ");
    let mut child = Command::new(wrangler())
        .args(args)
        .arg("--local")
        .arg("--persist-to")
        .arg(state)
        .current_dir(workspace().join("worker"))
        .env("CI", "true")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run wrangler ({err}); is node_modules/.bin set up?"));
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let status = wait_bounded(&mut child, &what);
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    assert!(status.success(), "`wrangler {what}` failed ({status}):\n{stdout}\n{stderr}");
    stdout
}

/// The rows of a single-statement query.
fn query(state: &Path, sql: &str) -> Vec<Value> {
    let stdout = run(state, &["d1", "execute", "DB", "--json", "--command", sql]);
    let start = stdout.find('[').unwrap_or_else(|| panic!("no JSON from wrangler: {stdout}"));
    let parsed: Value = serde_json::Deserializer::from_str(&stdout[start..])
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("wrangler's --json output does not parse: {stdout}"));
    parsed[0]["results"].as_array().cloned().unwrap_or_else(|| panic!("no results: {stdout}"))
}

/// The schema as it matters here: user tables with their SQL, and the applied migrations.
#[derive(Debug, PartialEq)]
struct Snapshot {
    tables: BTreeMap<String, String>,
    applied: Vec<String>,
}

impl Snapshot {
    fn has(&self, table: &str) -> bool {
        self.tables.contains_key(table)
    }

    fn sessions_sql(&self) -> &str {
        self.tables.get("time_sessions").map(String::as_str).unwrap_or_default()
    }
}

fn snapshot(state: &Path) -> Snapshot {
    let rows =
        query(state, "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name");
    let tables = rows
        .iter()
        .filter_map(|row| Some((row["name"].as_str()?.to_owned(), row["sql"].as_str()?.to_owned())))
        .filter(|(name, _)| !name.starts_with("_cf_") && !name.starts_with("sqlite_"))
        .collect();
    let rows = query(state, "SELECT name FROM d1_migrations ORDER BY id");
    let applied = rows.iter().filter_map(|row| row["name"].as_str().map(str::to_owned)).collect();
    Snapshot { tables, applied }
}

fn apply(state: &Path) {
    run(state, &["d1", "migrations", "apply", "DB"]);
}

fn roll_back(state: &Path, migration: &str) {
    let file = workspace().join("migrations/down").join(migration);
    assert!(file.exists(), "{} is missing", file.display());
    let file = file.to_string_lossy().into_owned();
    run(state, &["d1", "execute", "DB", "--file", &file]);
}

const ALL_TABLES: [&str; 8] = [
    "users",
    "time_sessions",
    "daily_stats",
    "hourly_stats",
    "sync_ops",
    "ledger_fence",
    "revoked_sign_ins",
    "d1_migrations",
];

/// A fresh state directory for one test.
fn fresh_state(name: &str) -> PathBuf {
    let state = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        worktime_tests::now_ms()
    ));
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(&state).expect("create the state directory");
    state
}

#[test]
fn migrations_apply_roll_back_and_apply_again() {
    let state = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "migrations-{}-{}",
        std::process::id(),
        worktime_tests::now_ms()
    ));
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(&state).expect("create the state directory");

    apply(&state);
    let full = snapshot(&state);
    for table in ALL_TABLES {
        assert!(full.has(table), "{table} after applying all: {full:?}");
    }
    assert_eq!(full.applied, [FIRST, SECOND, THIRD, FOURTH, FIFTH, SIXTH, SEVENTH]);
    let sql = full.sessions_sql();
    assert!(
        sql.contains("device_id") && sql.contains("attributed_seconds"),
        "0003's time_sessions: {full:?}"
    );
    assert!(full.tables["users"].contains("token_version"), "0004's users: {full:?}");

    roll_back(&state, SEVENTH);
    roll_back(&state, SIXTH);
    roll_back(&state, FIFTH);
    roll_back(&state, FOURTH);
    let third = snapshot(&state);
    assert!(
        !third.has("revoked_sign_ins") && !third.tables["users"].contains("token_version"),
        "{third:?}"
    );
    assert_eq!(third.applied, [FIRST, SECOND, THIRD]);

    roll_back(&state, THIRD);
    let second = snapshot(&state);
    assert!(second.has("ending_guard") && !second.has("ledger_fence"), "{second:?}");
    assert!(!second.sessions_sql().contains("device_id"), "0002's time_sessions: {second:?}");
    assert!(!second.tables["users"].contains("ledger_version"), "{second:?}");
    assert_eq!(second.applied, [FIRST, SECOND]);
    roll_back(&state, SECOND);
    let first_only = snapshot(&state);
    assert!(!first_only.has("sync_ops") && !first_only.has("ending_guard"), "{first_only:?}");
    for table in ["users", "time_sessions", "daily_stats"] {
        assert!(first_only.has(table), "{table} is back to 0001's: {first_only:?}");
    }
    let sql = first_only.sessions_sql();
    assert!(sql.contains("start_time") && !sql.contains("start_ms"), "0001's time_sessions: {sql}");
    assert!(first_only.tables["daily_stats"].contains("date"), "{first_only:?}");
    assert_eq!(first_only.applied, [FIRST]);

    apply(&state);
    assert_eq!(snapshot(&state), full, "re-applying 0002 to 0004 restores the same schema");

    roll_back(&state, SEVENTH);
    roll_back(&state, SIXTH);
    roll_back(&state, FIFTH);
    roll_back(&state, FOURTH);
    roll_back(&state, THIRD);
    roll_back(&state, SECOND);
    roll_back(&state, FIRST);
    let empty = snapshot(&state);
    for table in [
        "users",
        "time_sessions",
        "daily_stats",
        "sync_ops",
        "ending_guard",
        "ledger_fence",
        "revoked_sign_ins",
        "hourly_stats",
    ] {
        assert!(!empty.has(table), "{table} after rolling everything back: {empty:?}");
    }
    assert!(empty.applied.is_empty(), "{empty:?}");

    apply(&state);
    assert_eq!(snapshot(&state), full, "from nothing to the same schema again");
    let _ = std::fs::remove_dir_all(&state);
}

#[test]
fn migration_0003_keeps_existing_rows_and_so_does_its_rollback() {
    let state = fresh_state("migrations-rows");
    apply(&state);
    roll_back(&state, SEVENTH);
    roll_back(&state, SIXTH);
    roll_back(&state, FIFTH);
    roll_back(&state, FOURTH);
    roll_back(&state, THIRD);
    // Wave 1's data: a completed and an active session of one user.
    run(&state, &["d1", "execute", "DB", "--command",
        "INSERT INTO users (id, github_user_id, github_username) VALUES (7, 'g7', 'seven'); \
         INSERT INTO time_sessions (user_id, id, repo_owner, repo_name, pr_number, start_ms, end_ms, \
           duration_seconds, status, last_heartbeat_ms) VALUES \
           (7, 'a', 'o', 'r', 1, 1000000, 1600000, 600, 'completed', 1000000), \
           (7, 'b', 'o', 'r', 2, 2000000, NULL, NULL, 'active', 2060000);"]);
    apply(&state);
    let rows = query(&state, "SELECT id, device_id, attributed_seconds, status, duration_seconds FROM time_sessions ORDER BY id");
    let legacy = worktime_api::sessions::LEGACY_DEVICE_ID;
    let got: Vec<(String, String, i64, String)> = rows
        .iter()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
            (
                text("id"),
                text("device_id"),
                r["attributed_seconds"].as_i64().unwrap_or(-1),
                text("status"),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("a".into(), legacy.into(), 600, "completed".into()),
            ("b".into(), legacy.into(), 0, "active".into()),
        ],
        "every row kept, on the legacy device, attributed its duration"
    );

    // Two devices active at once; rolling back keeps every row and the newest active one.
    run(&state, &["d1", "execute", "DB", "--command",
        "INSERT INTO time_sessions (user_id, id, repo_owner, repo_name, pr_number, start_ms, \
           status, last_heartbeat_ms, device_id) VALUES \
           (7, 'c', 'o', 'r', 3, 3000000, 'active', 3000000, '11111111-1111-4111-8111-111111111111');"]);
    roll_back(&state, SEVENTH);
    roll_back(&state, SIXTH);
    roll_back(&state, FIFTH);
    roll_back(&state, FOURTH);
    roll_back(&state, THIRD);
    let rows = query(&state, "SELECT id, status, end_ms FROM time_sessions ORDER BY id");
    let got: Vec<(String, String, Option<i64>)> = rows
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default().into(),
                r["status"].as_str().unwrap_or_default().into(),
                r["end_ms"].as_i64(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("a".into(), "completed".into(), Some(1_600_000)),
            ("b".into(), "abandoned".into(), Some(2_060_000)),
            ("c".into(), "active".into(), None),
        ]
    );
    let _ = std::fs::remove_dir_all(&state);
}

#[test]
fn migration_0007_rolls_up_the_buckets_that_exist() {
    let state = fresh_state("migrations-hourly");
    apply(&state);
    roll_back(&state, SEVENTH);
    // Buckets of two hours: 02:00 and 02:15 (two repositories), and 03:00.
    run(&state, &["d1", "execute", "DB", "--command",
        "INSERT INTO users (id, github_user_id, github_username) VALUES (9, 'g9', 'nine'); \
         INSERT INTO daily_stats (user_id, bucket_ms, repo_owner, repo_name, seconds, starts, running_in) VALUES \
           (9, 7200000, 'o', 'a', 600, 1, 2), (9, 8100000, 'o', 'b', 300, 1, 1), (9, 10800000, 'o', 'a', 60, 0, 0);"]);
    apply(&state);
    let rows = query(&state, "SELECT hour_ms, seconds, starts, running_in FROM hourly_stats WHERE user_id = 9 ORDER BY hour_ms");
    let got: Vec<[i64; 4]> = rows
        .iter()
        .map(|r| {
            ["hour_ms", "seconds", "starts", "running_in"].map(|k| r[k].as_i64().unwrap_or(-1))
        })
        .collect();
    // Seconds and starts add up; what runs into an hour is what runs into its first bucket.
    assert_eq!(got, vec![[7_200_000, 900, 2, 2], [10_800_000, 60, 0, 0]]);
    let _ = std::fs::remove_dir_all(&state);
}
