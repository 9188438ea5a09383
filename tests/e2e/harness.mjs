// Helpers for WorkTime's end-to-end tests: the real extension (extension/) in Chromium,
// driven by playwright-core, against a real worker (`wrangler dev`) behind the fault proxy.
//
// - launch(): a fresh profile with the extension loaded, its service worker found, fake
//   GitHub pull-request pages served by request interception (github.com never reached),
//   avatars answered with a tiny PNG, every other non-loopback request blocked.
// - Browser methods drive the service worker (`globalThis.worktime`, see background.js):
//   configure the backend, sign in with a fake-GitHub static code, wait for the SDK to
//   settle, sync; and stop the service worker through the DevTools protocol.
// - Server helpers read what the worker stored, signing the same GitHub user in directly.

import { readFileSync } from "node:fs";
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { renderIcons } from "../../scripts/icons.mjs";

const require = createRequire(import.meta.url);
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { chromium } = require(join(ROOT, "node_modules/playwright-core"));

export const EXTENSION_DIR = join(ROOT, "extension");

function requiredUrl(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see tests/e2e/run.mjs)`);
  return value.replace(/\/+$/, "");
}

/** The test environment, read from the process environment. */
export const env = {
  /** The worker itself, for checking what the server stored. */
  get baseUrl() { return requiredUrl("WORKTIME_TEST_BASE_URL"); },
  /** The fault proxy in front of the worker: the extension's backendUrl. */
  get proxyUrl() { return requiredUrl("WORKTIME_TEST_PROXY_URL"); },
  get outputDir() { return resolve(process.env.WORKTIME_E2E_OUTPUT || "test-output"); },
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const seconds = (ms) => Math.round(ms / 100) / 10;

/** Polls `probe` until it returns a truthy value (returned) or `timeoutMs` passes. */
export async function waitFor(what, probe, { timeoutMs = 10_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await sleep(intervalMs);
  }
}

/** Thrown by a scenario that cannot run in this environment (the runner prints SKIP). */
export class Skip extends Error {}

/**
 * The id Chromium gives the unpacked extension at `dir`: the first 128 bits of SHA-256 of
 * the manifest's `key` (the development public key, base64 DER SubjectPublicKeyInfo), hex
 * digits 0-f written as a-p; without a `key`, Chromium hashes the absolute path instead.
 * Its origin, chrome-extension://<id>, is what the worker's ALLOWED_ORIGINS must list for
 * the chromiumapp.org sign-in redirect. launch() checks the loaded extension has this id.
 */
export function extensionIdFor(dir = EXTENSION_DIR) {
  const { key } = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  const hashed = key ? Buffer.from(key, "base64") : resolve(dir);
  const hex = createHash("sha256").update(hashed).digest("hex").slice(0, 32);
  return [...hex].map((d) => String.fromCharCode(97 + parseInt(d, 16))).join("");
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** |actual - expected| <= tolerance, seconds. */
export function assertNear(actual, expected, tolerance, what) {
  assert(
    typeof actual === "number" && Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} s, expected ${seconds(expected * 1000)} ± ${tolerance} s`,
  );
}

// ---------------------------------------------------------------------------------------
// Users: a fresh GitHub user per scenario (fake GitHub's static codes)
// ---------------------------------------------------------------------------------------

const RUN = Math.floor(Date.now() / 1000) % 10_000_000;
let userCounter = 0;

/** A GitHub user no earlier run used: `{ githubId, login, code }`. */
export function freshUser(label) {
  userCounter += 1;
  const githubId = 500_000_000 + RUN * 20 + userCounter;
  const login = `e2e-${label}-${RUN}-${userCounter}`.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 39);
  return { githubId, login, code: `test-code:${githubId}:${login}` };
}

// ---------------------------------------------------------------------------------------
// Fake GitHub pages
// ---------------------------------------------------------------------------------------

export const prUrl = (number, owner = "octo", repo = "hello") => `https://github.com/${owner}/${repo}/pull/${number}`;

const PR_PATH = /^\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)\/pull\/(\d+)(\/[a-z]*)?\/?$/;

// The client-side navigation GitHub's Turbo does: fetch the next page, swap the content,
// history.pushState, then `turbo:load` on document (what content.js listens to).
const TURBO_SCRIPT = `
document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[data-turbo='true']");
  if (!link || event.button !== 0) return;
  event.preventDefault();
  const html = await (await fetch(link.href, { headers: { "Turbo-Frame": "main" } })).text();
  const next = new DOMParser().parseFromString(html, "text/html");
  document.title = next.title;
  document.querySelector("main").replaceWith(document.adoptNode(next.querySelector("main")));
  history.pushState({ turbo: true }, "", link.href);
  document.dispatchEvent(new Event("turbo:load", { bubbles: true }));
});`;

function prPage(owner, repo, number) {
  const other = number === 1 ? 2 : 1;
  const title = `Make the widget ${number === 1 ? "faster" : "smaller"} by octocat · Pull Request #${number} · ${owner}/${repo}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:14px system-ui;margin:24px} .meta{color:#59636e}</style></head>
<body>
<main id="pr" data-pr="${number}">
  <h1 class="gh-header-title">Make the widget ${number === 1 ? "faster" : "smaller"} <span>#${number}</span></h1>
  <p class="meta">octocat wants to merge 3 commits into <code>main</code> from <code>widget-${number}</code></p>
  <p>This pull request changes how the widget is drawn. Reviewers: please look at the files tab.</p>
  <nav>
    <a id="spa-link" data-turbo="true" href="/${owner}/${repo}/pull/${other}">#${other} (client-side navigation)</a> ·
    <a id="full-link" data-turbo="false" href="/${owner}/${repo}/pull/${other}">#${other} (full navigation)</a> ·
    <a id="files-link" data-turbo="true" href="/${owner}/${repo}/pull/${number}/files">Files changed</a>
  </nav>
</main>
<script>${TURBO_SCRIPT}</script>
</body></html>`;
}

const NOT_FOUND = `<!doctype html><html><head><title>Page not found · GitHub</title></head>
<body><main><h1>404</h1><p>This is not the web page you are looking for.</p></main></body></html>`;

// 1×1 transparent PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
  "base64",
);

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

async function installRoutes(context, blocked) {
  await context.route(
    (url) => (url.protocol === "http:" || url.protocol === "https:") && !LOOPBACK.has(url.hostname)
      && url.hostname !== "github.com" && url.hostname !== "avatars.githubusercontent.com",
    (route) => {
      blocked.push(route.request().url());
      return route.abort("blockedbyclient");
    },
  );
  await context.route("https://avatars.githubusercontent.com/**", (route) =>
    route.fulfill({ status: 200, contentType: "image/png", body: PNG }));
  await context.route("https://github.com/**", (route) => {
    const url = new URL(route.request().url());
    const match = PR_PATH.exec(url.pathname);
    if (!match) return route.fulfill({ status: 404, contentType: "text/html; charset=utf-8", body: NOT_FOUND });
    return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: prPage(match[1], match[2], Number(match[3])) });
  });
}

// ---------------------------------------------------------------------------------------
// The browser with the extension
// ---------------------------------------------------------------------------------------

const EXTENSION_SW = /^chrome-extension:\/\/([a-p]{32})\/background\.js$/;

// The manifest's icons are build output: Chromium refuses an unpacked extension without them.
let iconsReady;

/** Launches Chromium with a fresh profile and the extension; see Browser. */
export async function launch({ label = "e2e" } = {}) {
  await (iconsReady ??= renderIcons());
  const userDataDir = await mkdtemp(join(tmpdir(), `worktime-e2e-${label}-`));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.WORKTIME_E2E_CHROMIUM || "/usr/bin/chromium",
      // Playwright's own headless switch would pick the old headless shell, which cannot
      // run extensions: ask Chromium for the new headless mode directly.
      headless: false,
      viewport: { width: 1000, height: 700 },
      args: [
        "--headless=new",
        `--disable-extensions-except=${EXTENSION_DIR}`,
        `--load-extension=${EXTENSION_DIR}`,
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  const browser = new Browser(context, userDataDir);
  try {
    await browser.init();
  } catch (error) {
    await browser.close();
    throw error;
  }
  return browser;
}

export class Browser {
  constructor(context, userDataDir) {
    this.context = context;
    this.userDataDir = userDataDir;
    this.blocked = [];
    this.logs = [];
    this.extensionId = null;
    this.closed = false;
  }

  async init() {
    await installRoutes(this.context, this.blocked);
    const listen = (w) => w.on("console", (m) => this.logs.push(`[sw ${m.type()}] ${m.text()}`));
    this.context.serviceWorkers().forEach(listen);
    this.context.on("serviceworker", listen);
    const worker = await this.serviceWorker({ timeoutMs: 20_000 });
    this.extensionId = EXTENSION_SW.exec(worker.url())[1];
    assert(this.extensionId === extensionIdFor(), `extension id ${this.extensionId}, expected ${extensionIdFor()}`);
    // The first page Chromium opened: kept as the "somewhere else" tab (about:blank), so
    // closing a PR tab never closes the window.
    this.blank = this.context.pages()[0] ?? (await this.context.newPage());
    // The service worker's running status as DevTools sees it, kept up to date.
    this.cdp = await this.context.newCDPSession(this.blank);
    this.swState = "unknown";
    this.cdp.on("ServiceWorker.workerVersionUpdated", ({ versions }) => {
      const ours = versions.filter((v) => EXTENSION_SW.test(v.scriptURL));
      if (ours.length) this.swState = ours.some((v) => v.runningStatus === "running") ? "running" : ours[ours.length - 1].runningStatus;
    });
    await this.cdp.send("ServiceWorker.enable");
    // The tracking rules need a focused window (background.js asks
    // chrome.windows.getLastFocused). In --headless=new the only window reports
    // focused: true, and page.bringToFront() activates a tab (tabs.onActivated) just like
    // a user's click on it; if a Chromium ever stops reporting focus, fail here clearly.
    const focus = await waitFor("the window to report focus to the extension",
      async () => { const f = await this.focusReport(); return f.focused && f; }, { timeoutMs: 5_000 });
    this.focusAtStart = focus;
  }

  /** The extension's running service worker, waiting for one to start if needed. */
  async serviceWorker({ timeoutMs = 10_000 } = {}) {
    const running = this.context.serviceWorkers().find((w) => EXTENSION_SW.test(w.url()));
    if (running) return running;
    return this.context.waitForEvent("serviceworker", {
      predicate: (w) => EXTENSION_SW.test(w.url()),
      timeout: timeoutMs,
    });
  }

  /** Evaluates `fn(arg)` in the service worker (which must be running). */
  async sw(fn, arg) {
    const worker = await this.serviceWorker();
    return worker.evaluate(fn, arg);
  }

  extensionUrl(path) {
    return `chrome-extension://${this.extensionId}/${path}`;
  }

  /** Points the extension at `backendUrl` (the fault proxy by default). */
  async configure(settings = {}) {
    const value = { backendUrl: env.proxyUrl, idleSeconds: 300, alwaysTrack: [], neverTrack: [], ...settings };
    await this.sw((v) => chrome.storage.local.set({ "worktime.settings": v }), value);
    // The SDK keeps the backendUrl it was created with: it must be re-created, which only
    // the settingsChanged message does (evaluate() re-reads idleSeconds and the filters only).
    if (await this.sw(() => typeof globalThis.worktime.settingsChanged === "function")) {
      await this.sw(() => globalThis.worktime.settingsChanged());
    } else {
      await this.sendMessage({ type: "settingsChanged" });
    }
    const seen = await this.sw(() => globalThis.worktime.settings());
    assert(seen.backendUrl === value.backendUrl, `settings not applied: ${JSON.stringify(seen)}`);
  }

  /**
   * Sends a PROTOCOL.md message the way the popup does: from an extension page (a service
   * worker cannot message itself). Opens and closes a small extension tab, then puts the
   * previously active tab back in front.
   */
  async sendMessage(message) {
    const before = await this.activePage();
    const page = await this.context.newPage();
    try {
      await page.goto(this.extensionUrl("manifest.json"));
      const answer = await page.evaluate((m) => chrome.runtime.sendMessage(m), message);
      assert(answer?.ok === true, `${message.type}: ${JSON.stringify(answer)}`);
      return answer;
    } finally {
      await page.close();
      if (before && !before.isClosed()) await before.bringToFront();
    }
  }

  /** Signs the extension in as `user` (fake GitHub static code) and checks the status. */
  async signIn(user) {
    const before = await proxyStats();
    // Static test codes need no real PKCE pair, but the worker requires a verifier.
    const status = await this.sw(async (code) => (await globalThis.worktime.sdk())
      .signIn(code, "e2e-test-verifier-0123456789-abcdefghijklmnopqrstuv"), user.code);
    assert(status?.signed_in === true && status.user?.username === user.login,
      `sign-in failed: ${JSON.stringify(status)}`);
    // Through the proxy, not some other backend (e.g. the SDK's previous backendUrl).
    const after = await proxyStats();
    assert(after.requests > before.requests, "the extension signed in without going through the fault proxy");
    return status;
  }

  /** The device id the SDK adopted at init (sent with every op). */
  deviceId() {
    return this.sw(async () => (await globalThis.worktime.sdk()).deviceId());
  }

  /** The SDK's status (SdkStatus). */
  status() {
    return this.sw(async () => (await globalThis.worktime.sdk()).status());
  }

  /**
   * The running session (or null), as the SDK has it: no re-observation, so waiting on it
   * checks that the service worker reacted to the browser's events by itself.
   */
  activeSession() {
    return this.sw(async () => (await globalThis.worktime.sdk()).activeSession());
  }

  /** Makes the service worker observe the browser now (after its pending observations). */
  evaluate() {
    return this.sw(() => globalThis.worktime.evaluate());
  }

  /** Waits until the extension tracks PR `number` (or nothing, for null). */
  async waitForTracking(number, { timeoutMs = 10_000 } = {}) {
    return waitFor(number === null ? "no session to run" : `a session on PR #${number}`, async () => {
      const active = await this.activeSession();
      return number === null ? active === null : active?.pr_number === number && active;
    }, { timeoutMs, intervalMs: 50 });
  }

  /** Local sessions (SDK history while offline or local): `{ source, sessions, total }`. */
  history(limit = 100) {
    return this.sw(async (l) => (await globalThis.worktime.sdk()).history(l, 0), limit);
  }

  /** syncNow until nothing is pending (bounded); returns the final status. */
  async syncUntilDrained({ timeoutMs = 30_000 } = {}) {
    let status;
    await waitFor("the SDK to send every pending operation", async () => {
      status = await this.sw(async () => (await globalThis.worktime.sdk()).syncNow());
      return status.pending_count === 0 && status.failed_count === 0 && !status.round_active;
    }, { timeoutMs, intervalMs: 500 });
    return status;
  }

  /** Whether the window reports focus to extensions (chrome.windows.getLastFocused). */
  focusReport() {
    return this.sw(async () => {
      const w = await chrome.windows.getLastFocused({ populate: true, windowTypes: ["normal"] });
      return { focused: w.focused, state: w.state, activeUrl: w.tabs.find((t) => t.active)?.url };
    });
  }

  /** The tab in front (by the extension's view), as a Playwright page if it is one. */
  async activePage() {
    const url = await this.sw(async () => (await chrome.tabs.query({ active: true, lastFocusedWindow: true }))[0]?.url)
      .catch(() => null);
    return this.context.pages().find((p) => p.url() === url) ?? null;
  }

  /** Opens `url` in a new tab and brings it to the front. */
  async open(url) {
    const page = await this.context.newPage();
    await page.goto(url);
    await page.bringToFront();
    return page;
  }

  /** The popup, opened as a tab (chrome-extension://<id>/popup/popup.html). */
  async openPopup() {
    const page = await this.context.newPage();
    await page.setViewportSize({ width: 380, height: 600 });
    await page.goto(this.extensionUrl("popup/popup.html"));
    await page.bringToFront();
    return page;
  }

  /**
   * Stops the extension's service worker through the DevTools protocol (as Chromium does
   * after 30 s idle, or when it kills it), and waits until it reports "stopped". The next
   * extension event (tab switch, message from a page, alarm) starts it again, in the same
   * DevTools target: Playwright's Worker object stays usable (do not evaluate in it while
   * the worker is stopped).
   */
  async stopServiceWorker() {
    await this.cdp.send("ServiceWorker.stopAllWorkers");
    await this.waitForServiceWorker("stopped");
  }

  /** Waits until the extension's service worker is "running" or "stopped" (DevTools' view). */
  waitForServiceWorker(state, { timeoutMs = 5_000 } = {}) {
    return waitFor(`the service worker to be ${state}`, () => this.swState === state, { timeoutMs, intervalMs: 25 });
  }

  /** Screenshots every open page into `dir` as `<prefix>-<n>.png` (best effort). */
  async screenshotAll(dir, prefix) {
    const saved = [];
    for (const [i, page] of this.context.pages().entries()) {
      if (page.isClosed()) continue;
      const path = join(dir, `${prefix}-${i}.png`);
      try {
        await page.screenshot({ path, timeout: 5_000 });
        saved.push(path);
      } catch {
        // a page that cannot be captured (closing, crashed) is skipped
      }
    }
    return saved;
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    await Promise.race([this.context.close().catch(() => {}), sleep(10_000)]);
    await rm(this.userDataDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------
// The server, checked directly (not through the proxy)
// ---------------------------------------------------------------------------------------

/** fetch, with an error that names what could not be reached. */
async function request(what, url, init) {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new Error(`${what}: cannot reach ${url} (${error.cause?.code ?? error.cause?.message ?? error.message})`);
  }
}

/** A PKCE verifier for direct sign-ins: static test codes accept any, the worker needs one. */
const SERVER_VERIFIER = "e2e-server-verifier-0123456789-abcdefghijklmnopqrst";

/** Signs `user` in at the worker directly: answers the JWT. */
export async function serverToken(user) {
  const response = await request("server sign-in", `${env.baseUrl}/auth/github/callback`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code: user.code, code_verifier: SERVER_VERIFIER }),
  });
  const body = await response.json().catch(() => null);
  assert(response.ok && body?.jwt, `server sign-in: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.jwt;
}

/** The user's sessions on the server (API shape), oldest first. */
export async function serverSessions(user) {
  const jwt = await serverToken(user);
  const response = await request("server sessions", `${env.baseUrl}/api/sessions?limit=100`, { headers: { authorization: `Bearer ${jwt}` } });
  const body = await response.json().catch(() => null);
  assert(response.ok && Array.isArray(body?.sessions), `GET /api/sessions: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.sessions.slice().sort((a, b) => a.start_time.localeCompare(b.start_time));
}

/** The local offset, minutes east of UTC (what the API's `tz_offset_minutes` means). */
export const localOffsetMinutes = () => -new Date().getTimezoneOffset();

/** `GET /api/stats/daily` for `user` (DailyStats), read at the worker directly. */
export async function serverDailyStats(user, { days = 1, tzOffsetMinutes = localOffsetMinutes() } = {}) {
  const jwt = await serverToken(user);
  const url = `${env.baseUrl}/api/stats/daily?days=${days}&tz_offset_minutes=${tzOffsetMinutes}`;
  const response = await request("server daily stats", url, { headers: { authorization: `Bearer ${jwt}` } });
  const body = await response.json().catch(() => null);
  assert(response.ok && Array.isArray(body?.days), `GET /api/stats/daily: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** Sets the fault proxy's mode (`pass`, `drop`, …). */
export async function proxyMode(mode, extra = {}) {
  const response = await request(`fault proxy mode ${mode}`, `${env.proxyUrl}/_proxy/mode`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ mode, ...extra }),
  });
  assert(response.ok, `proxy mode ${mode}: HTTP ${response.status}`);
}

/** The fault proxy's counters (`requests`, `forwarded`, `dropped`, …) and mode. */
export async function proxyStats() {
  const response = await request("fault proxy stats", `${env.proxyUrl}/_proxy/stats`);
  assert(response.ok, `proxy stats: HTTP ${response.status}`);
  return response.json();
}

/** A short description of server sessions for failure messages. */
export function describe(sessions) {
  return JSON.stringify(sessions.map((s) => ({
    id: s.id.slice(0, 8), pr: `${s.repo_owner}/${s.repo_name}#${s.pr_number}`,
    start: s.start_time, end: s.end_time, seconds: s.duration_seconds, status: s.status,
    device: s.device_id?.slice(0, 8),
  })));
}

export async function ensureDir(dir) {
  await mkdir(dir, { recursive: true });
  return dir;
}
