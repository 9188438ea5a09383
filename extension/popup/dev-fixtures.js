// DEV ONLY — realistic answers of the service worker for the dev preview (dev-preview.js).
// Never imported by popup.js or options.js. Shapes follow ../pkg/worktime_sdk.d.ts and
// ../PROTOCOL.md: history entries (`HistoryEntry`, one shape from either source), the
// active `LocalSession`, and the per-repository `Breakdown`.

const MIN = 60_000;
const DAY = 86_400_000;

const REPOS = [
  ["octo-org", "web-app", 6],
  ["octo-org", "api-server", 4],
  ["rust-lang", "rust", 2],
  ["facebook", "react", 2],
  ["very-long-organisation-name", "an-extremely-long-repository-name-that-goes-on.and_on", 1],
  ["torvalds", "linux", 1],
  ["monalisa", "dotfiles", 1],
];

/** A small seeded generator, so every preview shows the same data. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickRepo(rand) {
  const total = REPOS.reduce((s, r) => s + r[2], 0);
  let x = rand() * total;
  for (const repo of REPOS) {
    x -= repo[2];
    if (x < 0) return repo;
  }
  return REPOS[0];
}

const uuid = (rand) => "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx".replace(/x/g, () => Math.floor(rand() * 16).toString(16));

/** Ended sessions over the last `days` days, newest first, as { id, owner, repo, pr, start, end, abandoned }. */
function generate(now, days, seed = 7) {
  const rand = random(seed);
  const list = [];
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  for (let d = days - 1; d >= 0; d -= 1) {
    const dayStart = midnight.getTime() - d * DAY;
    const weekday = new Date(dayStart).getDay();
    const weekend = weekday === 0 || weekday === 6;
    const count = weekend ? (rand() < 0.7 ? 0 : 1) : Math.floor(rand() * 5);
    let t = dayStart + (9 + rand() * 2) * 60 * MIN;
    for (let i = 0; i < count; i += 1) {
      const [owner, repo] = pickRepo(rand);
      const minutes = 4 + Math.floor(rand() * 70);
      const start = t;
      const end = start + minutes * MIN + Math.floor(rand() * 59) * 1000;
      if (end > now - 40 * MIN) break; // leave room for the running session
      list.push({ id: uuid(rand), owner, repo, pr: 100 + Math.floor(rand() * 1900), start, end, abandoned: rand() < 0.05 });
      t = end + (20 + rand() * 90) * MIN;
    }
  }
  return list.reverse();
}

/** A history entry as the SDK types it (`HistoryEntry`), from either source. */
function toEntry(s, syncState, thisDevice = true) {
  const running = s.end == null;
  return {
    session_id: s.id, repo_owner: s.owner, repo_name: s.repo, pr_number: s.pr,
    start_ms: s.start, end_ms: s.end ?? null,
    duration_seconds: running ? null : Math.floor((s.end - s.start) / 1000),
    running, abandoned: Boolean(s.abandoned), sync_state: syncState, this_device: thisDevice,
    pr_url: `https://github.com/${s.owner}/${s.repo}/pull/${s.pr}`,
  };
}

/** The SDK's active session (`LocalSession`). */
function toLocal(s, tz, syncState) {
  return {
    session_id: s.id, repo_owner: s.owner, repo_name: s.repo, pr_number: s.pr, tz_offset_minutes: tz,
    start_ms: s.start, end_ms: s.end ?? null,
    duration_seconds: s.end == null ? null : Math.floor((s.end - s.start) / 1000),
    last_heartbeat_ms: s.end ?? Date.now(), sync_state: syncState,
    pr_url: `https://github.com/${s.owner}/${s.repo}/pull/${s.pr}`,
  };
}

/** Time per repository since the range's first midnight, as the SDK's `Breakdown`. */
function breakdownOf(sessions, now, days, source) {
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  const since = midnight.getTime() - (days - 1) * DAY;
  const repos = new Map();
  for (const s of sessions.filter((x) => x.start >= since)) {
    const key = `${s.owner}/${s.repo}`;
    const repo = repos.get(key) ?? { repo_owner: s.owner, repo_name: s.repo, total_duration_seconds: 0, session_count: 0,
      repo_url: `https://github.com/${s.owner}/${s.repo}`, prs: [] };
    repo.total_duration_seconds += Math.floor(((s.end ?? now) - s.start) / 1000);
    repo.session_count += 1;
    repos.set(key, repo);
  }
  const list = [...repos.values()].sort((a, b) => b.total_duration_seconds - a.total_duration_seconds);
  return { source, since_ms: since, complete: true, repos: list };
}

function dateKey(ms) {
  const t = new Date(ms);
  return `${t.getFullYear()}-${String(t.getMonth() + 1).padStart(2, "0")}-${String(t.getDate()).padStart(2, "0")}`;
}

/** Daily totals of ended sessions (sessions are not split at midnight here: dev data). */
function statsOf(sessions, now, days, source, tz) {
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  const out = [];
  for (let d = days - 1; d >= 0; d -= 1) {
    const start = new Date(midnight);
    start.setDate(start.getDate() - d);
    const key = dateKey(start.getTime());
    const mine = sessions.filter((s) => s.end != null && dateKey(s.start) === key);
    const total = mine.reduce((sum, s) => sum + Math.floor((s.end - s.start) / 1000), 0);
    out.push({ date: key, total_duration_seconds: total, session_count: mine.length,
      avg_session_seconds: mine.length ? Math.floor(total / mine.length) : 0 });
  }
  return {
    source, days: out, from: out[0].date, to: out.at(-1).date, tz_offset_minutes: tz,
    total_duration_seconds: out.reduce((s, d) => s + d.total_duration_seconds, 0),
    session_count: out.reduce((s, d) => s + d.session_count, 0),
  };
}

function baseStatus(now) {
  return {
    online: true, pending_count: 0, failed_count: 0, failed_items: [], failed_items_hidden: 0,
    rejected_items: [], signed_in: true, sign_in_needed: false,
    user: { id: 583231, username: "monalisa", avatar_url: "https://avatars.githubusercontent.com/u/583231?v=4" },
    last_sync_ms: now - 2 * MIN - 10_000, next_retry_ms: null, last_error: null, round_active: false, round_reason: null,
  };
}

function failedItems(now, sessions, count) {
  return Array.from({ length: count }, (_, i) => {
    const s = sessions[i % sessions.length];
    return {
      op_id: `op-${i}`, session_id: s.id, op_type: ["start", "heartbeat", "end"][i % 3],
      reason: i % 4 === 3
        ? { kind: "http", status: 503, code: "unavailable", message: "The service is temporarily unavailable." }
        : { kind: "network", detail: "TypeError: Failed to fetch" },
      enqueued_ms: now - (count - i) * 7 * MIN,
    };
  });
}

/**
 * The world of one preview state: `state` is one of online, idle, long (a running session on
 * a very long repository name), pending, offline, signin, failed, rejected, empty, starting,
 * starting-once, refused.
 */
export function makeWorld(state, now = Date.now()) {
  const tz = -new Date(now).getTimezoneOffset();
  const ended = state === "empty" ? [] : generate(now, 60);
  const active = ["idle", "empty", "signin"].includes(state) ? null
    : state === "long"
      ? { id: "5f0c2b9e-1d7a-4c55-9b1e-2a7c1e0d9f31", owner: REPOS[4][0], repo: REPOS[4][1], pr: 48213, start: now - 3 * 3600_000 - 7 * MIN, end: null }
      : { id: "5f0c2b9e-1d7a-4c55-9b1e-2a7c1e0d9f31", owner: "octo-org", repo: "web-app", pr: 1287, start: now - 23 * MIN - 17_000, end: null };
  const all = active ? [active, ...ended] : ended;
  const status = baseStatus(now);
  let local = false;
  let pendingIds = new Set();

  if (state === "pending") {
    status.pending_count = 3;
  } else if (state === "offline") {
    Object.assign(status, { online: false, pending_count: 3, last_error: { kind: "network", detail: "TypeError: Failed to fetch" },
      next_retry_ms: now + 12_000 });
    local = true;
    pendingIds = new Set(all.slice(0, 3).map((s) => s.id));
  } else if (state === "signin") {
    Object.assign(status, { signed_in: false, sign_in_needed: true, user: null, pending_count: 5,
      last_error: { kind: "http", status: 401, code: "unauthorized", message: "The token has expired." } });
    local = true;
    pendingIds = new Set(all.slice(0, 4).map((s) => s.id));
  } else if (state === "failed") {
    const items = failedItems(now, all, 50);
    Object.assign(status, { pending_count: 57, failed_count: 57, failed_items: items, failed_items_hidden: 7,
      last_error: { kind: "network", detail: "TypeError: Failed to fetch" }, next_retry_ms: now + 14 * MIN,
      rejected_items: [{ op_id: "op-r1", session_id: all[5]?.id ?? "x", op_type: "end", code: "validation_failed",
        message: "end_time is before the session's start_time.", rejected_ms: now - 3 * DAY }] });
  } else if (state === "rejected") {
    status.rejected_items = [{ op_id: "op-r1", session_id: all[2]?.id ?? "x", op_type: "end", code: "validation_failed",
      message: "end_time is before the session's start_time.", rejected_ms: now - DAY }];
  }

  const localSessions = all.slice(0, 100).map((s) => toEntry(s, pendingIds.has(s.id) ? "pending"
    : state === "rejected" && s === all[2] ? "rejected" : "synced"));
  return {
    state,
    status,
    active: active ? toLocal(active, tz, "pending") : null,
    settings: { backendUrl: "http://127.0.0.1:8787", idleSeconds: 300, alwaysTrack: [], neverTrack: [] },
    stats: (days) => statsOf(local ? all.slice(0, 100) : all, now, days, local ? "local" : "server", tz),
    history: (limit, offset) => local
      ? { source: "local", sessions: localSessions.slice(offset, offset + limit), total: localSessions.length }
      : { source: "server", sessions: all.slice(offset, offset + limit).map((s) => toEntry(s, "synced", !s.otherDevice)), total: all.length },
    breakdown: (days) => breakdownOf(local ? all.slice(0, 100) : all, now, days, local ? "local" : "server"),
    synced() {
      if (status.online === false || !status.signed_in) return;
      Object.assign(status, { pending_count: 0, failed_count: 0, failed_items: [], failed_items_hidden: 0,
        last_sync_ms: Date.now(), last_error: null, next_retry_ms: null });
    },
  };
}
