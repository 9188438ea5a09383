// 11. Your data, from the options page: *Download (JSON)* and *(CSV)* give every session
//     the server holds (as the SDK joins the export's pages); *Delete my account…*, once
//     confirmed, deletes the account on the server and here — the user's old data is gone
//     (a new sign-in starts an empty account) and nothing is left queued locally.
import { readFile } from "node:fs/promises";

import { assert, describe, freshUser, prUrl, serverSessions, sleep, waitFor } from "../harness.mjs";

export const name = "your-data";
export const timeoutMs = 60_000;

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

async function downloaded(page, testId) {
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: 15_000 }), byTestId(page, testId).click()]);
  return readFile(await download.path(), "utf8");
}

export async function run(ctx) {
  const user = freshUser(name);
  const browser = await ctx.launch();
  await browser.configure();
  await browser.signIn(user);
  const pr = await browser.open(prUrl(5));
  await browser.waitForTracking(5);
  await sleep(2_000);
  await pr.close();
  await browser.waitForTracking(null);
  await browser.syncUntilDrained();
  const before = await serverSessions(user);
  assert(before.length === 1, `expected one session on the server: ${describe(before)}`);

  const options = await browser.context.newPage();
  await options.goto(browser.extensionUrl("options/options.html"));
  const json = JSON.parse(await downloaded(options, "export-json"));
  assert(json.user?.username === user.login, `the export's account is not the user's: ${JSON.stringify(json.user)}`);
  assert(json.sessions.length === 1 && json.sessions[0].id === before[0].id && json.next_cursor === null,
    `the JSON export is not the server's sessions: ${JSON.stringify(json.sessions)}`);
  const csv = (await downloaded(options, "export-csv")).split("\r\n");
  assert(csv[0].startsWith("id,device_id,repo_owner") && csv[1].startsWith(`${before[0].id},`) && csv.length === 3,
    `the CSV export: ${JSON.stringify(csv)}`);

  options.once("dialog", (dialog) => dialog.accept());
  await byTestId(options, "delete-account").click();
  await waitFor("the deletion to be confirmed", async () =>
    (await byTestId(options, "data-note").innerText()).includes("deleted"), { timeoutMs: 15_000 });
  const status = await browser.status();
  assert(!status.signed_in && status.pending_count === 0 && status.user === null,
    `the extension still holds the account: ${JSON.stringify(status)}`);
  const history = await browser.history();
  assert(history.sessions.length === 0, `local history kept after deletion: ${JSON.stringify(history.sessions)}`);
  // The same GitHub account signs in to a new, empty account.
  const after = await serverSessions(user);
  assert(after.length === 0, `the deleted account's sessions are still served: ${describe(after)}`);
  await options.close();
}
