// 3. The service worker is stopped mid-session (DevTools protocol, as Chromium does when
//    it reclaims an idle worker): nothing is lost and nothing duplicated. On PR 1 ~3 s,
//    stop; a client-side navigation inside the PR (to its files) wakes the worker through
//    the content script; ~2 s later stop it again; switching to another tab wakes it
//    (tabs.onActivated) and ends the session → one session covering the whole time.
import { assert, assertNear, describe, freshUser, prUrl, serverSessions, sleep, waitFor } from "../harness.mjs";

export const name = "worker-restart";
export const timeoutMs = 60_000;

const MARK = () => { globalThis.__e2eMark = true; };
const MARKED = () => globalThis.__e2eMark === true;

export async function run(ctx) {
  const user = freshUser(name);
  const browser = await ctx.launch();
  await browser.configure();
  await browser.signIn(user);

  const pr = await browser.open(prUrl(1));
  const started = await browser.waitForTracking(1);
  const t0 = Date.now();
  await sleep(3_000);

  await browser.sw(MARK);
  await browser.stopServiceWorker();
  await sleep(500);
  await pr.click("#files-link"); // Turbo navigation → content script → wakes the worker
  await waitFor("the files tab", () => pr.url().endsWith("/pull/1/files"), { timeoutMs: 5_000 });
  await browser.waitForServiceWorker("running");
  assert(!(await browser.sw(MARKED)), "the service worker did not restart (its globals survived)");
  const resumed = await browser.waitForTracking(1);
  assert(resumed.session_id === started.session_id,
    `the restarted worker began a new session ${resumed.session_id} instead of keeping ${started.session_id}`);
  await sleep(2_000);

  await browser.sw(MARK);
  await browser.stopServiceWorker();
  await sleep(500);
  await browser.blank.bringToFront(); // tabs.onActivated wakes the worker, which ends the session
  const t1 = Date.now();
  await browser.waitForServiceWorker("running");
  assert(!(await browser.sw(MARKED)), "the service worker did not restart the second time");
  await browser.waitForTracking(null);
  await pr.close();

  await browser.syncUntilDrained();
  const sessions = await serverSessions(user);
  const ids = sessions.map((s) => s.id);
  assert(new Set(ids).size === ids.length, `duplicate ids: ${describe(sessions)}`);
  assert(sessions.every((s) => s.pr_number === 1 && s.status === "completed"), `unexpected sessions: ${describe(sessions)}`);
  // One session, or a contiguous pair (a restart may end and restart at the same instant).
  assert(sessions.length === 1 || (sessions.length === 2 && sessions[0].end_time === sessions[1].start_time),
    `expected one session (or a contiguous pair), got ${describe(sessions)}`);
  const total = sessions.reduce((sum, s) => sum + s.duration_seconds, 0);
  assertNear(total, (t1 - t0) / 1000, 3, "time on PR 1 across two worker restarts");
  assert(total >= 4, `only ${total} s kept of ${(t1 - t0) / 1000} s`);
  ctx.log(describe(sessions));
}
