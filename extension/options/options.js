// @ts-check
// WorkTime settings page. Reads and writes `chrome.storage.local["worktime.settings"]`
// ({ backendUrl, idleSeconds, alwaysTrack, neverTrack }, see ../PROTOCOL.md), then tells the
// service worker with `{ type: "settingsChanged" }`. Errors are shown next to their field.

import { ask } from "../popup/api.js";
import {
  allowedByHostPermissions, checkBackendUrl, checkIdleMinutes, idleSecondsToMinutes, inBoth, parseRepoList, withDefaults,
} from "./validate.js";

const SETTINGS_KEY = "worktime.settings";

/** The page's own elements by id (their kinds are the markup's: inputs, buttons, an svg). @type {(id: string) => any} */
const $ = (id) => document.getElementById(id);
const form = $("settings");
const fields = {
  backendUrl: $("backend-url"),
  idleMinutes: $("idle-minutes"),
  alwaysTrack: $("always-track"),
  neverTrack: $("never-track"),
};
const errors = {
  backendUrl: $("backend-url-error"),
  idleMinutes: $("idle-minutes-error"),
  alwaysTrack: $("always-track-error"),
  neverTrack: $("never-track-error"),
};
const saveButton = $("save");
const savedNote = $("saved-note");
const formError = $("form-error");
const loadError = $("load-error");

/** What was loaded, so keys this page does not know about are kept when saving. */
let loaded = withDefaults(null);

function storage() {
  const local = globalThis.chrome?.storage?.local;
  if (!local) throw new Error("Settings can only be changed inside the WorkTime extension.");
  return local;
}

/** Shows `messages` (a string or list) under `name`'s field, or clears it. */
function setError(name, messages) {
  const list = [].concat(messages ?? []).filter(Boolean);
  const box = errors[name];
  box.replaceChildren();
  if (list.length === 1) {
    box.textContent = list[0];
  } else if (list.length > 1) {
    const ul = document.createElement("ul");
    for (const message of list.slice(0, 10)) {
      const li = document.createElement("li");
      li.textContent = message;
      ul.append(li);
    }
    if (list.length > 10) {
      const li = document.createElement("li");
      li.textContent = `and ${list.length - 10} more`;
      ul.append(li);
    }
    box.append(ul);
  }
  box.hidden = list.length === 0;
  fields[name].setAttribute("aria-invalid", String(list.length > 0));
}

function fill(settings) {
  fields.backendUrl.value = settings.backendUrl;
  fields.idleMinutes.value = String(idleSecondsToMinutes(settings.idleSeconds));
  fields.alwaysTrack.value = settings.alwaysTrack.join("\n");
  fields.neverTrack.value = settings.neverTrack.join("\n");
}

async function load() {
  try {
    const stored = await storage().get(SETTINGS_KEY);
    loaded = withDefaults(stored?.[SETTINGS_KEY]);
    loadError.hidden = true;
  } catch (error) {
    loaded = withDefaults(null);
    loadError.textContent = `Your saved settings could not be read, so the defaults are shown. ${error?.message ?? ""}`.trim();
    loadError.hidden = false;
  }
  fill(loaded);
  void showHostWarning(checkBackendUrl(loaded.backendUrl).value);
}

/** Checks the whole form; returns the settings to save, or null after showing the errors. */
function check() {
  const url = checkBackendUrl(fields.backendUrl.value);
  const idle = checkIdleMinutes(fields.idleMinutes.value);
  const always = parseRepoList(fields.alwaysTrack.value);
  const never = parseRepoList(fields.neverTrack.value);
  const both = inBoth(always.value, never.value);
  const neverErrors = [...never.errors];
  if (both.length > 0) {
    const names = both.slice(0, 3).join(", ") + (both.length > 3 ? ` and ${both.length - 3} more` : "");
    neverErrors.push(`${names} ${both.length === 1 ? "is" : "are"} in both lists. Remove ${both.length === 1 ? "it" : "them"} from one of them.`);
  }
  setError("backendUrl", url.error);
  void showHostWarning(url.value);
  setError("idleMinutes", idle.error);
  setError("alwaysTrack", always.errors);
  setError("neverTrack", neverErrors);
  const firstBad = ["backendUrl", "idleMinutes", "alwaysTrack", "neverTrack"].find((name) => !errors[name].hidden);
  if (firstBad) {
    fields[firstBad].focus();
    return null;
  }
  return {
    ...loaded,
    backendUrl: url.value,
    idleSeconds: idle.value * 60,
    alwaysTrack: always.value,
    neverTrack: never.value,
  };
}

/** The match pattern for `url`'s origin ("https://api.example.com/*"), or null. */
function originPattern(url) {
  try {
    return `${new URL(url).origin}/*`;
  } catch {
    return null;
  }
}

/**
 * Where WorkTime stands with the server at `url`: "granted" (a host permission covers it:
 * the manifest's, or one the user granted), "ask" (an optional host permission Chrome can
 * ask the user for) or "cors" (neither: it only works if the server allows this extension).
 * @returns {Promise<"granted" | "ask" | "cors">}
 */
async function hostAccess(url) {
  const manifest = globalThis.chrome?.runtime?.getManifest?.();
  const pattern = originPattern(url);
  if (!manifest || !pattern) return "granted"; // outside the extension (dev preview): nothing to ask
  if (globalThis.chrome?.permissions?.contains) {
    if (await chrome.permissions.contains({ origins: [pattern] })) return "granted";
  } else if (allowedByHostPermissions(url, manifest.host_permissions)) {
    return "granted";
  }
  const optional = manifest.optional_host_permissions;
  return Array.isArray(optional) && optional.length && allowedByHostPermissions(url, optional) ? "ask" : "cors";
}

const HOST_NOTES = {
  granted: "",
  ask: "Saving asks Chrome to let WorkTime connect to this server.",
  cors: "WorkTime has no standing permission for this server, so it only works if the server "
    + "allows this extension (its ALLOWED_ORIGINS setting).",
};
let hostNoteFor = 0;

/** Shows what saving `url` means for permissions (the latest call wins). */
async function showHostWarning(url) {
  const warning = $("backend-url-warning");
  const call = ++hostNoteFor;
  let access = "granted";
  try {
    access = url ? await hostAccess(url) : "granted";
  } catch {
    access = "granted"; // no note rather than a wrong one
  }
  if (call !== hostNoteFor) return;
  warning.textContent = HOST_NOTES[access];
  warning.hidden = access === "granted";
}

/**
 * Makes sure WorkTime may connect to the server at `url`, asking the user when Chrome can
 * (an https:// server outside the manifest's hosts: optional_host_permissions). Must run in
 * the submit handler, before anything slow: Chrome shows its prompt only during the user's
 * gesture. Resolves to null when the settings may be saved, or the sentence saying why not.
 * @returns {Promise<string | null>}
 */
async function ensureHostPermission(url) {
  if (!globalThis.chrome?.permissions?.request) return null;
  const access = await hostAccess(url);
  if (access !== "ask") return null; // "cors": nothing Chrome can grant; the note says so
  const origin = new URL(url).origin;
  let granted = false;
  try {
    granted = await chrome.permissions.request({ origins: [originPattern(url)] });
  } catch (error) {
    return `Chrome could not ask for permission to connect to ${origin}. ${error?.message ?? ""}`.trim();
  }
  return granted ? null
    : `WorkTime needs your permission to connect to ${origin}. Nothing was saved: save again and choose Allow, or pick another server.`;
}

function showSaved(text) {
  savedNote.textContent = text;
  savedNote.hidden = false;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  savedNote.hidden = true;
  formError.hidden = true;
  const settings = check();
  if (!settings) {
    formError.textContent = "Nothing was saved. Please fix the fields marked in red.";
    formError.hidden = false;
    return;
  }
  saveButton.disabled = true;
  let refused = null;
  try {
    refused = await ensureHostPermission(settings.backendUrl);
  } catch (error) {
    refused = `The permission to connect to this server could not be checked. ${error?.message ?? ""}`.trim();
  }
  void showHostWarning(settings.backendUrl);
  if (refused) {
    setError("backendUrl", refused);
    fields.backendUrl.focus();
    formError.textContent = "Nothing was saved.";
    formError.hidden = false;
    saveButton.disabled = false;
    return;
  }
  try {
    await storage().set({ [SETTINGS_KEY]: settings });
    loaded = settings;
    fill(settings); // shows the cleaned-up lists and URL
  } catch (error) {
    formError.textContent = `The settings could not be saved. ${error?.message ?? ""}`.trim();
    formError.hidden = false;
    saveButton.disabled = false;
    return;
  }
  try {
    await ask({ type: "settingsChanged" });
    showSaved("Saved. WorkTime is using the new settings.");
  } catch {
    showSaved("Saved. WorkTime will use the new settings the next time it starts.");
  }
  saveButton.disabled = false;
});

// Editing again hides "Saved"; fixing a field clears its error once it is valid.
form.addEventListener("input", (event) => {
  savedNote.hidden = true;
  formError.hidden = true;
  const name = Object.keys(fields).find((key) => fields[key] === event.target);
  if (!name || errors[name].hidden) return;
  const still = {
    backendUrl: () => checkBackendUrl(fields.backendUrl.value).error,
    idleMinutes: () => checkIdleMinutes(fields.idleMinutes.value).error,
    alwaysTrack: () => parseRepoList(fields.alwaysTrack.value).errors,
    neverTrack: () => parseRepoList(fields.neverTrack.value).errors,
  }[name]();
  if ([].concat(still ?? []).length === 0) setError(name, null);
});

// --- your data: export and account deletion, done by the SDK in the service worker ---

const dataNote = $("data-note");
const dataError = $("data-error");

function dataMessage(note, error) {
  dataNote.textContent = note ?? "";
  dataNote.hidden = !note;
  dataError.textContent = error ?? "";
  dataError.hidden = !error;
}

/** Asks the SDK for every page of the export and saves it as one file. */
async function download(format) {
  dataMessage("Preparing your download…", null);
  try {
    const { text } = await ask({ type: "export", format }, { timeoutMs: 120_000 });
    const type = format === "csv" ? "text/csv;charset=utf-8" : "application/json";
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type }));
    link.download = `worktime-export.${format}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    dataMessage("Downloaded.", null);
  } catch (error) {
    dataMessage(null, `The download failed: ${error?.message ?? error}`);
  }
}

$("export-json").addEventListener("click", () => download("json"));
$("export-csv").addEventListener("click", () => download("csv"));
$("delete-account").addEventListener("click", async () => {
  const sure = confirm("Delete your WorkTime account? Your sessions and statistics are removed from the "
    + "server and from this browser, and you are signed out everywhere. This cannot be undone.");
  if (!sure) return;
  dataMessage("Deleting your account…", null);
  try {
    await ask({ type: "deleteAccount" }, { timeoutMs: 30_000 });
    dataMessage("Your account and its data are deleted.", null);
  } catch (error) {
    dataMessage(null, `Your account was not deleted: ${error?.message ?? error}`);
  }
});

load();
