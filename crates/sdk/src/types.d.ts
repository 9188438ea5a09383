// Generated from the Rust types by crates/core/tests/typescript.rs (ts-rs): do not edit.
// The values the WorkTime SDK hands to JavaScript and the options it reads.

export type HealthStatus = "ok" | "error";

export type HealthResponse = { 
/**
 * `ok` when the service can serve requests, `error` otherwise.
 */
status: HealthStatus, 
/**
 * The worker's clock, RFC 3339 in UTC.
 */
timestamp: string, 
/**
 * The `ENVIRONMENT` variable of the deployment (`development`, `production`, …).
 */
environment: string, 
/**
 * Always [`crate::SERVICE_NAME`].
 */
service: string, 
/**
 * The worker crate's version.
 */
version: string, 
/**
 * Result of a real query against D1.
 */
database: HealthStatus, };

export type User = { 
/**
 * WorkTime's user id (the JWT's `sub`).
 */
id: number, 
/**
 * GitHub login.
 */
username: string, avatar_url: string | null, };

export type ErrorCode = "invalid_json" | "invalid_request" | "unauthorized" | "forbidden" | "not_found" | "method_not_allowed" | "conflict" | "session_not_active" | "payload_too_large" | "validation_failed" | "rate_limited" | "internal" | "upstream_failed" | "unavailable" | "unknown";

export type OpType = "start" | "end" | "heartbeat" | "delete";

export type InitConfig = { 
/**
 * The backend, e.g. `https://worktime.example.workers.dev`.
 */
baseUrl: string, 
/**
 * Key of the saved state (default `worktime.engine`).
 */
storageKey?: string | null, 
/**
 * `chrome` (chrome.storage.local) or `memory`; detected when omitted.
 */
storage?: "chrome" | "memory", };

export type StartSessionInput = { repoOwner: string, repoName: string, prNumber: number, 
/**
 * Minutes east of UTC; defaults to the browser's (`-getTimezoneOffset()`).
 */
tzOffsetMinutes?: number | null, };

export type Observation = { windowFocused: boolean, 
/**
 * URL of the focused window's active tab.
 */
activeUrl?: string | null, 
/**
 * `chrome.idle`'s state.
 */
idle: "active" | "idle" | "locked", idleSeconds: number, 
/**
 * `owner/repo` names tracked even when the PR page is not focused.
 */
alwaysTrack?: Array<string>, 
/**
 * `owner/repo` names never tracked.
 */
neverTrack?: Array<string>, };

export type SyncState = "pending" | "synced" | "rejected";

export type LocalSession = { session_id: string, repo_owner: string, repo_name: string, pr_number: number, tz_offset_minutes: number | null, 
/**
 * Epoch ms, whole seconds.
 */
start_ms: number, 
/**
 * Epoch ms, whole seconds; `None` while active.
 */
end_ms: number | null, 
/**
 * Whole seconds from start to end; `None` while active.
 */
duration_seconds: number | null, 
/**
 * The latest heartbeat (the start until the first one).
 */
last_heartbeat_ms: number, 
/**
 * The latest heartbeat queued for the server (the start until the first one): the
 * server's `last_heartbeat` once the queue is through.
 */
last_sent_heartbeat_ms: number, sync_state: SyncState, 
/**
 * The PR's page on GitHub (`None` for names GitHub would not accept).
 */
pr_url: string | null, };

export type Failure = { "kind": "network", detail: string, } | { "kind": "timeout" } | { "kind": "malformed_answer", status: number, } | { "kind": "http", status: number, code: ErrorCode, message: string, } | { "kind": "sign_in_expired" };

export type SyncReason = "periodic" | "reconnect" | "manual" | "sign_in" | "enqueued";

export type FailedItem = { op_id: string, session_id: string, op_type: OpType, 
/**
 * The error that ended the round.
 */
reason: Failure, 
/**
 * When the op was enqueued.
 */
enqueued_ms: number, };

export type RejectedItem = { op_id: string, session_id: string, op_type: OpType, 
/**
 * The server's code (`validation_failed`, `not_found`, `conflict`, …).
 */
code: ErrorCode, 
/**
 * The server's message.
 */
message: string, rejected_ms: number, };

export type Recovery = { 
/**
 * When the engine recovered (epoch ms).
 */
at_ms: number, 
/**
 * Why the snapshot could not be restored.
 */
problem: string, 
/**
 * The version the unreadable snapshot said it was, if any.
 */
version: number | null, 
/**
 * Queued ops read back from it (they are queued again, oldest first).
 */
recovered_ops: number, 
/**
 * Whether this installation's device id was read back.
 */
recovered_device_id: boolean, };

export type Status = { 
/**
 * Ops waiting for the server's confirmation, failed ones included.
 */
pending_count: number, 
/**
 * Queued ops marked failed by the last round that gave up.
 */
failed_count: number, 
/**
 * The oldest failed ops, at most `EngineConfig::failed_items_shown` (50).
 */
failed_items: Array<FailedItem>, 
/**
 * Failed ops not listed in `failed_items` (`failed_count - failed_items.len()`).
 * They are still queued: the limit is on the list, never on the queue.
 */
failed_items_hidden: number, 
/**
 * Ops the server rejected, newest first, at most `EngineConfig::rejected_limit` (50).
 */
rejected_items: Array<RejectedItem>, 
/**
 * A token is held and has not expired.
 */
signed_in: boolean, 
/**
 * The server refused the token or it expired: the user must sign in again.
 */
sign_in_needed: boolean, 
/**
 * The signed-in user (kept while `sign_in_needed`).
 */
user: User | null, 
/**
 * When the server last confirmed a batch.
 */
last_sync_ms: number | null, 
/**
 * When the running round tries again, if it is waiting.
 */
next_retry_ms: number | null, 
/**
 * The latest sync error; cleared by the next confirmed batch.
 */
last_error: Failure | null, 
/**
 * A round is running (sending, or waiting to retry).
 */
round_active: boolean, 
/**
 * Why the running round started.
 */
round_reason: SyncReason | null, 
/**
 * Set when the stored state could not be read and the engine started from what
 * could be recovered of it; cleared when the server next confirms a batch.
 */
recovery: Recovery | null, };

export type Pause = { 
/**
 * When the pause began (epoch ms).
 */
since_ms: number, 
/**
 * When tracking resumes by itself (epoch ms); `None`: until the user resumes.
 */
until_ms: number | null, };

export type BadgeState = "sign_in_needed" | "rejected" | "offline" | "paused" | "tracking" | "idle";

export type Badge = { state: BadgeState, 
/**
 * At most 4 characters; empty hides the badge.
 */
text: string, 
/**
 * The badge's background, `#rrggbb`.
 */
color: string, 
/**
 * The icon's tooltip.
 */
title: string, };

export type SdkStatus = { 
/**
 * Whether the last request reached the backend (`null` before the first).
 */
online: boolean | null, 
/**
 * Set while the user has paused tracking.
 */
pause: Pause | null, 
/**
 * What the toolbar icon's badge shows now.
 */
badge: Badge, 
/**
 * Ops waiting for the server's confirmation, failed ones included.
 */
pending_count: number, 
/**
 * Queued ops marked failed by the last round that gave up.
 */
failed_count: number, 
/**
 * The oldest failed ops, at most `EngineConfig::failed_items_shown` (50).
 */
failed_items: Array<FailedItem>, 
/**
 * Failed ops not listed in `failed_items` (`failed_count - failed_items.len()`).
 * They are still queued: the limit is on the list, never on the queue.
 */
failed_items_hidden: number, 
/**
 * Ops the server rejected, newest first, at most `EngineConfig::rejected_limit` (50).
 */
rejected_items: Array<RejectedItem>, 
/**
 * A token is held and has not expired.
 */
signed_in: boolean, 
/**
 * The server refused the token or it expired: the user must sign in again.
 */
sign_in_needed: boolean, 
/**
 * The signed-in user (kept while `sign_in_needed`).
 */
user: User | null, 
/**
 * When the server last confirmed a batch.
 */
last_sync_ms: number | null, 
/**
 * When the running round tries again, if it is waiting.
 */
next_retry_ms: number | null, 
/**
 * The latest sync error; cleared by the next confirmed batch.
 */
last_error: Failure | null, 
/**
 * A round is running (sending, or waiting to retry).
 */
round_active: boolean, 
/**
 * Why the running round started.
 */
round_reason: SyncReason | null, 
/**
 * Set when the stored state could not be read and the engine started from what
 * could be recovered of it; cleared when the server next confirms a batch.
 */
recovery: Recovery | null, };

export type Source = "server" | "local";

export type DayTotals = { 
/**
 * `YYYY-MM-DD` in the requested offset.
 */
date: string, total_duration_seconds: number, session_count: number, 
/**
 * `total_duration_seconds / session_count`, rounded down; 0 without sessions.
 */
avg_session_seconds: number, };

export type DailyStats = { days: Array<DayTotals>, 
/**
 * First and last date of the range.
 */
from: string, to: string, 
/**
 * The offset the days are in, minutes east of UTC.
 */
tz_offset_minutes: number, 
/**
 * Sums over the range.
 */
total_duration_seconds: number, session_count: number, };

export type StatsResult = { source: Source, days: Array<DayTotals>, 
/**
 * First and last date of the range.
 */
from: string, to: string, 
/**
 * The offset the days are in, minutes east of UTC.
 */
tz_offset_minutes: number, 
/**
 * Sums over the range.
 */
total_duration_seconds: number, session_count: number, };

export type HistoryEntry = { session_id: string, repo_owner: string, repo_name: string, pr_number: number, start_ms: number, 
/**
 * `None` while running.
 */
end_ms: number | null, 
/**
 * The seconds it counts for once ended: the server's duration, or the local length.
 */
duration_seconds: number | null, running: boolean, 
/**
 * The server ended it at its last heartbeat after its device went silent.
 */
abandoned: boolean, 
/**
 * Server entries are synced by definition.
 */
sync_state: SyncState, 
/**
 * Recorded by this installation (local entries always are).
 */
this_device: boolean, 
/**
 * The PR's page on GitHub (`None` for names GitHub would not accept).
 */
pr_url: string | null, };

export type HistoryPage = { source: Source, 
/**
 * Newest first.
 */
sessions: Array<HistoryEntry>, 
/**
 * Entries in the whole history.
 */
total: number, };

export type PrTotals = { pr_number: number, total_duration_seconds: number, session_count: number, 
/**
 * End of the latest ended session, RFC 3339 UTC.
 */
last_worked: string, };

export type PrEntry = { pr_number: number, total_duration_seconds: number, session_count: number, 
/**
 * End of its latest session counted, RFC 3339 UTC.
 */
last_worked: string, 
/**
 * The PR's page on GitHub (`None` for names GitHub would not accept).
 */
pr_url: string | null, };

export type RepoTotals = { repo_owner: string, repo_name: string, 
/**
 * All its PRs, listed or not.
 */
total_duration_seconds: number, session_count: number, 
/**
 * The repository's page on GitHub (`None` for names GitHub would not accept).
 */
repo_url: string | null, 
/**
 * Largest first (ties: the later worked, then the lower number), at most
 * `worktime_api::stats::BREAKDOWN_MAX_PRS`.
 */
prs: Array<PrEntry>, 
/**
 * Its PRs not listed.
 */
more_prs: number, };

export type Breakdown = { source: Source, since_ms: number, 
/**
 * False when repositories or PRs were left out of the lists (beyond the caps of
 * `worktime_api::stats::BREAKDOWN_MAX_REPOS` and `BREAKDOWN_MAX_PRS`); totals count them.
 */
complete: boolean, 
/**
 * Largest total first.
 */
repos: Array<RepoTotals>, 
/**
 * Repositories left out of `repos`.
 */
more_repos: number, };

export type Timer = "retry" | "sync" | "heartbeat" | "reconnect" | "pause_ends";

export type NextAlarm = { name: string, 
/**
 * Epoch milliseconds (a past instant is due now).
 */
when: number, timer: Timer, };

export type LiveEvent = { "type": "changed", 
/**
 * When it committed, RFC 3339 UTC.
 */
at: string, 
/**
 * The device whose request it was (`None` for the server's own jobs).
 */
device_id: string | null, 
/**
 * Whether that device is this installation (the engine's device id).
 */
this_device: boolean, } | { "type": "poll" } | { "type": "signed_out" };

export type LiveState = "stopped" | "connecting" | "open" | "retrying" | "polling";

export type Settings = { backendUrl: string, idleSeconds: number, 
/**
 * `owner/repo` names tracked even when the PR page is not focused.
 */
alwaysTrack: Array<string>, 
/**
 * `owner/repo` names never tracked.
 */
neverTrack: Array<string>, };

export type SettingsRules = { defaults: Settings, minIdleMinutes: number, maxIdleMinutes: number, maxRepos: number, };

export type Checked<T> = { value?: T, error?: string, };

export type RepoList = { value: Array<string>, errors: Array<string>, };
