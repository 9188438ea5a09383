//! Input rules: GitHub names, PR numbers, UUIDs, times and offsets.
//!
//! Every rule on a value inside a well-formed JSON body is a 422 `validation_failed`;
//! a malformed query parameter is a 400 `invalid_request` (see `query`).

use std::net::IpAddr;

use worktime_api::ErrorCode;

use crate::time::UnixMillis;

/// How far in the future a client's time may be (clock skew), in milliseconds.
pub const MAX_FUTURE_MS: i64 = 5 * 60 * 1000;
/// Times before this (2000-01-01T00:00:00Z) are rejected as nonsense.
pub const EARLIEST_MS: i64 = 946_684_800_000;
/// Largest PR number accepted (GitHub numbers are far below).
pub const MAX_PR_NUMBER: i64 = 1_000_000_000;

/// A broken rule: the error code and a sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub code: ErrorCode,
    pub message: String,
}

impl Violation {
    pub fn rule(message: impl Into<String>) -> Violation {
        Violation { code: ErrorCode::ValidationFailed, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> Violation {
        Violation { code: ErrorCode::InvalidRequest, message: message.into() }
    }
}

/// A GitHub user or organisation login: 1–39 ASCII letters, digits or single hyphens,
/// not starting or ending with a hyphen.
pub fn github_owner(owner: &str) -> Result<(), Violation> {
    let valid = (1..=39).contains(&owner.len())
        && owner.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
        && !owner.contains("--");
    if valid {
        return Ok(());
    }
    Err(Violation::rule(
        "repo_owner must be a GitHub login: 1-39 letters, digits or single hyphens, not at either end.",
    ))
}

/// A GitHub repository name: 1–100 ASCII letters, digits, `.`, `-` or `_`; not `.` or `..`.
pub fn github_repo(name: &str) -> Result<(), Violation> {
    let valid = (1..=100).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && name != "."
        && name != "..";
    if valid {
        return Ok(());
    }
    Err(Violation::rule(
        "repo_name must be a GitHub repository name: 1-100 letters, digits, '.', '-' or '_'.",
    ))
}

pub fn pr_number(number: i64) -> Result<(), Violation> {
    if (1..=MAX_PR_NUMBER).contains(&number) {
        return Ok(());
    }
    Err(Violation::rule("pr_number must be a pull request number of at least 1."))
}

/// A UUID in its canonical 8-4-4-4-12 hex form; returned lowercased.
pub fn uuid(text: &str, field: &str) -> Result<String, Violation> {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    let valid = groups.len() == 5
        && groups
            .iter()
            .zip(lengths)
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()));
    if valid {
        return Ok(text.to_ascii_lowercase());
    }
    Err(Violation::rule(format!(
        "{field} must be a UUID such as 123e4567-e89b-42d3-a456-426614174000."
    )))
}

/// Minutes east of UTC, −720…840.
pub fn tz_offset(minutes: i32) -> Result<(), Violation> {
    if (-720..=840).contains(&minutes) {
        return Ok(());
    }
    Err(Violation::rule("tz_offset_minutes must be between -720 and 840 (minutes east of UTC)."))
}

/// A client-supplied RFC 3339 time, or `now` when absent; truncated to whole seconds, not
/// before 2000 and not more than 5 minutes after `now`.
pub fn client_time(
    text: Option<&str>,
    field: &str,
    now: UnixMillis,
) -> Result<UnixMillis, Violation> {
    let Some(text) = text else {
        return Ok(truncate_to_second(now));
    };
    let Some(time) = UnixMillis::parse_rfc3339(text) else {
        return Err(Violation::rule(format!(
            "{field} must be an RFC 3339 time such as 2026-11-22T09:30:00Z."
        )));
    };
    if time.0 > now.0 + MAX_FUTURE_MS {
        return Err(Violation::rule(format!("{field} is more than 5 minutes in the future.")));
    }
    if time.0 < EARLIEST_MS {
        return Err(Violation::rule(format!("{field} is before the year 2000.")));
    }
    Ok(truncate_to_second(time))
}

/// Drops sub-second precision: WorkTime stores and sums whole seconds.
pub fn truncate_to_second(time: UnixMillis) -> UnixMillis {
    UnixMillis(time.0.div_euclid(1000) * 1000)
}

/// `localhost`, or an IP address in `127.0.0.0/8` or `::1` (IPv6 in brackets, as in URLs).
pub fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    bare.parse::<IpAddr>().is_ok_and(loopback_ip)
}

/// An IP address (as `CF-Connecting-IP` gives it) in `127.0.0.0/8`, `::1` or
/// `::ffff:127.0.0.0/104`.
pub fn is_loopback_address(text: &str) -> bool {
    text.trim().parse::<IpAddr>().is_ok_and(loopback_ip)
}

fn loopback_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_follow_github_rules() {
        for ok in ["octocat", "a", "rust-lang", "A1-b2", &"x".repeat(39)] {
            assert!(github_owner(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-lead",
            "trail-",
            "dou--ble",
            "under_score",
            "dot.ted",
            "sp ace",
            &"x".repeat(40),
            "ünï",
        ] {
            assert!(github_owner(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn repos_follow_github_rules() {
        for ok in ["worktime", "my.repo", "_x-y_", ".github", &"r".repeat(100)] {
            assert!(github_repo(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "sp ace", &"r".repeat(101)] {
            assert!(github_repo(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pr_numbers_start_at_one() {
        assert!(pr_number(1).is_ok());
        assert!(pr_number(0).is_err());
        assert!(pr_number(-5).is_err());
        assert!(pr_number(MAX_PR_NUMBER + 1).is_err());
    }

    #[test]
    fn uuids_are_canonical_and_lowercased() {
        let id = uuid("123E4567-E89B-42D3-A456-426614174000", "id").expect("valid");
        assert_eq!(id, "123e4567-e89b-42d3-a456-426614174000");
        for bad in [
            "",
            "123e4567e89b42d3a456426614174000",
            "123e4567-e89b-42d3-a456-42661417400g",
            "1-2-3-4-5",
        ] {
            assert!(uuid(bad, "id").is_err(), "{bad}");
        }
    }

    #[test]
    fn times_default_to_now_and_reject_the_future() {
        let now = UnixMillis(1_795_000_000_123);
        assert_eq!(client_time(None, "t", now), Ok(UnixMillis(1_795_000_000_000)));
        let soon = UnixMillis(now.0 + MAX_FUTURE_MS - 1000).to_rfc3339();
        assert!(client_time(Some(&soon), "t", now).is_ok());
        let late = UnixMillis(now.0 + MAX_FUTURE_MS + 2000).to_rfc3339();
        assert_eq!(
            client_time(Some(&late), "t", now).map_err(|v| v.code),
            Err(ErrorCode::ValidationFailed)
        );
        assert!(client_time(Some("1999-12-31T23:59:59Z"), "t", now).is_err());
        assert!(client_time(Some("not a time"), "t", now).is_err());
        let offset = client_time(Some("2026-11-18T16:36:40.999+05:30"), "t", now);
        assert_eq!(offset, Ok(UnixMillis(1_795_000_000_000)));
    }

    #[test]
    fn offsets_are_bounded() {
        assert!(tz_offset(-720).is_ok() && tz_offset(840).is_ok() && tz_offset(330).is_ok());
        assert!(tz_offset(-721).is_err() && tz_offset(841).is_err());
    }
}
