//! The API's paths; no other crate spells them.
//!
//! Templates use OpenAPI's `{param}` syntax; the functions build concrete paths.

/// Liveness and database readiness, public.
pub const HEALTH: &str = "/health";
/// This API's OpenAPI 3.1 document, public.
pub const OPENAPI: &str = "/openapi.json";
/// Starts GitHub sign-in: 302 to GitHub's authorize page.
pub const AUTH_LOGIN: &str = "/auth/github/login";
/// Exchanges GitHub's code for a WorkTime JWT.
pub const AUTH_CALLBACK: &str = "/auth/github/callback";
/// A fresh JWT for a valid one.
pub const AUTH_REFRESH: &str = "/auth/refresh";
/// Signs this token's sign-in out: it and every refresh of it stop working.
pub const AUTH_LOGOUT: &str = "/auth/logout";
/// Signs the user out everywhere: every token they hold stops working.
pub const AUTH_LOGOUT_ALL: &str = "/auth/logout-all";
/// Lists the caller's sessions.
pub const SESSIONS: &str = "/api/sessions";
/// Starts (or replays the start of) a session.
pub const SESSIONS_START: &str = "/api/sessions/start";
/// Ends the caller's active session.
pub const SESSIONS_STOP: &str = "/api/sessions/stop";
/// One session: `DELETE` removes it and its time from the statistics (idempotent).
pub const SESSION: &str = "/api/sessions/{id}";
/// Ends one session.
pub const SESSION_END: &str = "/api/sessions/{id}/end";
/// Records that a session is still alive.
pub const SESSION_HEARTBEAT: &str = "/api/sessions/{id}/heartbeat";
/// Applies a batch of queued offline operations.
pub const SYNC: &str = "/api/sync";
/// Per-day totals in the caller's local days.
pub const STATS_DAILY: &str = "/api/stats/daily";
/// Totals for one repository: per PR and per day.
pub const STATS_REPO: &str = "/api/stats/repo/{owner}/{name}";
/// Totals per repository and PR over the last days (not `STATS_REPO`: no parameters).
pub const STATS_REPOS: &str = "/api/stats/repos";
/// A short-lived, single-use ticket for opening the live socket.
pub const LIVE_TICKET: &str = "/api/live/ticket";
/// The live WebSocket (`?ticket=`): a message whenever another write of the user commits.
pub const LIVE: &str = "/api/live";
/// All the caller's data: the account and every session (JSON or CSV, paged).
pub const EXPORT: &str = "/api/export";
/// The caller's account: `DELETE` removes it and everything of theirs.
pub const ACCOUNT: &str = "/api/account";

/// The development sign-in's page (`GET`), where `worktime_core::signin_dev` allows it:
/// not part of the public API, so in [`DEV_ONLY`], not in [`ALL`] or the OpenAPI document.
pub const AUTH_DEV_AUTHORIZE: &str = "/auth/dev/authorize";

/// Paths that only a development server answers (404 everywhere else).
pub const DEV_ONLY: &[&str] = &[AUTH_DEV_AUTHORIZE];

/// Every path template, for route tables and the OpenAPI freshness test.
pub const ALL: &[&str] = &[
    HEALTH,
    OPENAPI,
    AUTH_LOGIN,
    AUTH_CALLBACK,
    AUTH_REFRESH,
    AUTH_LOGOUT,
    AUTH_LOGOUT_ALL,
    SESSIONS,
    SESSIONS_START,
    SESSIONS_STOP,
    SESSION,
    SESSION_END,
    SESSION_HEARTBEAT,
    SYNC,
    STATS_DAILY,
    STATS_REPO,
    STATS_REPOS,
    LIVE_TICKET,
    LIVE,
    EXPORT,
    ACCOUNT,
];

/// `/api/sessions/{id}` for `id`.
pub fn session(id: &str) -> String {
    SESSION.replace("{id}", id)
}

/// `/api/sessions/{id}/end` for `id`.
pub fn session_end(id: &str) -> String {
    SESSION_END.replace("{id}", id)
}

/// `/api/sessions/{id}/heartbeat` for `id`.
pub fn session_heartbeat(id: &str) -> String {
    SESSION_HEARTBEAT.replace("{id}", id)
}

/// `/api/stats/repo/{owner}/{name}` for a repository.
pub fn stats_repo(owner: &str, name: &str) -> String {
    STATS_REPO.replace("{owner}", owner).replace("{name}", name)
}
