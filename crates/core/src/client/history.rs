//! The history the popup lists, as one typed entry whatever its source (the server's
//! sessions of every device, or this device's local ones), and the per-repository
//! breakdown of a range computed from such entries.

use serde::Serialize;
use worktime_api::sessions::{Session, SessionStatus};
use worktime_api::stats::RepoBreakdown;

use super::tracking::{LocalSession, SyncState};
use crate::presence::pr_url;
use crate::stats::report::{self, EndedSession, RepoTotals};
use crate::time::UnixMillis;

/// Where a view's data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Source {
    /// The backend answered: every device's data.
    Server,
    /// The backend could not be asked: this device's local history.
    Local,
}

/// One session of the history, from either source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryEntry {
    pub session_id: String,
    pub repo_owner: String,
    pub repo_name: String,
    pub pr_number: i64,
    pub start_ms: i64,
    /// `None` while running.
    pub end_ms: Option<i64>,
    /// The seconds it counts for once ended: the server's duration, or the local length.
    pub duration_seconds: Option<i64>,
    pub running: bool,
    /// The server ended it at its last heartbeat after its device went silent.
    pub abandoned: bool,
    /// Server entries are synced by definition.
    pub sync_state: SyncState,
    /// Recorded by this installation (local entries always are).
    pub this_device: bool,
    /// The PR's page on GitHub (`None` for names GitHub would not accept).
    pub pr_url: Option<String>,
}

impl HistoryEntry {
    pub fn from_local(session: &LocalSession) -> HistoryEntry {
        HistoryEntry {
            session_id: session.session_id.clone(),
            repo_owner: session.repo_owner.clone(),
            repo_name: session.repo_name.clone(),
            pr_number: session.pr_number,
            start_ms: session.start_ms,
            end_ms: session.end_ms,
            duration_seconds: session.duration_seconds,
            running: session.end_ms.is_none(),
            abandoned: false,
            sync_state: session.sync_state,
            this_device: true,
            pr_url: session.pr_url.clone(),
        }
    }

    /// A server session; `None` when its times are not RFC 3339 (never from our server).
    pub fn from_server(session: &Session, device_id: &str) -> Option<HistoryEntry> {
        let start_ms = UnixMillis::parse_rfc3339(&session.start_time)?.0;
        let end_ms = match &session.end_time {
            Some(end) => Some(UnixMillis::parse_rfc3339(end)?.0),
            None => None,
        };
        Some(HistoryEntry {
            session_id: session.id.clone(),
            repo_owner: session.repo_owner.clone(),
            repo_name: session.repo_name.clone(),
            pr_number: session.pr_number,
            start_ms,
            end_ms,
            duration_seconds: session
                .duration_seconds
                .or_else(|| end_ms.map(|end| (end - start_ms).max(0) / 1000)),
            running: session.status == SessionStatus::Active,
            abandoned: session.status == SessionStatus::Abandoned,
            sync_state: SyncState::Synced,
            this_device: session.device_id == device_id,
            pr_url: pr_url(&session.repo_owner, &session.repo_name, session.pr_number),
        })
    }

    /// The seconds it counts for at `now_ms` (a running one: elapsed so far).
    pub fn seconds_at(&self, now_ms: i64) -> i64 {
        if self.running {
            return (now_ms - self.start_ms).max(0) / 1000;
        }
        self.duration_seconds.unwrap_or(0).max(0)
    }
}

/// A page of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryPage {
    pub source: Source,
    /// Newest first.
    pub sessions: Vec<HistoryEntry>,
    /// Entries in the whole history.
    pub total: i64,
}

/// Time per repository and PR since `since_ms`: from the server (every device's ended
/// sessions, the seconds of the range each owns, overlaps once: `GET /api/stats/repos`),
/// or from this device's local history (sessions started in the range, running one
/// included, each for its length).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Breakdown {
    pub source: Source,
    pub since_ms: i64,
    /// False when repositories or PRs were left out of the lists (beyond the caps of
    /// `worktime_api::stats::BREAKDOWN_MAX_REPOS` and `BREAKDOWN_MAX_PRS`); totals count them.
    pub complete: bool,
    /// Largest total first.
    pub repos: Vec<RepoTotals>,
    /// Repositories left out of `repos`.
    pub more_repos: i64,
}

impl Breakdown {
    /// The server's answer for the range starting at `since_ms`, as is.
    pub fn from_server(answer: RepoBreakdown, since_ms: i64) -> Breakdown {
        let repos = answer.repos.into_iter().map(RepoTotals::from_wire).collect();
        Breakdown::new(Source::Server, since_ms, repos, answer.more_repos)
    }

    /// Complete unless repositories or PRs were left out.
    fn new(source: Source, since_ms: i64, repos: Vec<RepoTotals>, more_repos: i64) -> Breakdown {
        let complete = more_repos == 0 && repos.iter().all(|r| r.more_prs == 0);
        Breakdown { source, since_ms, complete, repos, more_repos }
    }
}

/// The local breakdown: the sessions of `entries` that started at or after `since_ms`,
/// each id once, per repository and PR; a running session counts with its time so far.
/// `running` is this device's active session, counted even when `entries` do not list it.
pub fn breakdown<'a>(
    entries: &'a [HistoryEntry],
    running: Option<&'a HistoryEntry>,
    since_ms: i64,
    now_ms: i64,
) -> Breakdown {
    // Ids seen so far, sorted (a set without another generic collection in the wasm).
    let mut seen: Vec<&str> = Vec::new();
    let mut first_time = |id: &'a str| match seen.binary_search(&id) {
        Ok(_) => false,
        Err(at) => {
            seen.insert(at, id);
            true
        }
    };
    let counted = entries
        .iter()
        .chain(running)
        .filter(|entry| entry.start_ms >= since_ms && first_time(entry.session_id.as_str()))
        .map(|entry| EndedSession {
            repo_owner: &entry.repo_owner,
            repo_name: &entry.repo_name,
            pr_number: entry.pr_number,
            end_ms: entry.end_ms.unwrap_or(now_ms),
            seconds: entry.seconds_at(now_ms),
        });
    let (repos, more_repos) = report::breakdown(counted);
    Breakdown::new(Source::Local, since_ms, repos, more_repos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, owner: &str, start_ms: i64, end_ms: Option<i64>) -> HistoryEntry {
        HistoryEntry {
            session_id: id.into(),
            repo_owner: owner.into(),
            repo_name: "r".into(),
            pr_number: 1,
            start_ms,
            end_ms,
            duration_seconds: end_ms.map(|end| (end - start_ms) / 1000),
            running: end_ms.is_none(),
            abandoned: false,
            sync_state: SyncState::Synced,
            this_device: true,
            pr_url: None,
        }
    }

    #[test]
    fn the_breakdown_counts_each_session_once_running_ones_so_far() {
        let entries = [
            entry("a", "o", 10_000, Some(70_000)),
            entry("a", "o", 10_000, Some(70_000)),
            entry("b", "o", 100_000, None),
            entry("c", "old", 0, Some(5_000)),
        ];
        let counted = breakdown(&entries, None, 10_000, 160_000);
        let repos = &counted.repos;
        assert_eq!((repos.len(), counted.source, counted.complete), (1, Source::Local, true));
        assert_eq!((repos[0].total_duration_seconds, repos[0].session_count), (120, 2));
        let again = entry("b", "o", 100_000, None);
        assert_eq!(breakdown(&entries, Some(&again), 10_000, 160_000), counted, "listed once");
        let local = entry("d", "new", 150_000, None);
        assert_eq!(breakdown(&entries, Some(&local), 10_000, 160_000).repos.len(), 2);
    }

    #[test]
    fn the_servers_breakdown_is_complete_unless_something_was_left_out() {
        let repo = |more_prs| worktime_api::stats::BreakdownRepo {
            repo_owner: "o".into(),
            repo_name: "r".into(),
            total_duration_seconds: 60,
            session_count: 1,
            prs: Vec::new(),
            more_prs,
        };
        let answer = |more_repos, more_prs| RepoBreakdown {
            from: "2026-11-01".into(),
            to: "2026-11-07".into(),
            tz_offset_minutes: 0,
            total_duration_seconds: 60,
            session_count: 1,
            repos: vec![repo(more_prs)],
            more_repos,
        };
        let whole = Breakdown::from_server(answer(0, 0), 5);
        assert_eq!((whole.source, whole.since_ms, whole.complete), (Source::Server, 5, true));
        assert_eq!(whole.repos[0].repo_url.as_deref(), Some("https://github.com/o/r"));
        assert!(!Breakdown::from_server(answer(1, 0), 5).complete);
        assert!(!Breakdown::from_server(answer(0, 2), 5).complete);
    }

    #[test]
    fn server_sessions_become_entries_marked_by_device() {
        let session = Session {
            id: "s".into(),
            repo_owner: "o".into(),
            repo_name: "r".into(),
            pr_number: 3,
            start_time: "2026-11-18T11:06:40Z".into(),
            end_time: Some("2026-11-18T11:07:40Z".into()),
            duration_seconds: Some(50),
            status: SessionStatus::Abandoned,
            last_heartbeat: "2026-11-18T11:07:40Z".into(),
            tz_offset_minutes: None,
            device_id: "d1".into(),
        };
        let entry = HistoryEntry::from_server(&session, "d1").expect("RFC 3339");
        assert_eq!(
            (entry.end_ms.map(|e| e - entry.start_ms), entry.duration_seconds),
            (Some(60_000), Some(50))
        );
        assert!(entry.abandoned && entry.this_device && !entry.running);
        assert!(!HistoryEntry::from_server(&session, "d2").expect("parses").this_device);
    }
}
