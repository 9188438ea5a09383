// @ts-check
// Sessions as the popup uses them: the SDK's typed history entries (one shape, whether
// from the server or local) in the popup's names. Pure: no DOM.

/**
 * @typedef {object} Session
 * @property {string} id
 * @property {string} owner
 * @property {string} repo
 * @property {number} pr
 * @property {number|null} startMs
 * @property {number|null} endMs
 * @property {number|null} durationSeconds  null while running
 * @property {boolean} running
 * @property {"synced"|"pending"|"rejected"} syncState
 * @property {boolean} abandoned  ended by the server after the browser went silent
 * @property {boolean} thisDevice  recorded by this browser (the SDK says; local ones always)
 * @property {string|null} url  the PR's page on GitHub (the SDK gives none for invalid names)
 */

/**
 * One SDK history entry (or the SDK's active session, which has the same fields) as the
 * popup's Session, or null when it names no repository. A plain renaming: the SDK already
 * decided every field.
 */
/** @param {import("../pkg/worktime_sdk.js").HistoryEntry | import("../pkg/worktime_sdk.js").LocalSession | null | undefined} entry */
export function normalize(entry) {
  if (!entry || typeof entry !== "object" || !entry.repo_owner || !entry.repo_name) return null;
  // A history entry says whether it runs, was abandoned and is this device's; the active
  // session (a LocalSession) runs on this device.
  const entryOnly = "running" in entry ? entry : null;
  const running = entryOnly ? entryOnly.running : entry.end_ms == null;
  return {
    id: String(entry.session_id ?? ""),
    owner: entry.repo_owner,
    repo: entry.repo_name,
    pr: Number(entry.pr_number) || 0,
    startMs: entry.start_ms ?? null,
    endMs: entry.end_ms ?? null,
    durationSeconds: running ? null : (entry.duration_seconds ?? null),
    running,
    syncState: entry.sync_state ?? "pending",
    abandoned: Boolean(entryOnly?.abandoned),
    thisDevice: entryOnly?.this_device ?? true,
    url: entry.pr_url ?? null,
  };
}

/** Normalizes a list, dropping unusable entries. */
export function normalizeAll(list) {
  return (Array.isArray(list) ? list : []).map(normalize).filter(Boolean);
}

/** "owner/repo #12". */
export function sessionLabel(session) {
  return `${session.owner}/${session.repo} #${session.pr}`;
}

/**
 * Seconds of the running session that fall on the day starting at `dayStartMs`
 * (a session that started yesterday counts from midnight).
 */
export function runningSecondsSince(active, dayStartMs, nowMs) {
  if (!active || !Number.isFinite(active.start_ms)) return 0;
  const from = Math.max(active.start_ms, dayStartMs ?? active.start_ms);
  return Math.max(0, Math.floor((nowMs - from) / 1000));
}
