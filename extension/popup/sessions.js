// Sessions as the popup uses them. History answers hold either server sessions (the API's
// shape: id, start_time, end_time as RFC 3339, status) or the SDK's local ones (session_id,
// start_ms, end_ms, sync_state); `normalize` gives both one shape. Pure: no DOM.

/** GitHub's rules for names (see also options.js). */
const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO_RE = /^[A-Za-z0-9._-]{1,100}$/;

function toMs(value) {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

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
 * @property {boolean} local
 * @property {boolean} thisDevice  recorded by this browser (the SDK says; local ones always)
 */

/** One history entry (server or local shape) as a Session, or null when unusable. */
export function normalize(raw) {
  if (!raw || typeof raw !== "object") return null;
  const local = "session_id" in raw || "start_ms" in raw;
  const owner = String(raw.repo_owner ?? "");
  const repo = String(raw.repo_name ?? "");
  if (!owner || !repo) return null;
  const startMs = toMs(local ? raw.start_ms : raw.start_time);
  const endMs = toMs(local ? raw.end_ms : raw.end_time);
  const duration = Number.isFinite(raw.duration_seconds) ? raw.duration_seconds
    : (startMs != null && endMs != null ? Math.max(0, Math.floor((endMs - startMs) / 1000)) : null);
  const running = endMs == null && (local || raw.status === "active" || raw.status == null);
  return {
    id: String((local ? raw.session_id : raw.id) ?? ""),
    owner,
    repo,
    pr: Number(raw.pr_number) || 0,
    startMs,
    endMs,
    durationSeconds: running ? null : duration,
    running,
    syncState: local ? (raw.sync_state ?? "pending") : "synced",
    abandoned: raw.status === "abandoned",
    local,
    thisDevice: local || raw.this_device !== false,
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

/** The pull request's page on GitHub, when the names are valid GitHub names. */
export function prUrl(session) {
  if (!OWNER_RE.test(session.owner) || !REPO_RE.test(session.repo) || !(session.pr > 0)) return null;
  return `https://github.com/${session.owner}/${session.repo}/pull/${session.pr}`;
}

/** The repository's page on GitHub, when the names are valid. */
export function repoUrl(owner, repo) {
  if (!OWNER_RE.test(owner) || !REPO_RE.test(repo)) return null;
  return `https://github.com/${owner}/${repo}`;
}

/** Seconds a session counts for at `nowMs` (running sessions: elapsed so far). */
export function secondsOf(session, nowMs) {
  if (session.running) {
    return session.startMs == null ? 0 : Math.max(0, Math.floor((nowMs - session.startMs) / 1000));
  }
  return Math.max(0, session.durationSeconds ?? 0);
}

/**
 * Time per repository for sessions that started at or after `sinceMs`, largest first.
 * Owner/repo are compared case-insensitively (GitHub names are); the first spelling seen
 * is shown. Each session id counts once.
 * @returns {{ owner: string, repo: string, seconds: number, sessions: number }[]}
 */
export function breakdownByRepo(sessions, sinceMs, nowMs) {
  const byRepo = new Map();
  const seen = new Set();
  for (const session of sessions) {
    if (session.startMs == null || session.startMs < sinceMs) continue;
    if (session.id) {
      if (seen.has(session.id)) continue;
      seen.add(session.id);
    }
    const key = `${session.owner}/${session.repo}`.toLowerCase();
    const entry = byRepo.get(key) ?? { owner: session.owner, repo: session.repo, seconds: 0, sessions: 0 };
    entry.seconds += secondsOf(session, nowMs);
    entry.sessions += 1;
    byRepo.set(key, entry);
  }
  return [...byRepo.values()].sort((a, b) => b.seconds - a.seconds || a.owner.localeCompare(b.owner));
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
