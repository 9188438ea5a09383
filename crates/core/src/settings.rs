//! The extension's settings: their defaults, how a stored (old, partial or hand-edited)
//! value is made whole, and the rules of the settings form, with every error a sentence
//! for the user. The options page and the service worker get all of it through the SDK.

use serde::{Deserialize, Serialize};

mod backend_url;
mod repo_list;

pub use self::backend_url::{check_backend_url, engine_storage_key, LEGACY_ENGINE_KEY};
pub use self::repo_list::{in_both, parse_repo_list, RepoList};

/// The backend a fresh install talks to: the local development worker, unless the build
/// sets `WORKTIME_DEFAULT_BACKEND_URL` (scripts/pack.sh does, from extension/store.json, for
/// the Chrome Web Store build; it checks the value and that the built SDK answers with it).
pub const DEFAULT_BACKEND_URL: &str = match option_env!("WORKTIME_DEFAULT_BACKEND_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:8787",
};
/// Idle threshold: default, and the range the form accepts, in minutes.
pub const DEFAULT_IDLE_MINUTES: u32 = 5;
pub const MIN_IDLE_MINUTES: u32 = 1;
pub const MAX_IDLE_MINUTES: u32 = 60;
/// Longest list of always- or never-tracked repositories.
pub const MAX_REPOS: usize = 500;

/// The settings as stored in `chrome.storage.local` (camelCase, as the extension writes
/// them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Settings {
    pub backend_url: String,
    pub idle_seconds: u32,
    /// `owner/repo` names tracked even when the PR page is not focused.
    pub always_track: Vec<String>,
    /// `owner/repo` names never tracked.
    pub never_track: Vec<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            backend_url: DEFAULT_BACKEND_URL.to_owned(),
            idle_seconds: DEFAULT_IDLE_MINUTES * 60,
            always_track: Vec::new(),
            never_track: Vec::new(),
        }
    }
}

/// A stored settings value (possibly old, partial or edited by hand) with every field
/// present and in range: unusable fields take their defaults, the idle threshold is
/// clamped to the form's range, list entries that are not `owner/repo` are dropped.
pub fn normalize(stored: &serde_json::Value) -> Settings {
    let defaults = Settings::default();
    let backend_url = stored
        .get("backendUrl")
        .and_then(serde_json::Value::as_str)
        .and_then(|url| check_backend_url(url).ok())
        .unwrap_or(defaults.backend_url);
    let idle_seconds = stored
        .get("idleSeconds")
        .and_then(serde_json::Value::as_f64)
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .map(|seconds| (seconds / 60.0).round() as u32)
        .map(|minutes| minutes.clamp(MIN_IDLE_MINUTES, MAX_IDLE_MINUTES) * 60)
        .unwrap_or(defaults.idle_seconds);
    let list = |key: &str| {
        let lines: Vec<&str> = stored
            .get(key)
            .and_then(serde_json::Value::as_array)
            .map(|items| items.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default();
        let mut parsed = parse_repo_list(&lines.join("\n")).value;
        parsed.truncate(MAX_REPOS);
        parsed
    };
    Settings {
        backend_url,
        idle_seconds,
        always_track: list("alwaysTrack"),
        never_track: list("neverTrack"),
    }
}

/// The idle threshold typed in the form: whole minutes in range. (Read without a float
/// parser, which would add more to the SDK's wasm than this whole module.)
pub fn check_idle_minutes(input: &str) -> Result<u32, String> {
    let text = input.trim();
    let range = format!("from {MIN_IDLE_MINUTES} to {MAX_IDLE_MINUTES}");
    if text.is_empty() {
        return Err(format!("Enter a number of minutes {range}."));
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
        return Err("Enter the minutes as a number, for example 5.".into());
    }
    if fraction.bytes().any(|b| b != b'0') {
        return Err("Enter whole minutes, for example 5.".into());
    }
    let minutes = whole.trim_start_matches('0');
    // At most two digits: no overflow, and anything longer is out of range anyway.
    let minutes: u32 = if minutes.len() <= 2 { minutes.parse().unwrap_or(0) } else { u32::MAX };
    if !(MIN_IDLE_MINUTES..=MAX_IDLE_MINUTES).contains(&minutes) {
        return Err(format!("Choose {range} minutes."));
    }
    Ok(minutes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_values_are_made_whole() {
        assert_eq!(normalize(&json!(null)), Settings::default());
        assert_eq!(normalize(&json!("garbage")), Settings::default());
        let stored = json!({
            "backendUrl": "https://worktime.example.dev/",
            "idleSeconds": 7200,
            "alwaysTrack": ["octo/hello", "not a repo", 7, "Octo/Hello"],
            "neverTrack": "octo/x",
        });
        let settings = normalize(&stored);
        assert_eq!(settings.backend_url, "https://worktime.example.dev");
        assert_eq!(settings.idle_seconds, 3600, "clamped to an hour");
        assert_eq!(settings.always_track, ["octo/hello"]);
        assert!(settings.never_track.is_empty());
        assert_eq!(normalize(&json!({"idleSeconds": 10})).idle_seconds, 60);
        assert_eq!(normalize(&json!({"backendUrl": "ftp://x"})).backend_url, DEFAULT_BACKEND_URL);
    }

    #[test]
    fn idle_minutes_are_whole_and_in_range() {
        assert_eq!(check_idle_minutes(" 5 "), Ok(5));
        assert_eq!(check_idle_minutes("60"), Ok(60));
        assert_eq!(check_idle_minutes("007"), Ok(7));
        assert_eq!(check_idle_minutes("5.0"), Ok(5));
        for bad in ["", "x", "1.5", "0", "61", "NaN", "inf", "-5", ".", "1e1", "99999999999"] {
            assert!(check_idle_minutes(bad).is_err(), "{bad}");
        }
        assert_eq!(check_idle_minutes("1.5"), Err("Enter whole minutes, for example 5.".into()));
        assert_eq!(
            check_idle_minutes("abc"),
            Err("Enter the minutes as a number, for example 5.".into())
        );
    }
}
