//! The statistics: `daily_stats` (15-minute UTC buckets per repository) and its hourly
//! rollup `hourly_stats`, written by the ledger's delta and summed per local day in D1;
//! per-PR totals of a repository, summed from the sessions' attributed seconds; and the
//! breakdown of a range per repository and PR, ranked and capped in D1.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};
use worker::{D1PreparedStatement, Result};
use worktime_api::stats::PrTotals;
use worktime_core::overlap::BucketChange;
use worktime_core::stats::report::BreakdownRow;
use worktime_core::stats::{self, DayTotal, HourChange};
use worktime_core::time::UnixMillis;

use super::{num, text};
use crate::d1::Db;

#[derive(Deserialize)]
struct DayRow {
    day: f64,
    seconds: f64,
    sessions: f64,
}

/// Numbers are bound as floats (D1 has no BigInt): the offset is cast back to an integer so
/// that the division is an integer one and rows group by day, not by bucket.
///
/// Per local day of `[from_ms, to_ms)` (days since 1970-01-01 at `tz_offset_minutes`, a
/// multiple of 15 minutes): seconds and sessions, summed in D1 from the 15-minute bucket
/// rows, optionally for one repository. A day's sessions are those starting in it plus
/// those running across its first instant (see `worktime_core::stats`). One statement.
pub async fn day_totals(
    db: &Db,
    user_id: i64,
    from_ms: i64,
    to_ms: i64,
    tz_offset_minutes: i32,
    repo: Option<(&str, &str)>,
) -> Result<Vec<DayTotal>> {
    // All repositories at a whole-hour offset: the hourly rollup (at most 24 rows a day);
    // otherwise the 15-minute buckets.
    let (table, column) = if repo.is_none() && stats::hours_align(tz_offset_minutes) {
        ("hourly_stats", "hour_ms")
    } else {
        ("daily_stats", "bucket_ms")
    };
    let mut sql = format!(
        "SELECT ({column} + CAST(?4 AS INTEGER)) / 86400000 AS day, SUM(seconds) AS seconds, \
         SUM(starts) + SUM(CASE WHEN ({column} + CAST(?4 AS INTEGER)) % 86400000 = 0 \
         THEN running_in ELSE 0 END) AS sessions \
         FROM {table} WHERE user_id = ?1 AND {column} >= ?2 AND {column} < ?3",
    );
    let offset_ms = i64::from(tz_offset_minutes) * 60_000;
    let mut binds = vec![num(user_id), num(from_ms), num(to_ms), num(offset_ms)];
    if let Some((owner, name)) = repo {
        sql.push_str(" AND repo_owner = ?5 AND repo_name = ?6");
        binds.extend([text(owner), text(name)]);
    }
    sql.push_str(" GROUP BY day");
    let rows = db.all(db.prepare(&sql).bind(&binds)?).await?.results::<DayRow>()?;
    Ok(rows
        .into_iter()
        .map(|r| DayTotal {
            day_index: r.day as i64,
            seconds: r.seconds as i64,
            sessions: r.sessions as i64,
        })
        .collect())
}

#[derive(Deserialize)]
struct PrRow {
    pr_number: f64,
    total: f64,
    sessions: f64,
    last_end: f64,
}

impl PrRow {
    fn into_totals(self) -> PrTotals {
        PrTotals {
            pr_number: self.pr_number as i64,
            total_duration_seconds: self.total as i64,
            session_count: self.sessions as i64,
            last_worked: UnixMillis(self.last_end as i64).to_rfc3339(),
        }
    }
}

#[derive(Deserialize)]
struct CountRow {
    n: f64,
}

/// Per PR of the repository, the user's ended sessions' attributed seconds, count and last
/// end, the PR worked on last first; `None` when the user has no session (of any status)
/// in the repository. One batch of two statements.
pub async fn pr_totals(
    db: &Db,
    user_id: i64,
    owner: &str,
    name: &str,
) -> Result<Option<Vec<PrTotals>>> {
    let binds = [num(user_id), text(owner), text(name)];
    let any = db
        .prepare("SELECT COUNT(*) AS n FROM time_sessions WHERE user_id = ?1 AND repo_owner = ?2 AND repo_name = ?3")
        .bind(&binds)?;
    let per_pr = db
        .prepare(
            "SELECT pr_number, SUM(attributed_seconds) AS total, COUNT(*) AS sessions, MAX(end_ms) AS last_end \
             FROM time_sessions WHERE user_id = ?1 AND repo_owner = ?2 AND repo_name = ?3 \
             AND status != 'active' GROUP BY pr_number ORDER BY last_end DESC, pr_number",
        )
        .bind(&binds)?;
    let results = db.batch(vec![any, per_pr]).await?;
    let count = match results.first() {
        Some(result) => result.results::<CountRow>()?.first().map(|a| a.n).unwrap_or(0.0),
        None => 0.0,
    };
    if count == 0.0 {
        return Ok(None);
    }
    let prs = match results.get(1) {
        Some(result) => result.results::<PrRow>()?,
        None => Vec::new(),
    };
    Ok(Some(prs.into_iter().map(PrRow::into_totals).collect()))
}

#[derive(Deserialize)]
struct BreakdownDbRow {
    repo_rank: f64,
    owner: String,
    name: String,
    repo_seconds: f64,
    repo_sessions: f64,
    repo_prs: f64,
    repos: f64,
    all_seconds: f64,
    all_sessions: f64,
    pr: f64,
    pr_seconds: f64,
    pr_sessions: f64,
    last_end: f64,
}

impl BreakdownDbRow {
    fn into_row(self) -> BreakdownRow {
        BreakdownRow {
            repo_rank: self.repo_rank as i64,
            repo_owner: self.owner,
            repo_name: self.name,
            repo_seconds: self.repo_seconds as i64,
            repo_sessions: self.repo_sessions as i64,
            repo_prs: self.repo_prs as i64,
            pr: PrRow {
                pr_number: self.pr,
                total: self.pr_seconds,
                sessions: self.pr_sessions,
                last_end: self.last_end,
            }
            .into_totals(),
            repos: self.repos as i64,
            seconds: self.all_seconds as i64,
            sessions: self.all_sessions as i64,
        }
    }
}

/// The range's breakdown, ranked and capped in D1: the user's ended sessions overlapping
/// `[from_ms, to_ms)` (one index range on `(user_id, start_ms)`: sessions last at most
/// `max_session_ms`), each counted for its attributed seconds, or for `edges`' seconds
/// (session id → seconds of the range it owns) for those crossing an end of the range;
/// grouped per repository (names ASCII-case-insensitive) and PR. Returns one row per
/// listed PR (at most `max_prs` per repository, of the `max_repos` largest), each with
/// its repository's figures and the range's, ordered by repository then PR rank; none
/// when the range holds no session. One statement.
pub async fn breakdown(
    db: &Db,
    user_id: i64,
    (from_ms, to_ms): (i64, i64),
    max_session_ms: i64,
    edges: &[(String, i64)],
    (max_repos, max_prs): (u32, u32),
) -> Result<Vec<BreakdownRow>> {
    let edges: serde_json::Map<String, Value> =
        edges.iter().map(|(id, seconds)| (id.clone(), json!(seconds))).collect();
    let statement = db
        .prepare(
            "WITH e AS MATERIALIZED (SELECT key AS id, value AS seconds FROM json_each(?4)), \
             s AS MATERIALIZED ( \
               SELECT lower(t.repo_owner) AS ko, lower(t.repo_name) AS kn, t.repo_owner AS owner, \
               t.repo_name AS name, t.pr_number AS pr, t.end_ms AS end_ms, \
               COALESCE(e.seconds, t.attributed_seconds) AS seconds \
               FROM time_sessions AS t LEFT JOIN e ON e.id = t.id \
               WHERE t.user_id = ?1 AND t.start_ms >= ?2 - ?5 AND t.start_ms < ?3 AND t.end_ms > ?2 \
               AND t.status != 'active' AND t.end_ms > t.start_ms), \
             p AS (SELECT ko, kn, pr, SUM(seconds) AS seconds, COUNT(*) AS sessions, \
               MAX(end_ms) AS last_end, ROW_NUMBER() OVER (PARTITION BY ko, kn \
                 ORDER BY SUM(seconds) DESC, MAX(end_ms) DESC, pr) AS pr_rank \
               FROM s GROUP BY ko, kn, pr), \
             r AS (SELECT ko, kn, MIN(owner) AS owner, MIN(name) AS name, SUM(seconds) AS seconds, \
               COUNT(*) AS sessions, COUNT(DISTINCT pr) AS prs, \
               ROW_NUMBER() OVER (ORDER BY SUM(seconds) DESC, ko, kn) AS repo_rank, \
               COUNT(*) OVER () AS repos, SUM(SUM(seconds)) OVER () AS all_seconds, \
               SUM(COUNT(*)) OVER () AS all_sessions \
               FROM s GROUP BY ko, kn) \
             SELECT r.repo_rank, r.owner, r.name, r.seconds AS repo_seconds, \
               r.sessions AS repo_sessions, r.prs AS repo_prs, r.repos, r.all_seconds, \
               r.all_sessions, p.pr, p.seconds AS pr_seconds, p.sessions AS pr_sessions, p.last_end \
             FROM r JOIN p ON p.ko = r.ko AND p.kn = r.kn \
             WHERE r.repo_rank <= ?6 AND p.pr_rank <= ?7 ORDER BY r.repo_rank, p.pr_rank",
        )
        .bind(&[
            num(user_id),
            num(from_ms),
            num(to_ms),
            super::json(&Value::Object(edges)),
            num(max_session_ms),
            num(i64::from(max_repos)),
            num(i64::from(max_prs)),
        ])?;
    let rows = db.all(statement).await?.results::<BreakdownDbRow>()?;
    Ok(rows.into_iter().map(BreakdownDbRow::into_row).collect())
}

/// Adds bucket changes to `daily_stats`: `(bucket_ms, lowercase owner, lowercase name)` →
/// change, a new row where there is none.
pub fn add_buckets(
    db: &Db,
    user_id: i64,
    buckets: &BTreeMap<(i64, String, String), BucketChange>,
) -> Result<D1PreparedStatement> {
    let rows: Vec<Value> = buckets
        .iter()
        .map(|((bucket, _, _), c)| {
            json!([bucket, c.repo_owner, c.repo_name, c.seconds, c.starts, c.running_in])
        })
        .collect();
    db.prepare(
        "INSERT INTO daily_stats (user_id, bucket_ms, repo_owner, repo_name, seconds, starts, running_in) \
         SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', \
         value ->> '$[4]', value ->> '$[5]' FROM json_each(?2) WHERE true \
         ON CONFLICT (user_id, bucket_ms, repo_owner, repo_name) DO UPDATE SET \
         seconds = seconds + excluded.seconds, starts = starts + excluded.starts, \
         running_in = running_in + excluded.running_in",
    )
    .bind(&[num(user_id), super::json(&Value::Array(rows))])
}

/// Adds hour changes to the rollup `hourly_stats`: `hour_ms` → change, a new row where
/// there is none.
pub fn add_hours(
    db: &Db,
    user_id: i64,
    hours: &BTreeMap<i64, HourChange>,
) -> Result<D1PreparedStatement> {
    let rows: Vec<Value> =
        hours.iter().map(|(hour, c)| json!([hour, c.seconds, c.starts, c.running_in])).collect();
    db.prepare(
        "INSERT INTO hourly_stats (user_id, hour_ms, seconds, starts, running_in) \
         SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]' \
         FROM json_each(?2) WHERE true \
         ON CONFLICT (user_id, hour_ms) DO UPDATE SET \
         seconds = seconds + excluded.seconds, starts = starts + excluded.starts, \
         running_in = running_in + excluded.running_in",
    )
    .bind(&[num(user_id), super::json(&Value::Array(rows))])
}
