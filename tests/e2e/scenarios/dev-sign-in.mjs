// The development sign-in through a worker configured as scripts/run.sh runs it
// (ENVIRONMENT=development, no GitHub OAuth app; WORKTIME_TEST_DEV_URL, which test.sh
// starts): the popup's sign-in button opens the worker's development page in the
// launchWebAuthFlow window, and its button signs the extension in as "dev" through the
// same state, PKCE and chromiumapp.org redirect as GitHub's flow. A PR tracked afterwards
// reaches that server exactly once, with its length (±3 s). The page is saved as
// test-output/dev-sign-in.png. Every run signs in the same development user, so this
// scenario asserts on its own session id. Skipped without WORKTIME_TEST_DEV_URL.
import { devSignIn } from "../../../scripts/demo.mjs";
import { Skip, assert, assertNear, describe, prUrl, sleep, waitFor } from "../harness.mjs";

export const name = "dev-sign-in";
export const timeoutMs = 60_000;

/** The development user's newest sessions on the server at `devUrl`. */
async function devSessions(devUrl) {
  const { jwt } = await devSignIn(devUrl);
  const response = await fetch(`${devUrl}/api/sessions?limit=100`, {
    headers: { authorization: `Bearer ${jwt}` },
    signal: AbortSignal.timeout(15_000),
  });
  const body = await response.json().catch(() => null);
  assert(response.ok && Array.isArray(body?.sessions), `GET /api/sessions: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.sessions;
}

export async function run(ctx) {
  const devUrl = process.env.WORKTIME_TEST_DEV_URL?.replace(/\/+$/, "");
  if (!devUrl) throw new Skip("WORKTIME_TEST_DEV_URL (a worker offering the development sign-in) is not set");
  const browser = await ctx.launch();
  await browser.configure({ backendUrl: devUrl });

  const popup = await browser.openPopup();
  const signIn = popup.locator('[data-testid="sign-in"]');
  await signIn.waitFor({ state: "visible", timeout: 10_000 });
  await signIn.click();
  // launchWebAuthFlow's window: /auth/github/login redirected it to the development page.
  const page = await waitFor("the development sign-in page", () =>
    browser.context.pages().find((p) => p.url().startsWith(`${devUrl}/auth/dev/authorize?`)), { timeoutMs: 15_000 });
  const button = page.locator('[data-testid="dev-sign-in"]');
  await button.waitFor({ state: "visible", timeout: 10_000 });
  assert((await button.innerText()).includes("Sign in as the development user"), "the page's button");
  const url = new URL(page.url());
  assert(url.searchParams.get("code_challenge")?.length === 43 && url.searchParams.get("state"),
    `the page carries the state and the PKCE challenge: ${page.url()}`);
  assert(/^https:\/\/[a-p]{32}\.chromiumapp\.org\/github$/.test(url.searchParams.get("redirect_uri") ?? ""),
    `back to the extension's chromiumapp.org redirect: ${page.url()}`);
  await ctx.screenshot(page, "dev-sign-in.png");
  await button.click();

  const status = await waitFor("the development sign-in to finish", async () => {
    const s = await browser.status();
    return s.signed_in && s;
  }, { timeoutMs: 20_000, intervalMs: 250 });
  assert(status.user?.username === "dev", `signed in as ${JSON.stringify(status.user)}`);
  await waitFor("the popup to show the user", async () =>
    (await popup.locator('[data-testid="username"]').innerText()).includes("dev"), { timeoutMs: 10_000 });

  // A tracked session reaches this server.
  const pr = await browser.open(prUrl(7));
  const session = await browser.waitForTracking(7);
  const t0 = Date.now();
  await sleep(3_000);
  await pr.close();
  await browser.waitForTracking(null);
  const seconds = (Date.now() - t0) / 1000;
  await browser.syncUntilDrained();
  const deviceId = await browser.deviceId();
  const mine = (await devSessions(devUrl)).filter((s) => s.id === session.session_id);
  ctx.log(`server: ${describe(mine)}`);
  assert(mine.length === 1, `session ${session.session_id} on the server ${mine.length} times: ${describe(mine)}`);
  assert(mine[0].status === "completed" && mine[0].pr_number === 7 && mine[0].device_id === deviceId,
    `unexpected: ${describe(mine)} (this device ${deviceId})`);
  assertNear(mine[0].duration_seconds, seconds, 3, "the tracked session");
}
