//! The OpenAPI 3.1 document, generated from this crate's types.
//!
//! The functions below carry no code: each one's `#[utoipa::path]` describes an endpoint.
//! `document()` renders them; the committed `openapi.json` is this output, and a test
//! fails when it is stale (`WORKTIME_BLESS=1 cargo test -p worktime-api --features
//! openapi` rewrites it).
#![allow(dead_code)]

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::account::{AccountDeleted, AccountExport, DeletedRows, ExportFormat, ExportedUser};
use crate::auth::{AuthResponse, CallbackRequest, SignOutScope, SignedOut, User};
use crate::error::{ErrorBody, ErrorCode, ErrorDetail};
use crate::health::{HealthResponse, HealthStatus};
use crate::live::{LiveMessage, LiveTicket};
use crate::sessions::{
    EndSessionRequest, HeartbeatRequest, Session, SessionList, SessionStatus, StartSessionRequest,
    StopSessionRequest,
};
use crate::stats::{BreakdownRepo, DailyStats, DayTotals, PrTotals, RepoBreakdown, RepoStats};
use crate::sync::{OpResult, OpStatus, OpType, SyncOp, SyncRequest, SyncResponse};

/// The document as pretty JSON with a trailing newline.
pub fn document() -> String {
    let mut text = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "WorkTime API",
        description = "Time spent on GitHub pull requests, per repository and PR. Errors are `{\"error\":{\"code\",\"message\"}}`.",
        license(name = "MIT"),
    ),
    paths(
        health, openapi_json, login, callback, refresh, logout, logout_all, list_sessions,
        start_session, stop_session, end_session, delete_session, heartbeat, sync, stats_daily, stats_repo, stats_repos,
        live_ticket, live, export, delete_account
    ),
    components(schemas(
        ErrorBody, ErrorDetail, ErrorCode, HealthResponse, HealthStatus, CallbackRequest, User,
        AuthResponse, Session, SessionStatus, SessionList, StartSessionRequest,
        EndSessionRequest, StopSessionRequest, HeartbeatRequest, SyncRequest, SyncOp, OpType, SyncResponse,
        OpResult, OpStatus, DailyStats, DayTotals, RepoStats, PrTotals, RepoBreakdown, BreakdownRepo, SignedOut, SignOutScope,
        LiveTicket, LiveMessage, AccountExport, ExportedUser, ExportFormat, AccountDeleted,
        DeletedRows
    )),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            let scheme =
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build();
            components.add_security_scheme("jwt", SecurityScheme::Http(scheme));
        }
    }
}

#[utoipa::path(get, path = "/health", tag = "service",
    responses(
        (status = 200, description = "Up, database reachable", body = HealthResponse),
        (status = 503, description = "Database unreachable", body = HealthResponse),
    ))]
fn health() {}

#[utoipa::path(get, path = "/openapi.json", tag = "service",
    responses((status = 200, description = "This document", content_type = "application/json")))]
fn openapi_json() {}

#[utoipa::path(get, path = "/auth/github/login", tag = "auth",
    params(
        ("state" = String, Query, description = "Opaque value GitHub returns on the redirect"),
        ("code_challenge" = String, Query, description = "PKCE S256 challenge (base64url SHA-256 of the verifier)"),
        ("redirect_uri" = Option<String>, Query, description = "Where GitHub sends the user back; an allowed extension's https://<id>.chromiumapp.org/ URL"),
    ),
    responses(
        (status = 302, description = "Redirect to GitHub's authorize page"),
        (status = 400, description = "Missing or invalid parameter", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    ))]
fn login() {}

#[utoipa::path(post, path = "/auth/github/callback", tag = "auth", request_body = CallbackRequest,
    responses(
        (status = 200, description = "Signed in: a token of a new sign-in (the GitHub token is used once and not kept)", body = AuthResponse),
        (status = 400, description = "Malformed body, unknown field, or a missing or malformed code_verifier (PKCE is required)", body = ErrorBody),
        (status = 401, description = "GitHub rejected the code", body = ErrorBody),
        (status = 413, description = "Body over 64 KB", body = ErrorBody),
        (status = 422, description = "Empty or overlong code", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
        (status = 502, description = "GitHub failed or answered nonsense", body = ErrorBody),
    ))]
fn callback() {}

#[utoipa::path(post, path = "/auth/refresh", tag = "auth", security(("jwt" = [])),
    responses(
        (status = 200, description = "A fresh token of the same sign-in", body = AuthResponse),
        (status = 401, description = "Missing, invalid, expired or revoked token (a revoked token is never revived)", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    ))]
fn refresh() {}

#[utoipa::path(get, path = "/api/sessions", tag = "sessions", security(("jwt" = [])),
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size, default 50"),
        ("offset" = Option<i64>, Query, minimum = 0, description = "Sessions to skip, default 0"),
        ("repo_owner" = Option<String>, Query), ("repo_name" = Option<String>, Query),
        ("pr_number" = Option<i64>, Query, minimum = 1),
        ("from" = Option<String>, Query, description = "Sessions starting at or after this RFC 3339 time"),
        ("to" = Option<String>, Query, description = "Sessions starting before this RFC 3339 time"),
    ),
    responses(
        (status = 200, description = "A page of sessions, newest first", body = SessionList),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
    ))]
fn list_sessions() {}

#[utoipa::path(post, path = "/api/sessions/start", tag = "sessions", security(("jwt" = [])),
    request_body = StartSessionRequest,
    responses(
        (status = 201, description = "Started; the same device's active session (only that device's) was ended at this start, never before its own start", body = Session),
        (status = 200, description = "Replay of the same start: the stored session", body = Session),
        (status = 400, description = "Malformed body, not a JSON object, or unknown field", body = ErrorBody),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorBody),
        (status = 409, description = "The id was used before with different content or by another device", body = ErrorBody),
        (status = 413, description = "Body over 64 KB", body = ErrorBody),
        (status = 422, description = "A rule is broken (names, PR number, device id, a time in the future or more than 400 days ago)", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
    ))]
fn start_session() {}

#[utoipa::path(post, path = "/api/sessions/stop", tag = "sessions", security(("jwt" = [])),
    request_body = StopSessionRequest,
    responses(
        (status = 200, description = "The calling device's active session, now ended", body = Session),
        (status = 400, description = "Malformed body, not a JSON object, or unknown field", body = ErrorBody),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorBody),
        (status = 404, description = "The calling device has no active session", body = ErrorBody),
        (status = 413, description = "Body over 64 KB", body = ErrorBody),
        (status = 422, description = "End before start, in the future, or longer than the maximum session", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
    ))]
fn stop_session() {}

#[utoipa::path(patch, path = "/api/sessions/{id}/end", tag = "sessions", security(("jwt" = [])),
    params(("id" = String, Path, description = "Session UUID")),
    request_body = EndSessionRequest,
    responses(
        (status = 200, description = "Ended; a replay of the same end (or an end without time of an ended session) answers the stored result; an abandoned session takes its device's true end", body = Session),
        (status = 400, description = "Malformed body, not a JSON object, unknown field or bad id", body = ErrorBody),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorBody),
        (status = 404, description = "No such session of the caller", body = ErrorBody),
        (status = 409, description = "`session_not_active`: already ended at another time; `conflict`: another device's session", body = ErrorBody),
        (status = 413, description = "Body over 64 KB", body = ErrorBody),
        (status = 422, description = "End before start, in the future, or longer than the maximum session", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
    ))]
fn end_session() {}

#[utoipa::path(delete, path = "/api/sessions/{id}", tag = "sessions", security(("jwt" = [])),
    params(("id" = String, Path, description = "Session UUID")),
    responses(
        (status = 204, description = "Deleted, in one write: the session (recorded by any of the caller's devices, running or ended) and its time in the statistics; the seconds it owned go back to the sessions it overlapped. A running session's device then gets `not_found` for its heartbeats and end. Also the answer when the caller has no such session (deleted already, never synced, or another user's): deleting twice changes nothing"),
        (status = 400, description = "Bad id (not a UUID)", body = ErrorBody),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
        (status = 503, description = "Concurrent writes of the same user kept winning; retry", body = ErrorBody),
    ))]
fn delete_session() {}

#[utoipa::path(post, path = "/api/sessions/{id}/heartbeat", tag = "sessions", security(("jwt" = [])),
    params(("id" = String, Path, description = "Session UUID")),
    request_body = HeartbeatRequest,
    responses(
        (status = 200, description = "Recorded (an older heartbeat changes nothing); for an abandoned session, its end moves to this later heartbeat", body = Session),
        (status = 400, description = "Malformed body, not a JSON object, unknown field or bad id", body = ErrorBody),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorBody),
        (status = 404, description = "No such session of the caller", body = ErrorBody),
        (status = 409, description = "`session_not_active`: the session was completed; `conflict`: another device's session", body = ErrorBody),
        (status = 413, description = "Body over 64 KB", body = ErrorBody),
        (status = 422, description = "Time in the future, or past the maximum session length", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
    ))]
fn heartbeat() {}

#[utoipa::path(post, path = "/api/sync", tag = "sessions", security(("jwt" = [])),
    request_body = SyncRequest,
    responses(
        (status = 200, description = "One result per op, in order", body = SyncResponse),
        (status = 400, description = "Malformed body, not a JSON object, or unknown field", body = ErrorBody),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorBody),
        (status = 413, description = "Body over 64 KB", body = ErrorBody),
        (status = 422, description = "More than 100 ops", body = ErrorBody),
        (status = 503, description = "Concurrent writes of the same user kept winning; retry", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
    ))]
fn sync() {}

#[utoipa::path(get, path = "/api/stats/daily", tag = "stats", security(("jwt" = [])),
    params(
        ("days" = Option<u32>, Query, minimum = 1, maximum = 366, description = "Days up to today, default 30"),
        ("tz_offset_minutes" = Option<i32>, Query, minimum = -720, maximum = 840, description = "Minutes east of UTC, default 0"),
    ),
    responses(
        (status = 200, description = "Every day of the range, oldest first", body = DailyStats),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
    ))]
fn stats_daily() {}

#[utoipa::path(get, path = "/api/stats/repo/{owner}/{name}", tag = "stats", security(("jwt" = [])),
    params(
        ("owner" = String, Path), ("name" = String, Path),
        ("days" = Option<u32>, Query, minimum = 1, maximum = 366, description = "Days of the per-day list, default 30"),
        ("tz_offset_minutes" = Option<i32>, Query, minimum = -720, maximum = 840),
    ),
    responses(
        (status = 200, description = "Totals, per PR and per day", body = RepoStats),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorBody),
        (status = 404, description = "The caller has no sessions in this repository", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
    ))]
fn stats_repo() {}

#[utoipa::path(get, path = "/api/stats/repos", tag = "stats", security(("jwt" = [])),
    description = "Where the time of the last `days` local days went, per repository and PR: ended sessions, each counted for the seconds of the range it owns (overlaps once), so the total equals `/api/stats/daily`'s for the same `days` and offset. At most 50 repositories (the largest) with at most 25 PRs each are listed; the rest count in the totals and in `more_repos` / `more_prs`.",
    params(
        ("days" = Option<u32>, Query, minimum = 1, maximum = 366, description = "Days up to today, default 30"),
        ("tz_offset_minutes" = Option<i32>, Query, minimum = -720, maximum = 840, description = "Minutes east of UTC, default 0"),
    ),
    responses(
        (status = 200, description = "Per repository and PR, largest first", body = RepoBreakdown),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
    ))]
fn stats_repos() {}

#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("jwt" = [])),
    responses(
        (status = 200, description = "This token's sign-in is over: it and every refresh of it get 401 from now on (at most 30 s on other servers)", body = SignedOut),
        (status = 401, description = "Missing, invalid, expired or already revoked token", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    ))]
fn logout() {}

#[utoipa::path(post, path = "/auth/logout-all", tag = "auth", security(("jwt" = [])),
    responses(
        (status = 200, description = "Every token of the user, on every device, gets 401 from now on (at most 30 s on other servers); live sockets close with 4001", body = SignedOut),
        (status = 401, description = "Missing, invalid, expired or already revoked token", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    ))]
fn logout_all() {}

#[utoipa::path(post, path = "/api/live/ticket", tag = "live", security(("jwt" = [])),
    responses(
        (status = 200, description = "A single-use ticket for GET /api/live, valid 30 s", body = LiveTicket),
        (status = 401, description = "Missing, invalid, expired or revoked token", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
        (status = 503, description = "Live updates are unavailable; poll instead", body = ErrorBody),
    ))]
fn live_ticket() {}

#[utoipa::path(get, path = "/api/live", tag = "live",
    params(("ticket" = String, Query, description = "From POST /api/live/ticket; single use")),
    responses(
        (status = 101, description = "A WebSocket: the server sends LiveMessage JSON texts; a text `ping` is answered with `pong`; closed with 4001 when the sign-in is signed out"),
        (status = 400, description = "Not a WebSocket upgrade, or an unknown parameter", body = ErrorBody),
        (status = 401, description = "The ticket is missing, unknown, used or expired", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
        (status = 503, description = "Live updates are unavailable; poll instead", body = ErrorBody),
    ))]
fn live() {}

#[utoipa::path(get, path = "/api/export", tag = "account", security(("jwt" = [])),
    params(
        ("format" = Option<ExportFormat>, Query, description = "`json` (default): the account and the sessions; `csv`: the sessions only"),
        ("cursor" = Option<String>, Query, description = "The previous page's `next_cursor` (JSON) or `Link: rel=\"next\"` (CSV); absent: the first page"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "Sessions per page, default and at most 1000"),
    ),
    responses(
        (status = 200, description = "One page of the caller's data, sessions oldest first. `Content-Disposition: attachment` (worktime-export.json or .csv); when more sessions follow, JSON has `next_cursor` and both formats a `Link: <…>; rel=\"next\"` header. CSV: RFC 4180, a header row on every page",
            content((AccountExport = "application/json"), (String = "text/csv")),
            headers(
                ("Content-Disposition" = String, description = "attachment; filename=\"worktime-export.json\" (or .csv)"),
                ("Link" = String, description = "The next page, when there is one: <URL>; rel=\"next\""),
            )),
        (status = 400, description = "Unknown `format`, malformed `cursor` or `limit`, or an unknown parameter", body = ErrorBody),
        (status = 401, description = "Missing, invalid, expired or revoked token, or a deleted account", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
    ))]
fn export() {}

#[utoipa::path(delete, path = "/api/account", tag = "account", security(("jwt" = [])),
    responses(
        (status = 200, description = "The account and every row of it are deleted in one transaction, its key-value entries removed, its live sockets closed (4001); every token of it gets 401 from now on. Signing in again creates a new, empty account", body = AccountDeleted),
        (status = 401, description = "Missing, invalid, expired or revoked token, or an account already deleted", body = ErrorBody),
        (status = 429, description = "Too many requests", body = ErrorBody),
    ))]
fn delete_account() {}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITTED: &str = "openapi.json";

    #[test]
    fn committed_document_is_fresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
        let fresh = document();
        if std::env::var_os("WORKTIME_BLESS").is_some() {
            std::fs::write(&path, &fresh).expect("write openapi.json");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "crates/api/openapi.json is stale: run `WORKTIME_BLESS=1 cargo test -p worktime-api --features openapi` and commit it"
        );
    }

    #[test]
    fn every_path_is_documented() {
        let doc: serde_json::Value = serde_json::from_str(&document()).expect("JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        for path in crate::paths::ALL {
            assert!(doc["paths"].get(*path).is_some(), "{path} missing from the document");
        }
    }
}
