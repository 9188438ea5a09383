// Sessions as the popup uses them: the SDK's typed history entries (one shape, whether
// from the server or local) in the popup's names. Pure: no DOM.

/** GitHub's rules for names (see also options.js). */
const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO_RE = /^[A-Za-z0-9._-]{1,100}$/;

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
 */

/**
 * One SDK history entry (or the SDK's active session, which has the same fields) as the
 * popup's Session, or null when it names no repository. A plain renaming: the SDK already
 * decided every field.
 */
export function normalize(entry) {
  if (!entry || typeof entry !== "object" || !entry.repo_owner || !entry.repo_name) return null;
  const running = entry.running ?? entry.end_ms == null;
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
    abandoned: Boolean(entry.abandoned),
    thisDevice: entry.this_device ?? true,
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

/**
 * Seconds of the running session that fall on the day starting at `dayStartMs`
 * (a session that started yesterday counts from midnight).
 */
export function runningSecondsSince(active, dayStartMs, nowMs) {
  if (!active || !Number.isFinite(active.start_ms)) return 0;
  const from = Math.max(active.start_ms, dayStartMs ?? active.start_ms);
  return Math.max(0, Math.floor((nowMs - from) / 1000));
}
