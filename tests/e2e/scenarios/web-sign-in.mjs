// 6. Sign-in from the popup, the real way (chrome.identity.launchWebAuthFlow → worker
//    /auth/github/login → fake GitHub → https://<id>.chromiumapp.org/github, state + PKCE),
//    after time was tracked signed out: that time reaches the server exactly once.
//    Needs the worker's ALLOWED_ORIGINS to list chrome-extension://<id>
//    (`node tests/e2e/run.mjs --extension-origin`); skipped otherwise.
//    The auth window is not reachable from Playwright, so fake GitHub signs in its default
//    user, octocat, shared by every run against the same database: this scenario asserts
//    on its own session id, not on the user's session count.
import { createHash } from "node:crypto";
import { Skip, assert, assertNear, describe, env, extensionIdFor, prUrl, serverSessions, sleep, waitFor } from "../harness.mjs";

export const name = "web-sign-in";
export const timeoutMs = 60_000;

/** fake GitHub's id for a login (tests/src/bin/fake_github/state.rs id_for_login). */
function fakeGithubId(login) {
  const digest = createHash("sha256").update(login).digest();
  return Number(digest.readBigUInt64BE(0) % 1_000_000_000n) + 1000;
}

async function workerAllowsExtension() {
  const query = new URLSearchParams({
    state: "e2e-probe-state",
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    redirect_uri: `https://${extensionIdFor()}.chromiumapp.org/github`,
  });
  const response = await fetch(`${env.proxyUrl}/auth/github/login?${query}`, { redirect: "manual" });
  return response.status === 302;
}

export async function run(ctx) {
  if (!(await workerAllowsExtension())) {
    throw new Skip(`the worker's ALLOWED_ORIGINS does not list chrome-extension://${extensionIdFor()}`);
  }
  const browser = await ctx.launch();
  await browser.configure();

  // Signed out: tracked and kept locally.
  const pr = await browser.open(prUrl(1));
  const session = await browser.waitForTracking(1);
  const t0 = Date.now();
  await sleep(3_000);
  await pr.close();
  await browser.waitForTracking(null);
  const t1 = Date.now();
  const before = await browser.status();
  assert(!before.signed_in, `signed in already: ${JSON.stringify(before)}`);

  const popup = await browser.openPopup();
  const signIn = popup.locator('[data-testid="sign-in"]');
  await signIn.waitFor({ state: "visible", timeout: 10_000 });
  await signIn.click();
  const status = await waitFor("the web sign-in to finish", async () => {
    const s = await browser.status();
    return s.signed_in && s;
  }, { timeoutMs: 20_000, intervalMs: 250 });
  assert(status.user?.username === "octocat", `signed in as ${JSON.stringify(status.user)}`);
  await waitFor("the popup to show the user", async () =>
    (await popup.locator('[data-testid="username"]').innerText()).includes("octocat"), { timeoutMs: 10_000 });

  await browser.syncUntilDrained();
  const octocat = { code: `test-code:${fakeGithubId("octocat")}:octocat` };
  const sessions = (await serverSessions(octocat)).filter((s) => s.id === session.session_id);
  assert(sessions.length === 1, `session ${session.session_id} on the server ${sessions.length} times: ${describe(sessions)}`);
  assert(sessions[0].status === "completed" && sessions[0].pr_number === 1, `unexpected: ${describe(sessions)}`);
  assertNear(sessions[0].duration_seconds, (t1 - t0) / 1000, 3, "the session tracked before sign-in");
  await ctx.screenshot(popup, "popup-web-signed-in.png");
}
