// 4. Client-side navigation (GitHub's Turbo: pushState + turbo:load, no page load) from PR 1
//    to PR 2 → two sessions split at the navigation, each >= 1 s, summing to the time spent.
import { assert, assertNear, describe, freshUser, prUrl, serverSessions, sleep, waitFor } from "../harness.mjs";

export const name = "spa-navigation";
export const timeoutMs = 60_000;

export async function run(ctx) {
  const user = freshUser(name);
  const browser = await ctx.launch();
  await browser.configure();
  await browser.signIn(user);

  const pr = await browser.open(prUrl(1));
  await browser.waitForTracking(1);
  const t0 = Date.now();
  await sleep(3_000);
  await pr.evaluate(() => { window.__samePage = true; });
  await pr.click("#spa-link");
  await waitFor("PR 2's URL", () => pr.url() === prUrl(2), { timeoutMs: 5_000 });
  await browser.waitForTracking(2);
  const t1 = Date.now();
  assert(await pr.evaluate(() => window.__samePage === true), "the link loaded a new page instead of navigating client-side");
  await sleep(3_000);
  await pr.close();
  await browser.waitForTracking(null);
  const t2 = Date.now();

  await browser.syncUntilDrained();
  const sessions = await serverSessions(user);
  assert(sessions.length === 2, `expected exactly 2 sessions, got ${describe(sessions)}`);
  const [first, second] = sessions;
  assert(first.pr_number === 1 && second.pr_number === 2, `wrong PRs: ${describe(sessions)}`);
  assert(first.end_time === second.start_time, `not split at the navigation: ${describe(sessions)}`);
  assert(first.duration_seconds >= 1 && second.duration_seconds >= 1, `a session under 1 s: ${describe(sessions)}`);
  assertNear(first.duration_seconds, (t1 - t0) / 1000, 3, "PR 1 session");
  assertNear(second.duration_seconds, (t2 - t1) / 1000, 3, "PR 2 session");
  assertNear(first.duration_seconds + second.duration_seconds, (t2 - t0) / 1000, 3, "total");
  ctx.log(describe(sessions));
}
