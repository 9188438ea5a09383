//! Statistics: where the time went, per local day and per repository.

use serde::{Deserialize, Serialize};

/// Default, smallest and largest `days` of the statistics endpoints.
pub const DEFAULT_DAYS: u32 = 30;
pub const MIN_DAYS: u32 = 1;
pub const MAX_DAYS: u32 = 366;

/// Totals of one local day. Ended sessions only; a session crossing midnight counts in
/// each day it touches, with the seconds that fall in that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DayTotals {
    /// `YYYY-MM-DD` in the requested offset.
    pub date: String,
    pub total_duration_seconds: i64,
    pub session_count: i64,
    /// `total_duration_seconds / session_count`, rounded down; 0 without sessions.
    pub avg_session_seconds: i64,
}

/// `GET /api/stats/daily` answer: every day of the range, oldest first, zeros included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DailyStats {
    pub days: Vec<DayTotals>,
    /// First and last date of the range.
    pub from: String,
    pub to: String,
    /// The offset the days are in, minutes east of UTC.
    pub tz_offset_minutes: i32,
    /// Sums over the range.
    pub total_duration_seconds: i64,
    pub session_count: i64,
}

/// Totals of one pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrTotals {
    pub pr_number: i64,
    pub total_duration_seconds: i64,
    pub session_count: i64,
    /// End of the latest ended session, RFC 3339 UTC.
    pub last_worked: String,
}

/// `GET /api/stats/repo/{owner}/{name}` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepoStats {
    pub repo_owner: String,
    pub repo_name: String,
    /// All-time totals of ended sessions.
    pub total_duration_seconds: i64,
    pub session_count: i64,
    /// One row per PR, most recently worked first.
    pub prs: Vec<PrTotals>,
    /// The last `days` local days, as in [`DailyStats`].
    pub days: Vec<DayTotals>,
    pub tz_offset_minutes: i32,
}

/// At most this many repositories are listed in a [`RepoBreakdown`] (the largest), and at
/// most [`BREAKDOWN_MAX_PRS`] pull requests under each: the answer is bounded whatever the
/// data. What is left out still counts in the totals and is counted in the `more_*` fields.
pub const BREAKDOWN_MAX_REPOS: u32 = 50;
pub const BREAKDOWN_MAX_PRS: u32 = 25;

/// One repository's time in a [`RepoBreakdown`]'s range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BreakdownRepo {
    pub repo_owner: String,
    pub repo_name: String,
    /// Seconds of the range this repository's sessions own (overlaps counted once); the sum
    /// of all its PRs, listed or not.
    pub total_duration_seconds: i64,
    /// Its sessions overlapping the range, each once.
    pub session_count: i64,
    /// Its largest PRs in the range, largest first (ties: the later worked, then the lower
    /// number), at most [`BREAKDOWN_MAX_PRS`]. `last_worked` is the latest end in the range.
    pub prs: Vec<PrTotals>,
    /// PRs of the repository not listed.
    pub more_prs: i64,
}

/// `GET /api/stats/repos` answer: where the time of the last `days` local days went, per
/// repository and PR. Ended sessions only, counted for the seconds of the range they own,
/// so `total_duration_seconds` equals [`DailyStats`]' for the same `days` and offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepoBreakdown {
    /// First and last date of the range.
    pub from: String,
    pub to: String,
    /// The offset the days are in, minutes east of UTC.
    pub tz_offset_minutes: i32,
    /// Seconds of the range, all repositories (listed or not).
    pub total_duration_seconds: i64,
    /// Sessions overlapping the range, each once (a session across midnight counts once
    /// here, in each day in [`DailyStats`]).
    pub session_count: i64,
    /// The largest repositories, largest first (ties by name), at most
    /// [`BREAKDOWN_MAX_REPOS`].
    pub repos: Vec<BreakdownRepo>,
    /// Repositories with time in the range not listed.
    pub more_repos: i64,
}
