//! Which pull request the user is working on, and what that means for tracking.
//!
//! The extension observes the browser (focused window, its active tab's URL, the idle
//! state) whenever something changes and asks [`decide`] what to do with the running
//! session. Observing the present instead of replaying events keeps this stateless, so a
//! restarted service worker decides exactly as one that never stopped.

use crate::validate;

/// A GitHub pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub owner: String,
    pub repo: String,
    pub number: i64,
}

impl PullRequest {
    /// The same PR, whatever the case of the names.
    pub fn same_as(&self, owner: &str, repo: &str, number: i64) -> bool {
        self.owner.eq_ignore_ascii_case(owner)
            && self.repo.eq_ignore_ascii_case(repo)
            && self.number == number
    }
}

/// `https://github.com/{owner}/{repo}/pull/{n}` and its sub-pages (`/files`, `/commits`,
/// `/checks`, …, with any query or fragment) name a pull request; nothing else does.
pub fn parse_pr_url(url: &str) -> Option<PullRequest> {
    let rest = url.strip_prefix("https://github.com/")?;
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    let mut parts = path.split('/');
    let (owner, repo, pull, number) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if pull != "pull"
        || validate::github_owner(owner).is_err()
        || validate::github_repo(repo).is_err()
    {
        return None;
    }
    let number: i64 = number.parse().ok().filter(|n| validate::pr_number(*n).is_ok())?;
    Some(PullRequest { owner: owner.to_owned(), repo: repo.to_owned(), number })
}

/// The repository's page on GitHub, when the names are valid GitHub names (a link the
/// popup may show).
pub fn repo_url(owner: &str, repo: &str) -> Option<String> {
    let valid = validate::github_owner(owner).is_ok() && validate::github_repo(repo).is_ok();
    valid.then(|| format!("https://github.com/{owner}/{repo}"))
}

/// The pull request's page on GitHub, when its names and number are valid.
pub fn pr_url(owner: &str, repo: &str, number: i64) -> Option<String> {
    let page = repo_url(owner, repo)?;
    validate::pr_number(number).is_ok().then(|| format!("{page}/pull/{number}"))
}

/// `chrome.idle` states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleState {
    Active,
    Idle,
    Locked,
}

/// What the browser looks like now.
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    /// Whether a browser window has focus.
    pub window_focused: bool,
    /// The URL of the focused window's active tab.
    pub active_url: Option<&'a str>,
    pub idle: IdleState,
}

/// Which repositories to track: `never` always wins; a non-empty `always` tracks only
/// the repositories it lists. Entries are `owner/repo`, case-insensitive.
#[derive(Debug, Clone, Default)]
pub struct RepoFilter {
    pub always: Vec<String>,
    pub never: Vec<String>,
}

impl RepoFilter {
    pub fn tracks(&self, pr: &PullRequest) -> bool {
        let name = format!("{}/{}", pr.owner, pr.repo);
        let listed =
            |list: &[String]| list.iter().any(|entry| entry.trim().eq_ignore_ascii_case(&name));
        !listed(&self.never) && (self.always.is_empty() || listed(&self.always))
    }
}

/// The running session as the tracker sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    pub owner: String,
    pub repo: String,
    pub number: i64,
}

/// What to do with the running session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing changes.
    Keep,
    /// Start tracking this PR (ending any running session at the same instant).
    Start(PullRequest),
    /// End the running session at this instant (epoch ms).
    End { at_ms: i64 },
}

/// The PR the user is working on now, if any.
pub fn current_pr(observation: &Observation<'_>, filter: &RepoFilter) -> Option<PullRequest> {
    if !observation.window_focused || observation.idle != IdleState::Active {
        return None;
    }
    parse_pr_url(observation.active_url?).filter(|pr| filter.tracks(pr))
}

/// Decides what follows from `observation` at `now_ms`. When the user went idle, work
/// stopped when the inactivity began: `idle_threshold_ms` before `chrome.idle` said so.
/// While the user has paused tracking nothing is started (and a running session ends).
pub fn decide(
    running: Option<&Running>,
    observation: &Observation<'_>,
    filter: &RepoFilter,
    paused: bool,
    now_ms: i64,
    idle_threshold_ms: i64,
) -> Action {
    let target = current_pr(observation, filter).filter(|_| !paused);
    match (running, target) {
        (None, None) => Action::Keep,
        (None, Some(pr)) => Action::Start(pr),
        (Some(r), Some(pr)) if pr.same_as(&r.owner, &r.repo, r.number) => Action::Keep,
        (Some(_), Some(pr)) => Action::Start(pr),
        (Some(_), None) => {
            let at_ms = match observation.idle {
                IdleState::Idle => now_ms - idle_threshold_ms,
                IdleState::Active | IdleState::Locked => now_ms,
            };
            Action::End { at_ms }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000_000;
    const PR: &str = "https://github.com/octo/hello/pull/42";

    fn seen(url: Option<&str>, focused: bool, idle: IdleState) -> Observation<'_> {
        Observation { window_focused: focused, active_url: url, idle }
    }

    fn running(number: i64) -> Running {
        Running { owner: "octo".into(), repo: "hello".into(), number }
    }

    #[test]
    fn recognises_pull_requests_and_their_sub_pages_only() {
        let pr = PullRequest { owner: "octo".into(), repo: "hello".into(), number: 42 };
        for url in [
            PR,
            "https://github.com/octo/hello/pull/42/files",
            "https://github.com/octo/hello/pull/42/commits/abc",
            "https://github.com/octo/hello/pull/42/checks?x=1",
            "https://github.com/octo/hello/pull/42#discussion",
        ] {
            assert_eq!(parse_pr_url(url), Some(pr.clone()), "{url}");
        }
        for url in [
            "https://github.com/octo/hello/pulls",
            "https://github.com/octo/hello/issues/42",
            "https://github.com/octo/hello/pull/0",
            "https://github.com/octo/hello/pull/x",
            "https://gitlab.com/octo/hello/pull/42",
            "http://github.com/octo/hello/pull/42",
            "https://github.com/octo/pull/42",
            "https://github.com.evil.example/octo/hello/pull/42",
        ] {
            assert_eq!(parse_pr_url(url), None, "{url}");
        }
    }

    #[test]
    fn a_focused_active_pr_tab_starts_tracking_and_staying_keeps_it() {
        let filter = RepoFilter::default();
        let on_pr = seen(Some(PR), true, IdleState::Active);
        assert!(
            matches!(decide(None, &on_pr, &filter, false, NOW, 60_000), Action::Start(pr) if pr.number == 42)
        );
        assert_eq!(decide(Some(&running(42)), &on_pr, &filter, false, NOW, 60_000), Action::Keep);
        let files =
            seen(Some("https://github.com/OCTO/Hello/pull/42/files"), true, IdleState::Active);
        assert_eq!(
            decide(Some(&running(42)), &files, &filter, false, NOW, 60_000),
            Action::Keep,
            "sub-pages are the same PR"
        );
    }

    #[test]
    fn leaving_switching_losing_focus_or_locking_ends_now() {
        let filter = RepoFilter::default();
        let r = running(42);
        for observation in [
            seen(Some("https://github.com/octo/hello"), true, IdleState::Active),
            seen(None, true, IdleState::Active),
            seen(Some(PR), false, IdleState::Active),
            seen(Some(PR), true, IdleState::Locked),
        ] {
            assert_eq!(
                decide(Some(&r), &observation, &filter, false, NOW, 60_000),
                Action::End { at_ms: NOW }
            );
        }
        let other = seen(Some("https://github.com/octo/hello/pull/7"), true, IdleState::Active);
        assert!(
            matches!(decide(Some(&r), &other, &filter, false, NOW, 60_000), Action::Start(pr) if pr.number == 7)
        );
    }

    #[test]
    fn going_idle_ends_when_the_inactivity_began() {
        let idle = seen(Some(PR), true, IdleState::Idle);
        let action = decide(Some(&running(42)), &idle, &RepoFilter::default(), false, NOW, 300_000);
        assert_eq!(action, Action::End { at_ms: NOW - 300_000 });
        assert_eq!(decide(None, &idle, &RepoFilter::default(), false, NOW, 300_000), Action::Keep);
    }

    #[test]
    fn filters_decide_which_repositories_count() {
        let pr = parse_pr_url(PR).expect("a PR");
        assert!(RepoFilter::default().tracks(&pr));
        assert!(!RepoFilter { always: vec![], never: vec!["OCTO/hello".into()] }.tracks(&pr));
        assert!(!RepoFilter { always: vec!["other/repo".into()], never: vec![] }.tracks(&pr));
        assert!(RepoFilter { always: vec!["octo/hello".into()], never: vec![] }.tracks(&pr));
        assert!(!RepoFilter {
            always: vec!["octo/hello".into()],
            never: vec!["octo/hello".into()]
        }
        .tracks(&pr));
    }
}
