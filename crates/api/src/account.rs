//! The caller's account as a whole: a data export (`GET /api/export`) and deletion
//! (`DELETE /api/account`).

use serde::{Deserialize, Serialize};

use crate::sessions::Session;

/// Most sessions one export page holds (`limit`'s default and maximum). A larger history
/// comes in several pages, each read with one bounded D1 statement: follow `next_cursor`.
pub const EXPORT_MAX_LIMIT: i64 = 1000;

/// The version of the export's shape; a later shape gets a new number.
pub const EXPORT_FORMAT_VERSION: i64 = 1;

/// The CSV export's columns, in order (the header row of every CSV page).
pub const EXPORT_CSV_COLUMNS: &[&str] = &[
    "id",
    "device_id",
    "repo_owner",
    "repo_name",
    "pr_number",
    "start_time",
    "end_time",
    "duration_seconds",
    "status",
    "last_heartbeat",
    "tz_offset_minutes",
];

/// `GET /api/export?format=`: how the export is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// [`AccountExport`] as `application/json` (the default).
    #[default]
    Json,
    /// The sessions as `text/csv` (RFC 4180, a header row of [`EXPORT_CSV_COLUMNS`]).
    Csv,
}

impl ExportFormat {
    /// Parses a `format` parameter value.
    pub fn parse(text: &str) -> Option<ExportFormat> {
        match text {
            "json" => Some(ExportFormat::Json),
            "csv" => Some(ExportFormat::Csv),
            _ => None,
        }
    }
}

/// The account as stored: everything WorkTime keeps about the user besides their
/// sessions. Tokens, token versions and sign-out records are never exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExportedUser {
    /// WorkTime's user id (the JWT's `sub`).
    pub id: i64,
    /// The GitHub account's numeric id, as text.
    pub github_user_id: String,
    /// GitHub login at the last sign-in.
    pub username: String,
    /// The public e-mail GitHub reported at the last sign-in, if any.
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    /// When the account was created, RFC 3339 UTC.
    pub created_at: Option<String>,
    /// The last sign-in or token refresh, RFC 3339 UTC.
    pub last_active: Option<String>,
}

/// `GET /api/export` (JSON): one page of the caller's data. Per-day and per-repository
/// totals are left out: they are derived from the sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccountExport {
    /// [`EXPORT_FORMAT_VERSION`].
    pub format_version: i64,
    /// When this page was read, RFC 3339 UTC.
    pub exported_at: String,
    pub user: ExportedUser,
    /// The user's sessions of every device and status, oldest first (by start, then id),
    /// at most `limit` of them.
    pub sessions: Vec<Session>,
    /// `null` when this page ends the export; otherwise pass it as `cursor` for the next
    /// page.
    pub next_cursor: Option<String>,
}

/// Rows removed from D1 by `DELETE /api/account`, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeletedRows {
    /// The account row (1).
    pub users: i64,
    pub sessions: i64,
    /// 15-minute statistics buckets.
    pub daily_stats: i64,
    /// Hourly statistics rows.
    pub hourly_stats: i64,
    /// Remembered sync op ids.
    pub sync_ops: i64,
    /// Records of sign-ins ended by `/auth/logout`.
    pub revoked_sign_ins: i64,
}

/// `DELETE /api/account` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccountDeleted {
    /// The id the account had; a later sign-in with the same GitHub account gets a new
    /// one, with no data.
    pub user_id: i64,
    /// What was removed from the database, in one transaction.
    pub deleted: DeletedRows,
    /// The key-value entries removed (whether or not they held a value).
    pub kv_keys: Vec<String>,
}
