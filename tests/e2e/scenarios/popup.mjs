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
}
