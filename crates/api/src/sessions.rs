//! Sessions: a stretch of time spent on one pull request.

use serde::{Deserialize, Serialize};

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Running: no end yet.
    Active,
    /// Ended by the client (end, stop, or a newer start).
    Completed,
    /// Ended by the server at its last heartbeat after the client went silent.
    Abandoned,
}

impl SessionStatus {
    /// The value stored in `time_sessions.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Active => "active",
            SessionStatus::Completed => "completed",
            SessionStatus::Abandoned => "abandoned",
        }
    }

    /// Parses a stored value.
    pub fn parse(text: &str) -> Option<SessionStatus> {
        match text {
            "active" => Some(SessionStatus::Active),
            "completed" => Some(SessionStatus::Completed),
            "abandoned" => Some(SessionStatus::Abandoned),
            _ => None,
        }
    }
}

/// The device of requests that name none: every client from before device ids, and any
/// request without `device_id`, belongs to this per-user device (the nil UUID).
pub const LEGACY_DEVICE_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Longest session the server accepts by default (`MAX_SESSION_HOURS`), in hours. Clients
/// split longer stretches of work into consecutive sessions.
pub const DEFAULT_MAX_SESSION_HOURS: u32 = 24;

/// The least time between two heartbeats of a session that a client sends to the server,
/// in minutes (`SERVER_HEARTBEAT_MINUTES`). Clients record a heartbeat every minute
/// locally; the server only needs one now and then to tell a running session from a lost
/// one.
pub const SERVER_HEARTBEAT_MINUTES: u32 = 10;

/// The least time between two requests a client starts by itself, in minutes: what it
/// tracks meanwhile waits and goes in one request (a user's "sync now" goes at once). While
/// a session runs, each of these requests carries its latest heartbeat, so the server
/// hears from a tracking client every 15 minutes; it abandons a session only after three
/// times that (see the README).
pub const SEND_INTERVAL_MINUTES: u32 = 15;

/// Oldest start the server accepts, in days before its clock.
pub const MAX_START_AGE_DAYS: i64 = 400;

/// A session as the API returns it. Times are RFC 3339 UTC with second precision.
/// Clients must ignore fields they do not know: later versions may add some.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    /// Client-generated UUID.
    pub id: String,
    pub repo_owner: String,
    pub repo_name: String,
    pub pr_number: i64,
    pub start_time: String,
    /// `null` while active.
    pub end_time: Option<String>,
    /// Whole seconds from start to end; `null` while active.
    pub duration_seconds: Option<i64>,
    pub status: SessionStatus,
    /// The latest heartbeat (the start time until the first one).
    pub last_heartbeat: String,
    /// Minutes east of UTC where the session was recorded, when the client said.
    pub tz_offset_minutes: Option<i32>,
    /// The device that recorded the session ([`LEGACY_DEVICE_ID`] when it named none).
    #[serde(default = "legacy_device")]
    pub device_id: String,
}

fn legacy_device() -> String {
    LEGACY_DEVICE_ID.to_owned()
}

/// `POST /api/sessions/start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartSessionRequest {
    /// Client-generated UUID; replaying the same id returns the stored session.
    pub id: String,
    /// GitHub owner (user or organisation) login.
    pub repo_owner: String,
    /// GitHub repository name.
    pub repo_name: String,
    /// Pull request number, ≥ 1.
    pub pr_number: i64,
    /// When work started; defaults to the server's now. At most 5 minutes in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// Minutes east of UTC, −720…840 (UTC+05:30 is 330).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz_offset_minutes: Option<i32>,
    /// The recording device's UUID, made once per installation. A start ends only the
    /// same device's active session. Absent: the user's legacy device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// `PATCH /api/sessions/{id}/end`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EndSessionRequest {
    /// When work ended; defaults to the server's now. Must not be before the start, nor
    /// make the session longer than the server's maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// The calling device; a session is ended only by the device that recorded it.
    /// Absent: the user's legacy device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// `POST /api/sessions/stop`: ends the calling device's active session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StopSessionRequest {
    /// When work ended; defaults to the server's now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// The calling device. Absent: the user's legacy device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// `POST /api/sessions/{id}/heartbeat`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HeartbeatRequest {
    /// When the client last saw the user working; defaults to the server's now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The calling device. Absent: the user's legacy device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// `GET /api/sessions` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionList {
    /// Newest first.
    pub sessions: Vec<Session>,
    /// How many sessions match the filters in all.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// Default and largest page size of `GET /api/sessions`.
pub const LIST_DEFAULT_LIMIT: i64 = 50;
pub const LIST_MAX_LIMIT: i64 = 100;
