// WorkTime service worker: the only owner of the SDK. Listeners are registered
// synchronously at top level; the wasm module is initialised lazily, on first use.
import init, { WorkTimeClient } from "./pkg/worktime_sdk.js";

const BACKEND_URL = "http://127.0.0.1:8787";

let clientPromise = null;
function client() {
  clientPromise ??= init({ module_or_path: chrome.runtime.getURL("pkg/worktime_sdk_bg.wasm") })
    .then(() => new WorkTimeClient(BACKEND_URL));
  return clientPromise;
}

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  if (message?.type !== "health") return false;
  client()
    .then((sdk) => sdk.health())
    .then((health) => sendResponse({ ok: true, health }))
    .catch((error) => sendResponse({ ok: false, error: String(error?.message ?? error) }));
  return true; // the answer is sent asynchronously
});
