//! The statistics answers as the contract shapes them, assembled from the core's per-day
//! arithmetic: the worker answers with them and the SDK computes the same shapes from
//! local history when the server cannot be asked.

use worktime_api::stats::{DailyStats, DayTotals, PrTotals, RepoStats};

use super::DayStat;
use crate::time::UnixMillis;

/// One day as the contract writes it (`YYYY-MM-DD`; `NaiveDate`'s `Display`, which needs
/// no `strftime` parser in the SDK's wasm).
pub fn day_totals(day: &DayStat) -> DayTotals {
    DayTotals {
        date: day.date.to_string(),
        total_duration_seconds: day.total_seconds,
        session_count: day.session_count,
        avg_session_seconds: day.avg_session_seconds,
    }
}

/// `GET /api/stats/daily`'s answer for the days of one range, oldest first.
pub fn daily_stats(days: &[DayStat], tz_offset_minutes: i32) -> DailyStats {
    let days: Vec<DayTotals> = days.iter().map(day_totals).collect();
    DailyStats {
        from: days.first().map(|d| d.date.clone()).unwrap_or_default(),
        to: days.last().map(|d| d.date.clone()).unwrap_or_default(),
        total_duration_seconds: days.iter().map(|d| d.total_duration_seconds).sum(),
        session_count: days.iter().map(|d| d.session_count).sum(),
        tz_offset_minutes,
        days,
    }
}

/// One ended session as the breakdown counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedSession<'a> {
    pub repo_owner: &'a str,
    pub repo_name: &'a str,
    pub pr_number: i64,
    pub end_ms: i64,
    /// The seconds it counts for: attributed seconds on the server (overlaps once), its
    /// length locally.
    pub seconds: i64,
}

/// Per-PR totals of one repository's ended sessions, most recently worked first (ties
/// by PR number), as in `GET /api/stats/repo/{owner}/{name}`. (Grouped by sorting, not
/// in a map: one less generic collection in the SDK's wasm.)
pub fn pr_totals<'a>(sessions: impl IntoIterator<Item = EndedSession<'a>>) -> Vec<PrTotals> {
    let mut sessions: Vec<EndedSession<'a>> = sessions.into_iter().collect();
    sessions.sort_unstable_by_key(|session| session.pr_number);
    let mut rows: Vec<(i64, i64, i64, i64)> = Vec::new();
    for session in &sessions {
        match rows.last_mut() {
            Some(row) if row.0 == session.pr_number => {
                row.1 = row.1.saturating_add(session.seconds.max(0));
                row.2 += 1;
                row.3 = row.3.max(session.end_ms);
            }
            _ => rows.push((session.pr_number, session.seconds.max(0), 1, session.end_ms)),
        }
    }
    rows.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)));
    rows.into_iter()
        .map(|(pr_number, total, count, last_end)| PrTotals {
            pr_number,
            total_duration_seconds: total,
            session_count: count,
            last_worked: UnixMillis(last_end).to_rfc3339(),
        })
        .collect()
}

/// `GET /api/stats/repo/{owner}/{name}`'s answer from its per-PR rows and its days.
pub fn repo_stats(
    owner: &str,
    name: &str,
    prs: Vec<PrTotals>,
    days: &[DayStat],
    tz_offset_minutes: i32,
) -> RepoStats {
    RepoStats {
        repo_owner: owner.to_owned(),
        repo_name: name.to_owned(),
        total_duration_seconds: prs.iter().map(|p| p.total_duration_seconds).sum(),
        session_count: prs.iter().map(|p| p.session_count).sum(),
        prs,
        days: days.iter().map(day_totals).collect(),
        tz_offset_minutes,
    }
}

/// One repository's share of a breakdown: its totals and its PRs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepoTotals {
    pub repo_owner: String,
    pub repo_name: String,
    pub total_duration_seconds: i64,
    pub session_count: i64,
    /// The repository's page on GitHub (`None` for names GitHub would not accept).
    pub repo_url: Option<String>,
    /// Most recently worked first.
    pub prs: Vec<PrTotals>,
}

/// Ended sessions grouped per repository (names compared ASCII-case-insensitively, as
/// GitHub does with its ASCII names; the first spelling seen is kept), largest total
/// first, ties by name.
pub fn breakdown<'a>(sessions: impl IntoIterator<Item = EndedSession<'a>>) -> Vec<RepoTotals> {
    let key = |s: &EndedSession<'_>| {
        (s.repo_owner.to_ascii_lowercase(), s.repo_name.to_ascii_lowercase())
    };
    // A stable sort keeps each repository's sessions in their order: its first spelling
    // leads its group.
    let mut sessions: Vec<EndedSession<'a>> = sessions.into_iter().collect();
    sessions.sort_by_cached_key(key);
    let mut groups: Vec<Vec<EndedSession<'a>>> = Vec::new();
    for session in sessions {
        match groups.last_mut() {
            Some(group) if group.first().map(key) == Some(key(&session)) => group.push(session),
            _ => groups.push(vec![session]),
        }
    }
    let mut repos: Vec<RepoTotals> = groups
        .into_iter()
        .filter_map(|group| {
            let (owner, name) = group.first().map(|s| (s.repo_owner, s.repo_name))?;
            let prs = pr_totals(group);
            Some(RepoTotals {
                repo_owner: owner.to_owned(),
                repo_name: name.to_owned(),
                total_duration_seconds: prs.iter().map(|p| p.total_duration_seconds).sum(),
                session_count: prs.iter().map(|p| p.session_count).sum(),
                repo_url: crate::presence::repo_url(owner, name),
                prs,
            })
        })
        .collect();
    repos.sort_by(|a, b| {
        b.total_duration_seconds
            .cmp(&a.total_duration_seconds)
            .then_with(|| a.repo_owner.to_ascii_lowercase().cmp(&b.repo_owner.to_ascii_lowercase()))
            .then_with(|| a.repo_name.to_ascii_lowercase().cmp(&b.repo_name.to_ascii_lowercase()))
    });
    repos
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(owner: &'static str, pr: i64, end_ms: i64, seconds: i64) -> EndedSession<'static> {
        EndedSession { repo_owner: owner, repo_name: "r", pr_number: pr, end_ms, seconds }
    }

    #[test]
    fn prs_are_summed_and_the_latest_worked_comes_first() {
        let prs =
            pr_totals([ended("o", 1, 5_000, 10), ended("o", 2, 9_000, 5), ended("o", 1, 1_000, 7)]);
        assert_eq!(prs.iter().map(|p| p.pr_number).collect::<Vec<_>>(), [2, 1]);
        assert_eq!((prs[1].total_duration_seconds, prs[1].session_count), (17, 2));
        assert_eq!(prs[1].last_worked, UnixMillis(5_000).to_rfc3339());
    }

    #[test]
    fn repos_group_case_insensitively_largest_first() {
        let repos =
            breakdown([ended("Acme", 1, 1, 10), ended("acme", 2, 2, 10), ended("zed", 1, 3, 30)]);
        assert_eq!(repos.len(), 2);
        assert_eq!((repos[0].repo_owner.as_str(), repos[0].total_duration_seconds), ("zed", 30));
        assert_eq!((repos[1].repo_owner.as_str(), repos[1].session_count), ("Acme", 2));
        assert_eq!(repos[1].prs.len(), 2);
    }

    #[test]
    fn negative_seconds_never_subtract() {
        let prs = pr_totals([ended("o", 1, 1, -5), ended("o", 1, 2, 4)]);
        assert_eq!(prs[0].total_duration_seconds, 4);
    }
}
