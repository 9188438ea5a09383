// Preparation for scripts/benchmarks.sh (not timed): signs users in through the fake
// GitHub, starts one open session per user, and seeds many past sessions through
// `POST /api/sync`. Prints what the wrk scripts need; asserts nothing.
//
//   node prepare.mjs signin BASE COUNT FIRST_GITHUB_ID        → one JWT per line
//   node prepare.mjs open   BASE COUNT FIRST_GITHUB_ID PREFIX → "JWT SESSION_ID" per line
//       (a fresh user per line, each with one active session: what PATCH …/end ends)
//   node prepare.mjs cost   BASE JWT
//       (one request of each kind; prints a markdown table of the D1 statements, round
//        trips and rows written each reported in Server-Timing)
//   node prepare.mjs seed   BASE JWT SESSIONS CONCURRENCY PREFIX
//       (SESSIONS past sessions of 2 minutes spread over the last 365 days, 50 start+end
//        pairs per request; prints requests made, non-2xx, rejected ops, seconds)

const [cmd, base, ...rest] = process.argv.slice(2);

async function pool(count, concurrency, fn) {
  let next = 0;
  const out = new Array(count);
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

const uuid = (prefix, kind, n) =>
  `${prefix.toString(16).padStart(8, "0").slice(-8)}-${kind.toString(16).padStart(4, "0")}-4000-8000-${n.toString(16).padStart(12, "0")}`;
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

async function signIn(githubId) {
  const r = await fetch(`${base}/auth/github/callback`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code: `test-code:${githubId}:bench${githubId}`, code_verifier: "bench-verifier-0123456789-abcdefghijklmnopqrstuvwxyz" }),
  });
  if (!r.ok) throw new Error(`sign-in ${githubId}: ${r.status} ${await r.text()}`);
  return (await r.json()).jwt;
}

async function call(method, path, jwt, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, text: await r.text() };
}

if (cmd === "signin") {
  const [count, first] = rest.map(Number);
  const jwts = await pool(count, 4, (i) => signIn(first + i));
  console.log(jwts.join("\n"));
} else if (cmd === "open") {
  const [count, first, prefix] = rest.map(Number);
  const lines = await pool(count, 4, async (i) => {
    const jwt = await signIn(first + i);
    const id = uuid(prefix, 0xa, i);
    const r = await call("POST", "/api/sessions/start", jwt,
      { id, repo_owner: "bench", repo_name: "end", pr_number: 1, start_time: iso(Date.now() - 600_000) });
    if (r.status !== 201) throw new Error(`start: ${r.status} ${r.text}`);
    return `${jwt} ${id}`;
  });
  console.log(lines.join("\n"));
} else if (cmd === "cost") {
  const [jwt] = rest;
  const prefix = Date.now() % 0xffffffff;
  const device = uuid(prefix, 0xdd, 1);
  const now = Math.floor(Date.now() / 1000) * 1000;
  const timing = async (method, path, body) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await r.text();
    const h = r.headers.get("server-timing") ?? "";
    const n = (name) => (h.match(new RegExp(`${name}=(\\d+)`)) ?? [])[1] ?? "n/a";
    return `| ${method} ${path.replace(/[0-9a-f-]{36}/, "{id}")} | ${r.status} | ${n("statements")} | ${n("round-trips")} | ${n("rows-written")} |`;
  };
  const lines = ["| request | status | statements | round trips | rows written |", "|---|---:|---:|---:|---:|"];
  lines.push(await timing("GET", "/health"));
  const s1 = uuid(prefix, 0xc1, 1);
  lines.push(await timing("POST", "/api/sessions/start", { id: s1, repo_owner: "bench", repo_name: "cost", pr_number: 1, start_time: iso(now - 3_600_000), device_id: device }));
  lines.push((await timing("POST", "/api/sync", { ops: [{ op_id: uuid(prefix, 0xc2, 1), type: "heartbeat", session_id: s1, at: iso(now - 3_000_000), device_id: device }] })).replace("/api/sync", "/api/sync (1 heartbeat)"));
  lines.push(await timing("PATCH", `/api/sessions/${s1}/end`, { end_time: iso(now - 2_400_000), device_id: device }));
  const ops = [];
  for (let k = 0; k < 50; k++) {
    const sid = uuid(prefix, 0xc3, k), t = now - 3 * 86_400_000 + k * 180_000;
    ops.push({ op_id: uuid(prefix, 0xc4, k), type: "start", session_id: sid, repo_owner: "bench", repo_name: "cost", pr_number: 1 + k, start_time: iso(t), device_id: device });
    ops.push({ op_id: uuid(prefix, 0xc5, k), type: "end", session_id: sid, end_time: iso(t + 120_000), device_id: device });
  }
  lines.push((await timing("POST", "/api/sync", { ops })).replace("/api/sync", "/api/sync (100 ops)"));
  lines.push(await timing("GET", "/api/stats/daily?days=30"));
  lines.push(await timing("GET", "/api/stats/daily?days=365"));
  lines.push(await timing("GET", "/api/stats/repo/bench/cost?days=30"));
  lines.push(await timing("GET", "/api/sessions?limit=50"));
  console.log(lines.join("\n"));
} else if (cmd === "seed") {
  const [jwt, sessionsArg, concArg, prefixArg] = rest;
  const sessions = Number(sessionsArg), prefix = Number(prefixArg);
  const requests = Math.ceil(sessions / 50);
  const span = 364 * 86_400_000;
  const step = Math.floor(span / sessions);
  const begin = Date.now() - span - 3_600_000;
  const started = performance.now();
  let non2xx = 0, rejected = 0;
  await pool(requests, Number(concArg), async (r) => {
    const ops = [];
    for (let k = 0; k < 50; k++) {
      const n = r * 50 + k;
      if (n >= sessions) break;
      const t = begin + n * step;
      const sid = uuid(prefix, 1, n);
      ops.push({ op_id: uuid(prefix, 2, n), type: "start", session_id: sid, repo_owner: "bench",
        repo_name: `seed${n % 10}`, pr_number: 1 + (n % 50), start_time: iso(t), tz_offset_minutes: 0 });
      ops.push({ op_id: uuid(prefix, 3, n), type: "end", session_id: sid, end_time: iso(t + 120_000) });
    }
    for (let attempt = 0; ; attempt++) {
      const res = await call("POST", "/api/sync", jwt, { ops });
      if (res.status >= 200 && res.status < 300) {
        rejected += (res.text.match(/"rejected"/g) || []).length;
        return;
      }
      if (attempt >= 2) { non2xx++; return; }
    }
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(`seed requests=${requests} non2xx=${non2xx} rejected_ops=${rejected} seconds=${seconds.toFixed(1)}`);
} else {
  console.error("usage: prepare.mjs signin|open|seed BASE …");
  process.exit(2);
}
