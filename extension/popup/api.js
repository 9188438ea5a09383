// @ts-check
// Talking to the service worker (see ../PROTOCOL.md). Every answer is `{ ok: true, ...data }`
// or `{ ok: false, error }`. `ask` resolves with the data or throws an `AskError` whose
// `kind` says whether the worker did not answer at all ("no-answer": not started yet,
// crashed, or too slow) or answered with an error ("refused"; `message` is a sentence).

import { toSentence } from "./format.js";

export class AskError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = "AskError";
    this.kind = kind;
  }
}

/** Per message type, how long to wait before treating the worker as not answering. */
const TIMEOUTS_MS = {
  status: 8_000,
  stats: 20_000,
  history: 20_000,
  // A sync round can wait through its retries (1 + 2 + 4 + 8 + 16 s plus 10 s timeouts).
  syncNow: 150_000,
  // Sign-in waits for the user in GitHub's window.
  signIn: 600_000,
  signOut: 20_000,
  signOutEverywhere: 20_000,
  settingsChanged: 8_000,
};

function timeout(ms) {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new AskError("no-answer", "WorkTime did not answer in time.")), ms);
  });
}

/**
 * Sends `message` to the service worker.
 * @param {{ type: string, [key: string]: unknown }} message
 * @param {{ timeoutMs?: number }} [options]
 * @returns {Promise<any>} the answer without `ok`
 */
export async function ask(message, { timeoutMs } = {}) {
  const runtime = globalThis.chrome?.runtime;
  if (!runtime?.sendMessage) {
    throw new AskError("no-answer", "WorkTime is not available on this page.");
  }
  const limit = timeoutMs ?? TIMEOUTS_MS[message?.type] ?? 15_000;
  let reply;
  try {
    reply = await Promise.race([runtime.sendMessage(message), timeout(limit)]);
  } catch (error) {
    // "Could not establish connection. Receiving end does not exist." and the like: the
    // worker is not running (yet). Never shown as such.
    if (error instanceof AskError) throw error;
    throw new AskError("no-answer", "WorkTime is starting… try again in a moment.");
  }
  if (!reply || typeof reply !== "object") {
    throw new AskError("no-answer", "WorkTime is starting… try again in a moment.");
  }
  if (reply.ok !== true) {
    throw new AskError("refused", toSentence(reply.error, "WorkTime could not do that right now. Please try again."));
  }
  const { ok: _ok, ...data } = reply;
  return data;
}
