// @ts-check
// Turns an SdkStatus into what the popup's status line says: a headline, a tone for its
// colour, optional extra lines and lists (failed and refused changes), and whether the
// "Sign in" button shows. Pure: no DOM, no chrome.* — popup.js renders the result.

import { capitalize, describeReason, formatAgo, formatDateTime, formatIn, plural, toPhrase } from "./format.js";

/** At most this many items are listed (the SDK lists at most 50 failed items too). */
export const MAX_LISTED = 50;

const OP_WORDS = {
  start: "Start of a session",
  end: "End of a session",
  heartbeat: "“Still working” signal",
};

/**
 * One failed or refused change as a line: "End of a session on octo/app #12 (Tue 4 Nov
 * 2025, 14:05): the WorkTime server could not be reached".
 * `sessionLabels` maps session ids to "owner/repo #N" when known.
 */
function itemLine(item, detail, sessionLabels, atMs) {
  const what = OP_WORDS[item.op_type] ?? "A change";
  const label = sessionLabels?.get?.(item.session_id);
  const on = label ? ` on ${label}` : "";
  const when = Number.isFinite(atMs) ? ` (${formatDateTime(atMs)})` : "";
  return `${what}${on}${when}: ${detail}`;
}

/** The most common value of `values`, with its count. */
function mostCommon(values) {
  const counts = new Map();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best = null;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount) [best, bestCount] = [value, count];
  }
  return { value: best, count: bestCount, distinct: counts.size };
}

/** The list of failed changes ("and N more" counts those the SDK did not list). */
function failedList(status, sessionLabels) {
  const items = Array.isArray(status.failed_items) ? status.failed_items : [];
  const listed = items.slice(0, MAX_LISTED);
  const lines = listed.map((item) => itemLine(item, describeReason(item.reason), sessionLabels, item.enqueued_ms));
  const total = Math.max(Number(status.failed_count) || 0, items.length);
  const more = Math.max(Number(status.failed_items_hidden) || 0, total - listed.length);
  return { lines, more, total, reasons: listed.map((item) => describeReason(item.reason)) };
}

/** The list of changes the server refused (never retried). */
function rejectedList(status, sessionLabels) {
  const items = Array.isArray(status.rejected_items) ? status.rejected_items : [];
  const listed = items.slice(0, MAX_LISTED);
  const message = (item) => toPhrase(item.message);
  const lines = listed.map((item) => itemLine(item, message(item), sessionLabels, item.rejected_ms));
  return { lines, more: items.length - listed.length, total: items.length, reasons: listed.map(message) };
}

/** "2 changes could not be sent: the server could not be reached." */
function headlineFor(count, verb, reasons) {
  const common = mostCommon(reasons);
  const lead = `${plural(count, "change")} ${verb}`;
  if (!common.value) return lead;
  if (common.distinct === 1) return `${lead}: ${common.value}`;
  return `${lead}, mostly because ${common.value}`;
}

/**
 * @param {import("../pkg/worktime_sdk.js").SdkStatus | null} status
 * @param {object} [options]
 * @param {number} [options.nowMs]  the popup's clock
 * @param {Map<string,string>} [options.sessionLabels]  session id → "owner/repo #N"
 * @returns {{ tone: "ok"|"busy"|"warn"|"error"|"offline"|"signin", headline: string,
 *   lines: string[], lists: {kind: string, summary: string, lines: string[], more: number}[],
 *   signIn: boolean }}
 */
export function describeSync(status, { nowMs = Date.now(), sessionLabels } = {}) {
  /** @type {ReturnType<typeof describeSync>} */
  const model = { tone: "ok", headline: "", lines: [], lists: [], signIn: false };
  if (!status || typeof status !== "object") {
    model.tone = "error";
    model.headline = "WorkTime is starting… try again in a moment";
    return model;
  }
  const pending = Math.max(0, Number(status.pending_count) || 0);
  const failed = failedList(status, sessionLabels);
  const rejected = rejectedList(status, sessionLabels);
  const waiting = pending > 0 ? `${plural(pending, "change")} waiting to sync` : null;
  const needsSignIn = Boolean(status.sign_in_needed) || !status.signed_in;

  if (needsSignIn) {
    model.tone = "signin";
    model.signIn = true;
    model.headline = "Sign in with GitHub to sync";
    if (status.sign_in_needed && status.last_error) {
      model.lines.push("Your GitHub sign-in has expired or was withdrawn.");
    }
    if (pending > 0) {
      model.lines.push(`${plural(pending, "change")} ${pending === 1 ? "is" : "are"} saved on this computer and will be sent after you sign in.`);
    } else {
      model.lines.push("Your time is still tracked and saved on this computer.");
    }
  } else if (status.online === false) {
    model.tone = "offline";
    model.headline = "Offline — showing data saved on this computer";
    if (waiting) model.lines.push(`${waiting}.`);
    if (status.last_error) model.lines.push(`Last try: ${describeReason(status.last_error)}.`);
    if (status.next_retry_ms && status.next_retry_ms > nowMs) {
      model.lines.push(`WorkTime will try again ${formatIn(status.next_retry_ms, nowMs)}.`);
    }
  } else if (status.round_active) {
    model.tone = "busy";
    model.headline = pending > 0 ? `Syncing ${plural(pending, "change")}…` : "Syncing…";
  } else if (failed.total > 0) {
    model.tone = "error";
    model.headline = headlineFor(failed.total, "could not be sent", failed.reasons);
    model.lines.push("They are kept on this computer and sent again automatically.");
    if (status.next_retry_ms && status.next_retry_ms > nowMs) {
      model.lines.push(`Next try ${formatIn(status.next_retry_ms, nowMs)}.`);
    }
  } else if (rejected.total > 0) {
    model.tone = "warn";
    model.headline = headlineFor(rejected.total, rejected.total === 1 ? "was refused by the server" : "were refused by the server", rejected.reasons);
  } else if (pending > 0) {
    model.tone = "warn";
    model.headline = waiting;
  } else if (status.last_sync_ms) {
    model.headline = `All synced · last sync ${formatAgo(status.last_sync_ms, nowMs)}`;
  } else {
    model.headline = "All synced · nothing to send yet";
  }

  if (status.last_error && !needsSignIn && status.online !== false && failed.total === 0
      && model.tone !== "busy" && pending > 0) {
    model.lines.push(`Last try: ${describeReason(status.last_error)}.`);
  }
  if (status.recovery) {
    const { at_ms: at, recovered_ops: ops } = status.recovery;
    const kept = ops > 0 ? `${plural(ops, "unsent change")} ${ops === 1 ? "was" : "were"} recovered` : "no unsent changes could be read from it";
    model.lines.unshift(`WorkTime could not read its saved data ${formatAgo(at, nowMs)}; ${kept}.`);
  }
  if (failed.total > 0) {
    model.lists.push({
      kind: "failed",
      summary: `${capitalize(plural(failed.total, "change"))} could not be sent`,
      lines: failed.lines,
      more: failed.more,
    });
  }
  if (rejected.total > 0) {
    if (model.tone !== "warn") {
      const verb = rejected.total === 1 ? "was refused by the server" : "were refused by the server";
      model.lines.push(`${headlineFor(rejected.total, verb, rejected.reasons)}.`);
    }
    model.lists.push({
      kind: "rejected",
      summary: `${capitalize(plural(rejected.total, "change"))} refused by the server`,
      lines: rejected.lines,
      more: rejected.more,
    });
  }
  return model;
}
