// 13. The options page, and what a changed backend URL does: saved state is kept per
//     backend, so switching from backend A (the fault proxy) to B (the worker itself)
//     signs out and takes nothing along — not the token (so nothing sent to B can carry
//     it), not A's queued ops; switching back to A finds the sign-in and
//     the queued session, which then reach A's server exactly once. The form refuses
//     plain http:// for a host that is not this computer, with the core's sentence.
import { assert, describe, env, freshUser, proxyMode, prUrl, serverSessions, sleep, waitFor } from "../harness.mjs";

export const name = "backend-change";
export const timeoutMs = 90_000;

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

async function saveBackend(options, url) {
  await byTestId(options, "backend-url").fill(url);
  await byTestId(options, "save").click();
}

async function savedBackend(browser, url) {
  await waitFor(`the service worker to use ${url}`, async () => (await browser.sw(() => globalThis.worktime.settings())).backendUrl === url,
    { timeoutMs: 10_000 });
}

export async function run(ctx) {
  const user = freshUser(name);
  const browser = await ctx.launch();
  await browser.configure();
  await browser.signIn(user);
  const tokenA = await browser.sw(async () => (await globalThis.worktime.sdk()).status().user?.username);
  assert(tokenA === user.login, "not signed in on backend A");

  // A session recorded while A cannot be reached stays queued for A.
  await proxyMode("drop");
  try {
    const pr = await browser.open(prUrl(31));
    await browser.waitForTracking(31);
    await sleep(1_500);
    await pr.close();
    await browser.waitForTracking(null);
    const queued = await browser.status();
    assert(queued.pending_count >= 2, `nothing queued for A: ${JSON.stringify(queued)}`);

    // The options page: plain http:// to another computer is refused, with the core's words.
    const options = await browser.context.newPage();
    await options.goto(browser.extensionUrl("options/options.html"));
    await byTestId(options, "backend-url").waitFor({ state: "visible" });
    await saveBackend(options, "http://worktime.example.dev");
    const refusal = byTestId(options, "backend-url-error");
    await refusal.waitFor({ state: "visible", timeout: 5_000 });
    assert(/https:\/\//.test(await refusal.innerText()), `refusal: ${await refusal.innerText()}`);
    assert((await browser.sw(() => globalThis.worktime.settings())).backendUrl === env.proxyUrl, "an http:// remote was saved");

    // Switch to B: signed out there, nothing of A's queue.
    await saveBackend(options, env.baseUrl);
    await savedBackend(browser, env.baseUrl);
    const onB = await waitFor("the SDK to run against B", async () => {
      const status = await browser.status();
      return status.signed_in === false && status.pending_count === 0 && status;
    }, { timeoutMs: 10_000 });
    assert(onB.user === null, `B's engine knows A's user: ${JSON.stringify(onB.user)}`);

    // Back to A: the sign-in and the queued session are still there.
    await saveBackend(options, env.proxyUrl);
    await savedBackend(browser, env.proxyUrl);
    const backOnA = await browser.status();
    assert(backOnA.signed_in && backOnA.user?.username === user.login && backOnA.pending_count === queued.pending_count,
      `A's state after switching back: ${JSON.stringify(backOnA)}`);
    await options.close();
  } finally {
    await proxyMode("pass");
  }
  await browser.syncUntilDrained({ timeoutMs: 45_000 });
  const sessions = await serverSessions(user);
  assert(sessions.length === 1 && sessions[0].pr_number === 31, `A's server: ${describe(sessions)}`);
}
