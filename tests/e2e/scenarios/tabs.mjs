// 1. Switching tabs: on a PR ~4 s, another tab ~2 s, back ~3 s, close the PR's tab →
//    exactly two sessions on the server for that PR, of ~4 s and ~3 s.
import { assert, assertNear, describe, freshUser, prUrl, serverSessions, sleep } from "../harness.mjs";

export const name = "tabs";
export const timeoutMs = 60_000;

export async function run(ctx) {
  const user = freshUser(name);
  const browser = await ctx.launch();
  await browser.configure();
  await browser.signIn(user);

  const pr = await browser.open(prUrl(1));
  await browser.waitForTracking(1);
  const t0 = Date.now();
  await sleep(4_000);
  await browser.blank.bringToFront();
  await browser.waitForTracking(null);
  const t1 = Date.now();
  await sleep(2_000);
  await pr.bringToFront();
  await browser.waitForTracking(1);
  const t2 = Date.now();
  await sleep(3_000);
  await pr.close();
  await browser.waitForTracking(null);
  const t3 = Date.now();

  await browser.syncUntilDrained();
  const all = await serverSessions(user);
  const sessions = all.filter((s) => s.repo_owner === "octo" && s.repo_name === "hello" && s.pr_number === 1);
  assert(sessions.length === 2 && all.length === 2, `expected exactly 2 sessions on octo/hello#1, server has ${describe(all)}`);
  assert(new Set(sessions.map((s) => s.id)).size === 2, `duplicate ids: ${describe(sessions)}`);
  assert(sessions.every((s) => s.status === "completed"), `not all completed: ${describe(sessions)}`);
  assertNear(sessions[0].duration_seconds, (t1 - t0) / 1000, 3, "first session");
  assertNear(sessions[1].duration_seconds, (t3 - t2) / 1000, 3, "second session");
  ctx.log(describe(sessions));
}
