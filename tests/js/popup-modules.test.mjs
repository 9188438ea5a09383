// Unit tests of the popup's pure modules (no DOM, no chrome.*), under `node --test` (the
// lint tier). What they check is what the popup shows: the words for each typed sync
// failure, one session shape, the sync-status model, dates in the user's locale.
import assert from "node:assert/strict";
import { test } from "node:test";

import { describeReason, formatDay, formatDuration, formatWhen } from "../../extension/popup/format.js";
import { normalize } from "../../extension/popup/sessions.js";
import { describeSync } from "../../extension/popup/sync-status.js";

test("each failure kind has its words, and only the server's own message is quoted", () => {
  assert.equal(describeReason({ kind: "network", detail: "TypeError: Failed to fetch" }), "the WorkTime server could not be reached");
  assert.equal(describeReason({ kind: "timeout" }), "the WorkTime server took too long to answer");
  assert.equal(describeReason({ kind: "malformed_answer", status: 200 }), "the server's answer could not be read");
  assert.equal(describeReason({ kind: "sign_in_expired" }), "your GitHub sign-in has expired");
  const http = (status, code, message) => describeReason({ kind: "http", status, code, message });
  assert.equal(http(503, "unavailable", "D1 is busy."), "the server had a problem (error 503)");
  assert.equal(http(403, "forbidden", "This account is suspended."), "the server refused access (This account is suspended)");
  assert.equal(http(422, "validation_failed", "HTTP 422"), "the server did not accept it (error 422)");
  assert.equal(http(400, "invalid_json", '{"stack":"at x (y.js:1:2)"}'), "the server did not accept it (error 400)");
  assert.equal(describeReason(null), "no reason was given");
  assert.equal(describeReason("network error: old text"), "no reason was given", "text is never parsed");
});

test("history entries and the active session become one popup session", () => {
  const entry = {
    session_id: "s1", repo_owner: "octo", repo_name: "hello", pr_number: 7, start_ms: 1_000, end_ms: 61_000,
    duration_seconds: 60, running: false, abandoned: true, sync_state: "synced", this_device: false,
    pr_url: "https://github.com/octo/hello/pull/7",
  };
  const session = normalize(entry);
  assert.deepEqual(
    [session.id, session.pr, session.durationSeconds, session.abandoned, session.thisDevice, session.url],
    ["s1", 7, 60, true, false, "https://github.com/octo/hello/pull/7"],
  );
  const active = { session_id: "s2", repo_owner: "octo", repo_name: "hello", pr_number: 8, start_ms: 5, end_ms: null,
    duration_seconds: null, sync_state: "pending", pr_url: null };
  const running = normalize(active);
  assert.deepEqual([running.running, running.thisDevice, running.durationSeconds, running.url], [true, true, null, null]);
  assert.equal(normalize({ session_id: "x" }), null, "no repository: not shown");
});

test("the sync status says what a recovery kept and words a typed last error", () => {
  const now = Date.now();
  const base = {
    online: true, pending_count: 2, failed_count: 0, failed_items: [], failed_items_hidden: 0, rejected_items: [],
    signed_in: false, sign_in_needed: false, user: null, last_sync_ms: null, next_retry_ms: null, last_error: null,
    round_active: false, round_reason: null,
  };
  const recovered = describeSync({ ...base, recovery: { at_ms: now, problem: "x", version: 99, recovered_ops: 2, recovered_device_id: true } }, { nowMs: now });
  assert.equal(recovered.tone, "signin");
  assert.match(recovered.lines[0], /could not read its saved data just now; 2 unsent changes were recovered/);
  const offline = describeSync({ ...base, signed_in: true, online: false, recovery: null,
    last_error: { kind: "network", detail: "TypeError: Failed to fetch" } }, { nowMs: now });
  assert.equal(offline.tone, "offline");
  assert.ok(offline.lines.includes("Last try: the WorkTime server could not be reached."), offline.lines.join(" | "));
});

test("dates and times follow the user's locale", () => {
  const day = formatDay("2026-11-03");
  const expected = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" })
    .format(new Date(Date.UTC(2026, 10, 3)));
  assert.equal(day, expected);
  assert.equal(formatDay("not a date"), "not a date");
  const now = new Date(2026, 10, 20, 12, 0).getTime();
  const older = new Date(2025, 0, 5, 9, 30).getTime();
  assert.match(formatWhen(older, now), /2025/, "another year shows the year");
  assert.doesNotMatch(formatWhen(now - 3_600_000, now), /2026/, "this week shows no year");
  assert.equal(formatDuration(3_900), "1 h 5 min");
});
