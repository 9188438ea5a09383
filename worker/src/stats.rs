//! `/api/stats/*`: per-day totals in the caller's local days, per-repository totals, and
//! the breakdown of the last days per repository and PR.

use worker::{Env, Request, Response};
use worktime_api::stats::{
    BREAKDOWN_MAX_PRS, BREAKDOWN_MAX_REPOS, DEFAULT_DAYS, MAX_DAYS, MIN_DAYS,
};
use worktime_api::ErrorCode;
use worktime_core::stats::{self, report, DayStat, LocalRange};
use worktime_core::time::UnixMillis;
use worktime_core::validate;

use crate::d1::Db;
use crate::request::{ApiError, Handled, Query};
use crate::respond;
use crate::store;

/// The `days` and `tz_offset_minutes` parameters, and the local range they name.
fn range_of(query: &Query, now: UnixMillis) -> Handled<(i32, LocalRange)> {
    let days =
        query.int("days", i64::from(DEFAULT_DAYS), i64::from(MIN_DAYS)..=i64::from(MAX_DAYS))?;
    let offset = query.int("tz_offset_minutes", 0, -720..=840)? as i32;
    Ok((offset, stats::local_range(now.0, days as u32, offset)))
}

/// Daily totals, overlaps counted once: from the 15-minute buckets when the offset is a
/// multiple of 15 minutes, otherwise straight from the sessions (exact either way).
async fn days(
    db: &Db,
    user_id: i64,
    range: &LocalRange,
    offset: i32,
    repo: Option<(&str, &str)>,
) -> Handled<Vec<DayStat>> {
    let from_buckets = if stats::buckets_align(offset) {
        let rows =
            store::stats::day_totals(db, user_id, range.from_ms, range.to_ms, offset, repo).await?;
        stats::days_from_totals(&rows, range, offset)
    } else {
        None
    };
    let days = match from_buckets {
        Some(days) => days,
        None => {
            let ended = store::spans::ended(db, user_id, range.from_ms, range.to_ms).await?;
            stats::days_from_spans(&ended, range, repo)
        }
    };
    Ok(days)
}

pub async fn daily(req: &Request, db: &Db, user_id: i64, now: UnixMillis) -> Handled<Response> {
    let query = Query::of(req)?;
    query.only(&["days", "tz_offset_minutes"])?;
    let (offset, range) = range_of(&query, now)?;
    let days = days(db, user_id, &range, offset, None).await?;
    Ok(respond::private_json(200, &report::daily_stats(&days, offset))?)
}

pub async fn repo(
    req: &Request,
    db: &Db,
    user_id: i64,
    owner: &str,
    name: &str,
    now: UnixMillis,
) -> Handled<Response> {
    let query = Query::of(req)?;
    query.only(&["days", "tz_offset_minutes"])?;
    validate::github_owner(owner)
        .map_err(|v| ApiError::new(ErrorCode::InvalidRequest, v.message))?;
    validate::github_repo(name).map_err(|v| ApiError::new(ErrorCode::InvalidRequest, v.message))?;
    let (offset, range) = range_of(&query, now)?;
    let prs = store::stats::pr_totals(db, user_id, owner, name).await?.ok_or_else(|| {
        ApiError::new(ErrorCode::NotFound, "You have no sessions in this repository.")
    })?;
    let days = days(db, user_id, &range, offset, Some((owner, name))).await?;
    let body = report::repo_stats(owner, name, prs, &days, offset);
    Ok(respond::private_json(200, &body)?)
}

/// `GET /api/stats/repos`: the seconds of the range each repository and PR owns, equal in
/// sum to the daily totals' (`GET /api/stats/daily`) for the same days and offset. Two
/// statements whatever the data: the ended sessions around the range's two ends (those
/// crossing an end are counted for the part of the range they own, decided by
/// `overlap::attribute` among them), then the whole range summed, ranked and capped in D1
/// (the others lie inside the range: their attributed seconds are all in it).
pub async fn repos(
    req: &Request,
    env: &Env,
    db: &Db,
    user_id: i64,
    now: UnixMillis,
) -> Handled<Response> {
    let query = Query::of(req)?;
    query.only(&["days", "tz_offset_minutes"])?;
    let (offset, range) = range_of(&query, now)?;
    let max_session_ms = crate::writes::limits(env).max_session_ms;
    let windows = report::edge_windows(range.from_ms, range.to_ms, max_session_ms);
    let around = store::spans::overlapping(db, user_id, &windows, max_session_ms)?;
    let spans = store::spans::read_spans(&db.all(around).await?)?;
    let edges = report::edge_seconds(&spans, range.from_ms, range.to_ms, &windows);
    let rows = store::stats::breakdown(
        db,
        user_id,
        (range.from_ms, range.to_ms),
        max_session_ms,
        &edges,
        (BREAKDOWN_MAX_REPOS, BREAKDOWN_MAX_PRS),
    )
    .await?;
    Ok(respond::private_json(200, &report::repo_breakdown(rows, &range, offset))?)
}
