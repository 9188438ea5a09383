// DEV ONLY — previews the popup (or the options page) in an ordinary browser tab, without
// the extension's service worker: installs a stub `window.chrome` answering the messages of
// ../PROTOCOL.md from fixtures (dev-fixtures.js), copies the real page's markup and
// stylesheets into this document, then imports the page's own scripts unchanged.
//
// Serve extension/ (python3 -m http.server 8800 --bind 127.0.0.1) and open
//   http://127.0.0.1:8800/popup/dev-preview.html?state=online
//   http://127.0.0.1:8800/options/dev-preview.html
// Query: state = online | idle | long | pending | offline | signin | failed | rejected | empty |
//        starting | starting-once | refused;  delay = ms per answer (default 150);
//        syncDelay = ms for syncNow (default 1500).
// The page to load is named by <meta name="dev-page" content="popup.html">.

import { makeWorld } from "./dev-fixtures.js";

const params = new URLSearchParams(location.search);
const stateName = params.get("state") ?? "online";
const delay = Number(params.get("delay") ?? 150);
const syncDelay = Number(params.get("syncDelay") ?? 1500);
const world = makeWorld(stateName);
const extensionRoot = new URL("../", import.meta.url);
const log = [];
let statusCalls = 0;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function answer(message) {
  await sleep(delay);
  const type = message?.type;
  if (type === "status") {
    statusCalls += 1;
    if (stateName === "starting" || (stateName === "starting-once" && statusCalls === 1)) {
      throw new Error("Could not establish connection. Receiving end does not exist.");
    }
    if (stateName === "refused") return { ok: false, error: "The saved WorkTime data could not be read." };
    return { ok: true, status: structuredClone(world.status), active: world.active, settings: world.settings, now_ms: Date.now() };
  }
  if (type === "syncNow") {
    world.status.round_active = true;
    await sleep(syncDelay);
    world.status.round_active = false;
    world.synced();
    return { ok: true, status: structuredClone(world.status) };
  }
  if (type === "stats") return { ok: true, stats: world.stats(message.days ?? 30) };
  if (type === "history") return { ok: true, history: world.history(message.limit ?? 50, message.offset ?? 0) };
  if (type === "breakdown") return { ok: true, breakdown: world.breakdown(message.days ?? 30) };
  if (type === "signIn") {
    await sleep(syncDelay);
    Object.assign(world.status, { signed_in: true, sign_in_needed: false, last_error: null,
      user: { id: 583231, username: "monalisa", avatar_url: "https://avatars.githubusercontent.com/u/583231?v=4" } });
    return { ok: true, status: structuredClone(world.status) };
  }
  if (type === "signOut") {
    Object.assign(world.status, { signed_in: false, sign_in_needed: false, user: null });
    return { ok: true, status: structuredClone(world.status) };
  }
  if (type === "signOutEverywhere") {
    Object.assign(world.status, { signed_in: false, sign_in_needed: false, user: null });
    return { ok: true, status: structuredClone(world.status) };
  }
  if (type === "settingsChanged") return { ok: true };
  return { ok: false, error: `Unknown message type “${type}”.` };
}

/** chrome.storage.local over localStorage (promise and callback forms). */
const STORAGE_KEY = "worktime-dev-storage";
const readAll = () => JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}");
const storageLocal = {
  async get(keys, callback) {
    const all = readAll();
    let out = all;
    if (typeof keys === "string") out = keys in all ? { [keys]: all[keys] } : {};
    else if (Array.isArray(keys)) out = Object.fromEntries(keys.filter((k) => k in all).map((k) => [k, all[k]]));
    else if (keys && typeof keys === "object") out = Object.fromEntries(Object.keys(keys).map((k) => [k, k in all ? all[k] : keys[k]]));
    callback?.(out);
    return out;
  },
  async set(items, callback) {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...readAll(), ...items }));
    callback?.();
  },
  async remove(keys, callback) {
    const all = readAll();
    for (const k of [].concat(keys)) delete all[k];
    localStorage.setItem(STORAGE_KEY, JSON.stringify(all));
    callback?.();
  },
};

const stub = {
  runtime: {
    id: "dev-preview",
    getURL: (path) => new URL(path, extensionRoot).href,
    async sendMessage(message) {
      log.push(message);
      console.debug("[dev stub] →", message);
      const reply = await answer(message);
      console.debug("[dev stub] ←", reply);
      return reply;
    },
    async openOptionsPage() {
      window.open(new URL(`options/dev-preview.html?state=${stateName}`, extensionRoot).href, "_blank");
    },
  },
  storage: { local: storageLocal },
};
Object.defineProperty(window, "chrome", { value: stub, configurable: true, writable: true });
window.__worktimeDev = { world, log, state: stateName };

/** Copies the real page (markup and stylesheets) into this document and runs its scripts. */
async function loadPage() {
  const meta = document.querySelector('meta[name="dev-page"]');
  const pageUrl = new URL(meta?.content ?? "popup.html", location.href);
  const html = await (await fetch(pageUrl)).text();
  const page = new DOMParser().parseFromString(html, "text/html");
  const sheets = [...page.querySelectorAll('link[rel="stylesheet"]')].map((link) => {
    const copy = document.createElement("link");
    copy.rel = "stylesheet";
    copy.href = new URL(link.getAttribute("href"), pageUrl).href;
    return new Promise((resolve) => {
      copy.addEventListener("load", resolve);
      copy.addEventListener("error", resolve);
      document.head.append(copy);
    });
  });
  await Promise.all(sheets);
  const scripts = [...page.querySelectorAll("script[src]")].map((s) => new URL(s.getAttribute("src"), pageUrl).href);
  page.querySelectorAll("script").forEach((s) => s.remove());
  for (const { name, value } of page.body.attributes) document.body.setAttribute(name, value);
  document.body.replaceChildren(...[...page.body.childNodes].map((n) => document.importNode(n, true)));
  document.title = `${page.title} — dev preview (${stateName})`;
  for (const src of scripts) await import(src);
}

loadPage();
