// Benchmark (prints figures, asserts nothing): median time to initialise the SDK in
// headless Chromium — fetch + compile + instantiate the wasm module, then
// `WorkTime.init` with empty storage — over fresh page loads.
// usage: node tests/bench/sdk-init.mjs PKG_DIR [RUNS]
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join, extname } from "node:path";
import { chromium } from "playwright-core";

const [pkgDir, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 21);
const page = `<!doctype html><script type="module">
  const t0 = performance.now();
  const { default: init, WorkTime } = await import("./worktime_sdk.js");
  await init({ module_or_path: "./worktime_sdk_bg.wasm" });
  const t1 = performance.now();
  await WorkTime.init({ baseUrl: "http://127.0.0.1:9", storage: "memory" });
  const t2 = performance.now();
  window.result = { module: t1 - t0, sdk: t2 - t1, total: t2 - t0 };
</script>`;
const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
const server = createServer(async (req, res) => {
  try {
    const name = req.url === "/" ? null : req.url.slice(1).split("?")[0];
    const body = name ? await readFile(join(pkgDir, name)) : page;
    const type = name ? types[extname(name)] ?? "application/octet-stream" : "text/html";
    res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-store" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const results = [];
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(url);
    results.push(await tab.waitForFunction(() => window.result).then((h) => h.jsonValue()));
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
const median = (key) => results.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(runs / 2)];
console.log(`| SDK init in Chromium (median of ${runs} fresh pages) | ms |`);
console.log("|---|---:|");
console.log(`| fetch + compile + instantiate wasm | ${median("module").toFixed(2)} |`);
console.log(`| WorkTime.init (empty storage) | ${median("sdk").toFixed(2)} |`);
console.log(`| total | ${median("total").toFixed(2)} |`);
