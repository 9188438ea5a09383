//! The toolbar badge: what the extension's icon says at a glance, decided from the
//! engine's status so that the shell only paints it.
//!
//! One state wins, the first that holds of:
//!
//! | state            | text          | when                                                   |
//! |------------------|---------------|--------------------------------------------------------|
//! | `sign_in_needed` | `!`           | no usable token: nothing syncs until the user signs in |
//! | `rejected`       | `✕`           | the server rejected an op in the last day              |
//! | `offline`        | pending count | ops wait and the backend is unreachable or gave up     |
//! | `paused`         | `II`          | the user paused tracking                               |
//! | `tracking`       | minutes       | a session is running (`12m`, `1h05`, `24h`)            |
//! | `idle`           | (none)        | nothing to say                                         |
//!
//! The title (the tooltip) says it in words, and mentions waiting ops in every state.

use serde::Serialize;

use super::status::Status;
use super::tracking::LocalSession;
use super::Engine;
use crate::time::UnixMillis;

/// How long a rejection keeps the badge: a day, then the popup alone lists it.
pub const REJECTION_SHOWN_MS: i64 = 24 * 3_600_000;

/// Which state the badge shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum BadgeState {
    SignInNeeded,
    Rejected,
    Offline,
    Paused,
    Tracking,
    Idle,
}

/// The badge to paint: `chrome.action.setBadgeText`, `setBadgeBackgroundColor` and
/// `setTitle` take these as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Badge {
    pub state: BadgeState,
    /// At most 4 characters; empty hides the badge.
    pub text: String,
    /// The badge's background, `#rrggbb`.
    pub color: String,
    /// The icon's tooltip.
    pub title: String,
}

impl BadgeState {
    /// Colours chosen to stay readable with white text in light and dark toolbars.
    fn color(self) -> &'static str {
        match self {
            BadgeState::SignInNeeded | BadgeState::Rejected => "#cf222e",
            BadgeState::Offline => "#9a6700",
            BadgeState::Paused => "#59636e",
            BadgeState::Tracking => "#1a7f37",
            BadgeState::Idle => "#59636e",
        }
    }
}

impl Engine {
    /// The badge at `now` for `status` (this engine's [`status`](Engine::status) at `now`);
    /// `online` is whether the last request reached the backend (`None` before the first).
    pub fn badge(&self, status: &Status, now: UnixMillis, online: Option<bool>) -> Badge {
        let paused = self.pause_state(now).is_some();
        badge(status, online, self.active_session().as_ref(), paused, now)
    }
}

/// The badge for this status, running session and pause at `now`.
pub fn badge(
    status: &Status,
    online: Option<bool>,
    active: Option<&LocalSession>,
    paused: bool,
    now: UnixMillis,
) -> Badge {
    let pending = status.pending_count;
    let recent_rejection =
        status.rejected_items.iter().any(|item| now.0 - item.rejected_ms < REJECTION_SHOWN_MS);
    let stuck = online == Some(false) || status.failed_count > 0;
    let (state, text, mut title) = if !status.signed_in {
        let title = if status.sign_in_needed {
            "WorkTime: sign in again to sync"
        } else {
            "WorkTime: sign in to sync your time"
        };
        (BadgeState::SignInNeeded, "!".to_owned(), title.to_owned())
    } else if recent_rejection {
        let title = "WorkTime: the server refused a change; open WorkTime to see which";
        (BadgeState::Rejected, "✕".to_owned(), title.to_owned())
    } else if stuck && pending > 0 {
        let text = if pending > 999 { "999+".to_owned() } else { pending.to_string() };
        (BadgeState::Offline, text, "WorkTime: offline".to_owned())
    } else if paused {
        (BadgeState::Paused, "II".to_owned(), "WorkTime: paused".to_owned())
    } else if let Some(session) = active {
        let minutes = (now.0 - session.start_ms).max(0) / 60_000;
        let title = format!(
            "WorkTime: tracking {}/{}#{} for {}",
            session.repo_owner,
            session.repo_name,
            session.pr_number,
            long_duration(minutes)
        );
        (BadgeState::Tracking, short_duration(minutes), title)
    } else {
        (BadgeState::Idle, String::new(), "WorkTime: not tracking".to_owned())
    };
    if pending > 0 {
        let noun = if pending == 1 { "change" } else { "changes" };
        title.push_str(&format!(" · {pending} {noun} waiting to sync"));
    }
    Badge { state, text, color: state.color().to_owned(), title }
}

/// Minutes in at most 4 characters: `0m`…`59m`, `1h00`…`9h59`, then whole hours.
fn short_duration(minutes: i64) -> String {
    match minutes {
        ..60 => format!("{minutes}m"),
        60..600 => format!("{}h{:02}", minutes / 60, minutes % 60),
        _ => format!("{}h", (minutes / 60).min(999)),
    }
}

fn long_duration(minutes: i64) -> String {
    match minutes {
        ..60 => format!("{minutes} min"),
        _ => format!("{} h {:02} min", minutes / 60, minutes % 60),
    }
}

#[cfg(test)]
mod tests;
