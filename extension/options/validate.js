// @ts-check
// The settings form's rules, from the SDK: the core's rules compiled to wasm (defaults,
// the idle range, GitHub's names, the backend URL), so none are copied here. This module
// only adapts them to the page: field values in, `{ value }` / `{ error }` out.
import init, {
  checkBackendUrl, checkIdleMinutes, inBoth, normalizeSettings, parseRepoList, settingsRules,
} from "../pkg/worktime_sdk.js";

await init();

/** @type {{ defaults: { backendUrl: string, idleSeconds: number, alwaysTrack: string[], neverTrack: string[] }, minIdleMinutes: number, maxIdleMinutes: number, maxRepos: number }} */
export const RULES = settingsRules();

export { checkBackendUrl, checkIdleMinutes, inBoth, parseRepoList };

/** The idle threshold saved in seconds, as whole minutes for the form. */
export function idleSecondsToMinutes(seconds) {
  const minutes = Math.round((Number(seconds) || RULES.defaults.idleSeconds) / 60);
  return Math.min(RULES.maxIdleMinutes, Math.max(RULES.minIdleMinutes, minutes));
}

/**
 * A stored settings object (possibly old or partial) with every field present and sane;
 * keys this page does not know about are kept.
 */
export function withDefaults(stored) {
  const known = normalizeSettings(stored ?? null);
  return stored && typeof stored === "object" && !Array.isArray(stored) ? { ...stored, ...known } : known;
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
