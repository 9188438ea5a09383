// 2. Offline: the proxy drops every request while the user works on PR 1 (~3 s) then PR 2
//    (~3 s, full navigation) and closes the tab → the sessions wait locally (popup
//    screenshot popup-offline.png); back online, syncNow puts every session on the server
//    exactly once.
import { assert, assertNear, describe, freshUser, proxyMode, prUrl, serverSessions, sleep, waitFor } from "../harness.mjs";

export const name = "offline";
export const timeoutMs = 90_000;

export async function run(ctx) {
  const user = freshUser(name);
  const browser = await ctx.launch();
  await browser.configure();
  await browser.signIn(user);

  await proxyMode("drop");
  try {
    const pr = await browser.open(prUrl(1));
    await browser.waitForTracking(1);
    const t0 = Date.now();
    await sleep(3_000);
    await pr.click("#full-link"); // a full page load of PR 2
    await browser.waitForTracking(2);
    const t1 = Date.now();
    await sleep(3_000);
    await pr.close();
    await browser.waitForTracking(null);
    const t2 = Date.now();

    const status = await browser.status();
    assert(status.pending_count > 0, `nothing pending while offline: ${JSON.stringify(status)}`);
    const local = await browser.history();
    assert(local.source === "local", `history while offline came from ${local.source}`);
    const mine = local.sessions.filter((s) => s.repo_owner === "octo" && s.repo_name === "hello");
    assert(mine.length === 2 && mine.every((s) => s.sync_state === "pending"),
      `expected 2 pending local sessions, got ${JSON.stringify(local.sessions)}`);
    const server = await serverSessions(user);
    assert(server.length === 0, `the server got sessions through a dropping proxy: ${describe(server)}`);

    const popup = await browser.openPopup();
    await popup.locator('[data-testid="offline-note"]').waitFor({ state: "visible", timeout: 15_000 });
    await waitFor("history items in the popup", async () => (await popup.locator('[data-testid="history-item"]').count()) >= 2,
      { timeoutMs: 10_000 });
    await waitFor("the popup's sync status", async () => {
      const text = await popup.locator('[data-testid="sync-status"]').innerText();
      return !/Loading/i.test(text) && text;
    }, { timeoutMs: 10_000 });
    await ctx.screenshot(popup, "popup-offline.png");
    await popup.close();

    await proxyMode("pass");
    await browser.syncUntilDrained({ timeoutMs: 45_000 });
    const sessions = await serverSessions(user);
    const ids = sessions.map((s) => s.id);
    assert(sessions.length === 2, `expected exactly 2 sessions on the server, got ${describe(sessions)}`);
    assert(new Set(ids).size === ids.length, `duplicate ids: ${describe(sessions)}`);
    assert(mine.every((m) => ids.includes(m.session_id)), `local ids ${mine.map((m) => m.session_id)} vs ${describe(sessions)}`);
    const [first, second] = sessions;
    assert(first.pr_number === 1 && second.pr_number === 2, `wrong PRs: ${describe(sessions)}`);
    assert(sessions.every((s) => s.status === "completed"), `not all completed: ${describe(sessions)}`);
    assertNear(first.duration_seconds, (t1 - t0) / 1000, 3, "PR 1 session");
    assertNear(second.duration_seconds, (t2 - t1) / 1000, 3, "PR 2 session");
    ctx.log(describe(sessions));
  } finally {
    await proxyMode("pass").catch(() => {});
  }
}
