// WorkTime end-to-end tests: the extension in Chromium (new headless mode) against the
// worker behind the fault proxy. No test framework: scenarios run in order, each with its
// own browser profile(s), GitHub user and timeout; every browser is closed whatever happens.
//
//   node tests/e2e/run.mjs [scenario-name …]
//   node tests/e2e/run.mjs --extension-origin   prints chrome-extension://<id> (for the
//                                               worker's ALLOWED_ORIGINS) and exits
//
// Environment:
//   WORKTIME_TEST_BASE_URL   the worker (`wrangler dev`), to check what the server stored
//   WORKTIME_TEST_PROXY_URL  the fault proxy in front of it: the extension's backendUrl
//   WORKTIME_E2E_OUTPUT      where screenshots go (default test-output/)
//   WORKTIME_E2E_CHROMIUM    Chromium to run (default /usr/bin/chromium)
//   WORKTIME_TEST_DEV_URL    a worker offering the development sign-in (dev-sign-in)
//   WORKTIME_E2E_NO_SKIP=1   a scenario that cannot run here (web-sign-in without the
//                            extension's origin in ALLOWED_ORIGINS, dev-sign-in without
//                            WORKTIME_TEST_DEV_URL) fails instead of SKIP
//   WORKTIME_E2E_VERBOSE=1   scenario logs (server sessions seen) and stack traces
// Prints `PASS name (Ns)`, `FAIL name: reason` or `SKIP name: reason` per scenario; exits 1
// if any failed.

import { join } from "node:path";
import { Skip, env, ensureDir, extensionIdFor, launch, proxyMode, seconds } from "./harness.mjs";

import * as tabs from "./scenarios/tabs.mjs";
import * as offline from "./scenarios/offline.mjs";
import * as workerRestart from "./scenarios/worker-restart.mjs";
import * as spaNavigation from "./scenarios/spa-navigation.mjs";
import * as popup from "./scenarios/popup.mjs";
import * as webSignIn from "./scenarios/web-sign-in.mjs";
import * as twoDevices from "./scenarios/two-devices.mjs";
import * as live from "./scenarios/live.mjs";
import * as unreadableState from "./scenarios/unreadable-state.mjs";
import * as contentStorage from "./scenarios/content-storage.mjs";
import * as yourData from "./scenarios/your-data.mjs";
import * as control from "./scenarios/control.mjs";
import * as backendChange from "./scenarios/backend-change.mjs";
import * as screenshots from "./scenarios/screenshots.mjs";
import * as devSignIn from "./scenarios/dev-sign-in.mjs";

const SCENARIOS = [tabs, offline, workerRestart, spaNavigation, popup, webSignIn, twoDevices, live, unreadableState, contentStorage, yourData, control, backendChange, devSignIn, screenshots];

function withTimeout(promise, ms, name) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

async function runScenario(scenario, outputDir) {
  const browsers = [];
  let over = false; // after a timeout the scenario's code may still be running: no new browsers
  const ctx = {
    outputDir,
    /** A fresh browser with the extension; closed by the runner. */
    async launch(label = scenario.name) {
      if (over) throw new Error("the scenario is over");
      const browser = await launch({ label });
      browsers.push(browser);
      if (over) {
        await browser.close();
        throw new Error("the scenario is over");
      }
      return browser;
    },
    /** Saves a screenshot of `page` as `<outputDir>/<file>`. */
    async screenshot(page, file) {
      const path = join(outputDir, file);
      await page.screenshot({ path, fullPage: true });
      ctx.screenshots.push(path);
      return path;
    },
    screenshots: [],
    log: (...args) => { if (process.env.WORKTIME_E2E_VERBOSE) console.log(`  [${scenario.name}]`, ...args); },
  };
  const started = Date.now();
  let error = null;
  try {
    await proxyMode("pass"); // whatever an earlier scenario left behind
    await withTimeout(scenario.run(ctx), scenario.timeoutMs ?? 60_000, scenario.name);
  } catch (caught) {
    error = caught;
    if (error instanceof Skip) return { error, elapsed: Date.now() - started, screenshots: ctx.screenshots };
    for (const [i, browser] of browsers.entries()) {
      const saved = await browser.screenshotAll(outputDir, `FAIL-${scenario.name}-${i}`).catch(() => []);
      ctx.screenshots.push(...saved);
      if (browser.logs.length) console.log(`  service worker console:\n    ${browser.logs.slice(-20).join("\n    ")}`);
    }
  } finally {
    over = true;
    for (const browser of browsers) {
      if (browser.blocked.length) ctx.log(`blocked requests: ${[...new Set(browser.blocked)].join(" ")}`);
    }
    await Promise.all(browsers.map((b) => b.close().catch(() => {})));
  }
  return { error, elapsed: Date.now() - started, screenshots: ctx.screenshots };
}

async function main() {
  if (process.argv[2] === "--extension-origin") {
    console.log(`chrome-extension://${extensionIdFor()}`);
    return 0;
  }
  // Fail fast on a missing environment, before starting any browser.
  void env.baseUrl;
  void env.proxyUrl;
  const outputDir = await ensureDir(env.outputDir);
  const wanted = process.argv.slice(2);
  const selected = wanted.length ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS;
  if (wanted.length && selected.length !== wanted.length) {
    throw new Error(`unknown scenario in ${wanted.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  }
  const failed = [];
  const skipped = [];
  const strict = process.env.WORKTIME_E2E_NO_SKIP === "1";
  const shots = [];
  for (const scenario of selected) {
    const { error, elapsed, screenshots } = await runScenario(scenario, outputDir);
    shots.push(...screenshots);
    if (error instanceof Skip && !strict) {
      skipped.push(scenario.name);
      console.log(`SKIP ${scenario.name}: ${error.message}`);
    } else if (error) {
      failed.push(scenario.name);
      console.log(`FAIL ${scenario.name}: ${error.message ?? error}`);
      if (process.env.WORKTIME_E2E_VERBOSE && error.stack) console.log(error.stack);
    } else {
      console.log(`PASS ${scenario.name} (${seconds(elapsed)}s)`);
    }
  }
  if (shots.length) console.log(`screenshots:\n  ${shots.join("\n  ")}`);
  const skips = skipped.length ? ` (${skipped.length} skipped: ${skipped.join(", ")})` : "";
  console.log(failed.length ? `${failed.length} of ${selected.length} scenarios FAILED: ${failed.join(", ")}${skips}`
    : `${selected.length - skipped.length} of ${selected.length} scenarios passed${skips}`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.log(`FAIL e2e: ${error.message ?? error}`);
    process.exit(1);
  },
);
