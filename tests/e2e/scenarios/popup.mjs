// 5. Popup screenshots: signed in with synced data (popup-online.png), and a fresh profile
//    that is not signed in (popup-signin.png).
import { assert, freshUser, prUrl, sleep, waitFor } from "../harness.mjs";

export const name = "popup";
export const timeoutMs = 75_000;

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

async function settled(popup) {
  await waitFor("the popup's sync status", async () => {
    const text = (await byTestId(popup, "sync-status").innerText()).trim();
    return text && !/^Loading/i.test(text) && text;
  }, { timeoutMs: 10_000 });
}

export async function run(ctx) {
  // Not signed in.
  const fresh = await ctx.launch(`${name}-signin`);
  await fresh.configure();
  const signin = await fresh.openPopup();
  await byTestId(signin, "sign-in").waitFor({ state: "visible", timeout: 10_000 });
  await settled(signin);
  await ctx.screenshot(signin, "popup-signin.png");
  await fresh.close();

  // Signed in, with a little synced history: PR 1 ~4 s, PR 2 ~3 s.
  const user = freshUser(name);
  const browser = await ctx.launch(`${name}-online`);
  await browser.configure();
  await browser.signIn(user);
  const pr = await browser.open(prUrl(1));
  await browser.waitForTracking(1);
  await sleep(4_000);
  await pr.click("#spa-link");
  await browser.waitForTracking(2);
  await sleep(3_000);
  await pr.close();
  await browser.waitForTracking(null);
  await browser.syncUntilDrained();

  const popup = await browser.openPopup();
  await settled(popup);
  await waitFor("two history items", async () => (await byTestId(popup, "history-item").count()) === 2, { timeoutMs: 10_000 });
  await waitFor("today's total", async () => {
    const text = (await byTestId(popup, "today-total").innerText()).trim();
    return text && text !== "–" && text;
  }, { timeoutMs: 10_000 });
  await waitFor("the chart", async () => (await byTestId(popup, "chart").locator("rect, path").count()) > 0, { timeoutMs: 10_000 });
  assert(await byTestId(popup, "offline-note").isHidden(), "the popup says offline while the backend is reachable");
  assert(await byTestId(popup, "sign-in").isHidden(), "the popup asks to sign in although signed in");
  await ctx.screenshot(popup, "popup-online.png");

  // The range: 7 and 90 days redraw the chart with as many days and the SDK's totals for
  // them; the choice is kept for the next opening.
  const days = () => popup.locator("#chart .chart-day").count();
  assert((await days()) === 30, `the chart shows ${await days()} days, not 30`);
  for (const range of [7, 90]) {
    await byTestId(popup, `range-${range}`).click();
    await waitFor(`a ${range}-day chart`, async () => (await days()) === range, { timeoutMs: 10_000 });
    const stats = await browser.sw(async (d) => (await globalThis.worktime.sdk()).stats(d), range);
    assert(stats.days.length === range && stats.session_count === 2, `stats(${range}): ${JSON.stringify(stats).slice(0, 200)}`);
    await waitFor(`the ${range}-day total`, async () =>
      (await byTestId(popup, "range-total").innerText()).includes("2 sessions"), { timeoutMs: 10_000 });
    assert((await popup.locator("#chart-heading").innerText()) === `Last ${range} days`, "the heading did not follow the range");
    assert((await byTestId(popup, `range-${range}`).getAttribute("aria-pressed")) === "true", "the chosen range is not marked");
  }
  await popup.close();
  const again = await browser.openPopup();
  await waitFor("the remembered 90-day range", async () => (await again.locator("#chart .chart-day").count()) === 90,
    { timeoutMs: 10_000 });
  await again.close();
}
