// @ts-check
// WorkTime service worker: the only owner of the SDK (pkg/, Rust compiled to wasm).
//
// MV3 rules followed here: every listener is registered synchronously at top level; the
// wasm module is initialised lazily inside handlers (no top-level await, no dynamic
// import()); nothing lives only in memory — the SDK saves its state to
// chrome.storage.local before every request, and its one alarm is re-armed at every start.
// Decisions (what to track, when to retry, when to reconnect the live socket) live in the
// SDK; this file only moves events, timers and messages. Timers: the SDK keeps one timer
// table (retry, periodic sync, heartbeat, live reconnect, the end of a pause); this file
// arms the one alarm `nextAlarm()` names and reports it to `onAlarm`, and on a fired
// "heartbeat" or "pause_ends" looks at the browser again. Timers due within 25 s the SDK
// fires itself (`onTimer`). The badge is the SDK's too (`status().badge`): painted after
// every call.
//
// Live updates: while a popup is open it holds a port named "live"; with at least one such
// port the SDK keeps a WebSocket to the backend (`sdk.live`) and every event it reports is
// posted to every port; the last port's disconnect stops it (`sdk.stopLive`). The cost: the
// socket (and its ping every 20 s) exists only while a popup is open, and so does what keeps
// this service worker alive for it — the popup's messages and the socket's traffic. With
// no popup open there is no socket, and the worker may be stopped as usual.
import init, { normalizeSettings, signInPath, WorkTime } from "./pkg/worktime_sdk.js";

const SETTINGS_KEY = "worktime.settings";

let wasm = null;
let client = null;

function loadWasm() {
  wasm ??= init({ module_or_path: chrome.runtime.getURL("pkg/worktime_sdk_bg.wasm") });
  return wasm;
}

/** The stored settings made whole by the SDK (defaults, ranges and names are the core's). */
async function settings() {
  const stored = (await chrome.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY] ?? null;
  await loadWasm();
  return normalizeSettings(stored);
}

function sdk() {
  loadWasm();
  client ??= (async () => {
    await wasm;
    const { backendUrl, idleSeconds } = await settings();
    chrome.idle.setDetectionInterval(idleSeconds);
    const worktime = await WorkTime.init({ baseUrl: backendUrl, storage: "chrome" });
    worktime.onTimer((fired) => timersFired(worktime, fired).catch((error) => console.warn("WorkTime:", error)));
    return worktime;
  })().catch((error) => {
    client = null;
    throw error;
  });
  return client;
}

// Observations are applied one at a time, in order.
/** @type {Promise<unknown>} */
let queue = Promise.resolve();
/**
 * @template T
 * @param {() => Promise<T>} task
 * @returns {Promise<T>}
 */
function serially(task) {
  const run = queue.then(task);
  queue = run.catch((error) => console.warn("WorkTime:", error));
  return run;
}

async function observeNow() {
  const { idleSeconds, alwaysTrack, neverTrack } = await settings();
  const window = await chrome.windows.getLastFocused({ populate: true, windowTypes: ["normal"] }).catch(() => null);
  const tab = window?.tabs?.find((t) => t.active);
  const idle = await chrome.idle.queryState(idleSeconds);
  const worktime = await sdk();
  const active = await worktime.observe({
    windowFocused: Boolean(window?.focused),
    activeUrl: tab?.url ?? null,
    idle,
    idleSeconds,
    alwaysTrack,
    neverTrack,
  });
  await settle(worktime);
  return active;
}

const evaluate = () => serially(observeNow);

/**
 * After every SDK call: arms the one alarm for the SDK's earliest timer (a past instant
 * fires at once) and paints the badge the SDK decided.
 */
async function settle(worktime) {
  const next = worktime.nextAlarm();
  if (next) await chrome.alarms.create(next.name, { when: Math.max(next.when, Date.now()) });
  else await chrome.alarms.clearAll();
  const { badge } = worktime.status();
  await Promise.all([
    chrome.action.setBadgeText({ text: badge.text }),
    chrome.action.setBadgeBackgroundColor({ color: badge.color }),
    chrome.action.setBadgeTextColor?.({ color: "#ffffff" }),
    chrome.action.setTitle({ title: badge.title }),
  ]);
}

/**
 * What fired timers ask of the shell: on "heartbeat" or "pause_ends", look at the browser
 * again (and on "heartbeat", record that work goes on).
 */
async function timersFired(worktime, fired) {
  if (fired.includes("heartbeat")) {
    const active = await evaluate();
    if (active) await worktime.heartbeat();
  } else if (fired.includes("pause_ends")) {
    await evaluate();
  }
  await settle(worktime);
}

/** The keyboard shortcut (the SDK decides: resume when paused, else pause until resumed). */
async function togglePause() {
  const worktime = await sdk();
  await worktime.togglePause();
  await evaluate();
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// Sign-in with GitHub through the backend, with state and PKCE (S256).
async function signIn() {
  const { backendUrl } = await settings();
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const redirectUri = chrome.identity.getRedirectURL("github");
  const query = new URLSearchParams({ state, code_challenge: base64url(new Uint8Array(digest)), redirect_uri: redirectUri });
  let final;
  try {
    final = await chrome.identity.launchWebAuthFlow({ url: `${backendUrl}${signInPath()}?${query}`, interactive: true });
  } catch {
    throw new Error("Sign-in was cancelled or GitHub could not be reached.");
  }
  const answer = new URL(final).searchParams;
  if (answer.get("state") !== state) throw new Error("The sign-in could not be verified; please try again.");
  if (!answer.get("code")) throw new Error(answer.get("error_description") ?? "GitHub did not complete the sign-in.");
  const worktime = await sdk();
  await worktime.signIn(answer.get("code"), verifier, redirectUri);
  return { status: worktime.status() };
}

async function answer(message) {
  const worktime = await sdk();
  try {
    return await handle(worktime, message);
  } finally {
    await settle(worktime).catch(() => {});
  }
}

async function handle(worktime, message) {
  switch (message?.type) {
    case "page":
      await evaluate();
      return {};
    case "status":
      return { status: worktime.status(), active: worktime.activeSession(), settings: await settings(), now_ms: Date.now() };
    case "pause":
      await worktime.pause(message.minutes == null ? undefined : Number(message.minutes));
      return { status: worktime.status() };
    case "resume":
      await worktime.resume();
      await evaluate();
      return { status: worktime.status() };
    case "deleteSession":
      return { status: await worktime.deleteSession(String(message.session_id)) };
    case "syncNow":
      return { status: await worktime.syncNow() };
    case "stats":
      return { stats: await worktime.stats(Number(message.days) || 30) };
    case "history":
      return { history: await worktime.history(Number(message.limit) || 50, Number(message.offset) || 0) };
    case "breakdown":
      return { breakdown: await worktime.breakdown(Number(message.days) || 30) };
    case "export":
      return { text: await worktime.exportData(message.format === "csv" ? "csv" : "json") };
    case "deleteAccount":
      await worktime.deleteAccount();
      return { status: worktime.status() };
    case "signIn":
      return signIn();
    case "signOut":
      await worktime.signOut();
      return { status: worktime.status() };
    case "signOutEverywhere":
      await worktime.signOutEverywhere();
      return { status: worktime.status() };
    case "settingsChanged": {
      await serially(async () => {
        const old = await client?.catch(() => null);
        client = null;
        old?.stopLive();
        old?.free();
      });
      await evaluate();
      if (livePorts.size) await startLive();
      return {};
    }
    default:
      throw new Error(`Unknown request ${JSON.stringify(message?.type)}.`);
  }
}

// --- live updates for open popups ---

const livePorts = new Set();

function broadcast(event) {
  for (const port of livePorts) {
    try {
      port.postMessage(event);
    } catch {
      livePorts.delete(port); // disconnected meanwhile
    }
  }
}

/** (Re)starts the SDK's live connection; it ignores the call when signed out. */
async function startLive() {
  const worktime = await sdk();
  worktime.live(broadcast);
}

// --- listeners: registered synchronously at top level ---

chrome.runtime.onConnect.addListener((port) => {
  if (port.name !== "live") return;
  livePorts.add(port);
  port.onDisconnect.addListener(() => {
    livePorts.delete(port);
    if (livePorts.size === 0) client?.then((worktime) => worktime.stopLive()).catch(() => {});
  });
  startLive().catch((error) => console.warn("WorkTime: live updates:", error));
});

/**
 * Who may ask what: the extension's own pages anything; a content script only reports the
 * page it is on, and only from github.com (it runs nowhere else, but a compromised page's
 * script must not reach sign-in, export or deletion either).
 * @param {any} message
 * @param {chrome.runtime.MessageSender} sender
 */
function allowed(message, sender) {
  if (sender.id !== chrome.runtime.id) return false;
  if (sender.origin === self.location.origin || sender.url?.startsWith(`${self.location.origin}/`)) return true;
  return message?.type === "page" && Boolean(sender.tab) && sender.origin === "https://github.com";
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!allowed(message, sender)) {
    sendResponse({ ok: false, error: "This request is not accepted from this page." });
    return false;
  }
  answer(message)
    .then((data) => sendResponse({ ok: true, ...data }))
    .catch((error) => sendResponse({ ok: false, error: String(error?.message ?? error) }));
  return true; // answered asynchronously
});

chrome.tabs.onActivated.addListener(() => evaluate());
chrome.tabs.onUpdated.addListener((_id, change) => {
  if (change.url || change.status === "complete") evaluate();
});
chrome.tabs.onRemoved.addListener(() => evaluate());
// Focus can pass through "no window" while moving between windows: look again shortly.
chrome.windows.onFocusChanged.addListener(() => setTimeout(evaluate, 500));
chrome.idle.onStateChanged.addListener(() => evaluate());

chrome.alarms.onAlarm.addListener(async (alarm) => {
  const worktime = await sdk();
  await timersFired(worktime, await worktime.onAlarm(alarm.name));
});

chrome.commands.onCommand.addListener((command) => {
  if (command === "toggle-pause") togglePause().catch((error) => console.warn("WorkTime:", error));
});

chrome.runtime.onStartup.addListener(() => evaluate());
chrome.runtime.onInstalled.addListener(() => evaluate());
self.addEventListener("online", () => sdk().then((worktime) => worktime.onOnline()));

// For DevTools and the end-to-end tests.
globalThis.worktime = {
  sdk,
  evaluate,
  settings,
  togglePause,
  settingsChanged: () => answer({ type: "settingsChanged" }),
};

// The saved state holds the JWT: content scripts (on github.com) may not read storage at
// all; only the extension's own pages and this worker can. Chrome keeps the setting. (A
// Chrome without it for storage.local leaves the default: no listener may be lost to it.)
try {
  chrome.storage.local.setAccessLevel?.({ accessLevel: "TRUSTED_CONTEXTS" })
    ?.catch((error) => console.warn("WorkTime: storage access level:", error));
} catch (error) {
  console.warn("WorkTime: storage access level:", error);
}

// A (re)started worker drops alarms an older version armed, looks at the browser, and
// arms the SDK's alarm again.
chrome.alarms.clearAll().finally(() => evaluate());
