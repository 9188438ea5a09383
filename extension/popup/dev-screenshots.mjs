// DEV ONLY — screenshots of the popup and options dev previews in headless Chromium.
//   . scripts/env.sh
//   (cd extension && python3 -m http.server 8800 --bind 127.0.0.1 &)
//   node extension/popup/dev-screenshots.mjs [outDir=/tmp]
// Writes <outDir>/ui-<state>[-dark].png (popup at 360×600 like Chrome's popup, plus
// -full.png for the whole page) and checks for horizontal overflow and console errors.

import { chromium } from "playwright-core";

const BASE = process.env.PREVIEW_BASE ?? "http://127.0.0.1:8800";
const OUT = process.argv[2] ?? "/tmp";
const problems = [];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});

async function open(path, { dark = false, width = 360, height = 600 } = {}) {
  const context = await browser.newContext({
    viewport: { width, height }, deviceScaleFactor: 2, colorScheme: dark ? "dark" : "light",
  });
  // No network beyond the preview server (the avatar then shows its fallback initial).
  await context.route(/^https?:\/\/(?!127\.0\.0\.1:8800)/, (route) => route.abort());
  const page = await context.newPage();
  page.on("console", (m) => {
    // The avatar is blocked on purpose (no network): its failed load is expected.
    if (m.type() === "error" && !/avatars\.githubusercontent\.com/.test(m.location()?.url ?? "")) {
      problems.push(`${path}: console: ${m.text()} ${m.location()?.url ?? ""}`);
    }
  });
  page.on("pageerror", (e) => problems.push(`${path}: page error: ${e.message}`));
  await page.goto(`${BASE}${path}`);
  return { context, page };
}

async function checkOverflow(page, name) {
  const wide = await page.evaluate(() => {
    const limit = document.documentElement.clientWidth;
    const out = [];
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > limit + 0.5 && !el.closest("[hidden]")) out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className?.baseVal ?? el.className} right=${Math.round(r.right)}`);
    }
    return { scroll: document.documentElement.scrollWidth, limit, out: out.slice(0, 5) };
  });
  if (wide.scroll > wide.limit || wide.out.length) problems.push(`${name}: overflow ${JSON.stringify(wide)}`);
}

async function popup(state, { dark = false, after, as } = {}) {
  const name = as ?? `ui-${state}${dark ? "-dark" : ""}`;
  const { context, page } = await open(`/popup/dev-preview.html?state=${state}`, { dark });
  const ready = state.startsWith("starting") || state === "refused" ? "#unavailable:not([hidden])" : "#history li";
  await page.waitForSelector(ready, { timeout: 10_000 });
  await page.waitForTimeout(1_200);
  if (after) await after(page);
  await checkOverflow(page, name);
  await page.screenshot({ path: `${OUT}/${name}.png` });
  await page.screenshot({ path: `${OUT}/${name}-full.png`, fullPage: true });
  const texts = await page.evaluate(() => Object.fromEntries(
    ["sync-status", "current-session", "today-total", "offline-note"].map((id) => {
      const el = document.querySelector(`[data-testid="${id}"]`);
      return [id, el && !el.hidden ? el.textContent.replace(/\s+/g, " ").trim() : null];
    })));
  console.log(name, JSON.stringify(texts));
  await context.close();
}

for (const state of ["online", "offline", "signin", "failed", "rejected", "pending", "idle", "long", "empty", "starting", "refused"]) {
  await popup(state);
}
await popup("online", { dark: true });
await popup("offline", { dark: true });
await popup("failed", { dark: true });

// The failed and refused changes, opened.
await popup("failed", {
  as: "ui-failed-open",
  after: async (page) => {
    await page.click('[data-testid="failed-items"] summary');
    await page.click('[data-testid="rejected-items"] summary');
    const items = await page.$$eval('[data-testid="failed-items"] li', (lis) => lis.map((li) => li.textContent));
    if (items.length !== 51 || items.at(-1) !== "and 7 more") problems.push(`failed list: ${items.length} items, last ${items.at(-1)}`);
  },
});

// Sync now: the busy state, then the refreshed popup.
await popup("pending", {
  as: "ui-after-sync",
  after: async (page) => {
    await page.click('[data-testid="sync-now"]');
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${OUT}/ui-syncing.png` });
    const busy = await page.evaluate(() => ({
      disabled: document.querySelector('[data-testid="sync-now"]').disabled,
      text: document.querySelector('[data-testid="sync-now"]').textContent.trim(),
    }));
    if (!busy.disabled || busy.text !== "Syncing…") problems.push(`sync-now while syncing: ${JSON.stringify(busy)}`);
    await page.waitForFunction(() => !document.querySelector('[data-testid="sync-now"]').disabled, null, { timeout: 10_000 });
    await page.waitForTimeout(500);
  },
});
// Paging: the second page of history.
await popup("online", {
  as: "ui-paging",
  after: async (page) => {
    await page.click('[data-testid="older"]');
    await page.waitForFunction(() => document.querySelector("#page-info").textContent.startsWith("51"));
    await page.evaluate(() => document.querySelector('[data-testid="newer"]').scrollIntoView());
    await page.screenshot({ path: `${OUT}/ui-page2.png` });
  },
});
// The worker answers on the second try (the popup retries by itself).
await popup("starting-once", {
  as: "ui-starting-then-ready",
  after: async (page) => {
    await page.waitForSelector("#history li", { timeout: 10_000 });
  },
});

// Options page, light and dark, then invalid input.
for (const dark of [false, true]) {
  const name = `ui-options${dark ? "-dark" : ""}`;
  const { context, page } = await open("/options/dev-preview.html", { dark, width: 720, height: 760 });
  await page.waitForSelector('[data-testid="save"]');
  await page.waitForTimeout(500);
  await checkOverflow(page, name);
  await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
  if (!dark) {
    await page.fill('[data-testid="backend-url"]', "ftp://example.com");
    await page.fill('[data-testid="idle-minutes"]', "90");
    await page.fill('[data-testid="always-track"]', "octo-org/web-app\n-bad-/repo\nowner/re po\nfacebook/react");
    await page.fill('[data-testid="never-track"]', "facebook/react");
    await page.click('[data-testid="save"]');
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${OUT}/ui-options-errors.png`, fullPage: true });
    await page.fill('[data-testid="backend-url"]', "https://worktime.example.workers.dev/");
    await page.fill('[data-testid="idle-minutes"]', "10");
    await page.fill('[data-testid="always-track"]', "octo-org/web-app\nhttps://github.com/rust-lang/rust/pull/12");
    await page.fill('[data-testid="never-track"]', "");
    await page.click('[data-testid="save"]');
    await page.waitForSelector('[data-testid="saved-note"]:not([hidden])');
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem("worktime-dev-storage"))["worktime.settings"]);
    const sent = await page.evaluate(() => window.__worktimeDev.log.map((m) => m.type));
    console.log("options saved", JSON.stringify(saved), "messages", JSON.stringify(sent));
    await page.screenshot({ path: `${OUT}/ui-options-saved.png`, fullPage: true });
  }
  await context.close();
}

await browser.close();
if (problems.length) {
  console.log(`PROBLEMS (${problems.length}):\n${problems.join("\n")}`);
  process.exitCode = 1;
} else {
  console.log("no problems found");
}
