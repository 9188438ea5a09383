// 14. The README's screenshots, taken from the real extension: a month of realistic history
//     (the demo history `scripts/run.sh --demo` seeds, synced through POST /api/sync) with a
//     session running on this browser — in light and dark mode — and the same popup
//     offline. Each is written to the test output; with WORKTIME_UPDATE_SCREENSHOTS=1 also
//     to docs/screenshots/ (committed, shown by the README). The popup is checked to show
//     what the picture claims: the running session, the repositories and the history.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";

import { DEMO_DAYS, demoOps, demoSessions } from "../../../scripts/demo.mjs";
import { ROOT, assert, env, freshUser, proxyMode, prUrl, serverDailyStats, serverToken, sleep, waitFor } from "../harness.mjs";

export const name = "screenshots";
export const timeoutMs = 90_000;

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

async function seedMonth(user) {
  const jwt = await serverToken(user);
  const ops = demoOps(demoSessions(Date.now(), DEMO_DAYS));
  for (let i = 0; i < ops.length; i += 100) {
    const response = await fetch(`${env.baseUrl}/api/sync`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${jwt}` },
      body: JSON.stringify({ ops: ops.slice(i, i + 100) }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = await response.json();
    assert(response.ok && body.results.every((r) => r.status === "applied"), `seeding: ${JSON.stringify(body).slice(0, 300)}`);
  }
  return ops.length;
}

/**
 * The popup (a tab here, where Chrome's real popup is not a page) with the PR tab put back
 * in front, so that tracking goes on as under Chrome's popup; it shows the running session
 * from its next status poll.
 */
async function settledPopup(browser, pr, { dark = false } = {}) {
  const popup = await browser.openPopup();
  await popup.emulateMedia({ colorScheme: dark ? "dark" : "light" });
  await pr.bringToFront();
  await waitFor("the popup to show the month and the running session", async () => {
    const repos = await byTestId(popup, "repo-item").count();
    const rows = await byTestId(popup, "history-item").count();
    const status = await byTestId(popup, "sync-status").innerText();
    const current = await byTestId(popup, "current-session").innerText();
    return repos >= 3 && rows >= 10 && !/Loading/i.test(status) && current.includes("#1874");
  }, { timeoutMs: 30_000, intervalMs: 250 });
  return popup;
}

/** The whole page into the test output; the popup's first screen (380×600) into the docs. */
async function shoot(ctx, page, file) {
  await ctx.screenshot(page, file);
  if (process.env.WORKTIME_UPDATE_SCREENSHOTS === "1") {
    const dir = join(ROOT, "docs", "screenshots");
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: join(dir, file) });
  }
}

export async function run(ctx) {
  const user = freshUser(name);
  const seeded = await seedMonth(user);
  ctx.log(`seeded ${seeded} ops`);
  const month = await serverDailyStats(user, { days: 30 });
  assert(month.days.filter((d) => d.total_duration_seconds > 0).length >= 15, "the demo month has too few working days");

  const browser = await ctx.launch();
  await browser.configure();
  await browser.signIn(user);
  const pr = await browser.open(prUrl(1874, "acme", "storefront"));
  await browser.waitForTracking(1874);
  await sleep(2_000);

  const light = await settledPopup(browser, pr);
  const current = await byTestId(light, "current-session").innerText();
  assert(current.includes("acme/storefront"), `the running session is not shown: ${current}`);
  await shoot(ctx, light, "popup-month.png");
  await light.close();
  const dark = await settledPopup(browser, pr, { dark: true });
  await shoot(ctx, dark, "popup-month-dark.png");
  await dark.close();

  await proxyMode("drop");
  try {
    await pr.bringToFront();
    await browser.sw(async () => (await globalThis.worktime.sdk()).syncNow());
    const offline = await browser.openPopup();
    await pr.bringToFront();
    await byTestId(offline, "offline-note").waitFor({ state: "visible", timeout: 15_000 });
    await waitFor("the offline popup's history and running session", async () =>
      (await byTestId(offline, "history-item").count()) >= 1
        && (await byTestId(offline, "current-session").innerText()).includes("#1874"), { timeoutMs: 20_000, intervalMs: 250 });
    await shoot(ctx, offline, "popup-offline-month.png");
    await offline.close();
  } finally {
    await proxyMode("pass");
  }
  await pr.close();
}
