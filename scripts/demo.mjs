#!/usr/bin/env node
// The development sign-in from the command line, and the demo history `scripts/run.sh --demo`
// seeds. Only Node's standard library; every request goes to the backend given.
//
//   node scripts/demo.mjs --extension-origin   prints chrome-extension://<id> of extension/
//   node scripts/demo.mjs seed BACKEND_URL     signs in as the development user and seeds
//                                              30 days of history through POST /api/sync
//
// The sign-in is the browser's, step by step (GET /auth/github/login → the development page,
// "approved" → back at the extension's chromiumapp.org redirect with a code → POST
// /auth/github/callback with the PKCE verifier), so it passes the same state, PKCE and
// redirect rules and works only where the backend offers the development sign-in.
//
// The history is a plausible month of reviews: workdays from about 9:00 to 18:30 local time,
// 3–7 sessions of 5–90 minutes on five repositories' PRs (numbers rising over the month,
// a PR often reviewed on several days), a few weekend sessions, a laptop and a desktop with
// some sessions overlapping across the two, and one session still running on the laptop.
// Sessions, ids and times follow from each local date, so seeding again the same day changes
// nothing (every op is answered `duplicate`), and a later day adds the days since.

import { createHash, randomBytes } from "node:crypto";
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The origin Chromium gives the unpacked extension (its id from the manifest's `key`). */
export function extensionOrigin(dir = join(ROOT, "extension")) {
  const { key } = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  const hashed = key ? Buffer.from(key, "base64") : realpathSync(dir);
  const hex = createHash("sha256").update(hashed).digest("hex").slice(0, 32);
  return `chrome-extension://${[...hex].map((d) => String.fromCharCode(97 + parseInt(d, 16))).join("")}`;
}

/** The extension's sign-in redirect (what `chrome.identity.getRedirectURL("github")` gives). */
export function extensionRedirectUri() {
  return `https://${extensionOrigin().slice("chrome-extension://".length)}.chromiumapp.org/github`;
}

const base64url = (bytes) => Buffer.from(bytes).toString("base64url");

async function request(what, url, init = {}) {
  let response;
  try {
    response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(15_000), ...init });
  } catch (error) {
    throw new Error(`${what}: cannot reach ${url} (${error.cause?.code ?? error.message})`);
  }
  return response;
}

async function failure(what, response) {
  const text = await response.text().catch(() => "");
  return new Error(`${what}: HTTP ${response.status} ${text.slice(0, 300)}`);
}

/**
 * Signs in as the development user the way the extension does, pressing the page's button;
 * answers `{ jwt, user }` (the callback's AuthResponse).
 */
export async function devSignIn(baseUrl, redirectUri = extensionRedirectUri()) {
  const base = baseUrl.replace(/\/+$/, "");
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash("sha256").update(verifier).digest());
  const state = base64url(randomBytes(16));
  const query = new URLSearchParams({ state, code_challenge: challenge, code_challenge_method: "S256", redirect_uri: redirectUri });
  const login = await request("sign-in", `${base}/auth/github/login?${query}`);
  const page = login.headers.get("location");
  if (login.status !== 302 || !page) throw await failure("sign-in", login);
  const pageUrl = new URL(page, `${base}/`);
  if (pageUrl.pathname !== "/auth/dev/authorize") {
    throw new Error(`sign-in: the backend signs in with GitHub (it sent the browser to ${pageUrl.origin}), not with the development sign-in`);
  }
  // The page's one button submits its own parameters with approve=1.
  pageUrl.searchParams.set("approve", "1");
  const approved = await request("development sign-in", pageUrl.href);
  const back = approved.headers.get("location");
  if (approved.status !== 302 || !back) throw await failure("development sign-in", approved);
  const answer = new URL(back).searchParams;
  if (answer.get("state") !== state || !answer.get("code")) throw new Error(`development sign-in: unexpected redirect ${back}`);
  const callback = await request("sign-in callback", `${base}/auth/github/callback`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code: answer.get("code"), code_verifier: verifier, redirect_uri: redirectUri }),
  });
  if (callback.status !== 200) throw await failure("sign-in callback", callback);
  return callback.json();
}

// ---------------------------------------------------------------------------------------
// The demo history
// ---------------------------------------------------------------------------------------

export const DEMO_DAYS = 30;
const MINUTE = 60_000;

/** The two demo devices (fixed ids, so every run adds to the same devices). */
export const DEVICES = {
  laptop: "6d656d6f-0000-4000-8000-6c6170746f70",
  desktop: "6d656d6f-0000-4000-8000-6465736b746f",
};

// Repositories, how often they come up, and their PR numbers on the first day and per day.
const REPOS = [
  { owner: "acme", name: "storefront", weight: 5, firstPr: 1842, perDay: 1.6 },
  { owner: "acme", name: "payments-api", weight: 3, firstPr: 612, perDay: 0.7 },
  { owner: "acme", name: "design-system", weight: 2, firstPr: 233, perDay: 0.5 },
  { owner: "acme", name: "infra", weight: 1, firstPr: 97, perDay: 0.3 },
  { owner: "rust-lang", name: "rust", weight: 1, firstPr: 131_480, perDay: 40 },
];

/** A small seeded PRNG (mulberry32): the same date gives the same day. */
function random(seedText) {
  let seed = createHash("sha256").update(seedText).digest().readUInt32BE(0);
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version-4-shaped UUID derived from `text`. */
function uuidFrom(text) {
  const h = createHash("sha256").update(`worktime-demo:${text}`).digest("hex");
  const variant = "89ab"[parseInt(h[16], 16) % 4];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const localDate = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

/** Minutes: mostly 10–45, some short looks, some long reviews; always 5–90. */
function duration(rand) {
  const r = rand();
  const minutes = r < 0.2 ? 5 + rand() * 5 : r < 0.85 ? 10 + rand() * 35 : 45 + rand() * 45;
  return Math.round(Math.min(90, Math.max(5, minutes)));
}

function pickRepo(rand) {
  let r = rand() * REPOS.reduce((sum, repo) => sum + repo.weight, 0);
  for (const repo of REPOS) {
    r -= repo.weight;
    if (r < 0) return repo;
  }
  return REPOS[0];
}

/**
 * The demo sessions up to `now`: `{ id, device, owner, name, pr, start, end }` (times in
 * epoch ms; `end` null for the one still running), oldest first. Sessions that would end
 * within the last 30 minutes are left for a later day's run.
 */
export function demoSessions(now = Date.now(), days = DEMO_DAYS) {
  const sessions = [];
  const cutoff = now - 30 * MINUTE;
  for (let back = days - 1; back >= 0; back -= 1) {
    const day = new Date(now);
    day.setHours(0, 0, 0, 0);
    day.setDate(day.getDate() - back);
    const date = localDate(day);
    const rand = random(date);
    const index = days - 1 - back; // 0 on the first day
    const weekend = day.getDay() === 0 || day.getDay() === 6;
    if (weekend && rand() > 0.25) continue;
    const count = weekend ? 1 + Math.floor(rand() * 2) : 3 + Math.floor(rand() * 5);
    // Some days the afternoon is on the desktop.
    const desktopFrom = !weekend && rand() < 0.45 ? 13 * 60 : Infinity;
    let minute = (weekend ? 10 * 60 : 9 * 60) + Math.floor(rand() * 45);
    const ofDay = [];
    for (let i = 0; i < count && minute < 18 * 60 + 30; i += 1) {
      const repo = pickRepo(rand);
      const pr = repo.firstPr + Math.floor(index * repo.perDay + rand() * 3 * Math.max(1, repo.perDay));
      const length = duration(rand);
      const start = day.getTime() + minute * MINUTE;
      const device = minute >= desktopFrom ? "desktop" : "laptop";
      ofDay.push({ id: uuidFrom(`${date}:${i}`), device, owner: repo.owner, name: repo.name, pr, start, end: start + length * MINUTE });
      minute += length + 5 + Math.floor(rand() * 55);
    }
    // Now and then a look at another PR on the other computer while one runs here.
    const host = ofDay.find((s) => s.end - s.start >= 30 * MINUTE);
    if (!weekend && host && rand() < 0.4) {
      const repo = pickRepo(rand);
      const start = host.start + Math.round((host.end - host.start) * (0.3 + rand() * 0.3) / MINUTE) * MINUTE;
      const end = start + (10 + Math.floor(rand() * 16)) * MINUTE;
      const device = host.device === "laptop" ? "desktop" : "laptop";
      const clash = ofDay.some((s) => s.device === device && s.start < end && start < s.end);
      if (!clash) {
        const pr = repo.firstPr + Math.floor(index * repo.perDay);
        ofDay.push({ id: uuidFrom(`${date}:overlap`), device, owner: repo.owner, name: repo.name, pr, start, end });
      }
    }
    sessions.push(...ofDay.filter((s) => s.end <= cutoff));
  }
  // The one still running: on the laptop, started 25 minutes ago, after its last session.
  const lastOnLaptop = Math.max(0, ...sessions.filter((s) => s.device === "laptop").map((s) => s.end));
  const start = Math.floor((now - 25 * MINUTE) / MINUTE) * MINUTE;
  if (start > lastOnLaptop) {
    const [repo, pr] = [REPOS[0], REPOS[0].firstPr + Math.floor((days - 1) * REPOS[0].perDay) + 2];
    sessions.push({ id: uuidFrom(`running:${start}`), device: "laptop", owner: repo.owner, name: repo.name, pr, start, end: null });
  }
  return sessions.sort((a, b) => a.start - b.start);
}

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The sync ops for `sessions`: each session's start then its end (or a heartbeat). */
export function demoOps(sessions, now = Date.now()) {
  const ops = [];
  for (const s of sessions) {
    const device_id = DEVICES[s.device];
    ops.push({
      op_id: uuidFrom(`op:${s.id}:start`), type: "start", session_id: s.id, device_id,
      repo_owner: s.owner, repo_name: s.name, pr_number: s.pr,
      start_time: iso(s.start), tz_offset_minutes: -new Date(s.start).getTimezoneOffset(),
    });
    if (s.end !== null) {
      ops.push({ op_id: uuidFrom(`op:${s.id}:end`), type: "end", session_id: s.id, device_id, end_time: iso(s.end) });
    } else {
      const at = Math.floor((now - MINUTE) / 1000) * 1000;
      ops.push({ op_id: uuidFrom(`op:${s.id}:heartbeat:${at}`), type: "heartbeat", session_id: s.id, device_id, at: iso(at) });
    }
  }
  return ops;
}

/** Seeds the demo history for the development user; answers what happened. */
export async function seed(baseUrl, { now = Date.now(), log = () => {} } = {}) {
  const base = baseUrl.replace(/\/+$/, "");
  const { jwt, user } = await devSignIn(base);
  log(`signed in as the development user "${user.username}" (id ${user.id})`);
  const sessions = demoSessions(now);
  const ops = demoOps(sessions, now);
  const counts = { applied: 0, duplicate: 0, rejected: 0 };
  for (let i = 0; i < ops.length; i += 100) {
    const batch = ops.slice(i, i + 100);
    const response = await request("sync", `${base}/api/sync`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${jwt}` },
      body: JSON.stringify({ ops: batch }),
    });
    if (response.status !== 200) throw await failure("POST /api/sync", response);
    for (const result of (await response.json()).results) {
      counts[result.status] += 1;
      if (result.status === "rejected") log(`rejected ${result.op_id}: ${result.error?.message}`);
    }
  }
  const offset = -new Date(now).getTimezoneOffset();
  const stats = await request("stats", `${base}/api/stats/daily?days=${DEMO_DAYS}&tz_offset_minutes=${offset}`, {
    headers: { authorization: `Bearer ${jwt}` },
  });
  if (stats.status !== 200) throw await failure("GET /api/stats/daily", stats);
  const days = (await stats.json()).days;
  const seconds = days.reduce((sum, day) => sum + day.total_duration_seconds, 0);
  const overlaps = sessions.filter((s) => s.id === uuidFrom(`${localDate(new Date(s.start))}:overlap`)).length;
  return { sessions, ops: ops.length, counts, seconds, daysWorked: days.filter((d) => d.total_duration_seconds > 0).length, overlaps };
}

async function main(args) {
  if (args[0] === "--extension-origin") {
    console.log(extensionOrigin());
    return 0;
  }
  if (args[0] === "seed" && args[1]) {
    const result = await seed(args[1], { log: (line) => console.log(`demo: ${line}`) });
    const { sessions, counts, seconds, daysWorked, overlaps } = result;
    const hours = `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
    const repos = new Set(sessions.map((s) => `${s.owner}/${s.name}`)).size;
    const running = sessions.filter((s) => s.end === null).length;
    console.log(`demo: ${sessions.length} sessions on ${repos} repositories over the last ${DEMO_DAYS} days `
      + `(2 devices, ${overlaps} overlapping, ${running} still running): `
      + `${counts.applied} ops applied, ${counts.duplicate} already there, ${counts.rejected} rejected`);
    console.log(`demo: the server counts ${hours} on ${daysWorked} days`);
    return counts.rejected ? 1 : 0;
  }
  console.error("usage: node scripts/demo.mjs --extension-origin | seed BACKEND_URL");
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`demo: ${error.message}`);
      process.exit(1);
    },
  );
}
