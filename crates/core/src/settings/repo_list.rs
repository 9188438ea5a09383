//! The always- and never-tracked repository lists of the settings form: one `owner/repo`
//! per line, GitHub's naming rules (`crate::validate`), GitHub links accepted.

use serde::Serialize;

use super::MAX_REPOS;
use crate::validate;

/// A parsed list: the accepted names, and one sentence per refused line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepoList {
    pub value: Vec<String>,
    pub errors: Vec<String>,
}

/// One `owner/repo` per line. Blank lines and lines starting with `#` are skipped; GitHub
/// links are accepted; duplicates (case-insensitive, as GitHub names are) are dropped.
pub fn parse_repo_list(text: &str) -> RepoList {
    let mut list = RepoList::default();
    // Lowercased names accepted so far, sorted.
    let mut seen: Vec<String> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let where_ = format!("Line {}", index + 1);
        let entry = strip_github_url(line);
        let Some((owner, repo)) = entry
            .split_once('/')
            .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
        else {
            list.errors.push(format!(
                "{where_}: “{}” — write it as owner/repo, for example octo-org/web-app.",
                short(line)
            ));
            continue;
        };
        if let Some(problem) = owner_problem(owner).or_else(|| repo_problem(repo)) {
            list.errors.push(format!("{where_}: {problem}."));
            continue;
        }
        let lower = entry.to_ascii_lowercase();
        if let Err(at) = seen.binary_search(&lower) {
            seen.insert(at, lower);
            list.value.push(entry);
        }
    }
    if list.value.len() > MAX_REPOS {
        list.errors.push(format!("List at most {MAX_REPOS} repositories."));
    }
    list
}

/// Repositories in both lists (case-insensitive), as written in the first.
pub fn in_both(always: &[String], never: &[String]) -> Vec<String> {
    always
        .iter()
        .filter(|name| never.iter().any(|other| other.eq_ignore_ascii_case(name)))
        .cloned()
        .collect()
}

fn owner_problem(owner: &str) -> Option<String> {
    if owner.chars().count() > 39 {
        return Some(format!("the owner “{}” is longer than 39 characters", short(owner)));
    }
    validate::github_owner(owner).err().map(|_| {
        format!(
            "the owner “{}” can only have letters, digits and single hyphens, not at the start or end",
            short(owner)
        )
    })
}

fn repo_problem(repo: &str) -> Option<String> {
    if repo.chars().count() > 100 {
        return Some("the repository name is longer than 100 characters".into());
    }
    if repo == "." || repo == ".." {
        return Some(format!("“{repo}” is not a repository name"));
    }
    validate::github_repo(repo).err().map(|_| {
        format!("the repository “{}” can only have letters, digits, “.”, “-” and “_”", short(repo))
    })
}

fn short(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(39).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// `https://github.com/owner/repo/pull/3` or `github.com/owner/repo` → `owner/repo`.
fn strip_github_url(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let mut rest = line;
    for prefix in ["https://", "http://"] {
        if lower.starts_with(prefix) {
            rest = &line[prefix.len()..];
        }
    }
    let rest_lower = rest.to_ascii_lowercase();
    let rest = if rest_lower.starts_with("www.") { &rest[4..] } else { rest };
    let Some(path) =
        rest.get(..11).filter(|host| host.eq_ignore_ascii_case("github.com/")).map(|_| &rest[11..])
    else {
        return line.to_owned();
    };
    let mut parts = path.split('/');
    let (Some(owner), Some(repo)) = (parts.next(), parts.next()) else { return line.to_owned() };
    let repo = repo.split(['?', '#']).next().unwrap_or(repo);
    if owner.is_empty() || repo.is_empty() || owner.contains(char::is_whitespace) {
        return line.to_owned();
    }
    let repo = repo.strip_suffix(".git").or_else(|| repo.strip_suffix(".GIT")).unwrap_or(repo);
    format!("{owner}/{repo}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_links_comments_and_duplicates() {
        let list = parse_repo_list(
            "octo/hello\n\n# a comment\nhttps://github.com/Rust-Lang/rust/pull/3\nOCTO/HELLO\ngithub.com/a/b.git\n",
        );
        assert_eq!(list.value, ["octo/hello", "Rust-Lang/rust", "a/b"]);
        assert!(list.errors.is_empty());
    }

    #[test]
    fn bad_lines_say_which_and_why() {
        let list = parse_repo_list("hello\n-bad/x\nok/..\na/b/c\nowner/re po");
        assert_eq!(list.errors.len(), 5, "{:?}", list.errors);
        assert!(list.errors[0].starts_with("Line 1: “hello” — write it as owner/repo"));
        assert!(list.errors[1].contains("the owner “-bad”"));
        assert!(list.errors[2].contains("“..” is not a repository name"));
        assert!(list.value.is_empty());
    }

    #[test]
    fn lists_are_bounded_and_compared_case_insensitively() {
        let many: Vec<String> = (0..=MAX_REPOS).map(|i| format!("o/r{i}")).collect();
        assert_eq!(parse_repo_list(&many.join("\n")).errors, ["List at most 500 repositories."]);
        let both = in_both(&["A/b".into(), "c/d".into()], &["a/B".into()]);
        assert_eq!(both, ["A/b"]);
    }
}
