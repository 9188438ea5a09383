//! The running worker's local D1 and KV, read and written directly through wrangler on
//! its state directory (`WORKTIME_TEST_STATE_DIR`), for tests that must see what is
//! stored, not what the API says.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

fn workspace() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").to_path_buf()
}

/// `wrangler <args> --local --persist-to <state>` in `worker/`; its stdout.
fn wrangler(args: &[&str]) -> String {
    let state = std::env::var("WORKTIME_TEST_STATE_DIR").expect(
        "WORKTIME_TEST_STATE_DIR must name the worker's state directory; run scripts/test.sh",
    );
    let output = Command::new(workspace().join("node_modules/.bin/wrangler"))
        .args(args)
        .args(["--local", "--persist-to", &state])
        .current_dir(workspace().join("worker"))
        .env("CI", "true")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("wrangler runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "wrangler {args:?} failed: {stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The rows of each statement of `sql` (one or more statements separated by `;`).
pub fn d1(sql: &str) -> Vec<Vec<Value>> {
    let stdout = wrangler(&["d1", "execute", "DB", "--json", "--command", sql]);
    let start = stdout.find('[').unwrap_or_else(|| panic!("no JSON from wrangler: {stdout}"));
    let parsed: Value = serde_json::Deserializer::from_str(&stdout[start..])
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("wrangler's --json output does not parse: {stdout}"));
    let statements = parsed.as_array().cloned().unwrap_or_default();
    statements.iter().map(|s| s["results"].as_array().cloned().unwrap_or_default()).collect()
}

/// Every table with a `user_id` column, from the schema itself (so a table added later is
/// covered without editing the tests).
pub fn user_tables() -> Vec<String> {
    let rows = &d1("SELECT DISTINCT m.name AS name FROM sqlite_master AS m, \
         pragma_table_info(m.name) AS p WHERE m.type = 'table' AND p.name = 'user_id' \
         ORDER BY m.name")[0];
    rows.iter().map(|r| r["name"].as_str().expect("table name").to_owned()).collect()
}

/// Every row of `user_id` in every table (`users` by id, the others by `user_id`), as
/// table → rows sorted by their JSON text: one wrangler call.
pub fn rows_of(user_id: i64) -> Vec<(String, Vec<String>)> {
    let mut tables = vec!["users".to_owned()];
    tables.extend(user_tables());
    let sql: Vec<String> = tables
        .iter()
        .map(|t| {
            let key = if t == "users" { "id" } else { "user_id" };
            format!("SELECT * FROM {t} WHERE {key} = {user_id}")
        })
        .collect();
    let results = d1(&sql.join("; "));
    assert_eq!(results.len(), tables.len(), "one result per table: {results:?}");
    tables
        .into_iter()
        .zip(results)
        .map(|(table, rows)| {
            let mut rows: Vec<String> = rows.iter().map(Value::to_string).collect();
            rows.sort();
            (table, rows)
        })
        .collect()
}

/// Stores `value` under `key` in the worker's KV namespace.
pub fn kv_put(key: &str, value: &str) {
    wrangler(&["kv", "key", "put", "--binding", "KV", key, value]);
}

/// The keys of the worker's KV namespace starting with `prefix`.
pub fn kv_keys(prefix: &str) -> Vec<String> {
    let stdout = wrangler(&["kv", "key", "list", "--binding", "KV", "--prefix", prefix]);
    let start = stdout.find('[').unwrap_or_else(|| panic!("no JSON from wrangler: {stdout}"));
    let keys: Value = serde_json::from_str(stdout[start..].trim())
        .unwrap_or_else(|err| panic!("kv key list output ({err}): {stdout}"));
    keys.as_array()
        .map(|keys| keys.iter().filter_map(|k| k["name"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}
