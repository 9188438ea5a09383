// 10. The content script on github.com cannot read the extension's storage (where the
//     saved state holds the JWT): from its isolated world, `chrome.storage.local.get` is
//     refused, while the service worker reads it as usual.
import { assert, freshUser, prUrl } from "../harness.mjs";

export const name = "content-storage";
export const timeoutMs = 30_000;

export async function run(ctx) {
  const user = freshUser(name);
  const browser = await ctx.launch();
  await browser.configure();
  await browser.signIn(user);
  const stored = await browser.sw(async () => Object.keys(await chrome.storage.local.get(null)));
  assert(stored.some((key) => key.startsWith("worktime.engine:")), `the worker cannot read its own state: ${stored}`);

  // The content script's isolated world, through the DevTools protocol.
  const pr = await browser.open(prUrl(1));
  await browser.waitForTracking(1);
  const cdp = await browser.context.newCDPSession(pr);
  const worlds = [];
  cdp.on("Runtime.executionContextCreated", ({ context }) => worlds.push(context));
  await cdp.send("Runtime.enable");
  const world = worlds.find((c) => c.auxData?.type === "isolated" && c.origin?.startsWith("chrome-extension://")
    || c.auxData?.type === "isolated" && c.name === "WorkTime");
  assert(world, `no content-script world among ${JSON.stringify(worlds.map((c) => [c.name, c.auxData?.type]))}`);
  const { result } = await cdp.send("Runtime.evaluate", {
    contextId: world.id,
    awaitPromise: true,
    returnByValue: true,
    expression: `(async () => {
      if (!globalThis.chrome?.storage?.local) return "no storage API";
      try {
        const items = await chrome.storage.local.get(null);
        return "readable: " + Object.keys(items).join(",");
      } catch (error) {
        return "refused: " + error.message;
      }
    })()`,
  });
  ctx.log(result.value);
  assert(typeof result.value === "string" && !result.value.startsWith("readable"),
    `the content script read the extension's storage: ${result.value}`);
  await pr.close();
}
