// 7. Two devices, one user: two browser profiles (A and B) signed in as the same GitHub
//    user. In turn, A on PR 1 ~3 s, then B on PR 2 ~3 s; then at once, A on PR 3 and B on
//    PR 4 for ~4 s, overlapping (each start reaches the server while the other device's
//    session runs). On the server: exactly 4 completed sessions of the tracked lengths, A's
//    under one device id and B's under another, neither cut by the other's start; the
//    day's total is the union of the 4 intervals, not their sum. A's popup tags B's
//    sessions "other device" and none of its own.
import {
  assert, assertNear, describe, freshUser, localOffsetMinutes, prUrl, serverDailyStats, serverSessions, sleep, waitFor,
} from "../harness.mjs";

export const name = "two-devices";
export const timeoutMs = 120_000;

const LEGACY_DEVICE = "00000000-0000-0000-0000-000000000000";
const DAY_MS = 86_400_000;

/** Tracks PR `number` on `browser` for about `ms`, then closes its tab: the tracked seconds. */
async function track(browser, number, ms) {
  const page = await browser.open(prUrl(number));
  await browser.waitForTracking(number);
  const t0 = Date.now();
  await sleep(ms);
  await page.close();
  await browser.waitForTracking(null);
  return (Date.now() - t0) / 1000;
}

/** Milliseconds covered by the union of `[start, end)` intervals, clipped to `[from, to)`. */
function unionMs(intervals, from, to) {
  const clipped = intervals
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let [curA, curB] = [null, null];
  for (const [a, b] of clipped) {
    if (curB === null || a > curB) {
      if (curB !== null) total += curB - curA;
      [curA, curB] = [a, b];
    } else {
      curB = Math.max(curB, b);
    }
  }
  if (curB !== null) total += curB - curA;
  return total;
}

async function historyRows(popup) {
  return popup.locator('[data-testid="history-item"]').evaluateAll((items) => items.map((li) => ({
    pr: Number(li.querySelector(".session-num")?.textContent.replace(/[^0-9]/g, "")),
    other: li.querySelector('[data-testid="other-device"]') !== null,
  })));
}

export async function run(ctx) {
  const user = freshUser(name);
  const a = await ctx.launch(`${name}-a`);
  const b = await ctx.launch(`${name}-b`);
  await Promise.all([a.configure(), b.configure()]);
  await a.signIn(user);
  await b.signIn(user);
  const [deviceA, deviceB] = [await a.deviceId(), await b.deviceId()];
  assert(deviceA && deviceB && deviceA !== deviceB && ![deviceA, deviceB].includes(LEGACY_DEVICE),
    `device ids: A ${deviceA}, B ${deviceB}`);

  // In turn.
  const tracked = {};
  tracked[1] = await track(a, 1, 3_000);
  tracked[2] = await track(b, 2, 3_000);

  // At once, overlapping. Both starts reach the server while the other device's session
  // runs (the SDKs push on their own; the syncs below make sure): had a start ended another
  // device's session, the later of the two would end the earlier one here.
  const [pageA, pageB] = await Promise.all([a.open(prUrl(3)), b.open(prUrl(4))]);
  const [t3, t4] = await Promise.all([
    a.waitForTracking(3).then(() => Date.now()),
    b.waitForTracking(4).then(() => Date.now()),
  ]);
  await b.syncUntilDrained();
  await a.syncUntilDrained();
  const elapsed = Date.now() - Math.max(t3, t4);
  await sleep(Math.max(0, 4_000 - elapsed));
  assert((await b.activeSession())?.pr_number === 4, "B stopped tracking PR 4 after A's start");
  assert((await a.activeSession())?.pr_number === 3, "A stopped tracking PR 3 after syncing");
  await Promise.all([pageA.close(), pageB.close()]);
  const [e3, e4] = await Promise.all([
    a.waitForTracking(null).then(() => Date.now()),
    b.waitForTracking(null).then(() => Date.now()),
  ]);
  tracked[3] = (e3 - t3) / 1000;
  tracked[4] = (e4 - t4) / 1000;

  const [statusA, statusB] = await Promise.all([a.syncUntilDrained(), b.syncUntilDrained()]);

  // The server.
  const sessions = await serverSessions(user);
  ctx.log(describe(sessions));
  for (const [who, status] of [["A", statusA], ["B", statusB]]) {
    const refused = status.rejected_items.map((r) => `${r.op_type} ${r.session_id.slice(0, 8)}: ${r.code} (${r.message})`);
    assert(!refused.length, `the server refused ops of ${who}: ${refused.join("; ")}; server has ${describe(sessions)}`);
  }
  assert(sessions.length === 4, `expected exactly 4 sessions, got ${describe(sessions)}`);
  assert(new Set(sessions.map((s) => s.id)).size === 4, `duplicate ids: ${describe(sessions)}`);
  const byPr = Object.fromEntries(sessions.map((s) => [s.pr_number, s]));
  assert([1, 2, 3, 4].every((n) => byPr[n]?.repo_owner === "octo" && byPr[n]?.repo_name === "hello"),
    `expected one session on each of octo/hello#1-4: ${describe(sessions)}`);
  assert(sessions.every((s) => s.status === "completed"), `not all completed: ${describe(sessions)}`);
  for (const n of [1, 2, 3, 4]) assertNear(byPr[n].duration_seconds, tracked[n], 3, `PR ${n} session`);
  for (const n of [1, 3]) assert(byPr[n].device_id === deviceA, `PR ${n} (A) has device ${byPr[n].device_id}, A is ${deviceA}`);
  for (const n of [2, 4]) assert(byPr[n].device_id === deviceB, `PR ${n} (B) has device ${byPr[n].device_id}, B is ${deviceB}`);

  const ms = (t) => Date.parse(t);
  const span = (s) => [ms(s.start_time), ms(s.end_time)];
  // Neither concurrent session was ended at the other's start, and they did overlap.
  assert(ms(byPr[4].end_time) > ms(byPr[3].start_time) + 1_000 && byPr[4].end_time !== byPr[3].start_time,
    `B's PR 4 was cut at A's PR 3 start: ${describe(sessions)}`);
  assert(ms(byPr[3].end_time) > ms(byPr[4].start_time) + 1_000 && byPr[3].end_time !== byPr[4].start_time,
    `A's PR 3 was cut at B's PR 4 start: ${describe(sessions)}`);
  const [s3, e3s] = span(byPr[3]);
  const [s4, e4s] = span(byPr[4]);
  const overlapMs = Math.min(e3s, e4s) - Math.max(s3, s4);
  assert(overlapMs >= 2_000, `PR 3 and PR 4 overlap ${overlapMs} ms on the server: ${describe(sessions)}`);

  // The day's total: the union of the intervals (inside the local day), not the sum.
  const tz = localOffsetMinutes();
  const daily = await serverDailyStats(user, { days: 1, tzOffsetMinutes: tz });
  assert(daily.days.length === 1, `days=1 answered ${daily.days.length} days`);
  const [y, m, d] = daily.days[0].date.split("-").map(Number);
  const dayStart = Date.UTC(y, m - 1, d) - tz * 60_000;
  const expected = unionMs(sessions.map(span), dayStart, dayStart + DAY_MS) / 1000;
  const sum = sessions.reduce((total, s) => total + s.duration_seconds, 0);
  ctx.log(`day ${daily.days[0].date}: server ${daily.days[0].total_duration_seconds} s, union ${expected} s, sum ${sum} s`);
  assert(daily.days[0].total_duration_seconds === expected,
    `day total ${daily.days[0].total_duration_seconds} s, the union of the sessions is ${expected} s (sum ${sum} s): ${describe(sessions)}`);
  assert(daily.total_duration_seconds === expected, `range total ${daily.total_duration_seconds} s, expected ${expected} s`);
  assert(expected < sum, `the union (${expected} s) is not shorter than the sum (${sum} s): no overlap to count once`);

  // A's popup: B's sessions tagged "other device", A's not.
  const popup = await a.openPopup();
  const rows = await waitFor("4 history rows in A's popup", async () => {
    const found = await historyRows(popup);
    return found.length === 4 && found;
  }, { timeoutMs: 15_000, intervalMs: 200 });
  rows.sort((x, y) => x.pr - y.pr);
  const seen = JSON.stringify(rows);
  assert(rows.map((r) => r.pr).join() === "1,2,3,4", `A's popup lists ${seen}`);
  assert(!rows[0].other && !rows[2].other, `A's own sessions tagged as another device's: ${seen}`);
  assert(rows[1].other && rows[3].other, `B's sessions not tagged "other device" in A's popup: ${seen}`);
}
