// Checking the settings form: the backend URL, the idle threshold and the repository lists.
// Pure functions (no DOM, no chrome.*), so they run under Node too. Every error is a
// sentence for the user.

export const DEFAULT_SETTINGS = Object.freeze({
  backendUrl: "http://127.0.0.1:8787",
  idleSeconds: 300,
  alwaysTrack: [],
  neverTrack: [],
});

export const MIN_IDLE_MINUTES = 1;
export const MAX_IDLE_MINUTES = 60;
export const MAX_REPOS = 500;

/** GitHub: 1–39 letters, digits or single hyphens, not at either end. */
const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** GitHub: 1–100 letters, digits, ".", "-" or "_" (and not "." or ".."). */
const REPO_RE = /^[A-Za-z0-9._-]{1,100}$/;

/** @returns {{ value?: string, error?: string }} the URL without a trailing slash */
export function checkBackendUrl(input) {
  const text = String(input ?? "").trim();
  if (!text) return { error: "Enter the address of your WorkTime server." };
  let url;
  try {
    url = new URL(text);
  } catch {
    return { error: "This is not a web address. It should look like https://worktime.example.workers.dev." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { error: "The address must start with https:// (or http://)." };
  }
  if (!url.hostname) return { error: "The address needs a server name after https://." };
  if (url.username || url.password) return { error: "Leave the user name and password out of the address." };
  if (url.search || url.hash) return { error: "Leave out the part after ? or # in the address." };
  const path = url.pathname.replace(/\/+$/, "");
  return { value: `${url.origin}${path}` };
}

/** @returns {{ value?: number, error?: string }} whole minutes */
export function checkIdleMinutes(input) {
  const text = String(input ?? "").trim();
  if (!text) return { error: `Enter a number of minutes from ${MIN_IDLE_MINUTES} to ${MAX_IDLE_MINUTES}.` };
  const minutes = Number(text);
  if (!Number.isFinite(minutes)) return { error: "Enter the minutes as a number, for example 5." };
  if (!Number.isInteger(minutes)) return { error: "Enter whole minutes, for example 5." };
  if (minutes < MIN_IDLE_MINUTES || minutes > MAX_IDLE_MINUTES) {
    return { error: `Choose from ${MIN_IDLE_MINUTES} to ${MAX_IDLE_MINUTES} minutes.` };
  }
  return { value: minutes };
}

/** The idle threshold saved in seconds, as whole minutes for the form. */
export function idleSecondsToMinutes(seconds) {
  const minutes = Math.round((Number(seconds) || DEFAULT_SETTINGS.idleSeconds) / 60);
  return Math.min(MAX_IDLE_MINUTES, Math.max(MIN_IDLE_MINUTES, minutes));
}

/** What is wrong with an owner name, or null. */
function ownerProblem(owner) {
  if (owner.length > 39) return `the owner “${short(owner)}” is longer than 39 characters`;
  if (!OWNER_RE.test(owner)) {
    return `the owner “${short(owner)}” can only have letters, digits and single hyphens, not at the start or end`;
  }
  return null;
}

/** What is wrong with a repository name, or null. */
function repoProblem(repo) {
  if (repo.length > 100) return `the repository name is longer than 100 characters`;
  if (repo === "." || repo === "..") return `“${repo}” is not a repository name`;
  if (!REPO_RE.test(repo)) {
    return `the repository “${short(repo)}” can only have letters, digits, “.”, “-” and “_”`;
  }
  return null;
}

const short = (s) => (s.length > 40 ? `${s.slice(0, 39)}…` : s);

/** "https://github.com/owner/repo/pull/3" or "github.com/owner/repo" → "owner/repo". */
function stripGitHubUrl(line) {
  const match = /^(?:https?:\/\/)?(?:www\.)?github\.com\/([^/\s]+)\/([^/\s?#]+)/i.exec(line);
  if (!match) return line;
  return `${match[1]}/${match[2].replace(/\.git$/i, "")}`;
}

/**
 * One `owner/repo` per line. Blank lines and lines starting with "#" are skipped; GitHub
 * links are accepted; duplicates (case-insensitive, as GitHub names are) are dropped.
 * @returns {{ value: string[], errors: string[] }}
 */
export function parseRepoList(text) {
  const value = [];
  const errors = [];
  const seen = new Set();
  String(text ?? "").split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const where = `Line ${index + 1}`;
    const entry = stripGitHubUrl(line);
    const parts = entry.split("/");
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      errors.push(`${where}: “${short(line)}” — write it as owner/repo, for example octo-org/web-app.`);
      return;
    }
    const [owner, repo] = parts;
    const problem = ownerProblem(owner) ?? repoProblem(repo);
    if (problem) {
      errors.push(`${where}: ${problem}.`);
      return;
    }
    const key = entry.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    value.push(entry);
  });
  if (value.length > MAX_REPOS) errors.push(`List at most ${MAX_REPOS} repositories.`);
  return { value, errors };
}

/** Repositories present in both lists (case-insensitive), as written in the first. */
export function inBoth(always, never) {
  const blocked = new Set(never.map((r) => r.toLowerCase()));
  return always.filter((r) => blocked.has(r.toLowerCase()));
}

/** A stored settings object (possibly old or partial) with every field present and sane. */
export function withDefaults(stored) {
  const s = stored && typeof stored === "object" ? stored : {};
  const list = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);
  return {
    ...s,
    backendUrl: typeof s.backendUrl === "string" && s.backendUrl ? s.backendUrl : DEFAULT_SETTINGS.backendUrl,
    idleSeconds: Number.isFinite(s.idleSeconds) && s.idleSeconds >= 15 ? s.idleSeconds : DEFAULT_SETTINGS.idleSeconds,
    alwaysTrack: list(s.alwaysTrack),
    neverTrack: list(s.neverTrack),
  };
}

/**
 * Whether `url` matches one of the manifest's host match patterns ("https://*.workers.dev/*",
 * "http://127.0.0.1/*"; a pattern without a port matches every port). Without patterns to
 * compare against, answers true.
 */
export function allowedByHostPermissions(url, patterns) {
  if (!Array.isArray(patterns) || patterns.length === 0) return true;
  let target;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  return patterns.some((pattern) => {
    if (pattern === "<all_urls>") return true;
    const match = /^(\*|https?):\/\/([^/]+)(\/.*)$/.exec(pattern);
    if (!match) return false;
    const [, scheme, host] = match;
    if (scheme !== "*" && `${scheme}:` !== target.protocol) return false;
    const [hostName, port] = host.split(/:(?=[^\]]*$)/);
    if (port && port !== "*" && port !== (target.port || (target.protocol === "https:" ? "443" : "80"))) return false;
    if (hostName === "*") return true;
    if (hostName.startsWith("*.")) {
      const base = hostName.slice(2);
      return target.hostname === base || target.hostname.endsWith(`.${base}`);
    }
    return target.hostname === hostName;
  });
}
