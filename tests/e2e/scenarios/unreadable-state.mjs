// 9. A saved state the SDK cannot read (here: written by a "newer" version) never stops
//    the extension. Offline, PR 1 is tracked ~2 s and closed (its ops queued); with the
//    service worker stopped, an extension page rewrites the saved state as version 99.
//    The restarted worker keeps the raw value aside, recovers the queued ops, asks for a
//    sign-in and the popup says what happened (popup-recovered.png); signed in again and
//    online, the session reaches the server exactly once with its duration.
import { assert, assertNear, describe, env, freshUser, proxyMode, prUrl, serverSessions, sleep, waitFor } from "../harness.mjs";

export const name = "unreadable-state";
export const timeoutMs = 60_000;

// The SDK saves one state per backend (settings::engine_storage_key); configure() points
// the extension at the fault proxy. (Read when the scenario runs: the runner imports every
// scenario before the environment is known, e.g. for --extension-origin.)
const stateKey = () => `worktime.engine:${env.proxyUrl}`;

export async function run(ctx) {
  const user = freshUser(name);
  const browser = await ctx.launch();
  await browser.configure();
  await browser.signIn(user);
  // An extension page that will rewrite the saved state, opened now: opening a tab wakes
  // the worker, which must not be starting (and saving) when the state is rewritten.
  const storagePage = await browser.context.newPage();
  await storagePage.goto(browser.extensionUrl("manifest.json"));

  let t0;
  let t1;
  await proxyMode("drop");
  try {
    const pr = await browser.open(prUrl(1));
    await browser.waitForTracking(1);
    t0 = Date.now();
    await sleep(2_000);
    await pr.close();
    await browser.waitForTracking(null);
    t1 = Date.now();
    const before = await browser.status();
    assert(before.pending_count >= 2, `expected the start and end queued: ${JSON.stringify(before)}`);

    await browser.stopServiceWorker();
    const raw = await storagePage.evaluate(async (key) => {
      const saved = (await chrome.storage.local.get(key))[key];
      const newer = saved.replace(/^\{"version":\d+/, '{"version":99');
      await chrome.storage.local.set({ [key]: newer });
      return newer;
    }, stateKey());
    assert(raw.startsWith('{"version":99'), `the saved state was not rewritten: ${raw.slice(0, 40)}`);

    // A message from a page wakes the worker, which starts from the unreadable state.
    const { status } = await browser.sendMessage({ type: "status" });
    assert(status.recovery?.recovered_ops === before.pending_count,
      `expected ${before.pending_count} recovered ops: ${JSON.stringify(status.recovery)}`);
    assert(status.pending_count === before.pending_count && !status.signed_in,
      `expected the ops queued and a sign-in asked for: ${JSON.stringify(status)}`);
    assert(status.recovery.version === 99, `recovery: ${JSON.stringify(status.recovery)}`);
    const kept = await browser.sw(async (key) => (await chrome.storage.local.get(key))[key], `${stateKey()}.unreadable`);
    assert(kept === raw, "the unreadable state was not kept aside");

    const popup = await browser.openPopup();
    await waitFor("the popup to say the saved data could not be read",
      async () => (await popup.textContent("body")).includes("could not read its saved data"));
    await ctx.screenshot(popup, "popup-recovered.png");
    await popup.close();
    await storagePage.close();
  } finally {
    await proxyMode("pass");
  }

  await browser.signIn(user);
  const after = await browser.syncUntilDrained();
  assert(after.recovery === null, `the note outlived the confirmed sync: ${JSON.stringify(after.recovery)}`);
  const sessions = await serverSessions(user);
  assert(sessions.length === 1 && sessions[0].pr_number === 1 && sessions[0].status === "completed",
    `expected one completed session on PR 1: ${describe(sessions)}`);
  assertNear(sessions[0].duration_seconds, (t1 - t0) / 1000, 3, "the session tracked before the state became unreadable");
  ctx.log(describe(sessions));
}
