//! The statistics: `daily_stats` (15-minute UTC buckets per repository) and its hourly
//! rollup `hourly_stats`, written by the ledger's delta and summed per local day in D1;
//! and per-PR totals of a repository, summed from the sessions' attributed seconds.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};
use worker::{D1PreparedStatement, Result};
use worktime_api::stats::PrTotals;
use worktime_core::overlap::BucketChange;
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
