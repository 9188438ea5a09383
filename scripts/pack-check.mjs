// Checks a Chrome Web Store package built by scripts/pack.sh, and fails (exit 1) listing
// every problem; then prints its contents and size.
//
//   node scripts/pack-check.mjs target/store/worktime-<version>.zip [--no-load]
//
// - manifest.json: MV3, no development `key`, a minimum_chrome_version, the icons; no
//   development host (http://, loopback, *.workers.dev) in host_permissions,
//   optional_host_permissions or content scripts' matches; the production backend's origin
//   (extension/store.json) in host_permissions; the version the zip is named after.
// - entries: nothing development-only (dev-* previews and fixtures, tests, source maps,
//   tsconfig.json, .d.ts, PROTOCOL.md, store.json, dotfiles); every file a page or script
//   refers to is in the zip, and every file in the zip is referred to.
// - unless --no-load: the zip's files load as an unpacked extension in headless Chromium
//   (/usr/bin/chromium or WORKTIME_E2E_CHROMIUM), whose service worker's settings default
//   to the production backend — the URL compiled into the packed SDK.

import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { closure, readZip } from "./pack-lib.mjs";
import { storeConfig } from "./pack.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const FORBIDDEN = [
  [/(^|\/)dev-[^/]*$/, "a development preview or fixture"],
  [/(^|\/)(tests?|__tests__|e2e)\//, "a test file"],
  [/\.(test|spec)\.[cm]?js$/, "a test file"],
  [/\.map$/, "a source map"],
  [/(^|\/)tsconfig\.json$/, "the type-check configuration"],
  [/\.d\.ts$/, "type declarations"],
  [/(^|\/)PROTOCOL\.md$/, "development documentation"],
  [/(^|\/)store\.json$/, "the packaging configuration"],
  [/(^|\/)\.[^/]*$/, "a dotfile"],
  [/\.(md|ts|rs|toml|sh)$/, "a source or documentation file"],
];

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\]|0\.0\.0\.0)$/i;

/** Why a host pattern has no place in the store package, or null. */
function devHost(pattern) {
  const match = /^([^:]+):\/\/([^/]*)(\/.*)?$/.exec(pattern);
  if (!match) return pattern === "<all_urls>" ? "every host" : null;
  const [, scheme, hostPort] = match;
  const host = hostPort.replace(/:(\d+|\*)$/, "");
  if (scheme === "http" || scheme === "*") return "plain http";
  if (LOOPBACK.test(host)) return "a loopback host";
  if (/(^|\.)workers\.dev$/i.test(host)) return "a workers.dev (development) host";
  return null;
}

function checkManifest(manifest, files, zipName, backend, problems) {
  if (manifest.manifest_version !== 3) problems.push(`manifest_version is ${manifest.manifest_version}, not 3`);
  if ("key" in manifest) problems.push("manifest.json has a `key` (the development key; the store assigns its own)");
  if (!/^\d+(\.\d+){0,3}$/.test(manifest.minimum_chrome_version ?? "")) problems.push("manifest.json has no minimum_chrome_version");
  if (zipName !== `worktime-${manifest.version}.zip`) problems.push(`the zip is named ${zipName} but the manifest's version is ${manifest.version}`);
  for (const size of ["16", "32", "48", "128"]) {
    if (!files.has(manifest.icons?.[size] ?? "")) problems.push(`icons["${size}"] is missing`);
  }
  if (!manifest.action?.default_icon) problems.push("action.default_icon is missing");
  const lists = {
    host_permissions: manifest.host_permissions ?? [],
    optional_host_permissions: manifest.optional_host_permissions ?? [],
    "content_scripts matches": (manifest.content_scripts ?? []).flatMap((script) => script.matches ?? []),
  };
  for (const [list, patterns] of Object.entries(lists)) {
    for (const pattern of patterns) {
      const why = devHost(pattern);
      if (why && !(list === "optional_host_permissions" && pattern === "https://*/*")) {
        problems.push(`${list} has ${pattern}: ${why}`);
      }
    }
  }
  if (!lists.host_permissions.includes(`${backend.origin}/*`)) {
    problems.push(`host_permissions lacks ${backend.origin}/* (the production backend, extension/store.json)`);
  }
}

function checkEntries(files, problems) {
  for (const name of files.keys()) {
    const forbidden = FORBIDDEN.find(([pattern]) => pattern.test(name));
    if (forbidden) problems.push(`${name}: ${forbidden[1]}`);
    if (/\.(m?js|css)$/.test(name) && /[#@]\s*sourceMappingURL=/.test(files.get(name).toString("utf8"))) {
      problems.push(`${name}: refers to a source map`);
    }
  }
  const { files: reached, missing } = closure((path) => files.get(path) ?? null);
  for (const [from, to] of missing) problems.push(`${from} refers to ${to}, which is not in the zip`);
  for (const name of files.keys()) {
    if (!reached.has(name)) problems.push(`${name}: in the zip, but nothing loads it`);
  }
}

/** A guess at why background.js did not start: the error it throws when an extension page imports it. */
async function whyNot(context, worker) {
  try {
    const page = await context.newPage();
    await page.goto(new URL("manifest.json", worker.url()).href);
    return await page.evaluate(() => import(chrome.runtime.getURL("background.js"))
      .then(() => "it imports without error in a page", (error) => `importing it in a page throws: ${error}`));
  } catch (error) {
    return `no diagnosis: ${error?.message ?? error}`;
  }
}

/** Loads the extension in Chromium; returns the backend URL its settings default to. */
async function loadedDefaultBackend(files) {
  const dir = await mkdtemp(join(tmpdir(), "worktime-pack-check-"));
  const extension = join(dir, "extension");
  let context;
  try {
    for (const [name, data] of files) {
      await mkdir(dirname(join(extension, name)), { recursive: true });
      await writeFile(join(extension, name), data);
    }
    const require = createRequire(import.meta.url);
    const { chromium } = require(join(ROOT, "node_modules/playwright-core"));
    context = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: process.env.WORKTIME_E2E_CHROMIUM || "/usr/bin/chromium",
      headless: false,
      args: ["--headless=new", `--disable-extensions-except=${extension}`, `--load-extension=${extension}`,
        "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
        // The production backend is not reached from here (nor anything else off this machine).
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost"],
    });
    const isOurs = (worker) => /^chrome-extension:\/\/[a-p]{32}\/background\.js$/.test(worker.url());
    const worker = context.serviceWorkers().find(isOurs)
      ?? await context.waitForEvent("serviceworker", { predicate: isOurs, timeout: 20_000 });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const settings = await worker.evaluate(async () => globalThis.worktime?.settings?.() ?? null).catch(() => null);
      if (settings) return settings.backendUrl;
      if (Date.now() > deadline) throw new Error(`the service worker never exposed its settings (${await whyNot(context, worker)})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await context?.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

async function main() {
  const path = process.argv[2];
  if (!path || path.startsWith("--")) throw new Error("usage: node scripts/pack-check.mjs ZIP [--no-load]");
  const zip = await readFile(path);
  const files = readZip(zip);
  const backend = storeConfig();
  const problems = [];
  let manifest = null;
  try {
    manifest = JSON.parse(files.get("manifest.json")?.toString("utf8") ?? "null");
  } catch (error) {
    problems.push(`manifest.json is not JSON: ${error.message}`);
  }
  if (manifest) checkManifest(manifest, files, basename(path), backend, problems);
  else problems.push("manifest.json is missing");
  checkEntries(files, problems);
  if (problems.length === 0 && !process.argv.includes("--no-load")) {
    try {
      const loaded = await loadedDefaultBackend(files);
      if (loaded !== backend.backendUrl) {
        problems.push(`the packed extension defaults to ${loaded}, not ${backend.backendUrl} (extension/store.json)`);
      }
    } catch (error) {
      problems.push(`the packed extension did not load in Chromium: ${error?.message ?? error}`);
    }
  }

  const width = Math.max(...[...files.keys()].map((name) => name.length));
  for (const [name, data] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${name.padEnd(width)} ${String(data.length).padStart(9)} B`);
  }
  const raw = [...files.values()].reduce((sum, data) => sum + data.length, 0);
  console.log(`pack-check: ${path}: ${files.size} files, ${raw.toLocaleString("en")} B unpacked, `
    + `${zip.length.toLocaleString("en")} B zipped (${(zip.length / 1024).toFixed(1)} KiB)`);
  if (problems.length) {
    console.error(`pack-check: FAILED, ${problems.length} problem(s):`);
    for (const problem of problems) console.error(`  - ${problem}`);
    process.exit(1);
  }
  console.log(`pack-check: OK (no key, no development hosts or files; minimum Chrome ${manifest.minimum_chrome_version}; `
    + `${process.argv.includes("--no-load") ? "not loaded" : `loads in Chromium, default backend ${backend.backendUrl}`})`);
}

main().catch((error) => {
  console.error(`pack-check: ${error?.stack ?? error}`);
  process.exit(1);
});
