// 12. Control and state at a glance: the toolbar badge follows the SDK's status (sign-in
//     needed, tracking minutes, paused, offline with the pending count); *Pause 1 h* in the
//     popup ends the running session and holds across a service-worker restart, while
//     opening another PR starts nothing; *Resume* tracks again; the pause shortcut's
//     handler toggles; deleting a session from the popup's history (confirmed) removes it
//     and its time from the server, online at once and offline once back; a content
//     script may only report pages.
import { assert, assertNear, describe, freshUser, proxyMode, prUrl, serverDailyStats, serverSessions, sleep, waitFor }
  from "../harness.mjs";

export const name = "control";
export const timeoutMs = 120_000;

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** The badge as Chrome paints it. */
function badge(browser) {
  return browser.sw(async () => ({
    text: await chrome.action.getBadgeText({}),
    color: await chrome.action.getBadgeBackgroundColor({}),
    title: await chrome.action.getTitle({}),
  }));
}

async function waitForBadge(browser, what, test, timeoutMs = 10_000) {
  let seen;
  await waitFor(`the badge to show ${what}`, async () => test(seen = await badge(browser)), { timeoutMs, intervalMs: 100 })
    .catch((error) => { throw new Error(`${error.message}; last badge ${JSON.stringify(seen)}`); });
  return seen;
}

const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const sameColor = (color, hex) => rgb(hex).every((v, i) => color[i] === v);

async function deleteFromPopup(browser, prNumber) {
  const popup = await browser.openPopup();
  const rows = () => byTestId(popup, "history-item").filter({ hasText: `#${prNumber}` });
  await rows().first().waitFor({ state: "visible", timeout: 15_000 });
  const before = await rows().count();
  popup.once("dialog", (dialog) => dialog.accept());
  await rows().first().locator('[data-testid="delete-session"]').click();
  await waitFor(`a session of PR #${prNumber} to leave the popup's history`, async () =>
    (await rows().count()) === before - 1, { timeoutMs: 15_000 });
  return popup;
}

export async function run(ctx) {
  const user = freshUser(name);
  const browser = await ctx.launch();
  await browser.configure();
  await browser.evaluate();
  const signedOut = await waitForBadge(browser, "sign-in needed", (b) => b.text === "!");
  assert(sameColor(signedOut.color, "#cf222e") && /sign in/.test(signedOut.title), `signed out: ${JSON.stringify(signedOut)}`);
  await browser.signIn(user);

  // Tracking: the minutes on the current PR, in green.
  const pr = await browser.open(prUrl(21));
  await browser.waitForTracking(21);
  const tracking = await waitForBadge(browser, "tracking", (b) => b.text === "0m");
  assert(sameColor(tracking.color, "#1a7f37") && tracking.title.includes("octo/hello#21"), `tracking: ${JSON.stringify(tracking)}`);
  await sleep(2_000);

  // Pause for an hour from the popup: the session ends, nothing new starts.
  const popup = await browser.openPopup();
  await byTestId(popup, "pause-hour").click();
  await byTestId(popup, "resume").waitFor({ state: "visible", timeout: 10_000 });
  const note = await byTestId(popup, "pause-note").innerText();
  assert(/^Paused until /.test(note), `pause note: ${note}`);
  const paused = await browser.status();
  assert(paused.pause && paused.pause.until_ms != null, `no pause in the status: ${JSON.stringify(paused.pause)}`);
  assertNear(paused.pause.until_ms - paused.pause.since_ms, 3_600_000, 1_000, "the pause's length");
  await popup.close();
  await browser.waitForTracking(null);
  await waitForBadge(browser, "paused", (b) => b.text === "II" && sameColor(b.color, "#59636e"));
  const pr2 = await browser.open(prUrl(22));
  await browser.evaluate();
  await sleep(1_000);
  assert(await browser.activeSession() === null, "a session started while paused");

  // The pause is kept across a service-worker restart.
  await browser.stopServiceWorker();
  await pr.bringToFront(); // a tab switch wakes the worker
  await browser.waitForServiceWorker("running");
  await pr2.bringToFront();
  await sleep(1_000);
  const restarted = await browser.status();
  assert(restarted.pause?.until_ms === paused.pause.until_ms, `pause after restart: ${JSON.stringify(restarted.pause)}`);
  assert(await browser.activeSession() === null, "a session started while paused, after a restart");

  // Resume from the popup; tracking follows the browser again.
  const popup2 = await browser.openPopup();
  await byTestId(popup2, "resume").click();
  await byTestId(popup2, "pause").waitFor({ state: "visible", timeout: 10_000 });
  await popup2.close();
  await pr2.bringToFront();
  await browser.waitForTracking(22);

  // The shortcut's handler: pause until resumed, then resume.
  await browser.sw(() => globalThis.worktime.togglePause());
  const untilResumed = await browser.status();
  assert(untilResumed.pause && untilResumed.pause.until_ms === null, `toggle: ${JSON.stringify(untilResumed.pause)}`);
  await browser.waitForTracking(null);
  await browser.sw(() => globalThis.worktime.togglePause());
  assert((await browser.status()).pause === null, "the second toggle did not resume");
  await browser.waitForTracking(22);
  await sleep(1_500);
  await pr.close();
  await pr2.close();
  await browser.waitForTracking(null);
  await browser.syncUntilDrained();
  const before = await serverSessions(user);
  assert(before.filter((s) => s.pr_number === 22).length === 2 && before.filter((s) => s.pr_number === 21).length === 1,
    `sessions before deleting: ${describe(before)}`);

  // Delete online: the session and its time leave the server at once.
  const popup3 = await deleteFromPopup(browser, 21);
  await popup3.close();
  await browser.syncUntilDrained();
  const afterOnline = await serverSessions(user);
  assert(afterOnline.length === 2 && afterOnline.every((s) => s.pr_number === 22), `after deleting #21: ${describe(afterOnline)}`);
  const stats = await serverDailyStats(user, { days: 2 });
  const seconds = afterOnline.reduce((sum, s) => sum + s.duration_seconds, 0);
  assert(stats.total_duration_seconds === seconds, `stats ${stats.total_duration_seconds} s, sessions ${seconds} s`);

  // Delete offline: queued (the badge counts it), sent once back online.
  await proxyMode("drop");
  try {
    await browser.sw(async () => (await globalThis.worktime.sdk()).syncNow()); // learns it is offline
    const popup4 = await deleteFromPopup(browser, 22);
    await popup4.close();
    await waitForBadge(browser, "offline with one change waiting", (b) => /^[12]$/.test(b.text) && sameColor(b.color, "#9a6700"), 20_000);
    assert((await serverSessions(user)).length === 2, "a delete reached the server through a dropping proxy");
  } finally {
    await proxyMode("pass");
  }
  await browser.syncUntilDrained({ timeoutMs: 45_000 });
  const afterOffline = await serverSessions(user);
  assert(afterOffline.length === 1 && afterOffline[0].pr_number === 22, `after the offline delete: ${describe(afterOffline)}`);

  // A content script may report pages, nothing else.
  const page = await browser.open(prUrl(23));
  const cdp = await browser.context.newCDPSession(page);
  const worlds = [];
  cdp.on("Runtime.executionContextCreated", ({ context }) => worlds.push(context));
  await cdp.send("Runtime.enable");
  const world = worlds.find((c) => c.auxData?.type === "isolated");
  assert(world, "no content-script world");
  const { result } = await cdp.send("Runtime.evaluate", {
    contextId: world.id,
    awaitPromise: true,
    returnByValue: true,
    expression: `chrome.runtime.sendMessage({ type: "export", format: "json" })`,
  });
  assert(result.value?.ok === false && !("text" in result.value), `a content script got an export: ${JSON.stringify(result.value)}`);
  await page.close();
}
