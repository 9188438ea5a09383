// Renders the extension's icons, extension/icons/icon-{16,32,48,128}.png, from their one
// source, extension/icons/icon.svg, with the headless Chromium the e2e tier uses
// (playwright-core, /usr/bin/chromium or WORKTIME_E2E_CHROMIUM): no image tool needed.
// The PNGs are build output (git-ignored); a stamp holding the hash of the SVG and of this
// script skips the work when they are already fresh, so callers run it every time.
//
//   node scripts/icons.mjs            render when stale (scripts/run.sh, test.sh, pack.sh)
//   node scripts/icons.mjs --force    render anyway
//
// Also imported by the e2e harness (renderIcons), which builds them before loading the
// unpacked extension.

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ICONS = join(ROOT, "extension/icons");
const SOURCE = join(ICONS, "icon.svg");
const STAMP = join(ICONS, ".rendered");
export const SIZES = [16, 32, 48, 128];

/** The PNG file name for `size` pixels (what the manifest lists). */
export const iconFile = (size) => `icon-${size}.png`;

async function fingerprint() {
  const hash = createHash("sha256");
  hash.update(await readFile(SOURCE));
  hash.update(await readFile(fileURLToPath(import.meta.url)));
  return hash.digest("hex");
}

/**
 * Renders every size unless the stamp says the PNGs come from the current SVG (and this
 * script). Returns "fresh" or "rendered".
 */
export async function renderIcons({ force = false } = {}) {
  const want = await fingerprint();
  const have = existsSync(STAMP) ? (await readFile(STAMP, "utf8")).trim() : "";
  if (!force && have === want && SIZES.every((size) => existsSync(join(ICONS, iconFile(size))))) return "fresh";

  const require = createRequire(import.meta.url);
  const { chromium } = require(join(ROOT, "node_modules/playwright-core"));
  const svg = await readFile(SOURCE);
  const src = `data:image/svg+xml;base64,${svg.toString("base64")}`;
  const profile = await mkdtemp(join(tmpdir(), "worktime-icons-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.WORKTIME_E2E_CHROMIUM || "/usr/bin/chromium",
    headless: false,
    deviceScaleFactor: 1,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    for (const size of SIZES) {
      await page.setViewportSize({ width: Math.max(size, 64), height: Math.max(size, 64) });
      await page.setContent(`<!doctype html><html><head><style>html,body{margin:0;background:transparent}
        img{display:block}</style></head><body><img id="icon" width="${size}" height="${size}" src="${src}"></body></html>`);
      const ok = await page.$eval("#icon", (img) => img.decode().then(() => img.naturalWidth > 0));
      if (!ok) throw new Error(`${SOURCE} did not render`);
      const png = await page.screenshot({ clip: { x: 0, y: 0, width: size, height: size }, omitBackground: true });
      await writeFile(join(ICONS, iconFile(size)), png);
    }
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
  await writeFile(STAMP, `${want}\n`);
  return "rendered";
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  renderIcons({ force: process.argv.includes("--force") }).then(
    (outcome) => {
      const what = outcome === "fresh" ? "up to date" : `rendered ${SIZES.join("/")} px in ${Date.now() - started} ms`;
      console.log(`icons: extension/icons/icon-*.png ${what}`);
    },
    (error) => {
      console.error(`icons: ${error?.stack ?? error}`);
      process.exit(1);
    },
  );
}
