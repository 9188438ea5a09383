// @ts-check
// WorkTime popup. Everything comes from the service worker through the messages of
// ../PROTOCOL.md (status, syncNow, stats, history, signIn, signOut, signOutEverywhere) and
// the "live" port; this page keeps no data of its own. Renders the sync status, the running
// session with a live timer, today's total, a 7-, 30- or 90-day chart, a per-repository breakdown and
// the paged session history. While it is open, the live port tells it when another device
// wrote (or when to poll), and it re-reads what it shows.

import { ask } from "./api.js";
import { drawChart } from "./chart.js";
import { formatDuration, formatTime, formatTimer, localDateKey, plural } from "./format.js";
import { normalize, normalizeAll, runningSecondsSince, sessionLabel } from "./sessions.js";
import { describeSync } from "./sync-status.js";
import { fillBreakdown, fillCurrent, fillHistory, fillSyncStatus, fillUser, make } from "./views.js";

/** The ranges the popup offers; the one chosen is kept for the next opening. */
const RANGES = [7, 30, 90];
const RANGE_KEY = "worktime.popup.days";
const PAGE_SIZE = 50;
const TOP_REPOS = 5;
const POLL_MS = 5_000;

/** The page's own elements by id (their kinds are the markup's: inputs, buttons, an svg). @type {(id: string) => any} */
const $ = (id) => document.getElementById(id);
const ui = Object.fromEntries(Object.entries({
  content: "content", unavailable: "unavailable", unavailableDetail: "unavailable-detail", retry: "retry",
  user: "user", avatar: "avatar", avatarFallback: "avatar-fallback", username: "username",
  signOut: "sign-out", signOutEverywhere: "sign-out-everywhere", options: "open-options", syncStatus: "sync-status", signIn: "sign-in", syncNow: "sync-now",
  current: "current-session", today: "today-total", offlineNote: "offline-note",
  chart: "chart", chartHeading: "chart-heading", range: "range", reposRange: "repos-range", rangeTotal: "range-total", statsError: "stats-error", repos: "repo-breakdown", repoNote: "repo-note",
  history: "history", historyLegend: "history-legend", historyError: "history-error", pageInfo: "page-info",
  newer: "newer", older: "older",
  pauseNote: "pause-note", pauseHour: "pause-hour", pause: "pause", resume: "resume",
}).map(([key, id]) => [key, $(id)]));

/**
 * @typedef {import("../pkg/worktime_sdk.js").SdkStatus} SdkStatus
 * @typedef {import("../pkg/worktime_sdk.js").LocalSession} LocalSession
 * @typedef {import("../pkg/worktime_sdk.js").StatsResult} StatsResult
 * @typedef {import("../pkg/worktime_sdk.js").HistoryPage} HistoryPage
 * @typedef {import("../pkg/worktime_sdk.js").Breakdown & { error?: string }} BreakdownView
 */
const state = {
  loaded: false, // a status answer has arrived at least once
  /** @type {SdkStatus | null} */ status: null,
  /** @type {LocalSession | null} */ active: null,
  skewMs: 0,
  /** @type {StatsResult | null} */ stats: null,
  /** @type {HistoryPage | null} */ history: null,
  historyOffset: 0,
  /** Days shown by the chart and the repositories (one of RANGES). */
  days: storedRange(),
  /** @type {BreakdownView | null} */ breakdown: null,
  syncing: false, signingIn: false, notice: null, openLists: new Set(),
  autoRetries: 0, pollFailures: 0, dataKey: "", dayKey: localDateKey(Date.now()),
  chartMinute: -1, statusKey: "", historyRequest: 0,
};

/** Now on the service worker's clock (the popup's clock may differ from it). */
const workerNow = () => Date.now() - state.skewMs;

const lowerFirst = (s) => (s ? s[0].toLowerCase() + s.slice(1) : s);

// ---- Loading -------------------------------------------------------------------------

async function loadStatus({ quiet = false } = {}) {
  try {
    const data = await ask({ type: "status" });
    state.skewMs = Number.isFinite(data.now_ms) ? Date.now() - data.now_ms : 0;
    state.status = data.status ?? null;
    state.active = data.active ?? null;
    state.loaded = true;
    state.pollFailures = 0;
    state.autoRetries = 0;
    showUnavailable(null);
    renderUser();
    renderStatus();
    renderCurrent();
    return true;
  } catch (error) {
    state.pollFailures += 1;
    // A polling hiccup (the worker restarting) does not hide what is already shown.
    if (!quiet || !state.loaded || state.pollFailures >= 3) showUnavailable(error);
    return false;
  }
}

async function loadStats() {
  try {
    const { stats } = await ask({ type: "stats", days: state.days });
    state.stats = stats ?? null;
    ui.statsError.hidden = true;
  } catch (error) {
    ui.statsError.textContent = `Daily totals could not be loaded: ${lowerFirst(error.message)}`;
    ui.statsError.hidden = false;
  }
  state.chartMinute = -1;
  renderStats();
  renderOfflineNote();
}

async function loadHistory() {
  const request = ++state.historyRequest;
  ui.newer.disabled = true;
  ui.older.disabled = true;
  try {
    const { history } = await ask({ type: "history", limit: PAGE_SIZE, offset: state.historyOffset });
    if (request !== state.historyRequest) return;
    state.history = history ?? null;
    ui.historyError.hidden = true;
    const count = Array.isArray(history?.sessions) ? history.sessions.length : 0;
    if (count === 0 && state.historyOffset > 0) { // the list shrank (e.g. now local): start over
      state.historyOffset = 0;
      await loadHistory();
      return;
    }
  } catch (error) {
    if (request !== state.historyRequest) return;
    ui.historyError.textContent = `Sessions could not be loaded: ${lowerFirst(error.message)}`;
    ui.historyError.hidden = false;
  }
  renderHistory();
  renderOfflineNote();
}

/** Time per repository over the range, as the SDK computes it (server or local). */
async function loadBreakdown() {
  try {
    const { breakdown } = await ask({ type: "breakdown", days: state.days });
    state.breakdown = breakdown;
  } catch (error) {
    state.breakdown = { repos: [], source: "local", since_ms: 0, complete: false, more_repos: 0, error: error.message };
  }
  renderBreakdown();
  renderOfflineNote();
}

async function reloadData() {
  state.dayKey = localDateKey(Date.now());
  state.dataKey = dataKey();
  await Promise.all([loadStats(), loadHistory(), loadBreakdown()]);
  renderStatus(); // failed items can now name their pull requests
}

async function refreshAll() {
  ui.retry.disabled = true;
  const ok = await loadStatus();
  ui.retry.disabled = false;
  if (!ok) {
    // The worker usually wakes within a second or two: try a few more times by itself.
    if (state.autoRetries < 4) {
      state.autoRetries += 1;
      setTimeout(refreshAll, 1_500 * state.autoRetries);
    }
    return;
  }
  await reloadData();
}

/** What, when it changes, makes the shown stats and history stale. */
function dataKey() {
  const s = state.status;
  return [state.active?.session_id, s?.pending_count, s?.last_sync_ms, s?.signed_in, s?.online,
    s?.rejected_items?.length].join("|");
}

async function poll() {
  if (document.hidden || state.syncing || state.signingIn) return;
  if (!(await loadStatus({ quiet: true }))) return;
  if (dataKey() !== state.dataKey || localDateKey(Date.now()) !== state.dayKey) await reloadData();
}

// ---- Rendering -----------------------------------------------------------------------

function showUnavailable(error) {
  ui.unavailable.hidden = !error;
  ui.content.hidden = Boolean(error);
  const detail = error?.kind === "refused" ? error.message : "";
  ui.unavailableDetail.textContent = detail;
  ui.unavailableDetail.hidden = !detail;
}

function renderUser() {
  const signedIn = Boolean(state.status?.signed_in);
  ui.user.hidden = !signedIn;
  if (signedIn) fillUser(ui, state.status.user);
}

function sessionLabels() {
  const labels = new Map();
  const add = (s) => { if (s?.id) labels.set(s.id, sessionLabel(s)); };
  for (const s of normalizeAll(state.history?.sessions)) add(s);
  if (state.active) add(normalize(state.active));
  return labels;
}

function renderStatus() {
  let status = state.status;
  if (state.syncing && status?.signed_in && !status.sign_in_needed && status.online !== false) {
    status = { ...status, round_active: true };
  }
  const model = describeSync(status, { nowMs: workerNow(), sessionLabels: sessionLabels() });
  const key = JSON.stringify([model, state.notice, state.signingIn]);
  if (key === state.statusKey) return;
  state.statusKey = key;

  fillSyncStatus(ui.syncStatus, model, { notice: state.notice, openLists: state.openLists });
  ui.signIn.hidden = !model.signIn;
  ui.signIn.disabled = state.signingIn;
  ui.signIn.textContent = state.signingIn ? "Waiting for GitHub…" : "Sign in with GitHub";
  ui.signOut.disabled = state.signingIn;
  ui.signOutEverywhere.disabled = state.signingIn;
}

function renderCurrent() {
  fillCurrent(ui.current, state.active, state.status?.pause ?? null);
  renderPause();
  tick();
}

/** The pause buttons: "Pause 1 h" and "Pause" while tracking may run, else "Resume". */
function renderPause() {
  const pause = state.status?.pause ?? null;
  ui.pauseHour.hidden = Boolean(pause);
  ui.pause.hidden = Boolean(pause);
  ui.resume.hidden = !pause;
  ui.pauseNote.textContent = pause
    ? (pause.until_ms != null ? `Paused until ${formatTime(pause.until_ms)}` : "Paused until you resume")
    : "";
}

/** Today's date entry of the stats, if they have one. */
function todayStats() {
  const key = localDateKey(workerNow());
  return state.stats?.days?.find?.((d) => d.date === key) ?? null;
}

function runningToday() {
  const midnight = new Date(workerNow());
  midnight.setHours(0, 0, 0, 0);
  return runningSecondsSince(state.active, midnight.getTime(), workerNow());
}

/** The range chosen last time (kept in this page's localStorage), else 30 days. */
function storedRange() {
  const days = Number(globalThis.localStorage?.getItem(RANGE_KEY));
  return RANGES.includes(days) ? days : 30;
}

function renderRange() {
  ui.chartHeading.textContent = `Last ${state.days} days`;
  ui.reposRange.textContent = `last ${state.days} days`;
  for (const button of ui.range.querySelectorAll("button[data-days]")) {
    button.setAttribute("aria-pressed", String(Number(button.dataset.days) === state.days));
  }
}

function renderStats() {
  const stats = state.stats;
  const extra = runningToday();
  drawChart(ui.chart, stats?.days ?? [], { todayExtraSeconds: extra, todayDate: localDateKey(workerNow()) });
  ui.rangeTotal.textContent = stats
    ? `${formatDuration(Number(stats.total_duration_seconds) || 0)} · ${plural(Number(stats.session_count) || 0, "session")}`
    : "";
}

function renderOfflineNote() {
  const local = [state.stats?.source, state.history?.source, state.breakdown?.source].includes("local");
  const signedOut = state.status && (!state.status.signed_in || state.status.sign_in_needed);
  ui.offlineNote.textContent = signedOut
    ? "Not signed in — showing data saved on this computer"
    : "Offline — showing data saved on this computer";
  ui.offlineNote.hidden = !local;
}

function renderBreakdown() {
  const data = state.breakdown;
  const rows = (data?.repos ?? []).map((r) => ({
    owner: r.repo_owner, repo: r.repo_name, url: r.repo_url, seconds: r.total_duration_seconds, sessions: r.session_count,
    prs: (r.prs ?? []).map((p) => ({ pr: p.pr_number, url: p.pr_url, seconds: p.total_duration_seconds, sessions: p.session_count })),
    morePrs: r.more_prs ?? 0,
  }));
  ui.repos.replaceChildren();
  ui.repoNote.hidden = true;
  if (data?.error) {
    ui.repos.append(make("li", "section-error", `Repositories could not be loaded: ${lowerFirst(data.error)}`));
    return;
  }
  if (rows.length === 0) {
    ui.repos.append(make("li", "empty-text", data ? `No time tracked in the last ${state.days} days.` : "Loading…"));
    return;
  }
  const note = fillBreakdown(ui.repos, rows, TOP_REPOS);
  const notes = note ? [note] : [];
  if (!data.complete) notes.push("Only the largest repositories and pull requests are listed.");
  if (notes.length) {
    ui.repoNote.textContent = notes.join(" · ");
    ui.repoNote.hidden = false;
  }
}

function renderHistory() {
  const history = state.history;
  const sessions = normalizeAll(history?.sessions);
  const total = Math.max(Number(history?.total) || 0, state.historyOffset + sessions.length);
  ui.history.replaceChildren();
  if (sessions.length === 0) {
    ui.history.append(make("li", "empty-text", history
      ? "No sessions yet. Open a pull request on GitHub and WorkTime starts counting."
      : "Loading…"));
  }
  const anyPending = fillHistory(ui.history, sessions, workerNow());
  ui.historyLegend.hidden = !anyPending;
  const first = sessions.length ? state.historyOffset + 1 : 0;
  ui.pageInfo.textContent = sessions.length ? `${first}–${state.historyOffset + sessions.length} of ${total}` : "";
  ui.newer.disabled = state.historyOffset === 0;
  ui.older.disabled = state.historyOffset + sessions.length >= total || sessions.length === 0;
}

/** Every second: the running timer and today's total (and the chart once a minute). */
function tick() {
  const now = workerNow();
  const timer = $("session-timer");
  if (timer && state.active) timer.textContent = formatTimer((now - state.active.start_ms) / 1000);
  const running = runningToday();
  const todaySeconds = (Number(todayStats()?.total_duration_seconds) || 0) + running;
  ui.today.textContent = state.stats || state.active ? formatDuration(todaySeconds) : "–";
  ui.today.title = running > 0 ? `Includes ${formatDuration(running)} of the running session` : "";
  const minute = Math.floor(running / 60);
  if (state.stats && minute !== state.chartMinute) {
    state.chartMinute = minute;
    renderStats();
  }
}

// ---- Actions -------------------------------------------------------------------------

function setSyncing(on) {
  state.syncing = on;
  ui.syncNow.disabled = on;
  ui.syncNow.classList.toggle("busy", on);
  ui.syncNow.setAttribute("aria-busy", String(on));
  ui.syncNow.querySelector(".label").textContent = on ? "Syncing…" : "Sync now";
  renderStatus();
}

ui.syncNow.addEventListener("click", async () => {
  if (state.syncing) return;
  state.notice = null;
  setSyncing(true);
  try {
    const { status } = await ask({ type: "syncNow" });
    if (status) state.status = status;
  } catch (error) {
    state.notice = `Sync did not finish: ${lowerFirst(error.message)}`;
  }
  setSyncing(false);
  await refreshAll();
});

ui.signIn.addEventListener("click", async () => {
  state.signingIn = true;
  state.notice = null;
  renderStatus();
  try {
    const { status } = await ask({ type: "signIn" });
    if (status) state.status = status;
  } catch (error) {
    state.notice = `Sign-in did not finish: ${lowerFirst(error.message)}`;
  }
  state.signingIn = false;
  state.historyOffset = 0;
  connectLive(); // a new sign-in: live updates (again)
  await refreshAll();
});

ui.signOut.addEventListener("click", async () => {
  state.notice = null;
  ui.signOut.disabled = true;
  try {
    await ask({ type: "signOut" });
  } catch (error) {
    state.notice = `Sign-out did not finish: ${lowerFirst(error.message)}`;
  }
  ui.signOut.disabled = false;
  state.historyOffset = 0;
  await refreshAll();
});

ui.signOutEverywhere.addEventListener("click", async () => {
  const sure = confirm("Sign out of WorkTime on every browser and computer where you are signed in?\n\n"
    + "Time tracked there stays saved and is sent after the next sign-in.");
  if (!sure) return;
  state.notice = null;
  ui.signOut.disabled = true;
  ui.signOutEverywhere.disabled = true;
  try {
    await ask({ type: "signOutEverywhere" });
  } catch (error) {
    state.notice = error.message; // the SDK's sentence says what happened and what to do
  }
  ui.signOut.disabled = false;
  ui.signOutEverywhere.disabled = false;
  state.historyOffset = 0;
  await refreshAll();
});

ui.options.addEventListener("click", async (event) => {
  event.preventDefault();
  try {
    await chrome.runtime.openOptionsPage();
  } catch {
    // No options page declared: open it as a tab instead.
    window.open(chrome.runtime.getURL?.("options/options.html") ?? ui.options.href, "_blank");
  }
});

/** Sends a pause or resume, then re-reads the status (the SDK ended or resumes tracking). */
async function control(message) {
  for (const button of [ui.pauseHour, ui.pause, ui.resume]) button.disabled = true;
  try {
    const data = await ask(message);
    state.status = data.status ?? state.status;
    await loadStatus({ quiet: true });
    await reloadData();
  } catch (error) {
    state.notice = `Could not ${message.type}: ${lowerFirst(String(error?.message ?? error))}`;
    renderStatus();
  } finally {
    for (const button of [ui.pauseHour, ui.pause, ui.resume]) button.disabled = false;
  }
}

ui.pauseHour.addEventListener("click", () => control({ type: "pause", minutes: 60 }));
ui.pause.addEventListener("click", () => control({ type: "pause" }));
ui.resume.addEventListener("click", () => control({ type: "resume" }));

// Deleting a session: every history row's × button (ended sessions only), confirmed first.
ui.history.addEventListener("click", async (event) => {
  const button = /** @type {HTMLElement} */ (event.target)?.closest?.("button[data-session-id]");
  if (!(button instanceof HTMLButtonElement)) return;
  const label = button.dataset.label ?? "this session";
  if (!confirm(`Delete ${label}? Its time leaves your statistics on every device. This cannot be undone.`)) return;
  button.disabled = true;
  try {
    await ask({ type: "deleteSession", session_id: button.dataset.sessionId });
    state.notice = `Deleted ${label}.`;
    await loadStatus({ quiet: true });
    await reloadData();
  } catch (error) {
    button.disabled = false;
    state.notice = `Could not delete ${label}: ${lowerFirst(String(error?.message ?? error))}`;
    renderStatus();
  }
});

ui.range.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-days]") : null;
  const days = Number(button?.getAttribute("data-days"));
  if (!RANGES.includes(days) || days === state.days) return;
  state.days = days;
  globalThis.localStorage?.setItem(RANGE_KEY, String(days));
  renderRange();
  state.stats = null;
  state.breakdown = null;
  renderStats();
  renderBreakdown();
  loadStats();
  loadBreakdown();
});

ui.newer.addEventListener("click", () => {
  state.historyOffset = Math.max(0, state.historyOffset - PAGE_SIZE);
  loadHistory();
});
ui.older.addEventListener("click", () => {
  state.historyOffset += PAGE_SIZE;
  loadHistory();
});
ui.retry.addEventListener("click", () => {
  state.autoRetries = 0;
  refreshAll();
});

// ---- Live updates ----------------------------------------------------------------------
// The service worker keeps a WebSocket to the backend while this port is open and posts
// what the SDK reports (see ../PROTOCOL.md). Everything decided is the SDK's: this only
// re-reads on its word.

let livePort = null;
let reloading = null; // the running reloadData, so bursts of events coalesce
let reloadAgain = false;

async function reloadOnce() {
  if (reloading) {
    reloadAgain = true;
    return reloading;
  }
  reloading = (async () => {
    do {
      reloadAgain = false;
      await reloadData();
    } while (reloadAgain);
  })().finally(() => { reloading = null; });
  return reloading;
}

function onLive(event) {
  if ((event?.type === "changed" && !event.this_device) || event?.type === "poll") {
    reloadOnce();
  } else if (event?.type === "signed_out") {
    // Re-read the status (now "sign-in needed", or signed out), and the data if it changed.
    loadStatus({ quiet: true }).then((ok) => { if (ok && dataKey() !== state.dataKey) reloadOnce(); });
  }
}

function connectLive() {
  const runtime = globalThis.chrome?.runtime;
  if (!runtime?.connect) return; // not in the extension (dev preview)
  const old = livePort;
  livePort = null;
  old?.disconnect();
  let port;
  try {
    port = runtime.connect({ name: "live" });
  } catch {
    return;
  }
  livePort = port;
  port.onMessage.addListener(onLive);
  // The service worker stopped (or restarted): connect again, which wakes it.
  port.onDisconnect.addListener(() => {
    if (livePort !== port) return;
    livePort = null;
    setTimeout(() => { if (!livePort) connectLive(); }, 1_000);
  });
}

renderRange();
connectLive();
setInterval(tick, 1_000);
setInterval(poll, POLL_MS);
document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
refreshAll();
