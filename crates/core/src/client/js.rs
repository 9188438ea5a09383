//! The values the SDK exchanges with JavaScript besides the engine's own: its options
//! objects (camelCase, as JavaScript writes them) and its composite answers. They live
//! here, next to the engine's types, so that one generated declaration file
//! (`crates/sdk/src/types.d.ts`, see `tests/typescript.rs`) covers everything that
//! crosses into JavaScript.

use serde::{Deserialize, Serialize};
use worktime_api::stats::DailyStats;

use super::badge::Badge;
use super::history::Source;
use super::state::Pause;
use super::status::Status;
use super::timers::Timer;
use crate::settings::Settings;

/// `WorkTime.init` options.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct InitConfig {
    /// The backend, e.g. `https://worktime.example.workers.dev`.
    pub base_url: String,
    /// Key of the saved state (default `worktime.engine`).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub storage_key: Option<String>,
    /// `chrome` (chrome.storage.local) or `memory`; detected when omitted.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable, type = "\"chrome\" | \"memory\""))]
    pub storage: Option<String>,
}

/// `startSession` input.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StartSessionInput {
    pub repo_owner: String,
    pub repo_name: String,
    pub pr_number: i64,
    /// Minutes east of UTC; defaults to the browser's (`-getTimezoneOffset()`).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub tz_offset_minutes: Option<i32>,
}

/// `observe` input: what the browser shows now, and the user's settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "Observation"))]
#[serde(rename_all = "camelCase")]
pub struct BrowserObservation {
    pub window_focused: bool,
    /// URL of the focused window's active tab.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub active_url: Option<String>,
    /// `chrome.idle`'s state.
    #[cfg_attr(feature = "ts", ts(type = "\"active\" | \"idle\" | \"locked\""))]
    pub idle: String,
    pub idle_seconds: u32,
    /// `owner/repo` names tracked even when the PR page is not focused.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional))]
    pub always_track: Vec<String>,
    /// `owner/repo` names never tracked.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional))]
    pub never_track: Vec<String>,
}

/// `status()`: the engine's status plus reachability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SdkStatus {
    /// Whether the last request reached the backend (`null` before the first).
    pub online: Option<bool>,
    #[serde(flatten)]
    pub status: Status,
    /// Set while the user has paused tracking.
    pub pause: Option<Pause>,
    /// What the toolbar icon's badge shows now.
    pub badge: Badge,
}

/// `stats(days)`: daily totals and where they came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatsResult {
    pub source: Source,
    #[serde(flatten)]
    pub stats: DailyStats,
}

/// `nextAlarm()`: the one `chrome.alarms` alarm for the earliest timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NextAlarm {
    pub name: String,
    /// Epoch milliseconds (a past instant is due now).
    pub when: i64,
    pub timer: Timer,
}

/// A checked form field: `{ value }`, or `{ error }` with a sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Checked<T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub value: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub error: Option<String>,
}

impl<T> From<Result<T, String>> for Checked<T> {
    fn from(result: Result<T, String>) -> Checked<T> {
        match result {
            Ok(value) => Checked { value: Some(value), error: None },
            Err(error) => Checked { value: None, error: Some(error) },
        }
    }
}

/// The settings form's defaults and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SettingsRules {
    pub defaults: Settings,
    pub min_idle_minutes: u32,
    pub max_idle_minutes: u32,
    pub max_repos: usize,
}

impl SettingsRules {
    pub fn current() -> SettingsRules {
        SettingsRules {
            defaults: Settings::default(),
            min_idle_minutes: crate::settings::MIN_IDLE_MINUTES,
            max_idle_minutes: crate::settings::MAX_IDLE_MINUTES,
            max_repos: crate::settings::MAX_REPOS,
        }
    }
}
