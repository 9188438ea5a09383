//! The statistics answers as the contract shapes them, assembled from the core's per-day
//! arithmetic: the worker answers with them and the SDK computes the same shapes from
//! local history when the server cannot be asked.

use chrono::Days;
use worktime_api::stats::{
    BreakdownRepo, DailyStats, DayTotals, PrTotals, RepoBreakdown, RepoStats, BREAKDOWN_MAX_PRS,
    BREAKDOWN_MAX_REPOS,
};

use super::{DayStat, LocalRange};
use crate::overlap::{attribute, merged_windows, Span};
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

/// One PR's share of a breakdown: its totals and its page on GitHub.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrEntry {
    pub pr_number: i64,
    pub total_duration_seconds: i64,
    pub session_count: i64,
    /// End of its latest session counted, RFC 3339 UTC.
    pub last_worked: String,
    /// The PR's page on GitHub (`None` for names GitHub would not accept).
    pub pr_url: Option<String>,
}

impl PrEntry {
    fn of(owner: &str, name: &str, pr: PrTotals) -> PrEntry {
        PrEntry {
            pr_url: crate::presence::pr_url(owner, name, pr.pr_number),
            pr_number: pr.pr_number,
            total_duration_seconds: pr.total_duration_seconds,
            session_count: pr.session_count,
            last_worked: pr.last_worked,
        }
    }
}

/// One repository's share of a breakdown: its totals and its PRs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepoTotals {
    pub repo_owner: String,
    pub repo_name: String,
    /// All its PRs, listed or not.
    pub total_duration_seconds: i64,
    pub session_count: i64,
    /// The repository's page on GitHub (`None` for names GitHub would not accept).
    pub repo_url: Option<String>,
    /// Largest first (ties: the later worked, then the lower number), at most
    /// `worktime_api::stats::BREAKDOWN_MAX_PRS`.
    pub prs: Vec<PrEntry>,
    /// Its PRs not listed.
    pub more_prs: i64,
}

impl RepoTotals {
    /// A repository of the server's breakdown, as the SDK hands it on.
    pub fn from_wire(repo: BreakdownRepo) -> RepoTotals {
        let (owner, name) = (repo.repo_owner, repo.repo_name);
        RepoTotals {
            repo_url: crate::presence::repo_url(&owner, &name),
            prs: repo.prs.into_iter().map(|pr| PrEntry::of(&owner, &name, pr)).collect(),
            total_duration_seconds: repo.total_duration_seconds,
            session_count: repo.session_count,
            more_prs: repo.more_prs,
            repo_owner: owner,
            repo_name: name,
        }
    }
}

/// Keeps the first `max` of `items` and says how many were dropped.
fn keep_first<T>(items: &mut Vec<T>, max: u32) -> i64 {
    let max = max as usize;
    let more = items.len().saturating_sub(max);
    items.truncate(max);
    more as i64
}

/// Ended sessions grouped per repository (names compared ASCII-case-insensitively, as
/// GitHub does with its ASCII names; the first spelling seen is kept), largest total
/// first, ties by name; PRs ordered and both capped as the server's breakdown
/// (`worktime_api::stats::BREAKDOWN_MAX_REPOS`, `BREAKDOWN_MAX_PRS`). Returns the
/// repositories and how many were left out.
pub fn breakdown<'a>(
    sessions: impl IntoIterator<Item = EndedSession<'a>>,
) -> (Vec<RepoTotals>, i64) {
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
            // Most recently worked first, then (stable) largest first.
            let mut prs = pr_totals(group);
            prs.sort_by_key(|pr| std::cmp::Reverse(pr.total_duration_seconds));
            let total_duration_seconds = prs.iter().map(|p| p.total_duration_seconds).sum();
            let session_count = prs.iter().map(|p| p.session_count).sum();
            let more_prs = keep_first(&mut prs, BREAKDOWN_MAX_PRS);
            Some(RepoTotals {
                repo_owner: owner.to_owned(),
                repo_name: name.to_owned(),
                total_duration_seconds,
                session_count,
                repo_url: crate::presence::repo_url(owner, name),
                prs: prs.into_iter().map(|pr| PrEntry::of(owner, name, pr)).collect(),
                more_prs,
            })
        })
        .collect();
    repos.sort_by(|a, b| {
        b.total_duration_seconds
            .cmp(&a.total_duration_seconds)
            .then_with(|| a.repo_owner.to_ascii_lowercase().cmp(&b.repo_owner.to_ascii_lowercase()))
            .then_with(|| a.repo_name.to_ascii_lowercase().cmp(&b.repo_name.to_ascii_lowercase()))
    });
    let more_repos = keep_first(&mut repos, BREAKDOWN_MAX_REPOS);
    (repos, more_repos)
}

/// Where the sessions crossing an end of the range `[from_ms, to_ms)` can own time of it:
/// a session lasts at most `max_session_ms`, so one across `from_ms` ends before
/// `from_ms + max_session_ms` and one across `to_ms` starts after `to_ms - max_session_ms`.
/// Sorted, disjoint, inside the range.
pub fn edge_windows(from_ms: i64, to_ms: i64, max_session_ms: i64) -> Vec<(i64, i64)> {
    let after_start = (from_ms, from_ms.saturating_add(max_session_ms).min(to_ms));
    let before_end = (to_ms.saturating_sub(max_session_ms).max(from_ms), to_ms);
    merged_windows([after_start, before_end].into_iter())
}

/// Every session of `spans` that overlaps `[from_ms, to_ms)` and crosses one of its ends,
/// with the seconds of the range it owns (0 included). `spans` must hold every ended
/// session overlapping `windows` ([`edge_windows`] of the range). The other sessions of
/// the range lie inside it: their attributed seconds are all in the range.
pub fn edge_seconds(
    spans: &[Span],
    from_ms: i64,
    to_ms: i64,
    windows: &[(i64, i64)],
) -> Vec<(String, i64)> {
    let crosses = |s: &Span| {
        s.end_ms > s.start_ms
            && s.start_ms < to_ms
            && s.end_ms > from_ms
            && (s.start_ms < from_ms || s.end_ms > to_ms)
    };
    let mut seconds = vec![0_i64; spans.len()];
    for &(from, to) in windows {
        for (owner, a, b) in attribute(spans, from.max(from_ms), to.min(to_ms)) {
            if let Some(slot) = seconds.get_mut(owner) {
                *slot += (b - a) / 1000;
            }
        }
    }
    spans
        .iter()
        .zip(seconds)
        .filter(|(span, _)| crosses(span))
        .map(|(span, seconds)| (span.id.clone(), seconds))
        .collect()
}

/// One row of the breakdown as the database ranks it: a listed PR with its repository's
/// figures and the range's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakdownRow {
    /// 1 for the largest repository.
    pub repo_rank: i64,
    pub repo_owner: String,
    pub repo_name: String,
    pub repo_seconds: i64,
    pub repo_sessions: i64,
    /// PRs of the repository in the range, listed or not.
    pub repo_prs: i64,
    pub pr: PrTotals,
    /// Repositories in the range, and the range's seconds and sessions.
    pub repos: i64,
    pub seconds: i64,
    pub sessions: i64,
}

/// `GET /api/stats/repos`' answer from its rows (ordered by repository rank, then PR):
/// each repository once, with its listed PRs in order.
pub fn repo_breakdown(
    rows: Vec<BreakdownRow>,
    range: &LocalRange,
    tz_offset_minutes: i32,
) -> RepoBreakdown {
    let last_day = range
        .first_day
        .checked_add_days(Days::new(u64::from(range.days.max(1) - 1)))
        .unwrap_or(range.first_day);
    let mut answer = RepoBreakdown {
        from: range.first_day.to_string(),
        to: last_day.to_string(),
        tz_offset_minutes,
        total_duration_seconds: rows.first().map_or(0, |r| r.seconds),
        session_count: rows.first().map_or(0, |r| r.sessions),
        repos: Vec::new(),
        more_repos: 0,
    };
    let mut rank = None;
    for row in rows {
        if rank != Some(row.repo_rank) {
            rank = Some(row.repo_rank);
            answer.more_repos = row.repos;
            answer.repos.push(BreakdownRepo {
                repo_owner: row.repo_owner,
                repo_name: row.repo_name,
                total_duration_seconds: row.repo_seconds,
                session_count: row.repo_sessions,
                prs: Vec::new(),
                more_prs: row.repo_prs,
            });
        }
        if let Some(repo) = answer.repos.last_mut() {
            repo.prs.push(row.pr);
            repo.more_prs = repo.more_prs.saturating_sub(1);
        }
    }
    answer.more_repos = answer.more_repos.saturating_sub(answer.repos.len() as i64);
    answer
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
        let (repos, more) = breakdown([
            ended("Acme", 1, 1, 10),
            ended("acme", 2, 2, 10),
            ended("acme", 3, 3, 12),
            ended("zed", 1, 3, 40),
        ]);
        assert_eq!((repos.len(), more), (2, 0));
        assert_eq!((repos[0].repo_owner.as_str(), repos[0].total_duration_seconds), ("zed", 40));
        assert_eq!((repos[1].repo_owner.as_str(), repos[1].session_count), ("Acme", 3));
        // Largest first, then the later worked.
        let prs: Vec<i64> = repos[1].prs.iter().map(|p| p.pr_number).collect();
        assert_eq!(prs, [3, 2, 1]);
        assert_eq!(repos[1].prs[0].pr_url.as_deref(), Some("https://github.com/Acme/r/pull/3"));
        assert_eq!(repos[1].repo_url.as_deref(), Some("https://github.com/Acme/r"));
    }

    #[test]
    fn the_local_breakdown_is_capped_like_the_servers() {
        let owners: Vec<String> = (0..BREAKDOWN_MAX_REPOS + 3).map(|i| format!("o{i}")).collect();
        let mut sessions: Vec<EndedSession<'_>> = owners
            .iter()
            .enumerate()
            .map(|(i, owner)| EndedSession {
                repo_owner: owner,
                repo_name: "r",
                pr_number: 1,
                end_ms: 1,
                seconds: 1_000 + i as i64,
            })
            .collect();
        sessions.extend((1..=i64::from(BREAKDOWN_MAX_PRS) + 2).map(|pr| ended("big", pr, pr, 100)));
        let (repos, more) = breakdown(sessions);
        assert_eq!((repos.len() as u32, more), (BREAKDOWN_MAX_REPOS, 4));
        let big = repos.iter().find(|r| r.repo_owner == "big").expect("the largest is listed");
        assert_eq!((big.prs.len() as u32, big.more_prs), (BREAKDOWN_MAX_PRS, 2));
        assert_eq!(big.total_duration_seconds, 100 * (i64::from(BREAKDOWN_MAX_PRS) + 2));
        assert_eq!(big.prs[0].pr_number, i64::from(BREAKDOWN_MAX_PRS) + 2, "the latest first");
    }

    fn span(id: &str, start_s: i64, end_s: i64) -> Span {
        Span {
            id: id.into(),
            repo_owner: "o".into(),
            repo_name: "r".into(),
            start_ms: start_s * 1000,
            end_ms: end_s * 1000,
        }
    }

    #[test]
    fn sessions_across_the_ends_count_what_they_own_inside() {
        let (from, to, max) = (100_000, 400_000, 50_000);
        let windows = edge_windows(from, to, max);
        assert_eq!(windows, [(100_000, 150_000), (350_000, 400_000)]);
        assert_eq!(edge_windows(0, 60_000, 50_000), [(0, 60_000)], "overlapping windows merge");
        let spans = [
            // Across the start, all three: d started last, so it owns [100, 140) but for
            // [110, 120), which b (inside) owns; a and c own nothing of the range.
            span("a", 90, 130),
            span("b", 110, 120),
            span("c", 95, 105),
            span("d", 99, 140),
            // Across the end: [390, 400).
            span("e", 390, 410),
            // Before the range.
            span("f", 50, 100),
        ];
        let mut edges = edge_seconds(&spans, from, to, &windows);
        edges.sort();
        let want = [("a", 0), ("c", 0), ("d", 30), ("e", 10)];
        let want: Vec<(String, i64)> = want.iter().map(|(id, s)| (id.to_string(), *s)).collect();
        assert_eq!(edges, want, "b lies inside, f ends at the start");
    }

    proptest::proptest! {
        /// Inner sessions' attributed seconds plus the edges' own seconds in the range are
        /// the union of the range, as the daily totals count it.
        #[test]
        fn inner_attributed_plus_edges_is_the_union(
            raw in proptest::collection::vec((0_i64..200, 0_i64..40), 0..12),
            from in 50_i64..120,
            len in 1_i64..100,
        ) {
            let (max, from, to) = (40_000, from * 1000, (from + len) * 1000);
            let spans: Vec<Span> = raw
                .iter()
                .enumerate()
                .map(|(i, &(start, length))| span(&format!("s{i}"), start, start + length))
                .collect();
            let mut attributed = vec![0_i64; spans.len()];
            for (owner, a, b) in attribute(&spans, i64::MIN / 2, i64::MAX / 2) {
                attributed[owner] += (b - a) / 1000;
            }
            let windows = edge_windows(from, to, max);
            let edges = edge_seconds(&spans, from, to, &windows);
            let total: i64 = spans
                .iter()
                .zip(&attributed)
                .filter(|(s, _)| s.end_ms > s.start_ms && s.start_ms < to && s.end_ms > from)
                .map(|(s, seconds)| {
                    edges.iter().find(|(id, _)| *id == s.id).map_or(*seconds, |(_, own)| *own)
                })
                .sum();
            proptest::prop_assert_eq!(total, crate::overlap::union_seconds(&spans, from, to));
        }
    }

    fn row(rank: i64, owner: &str, pr: i64, seconds: i64) -> BreakdownRow {
        BreakdownRow {
            repo_rank: rank,
            repo_owner: owner.into(),
            repo_name: "r".into(),
            repo_seconds: 1_000 / rank,
            repo_sessions: 4,
            repo_prs: 3,
            pr: PrTotals {
                pr_number: pr,
                total_duration_seconds: seconds,
                session_count: 1,
                last_worked: UnixMillis(0).to_rfc3339(),
            },
            repos: 5,
            seconds: 2_000,
            sessions: 9,
        }
    }

    #[test]
    fn the_servers_rows_become_one_entry_per_repository() {
        let range = crate::stats::local_range(10 * crate::stats::DAY_MS, 7, 60);
        let rows = vec![row(1, "a", 7, 600), row(1, "a", 8, 400), row(2, "b", 1, 500)];
        let answer = repo_breakdown(rows, &range, 60);
        assert_eq!((answer.from.as_str(), answer.to.as_str()), ("1970-01-05", "1970-01-11"));
        assert_eq!((answer.total_duration_seconds, answer.session_count), (2_000, 9));
        assert_eq!(answer.repos.len(), 2);
        assert_eq!(answer.more_repos, 3);
        assert_eq!((answer.repos[0].prs.len(), answer.repos[0].more_prs), (2, 1));
        assert_eq!((answer.repos[1].repo_owner.as_str(), answer.repos[1].more_prs), ("b", 2));
        let empty = repo_breakdown(Vec::new(), &range, 60);
        assert_eq!((empty.total_duration_seconds, empty.repos.len(), empty.more_repos), (0, 0, 0));
        let local = RepoTotals::from_wire(answer.repos[0].clone());
        assert_eq!(local.prs[1].pr_url.as_deref(), Some("https://github.com/a/r/pull/8"));
        assert_eq!((local.total_duration_seconds, local.more_prs), (1_000, 1));
    }

    #[test]
    fn negative_seconds_never_subtract() {
        let prs = pr_totals([ended("o", 1, 1, -5), ended("o", 1, 2, 4)]);
        assert_eq!(prs[0].total_duration_seconds, 4);
    }
}
