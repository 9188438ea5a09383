//! TypeScript declarations of the values crossing into JavaScript (they appear in the
//! generated `.d.ts`). Output objects use the backend's snake_case field names.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** Answer of the backend's `GET /health`. */
export interface Health {
  status: "ok" | "error";
  /** The backend's clock, RFC 3339 UTC. */
  timestamp: string;
  environment: string;
  service: string;
  version: string;
  database: "ok" | "error";
}

/** `WorkTime.init` options. */
export interface InitConfig {
  /** The backend, e.g. "https://worktime.example.workers.dev". */
  baseUrl: string;
  /** Key of the saved state (default "worktime.engine"). */
  storageKey?: string;
  /** "chrome" (chrome.storage.local) or "memory"; detected when omitted. */
  storage?: "chrome" | "memory";
}

export interface StartSessionInput {
  repoOwner: string;
  repoName: string;
  prNumber: number;
  /** Minutes east of UTC; defaults to the browser's (-getTimezoneOffset()). */
  tzOffsetMinutes?: number;
}

/** What the browser shows now, for `observe`. */
export interface Observation {
  windowFocused: boolean;
  /** URL of the focused window's active tab. */
  activeUrl?: string | null;
  idle: "active" | "idle" | "locked";
  /** The chrome.idle threshold in use, seconds. */
  idleSeconds: number;
  /** "owner/repo" entries; when non-empty only these are tracked. */
  alwaysTrack?: string[];
  /** "owner/repo" entries never tracked. */
  neverTrack?: string[];
}

export type SyncState = "pending" | "synced" | "rejected";

/** A session as the SDK keeps it locally (times in epoch milliseconds). */
export interface LocalSession {
  session_id: string;
  repo_owner: string;
  repo_name: string;
  pr_number: number;
  tz_offset_minutes: number | null;
  start_ms: number;
  end_ms: number | null;
  duration_seconds: number | null;
  last_heartbeat_ms: number;
  /** The latest heartbeat queued for the server (one goes every ten minutes). */
  last_sent_heartbeat_ms: number;
  sync_state: SyncState;
}

export interface FailedItem { op_id: string; session_id: string; op_type: "start" | "end" | "heartbeat"; reason: string; enqueued_ms: number; }
export interface RejectedItem { op_id: string; session_id: string; op_type: "start" | "end" | "heartbeat"; code: string; message: string; rejected_ms: number; }

/** Sync status. At most 50 failed items are listed; `failed_items_hidden` counts the rest
 *  (they are still queued and retried: nothing is dropped). */
export interface SdkStatus {
  /** Whether the last request reached the backend; null before the first. */
  online: boolean | null;
  pending_count: number;
  failed_count: number;
  failed_items: FailedItem[];
  failed_items_hidden: number;
  rejected_items: RejectedItem[];
  signed_in: boolean;
  sign_in_needed: boolean;
  user: { id: number; username: string; avatar_url: string | null } | null;
  last_sync_ms: number | null;
  next_retry_ms: number | null;
  last_error: string | null;
  round_active: boolean;
  round_reason: string | null;
}

export interface DayTotals { date: string; total_duration_seconds: number; session_count: number; avg_session_seconds: number; }

export interface StatsResult {
  source: "server" | "local";
  days: DayTotals[];
  from: string;
  to: string;
  tz_offset_minutes: number;
  total_duration_seconds: number;
  session_count: number;
}

/** What `live(onChange)` reports. */
export type LiveEvent =
  /** A write of the user committed (`at`, RFC 3339): re-read what is shown, unless
   *  `this_device` (this installation's own write). `device_id` is null for the server's
   *  own jobs. */
  | { type: "changed"; at: string; device_id: string | null; this_device: boolean }
  /** Re-read what is shown: every 30 s while the live socket is refused, and once after a
   *  lost socket was reopened. */
  | { type: "poll" }
  /** The sign-in ended (here, on the server or everywhere): the connection stopped;
   *  `status()` now says what to show. */
  | { type: "signed_out" };

/** Where the live connection stands (`liveState()`). */
export type LiveState = "stopped" | "connecting" | "open" | "retrying" | "polling";

export interface HistoryResult {
  source: "server" | "local";
  /** Server sessions of all the user's devices (the API's shape, with `device_id`) or
   *  this device's LocalSession objects; each carries `this_device: boolean`. */
  sessions: (object & { this_device: boolean })[];
  total: number;
}
"#;
