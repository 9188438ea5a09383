// Assembles the Chrome Web Store package from extension/ (called by scripts/pack.sh, after
// the icons and a release SDK with the production default backend are built):
//
//   node scripts/pack.mjs --sdk DIR --out DIR
//
// - The files are exactly those the extension loads: everything reachable from
//   manifest.json through the manifest's paths, the pages' src/href, the scripts' imports,
//   chrome.runtime.getURL("…") and new URL("…", import.meta.url) (scripts/pack-lib.mjs).
//   pkg/ comes from --sdk (the release build), not from extension/pkg.
// - Every other file under extension/ must be development-only (DEV_ONLY below): a new file
//   the extension does not load, and that is not listed there, fails the pack.
// - The manifest loses its development `key` (the store assigns the id) and the development
//   hosts; the production backend's origin (extension/store.json) joins host_permissions.
// Writes OUT/worktime-<version>.zip and the same files unpacked in OUT/worktime-<version>/.

import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { closure, writeZip } from "./pack-lib.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const EXTENSION = join(ROOT, "extension");

/** Hosts only the development build may reach (the local worker, workers.dev previews). */
const DEV_HOSTS = ["http://127.0.0.1/*", "http://localhost/*", "https://*.workers.dev/*"];

/** Files under extension/ the store package leaves out, each for a reason. */
const DEV_ONLY = [
  [/^PROTOCOL\.md$/, "documentation of the messages"],
  [/^tsconfig\.json$/, "the lint tier's type-check"],
  [/^store\.json$/, "this packaging's configuration"],
  [/(^|\/)dev-[^/]*$/, "the popup and options previews with fixtures"],
  [/^icons\/icon\.svg$/, "the icons' source (the PNGs are packed)"],
  [/^icons\/\.rendered$/, "the icons' freshness stamp"],
  [/^pkg\//, "the development SDK build (the release build is packed instead)"],
];

function argument(name) {
  const at = process.argv.indexOf(name);
  if (at < 0 || !process.argv[at + 1]) throw new Error(`usage: node scripts/pack.mjs --sdk DIR --out DIR (missing ${name})`);
  return resolve(process.argv[at + 1]);
}

/** extension/store.json: the production backend, an https:// origin. */
export function storeConfig() {
  const config = JSON.parse(readFileSync(join(EXTENSION, "store.json"), "utf8"));
  const url = new URL(config.backendUrl);
  if (url.protocol !== "https:" || url.href.replace(/\/$/, "") !== config.backendUrl.replace(/\/$/, "")) {
    throw new Error(`extension/store.json: backendUrl ${config.backendUrl} must be an https:// address without query or fragment`);
  }
  return { backendUrl: config.backendUrl.replace(/\/+$/, ""), origin: url.origin };
}

function storeManifest(devManifest, origin) {
  const manifest = structuredClone(devManifest);
  delete manifest.key;
  const hosts = (manifest.host_permissions ?? []).filter((host) => !DEV_HOSTS.includes(host));
  if (!hosts.includes(`${origin}/*`)) hosts.push(`${origin}/*`);
  manifest.host_permissions = hosts;
  return manifest;
}

function filesUnder(dir, base = dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, base) : [relative(base, path).split("\\").join("/")];
  });
}

async function main() {
  const sdk = argument("--sdk");
  const out = argument("--out");
  const { origin } = storeConfig();
  const devManifest = JSON.parse(readFileSync(join(EXTENSION, "manifest.json"), "utf8"));
  const manifestBytes = Buffer.from(`${JSON.stringify(storeManifest(devManifest, origin), null, 2)}\n`);
  const read = (path) => {
    if (path === "manifest.json") return manifestBytes;
    const file = path.startsWith("pkg/") ? join(sdk, path.slice(4)) : join(EXTENSION, path);
    return existsSync(file) && statSync(file).isFile() ? readFileSync(file) : null;
  };
  const { files, missing } = closure(read);
  if (missing.length) {
    throw new Error(`files the extension refers to are missing:\n${missing.map(([from, to]) => `  ${from} → ${to}`).join("\n")}`);
  }
  const unexplained = filesUnder(EXTENSION)
    .filter((path) => !files.has(path) && !DEV_ONLY.some(([pattern]) => pattern.test(path)));
  if (unexplained.length) {
    throw new Error(`these files under extension/ are neither loaded by the extension nor listed as development-only `
      + `(DEV_ONLY in scripts/pack.mjs):\n${unexplained.map((path) => `  ${path}`).join("\n")}`);
  }
  const entries = new Map([...files].sort().map((path) => [path, read(path)]));
  const name = `worktime-${devManifest.version}`;
  const unpacked = join(out, name);
  await rm(unpacked, { recursive: true, force: true });
  for (const [path, data] of entries) {
    await mkdir(dirname(join(unpacked, path)), { recursive: true });
    await writeFile(join(unpacked, path), data);
  }
  const zip = join(out, `${name}.zip`);
  await writeFile(zip, writeZip(entries));
  console.log(`pack: wrote ${relative(ROOT, zip)} (${entries.size} files; unpacked in ${relative(ROOT, unpacked)}/)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`pack: ${error?.message ?? error}`);
    process.exit(1);
  });
}
