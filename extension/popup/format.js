// @ts-check
// Formatting helpers shared by the popup and the options page: durations, timers, dates
// and times (Intl, in the user's locale),
// plurals, typed sync failures in words, and technical error text as sentences.
// Pure functions, no DOM: they run under Node too.

const DAY_MS = 86_400_000;

/** "3 changes", "1 change". */
export function plural(count, singular, pluralForm = `${singular}s`) {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Whole seconds as "0 min", "<1 min", "12 min", "1 h 20 min", "3 h". */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  if (total === 0) return "0 min";
  if (total < 60) return "<1 min";
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  if (hours === 0) return `${minutes} min`;
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

/** A running timer: "04:07" under an hour, "1:04:07" from one hour on. */
export function formatTimer(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** "just now", "2 min ago", "3 h ago", "4 days ago". */
export function formatAgo(thenMs, nowMs = Date.now()) {
  const seconds = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${plural(Math.round(hours / 24), "day")} ago`;
}

/** "in 12 s", "in 3 min". */
export function formatIn(thenMs, nowMs = Date.now()) {
  const seconds = Math.max(1, Math.round((thenMs - nowMs) / 1000));
  if (seconds < 60) return `in ${seconds} s`;
  return `in ${Math.round(seconds / 60)} min`;
}

/** Parses "YYYY-MM-DD" into { y, m (1-12), d }, or null. */
export function parseDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text ?? ""));
  if (!match) return null;
  return { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
}

/** `Intl.DateTimeFormat` in the user's locale (the browser's), cached per options. */
const formats = new Map();
function localized(options) {
  const key = JSON.stringify(options);
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, options);
    formats.set(key, format);
  }
  return format;
}

/**
 * A calendar date "YYYY-MM-DD" in the user's locale, short: "Mon 3 Nov", "Mon, Nov 3"
 * (the weekday of that date, whatever the time zone).
 */
export function formatDay(text, { weekday = true } = {}) {
  const date = parseDate(text);
  if (!date) return String(text ?? "");
  const utc = new Date(Date.UTC(date.y, date.m - 1, date.d));
  const options = { day: "numeric", month: "short", timeZone: "UTC" };
  return localized(weekday ? { ...options, weekday: "short" } : options).format(utc);
}

/** The local calendar date of an instant as "YYYY-MM-DD" (in this browser's time zone). */
export function localDateKey(ms) {
  const t = new Date(ms);
  const mm = String(t.getMonth() + 1).padStart(2, "0");
  const dd = String(t.getDate()).padStart(2, "0");
  return `${t.getFullYear()}-${mm}-${dd}`;
}

/** Epoch ms of midnight starting date "YYYY-MM-DD" in a zone `offsetMinutes` east of UTC. */
export function midnightMs(text, offsetMinutes) {
  const date = parseDate(text);
  if (!date) return null;
  return Date.UTC(date.y, date.m - 1, date.d) - (Number(offsetMinutes) || 0) * 60_000;
}

/**
 * When a session started, short, in the user's locale: weekday and time within the last
 * six days, day and month (and the year when it is another) before that.
 */
export function formatWhen(ms, nowMs = Date.now()) {
  const t = new Date(ms);
  if (Number.isNaN(t.getTime())) return "";
  const clock = { hour: "2-digit", minute: "2-digit" };
  const startOfToday = new Date(nowMs);
  startOfToday.setHours(0, 0, 0, 0);
  if (ms >= startOfToday.getTime() - 6 * DAY_MS) return localized({ weekday: "short", ...clock }).format(t);
  const sameYear = t.getFullYear() === new Date(nowMs).getFullYear();
  const day = sameYear ? { day: "numeric", month: "short" } : { day: "numeric", month: "short", year: "numeric" };
  return localized({ ...day, ...clock }).format(t);
}

/** A time of day in the user's locale ("14:05", or a date too when not today). */
export function formatTime(ms, nowMs = Date.now()) {
  const t = new Date(ms);
  if (Number.isNaN(t.getTime())) return "";
  const sameDay = t.toDateString() === new Date(nowMs).toDateString();
  const clock = { hour: "2-digit", minute: "2-digit" };
  return localized(sameDay ? clock : { weekday: "short", ...clock }).format(t);
}

/** A full local date and time for tooltips, in the user's locale: "Tue 4 Nov 2025, 14:05". */
export function formatDateTime(ms) {
  const t = new Date(ms);
  if (Number.isNaN(t.getTime())) return "";
  return localized({ weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" })
    .format(t);
}

/** Whether a text reads like something a user should never see (JSON, a stack trace, code). */
function looksTechnical(text) {
  return /^[[{<]/.test(text) || /\n\s+at\s/.test(text) || /\bat\s+\S+\s+\(.*:\d+:\d+\)/.test(text)
    || /wasm-function|RuntimeError|unreachable executed|\bpanicked\b/i.test(text);
}

/** Cuts a text to its first line, without "TypeError:"-style prefixes, at most `max` chars. */
function tidy(text, max = 160) {
  let line = String(text).split("\n")[0].trim();
  line = line.replace(/^(Uncaught\s+)?([A-Z][A-Za-z]*Error|Error):\s*/, "");
  if (line.length > max) line = `${line.slice(0, max - 1).trimEnd()}…`;
  return line;
}

/**
 * A typed sync failure from the SDK (`{ kind: "network" | "timeout" | "malformed_answer" |
 * "http" | "sign_in_expired", … }`) as a phrase that completes "could not be sent: …".
 * No final period. Each kind has its words; only the server's own message is quoted.
 */
/** @param {import("../pkg/worktime_sdk.js").Failure | null | undefined} failure */
export function describeReason(failure) {
  switch (failure?.kind) {
    case "network":
      return "the WorkTime server could not be reached";
    case "timeout":
      return "the WorkTime server took too long to answer";
    case "malformed_answer":
      return "the server's answer could not be read";
    case "sign_in_expired":
      return "your GitHub sign-in has expired";
    case "http":
      return describeHttp(failure);
    default:
      return "no reason was given";
  }
}

function describeHttp({ status, code, message }) {
  const said = typeof message === "string" && !looksTechnical(message) && !/^HTTP \d{3}$/.test(message)
    ? tidy(message, 120).replace(/\.$/, "") : "";
  if (status === 401 || code === "unauthorized") return "your GitHub sign-in has expired";
  if (status === 429 || code === "rate_limited") return "the server asked WorkTime to slow down; it will try again later";
  if (status === 403 || code === "forbidden") return said ? `the server refused access (${said})` : "the server refused access";
  if (status >= 500) return `the server had a problem (error ${status})`;
  return said ? `the server did not accept it (${said})` : `the server did not accept it (error ${status})`;
}

/**
 * Any error text (from the service worker, or a thrown Error) as one sentence for the user.
 * Technical text (JSON, stack traces) becomes `fallback`.
 */
export function toSentence(error, fallback = "Something went wrong. Please try again.") {
  const raw = typeof error === "string" ? error : error?.message;
  if (!raw || typeof raw !== "string") return fallback;
  if (looksTechnical(raw.trim())) return fallback;
  let line = tidy(raw);
  if (!line) return fallback;
  line = line[0].toUpperCase() + line.slice(1);
  return /[.!?…]$/.test(line) ? line : `${line}.`;
}

/** Like `toSentence`, as a phrase to follow a colon: as written, no final period. */
export function toPhrase(text, fallback = "no reason was given") {
  const raw = typeof text === "string" ? text.trim() : "";
  if (!raw || looksTechnical(raw)) return fallback;
  return tidy(raw, 140).replace(/\.$/, "") || fallback;
}

/** Capitalises the first letter. */
export function capitalize(text) {
  const s = String(text ?? "");
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
