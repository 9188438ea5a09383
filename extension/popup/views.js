// @ts-check
// DOM builders for the popup's parts: the sync status box, the current session, the
// repository breakdown and the history rows. They only build elements from data handed to
// them (text through textContent, never HTML); popup.js owns the state and the messages.

import { formatDateTime, formatDuration, formatWhen, plural } from "./format.js";
import { normalize, sessionLabel } from "./sessions.js";

export function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

/** A link opening in a new tab, or a plain span when there is no address. */
export function link(href, className, text, title) {
  const node = make(href ? "a" : "span", className, text);
  if (href) {
    node.href = href;
    node.target = "_blank";
    node.rel = "noopener noreferrer";
  }
  if (title) node.title = title;
  return node;
}

/**
 * Fills the status box from a `describeSync` model. `openLists` (a Set of list kinds) keeps
 * the lists the user opened open across redraws.
 */
export function fillSyncStatus(box, model, { notice = null, openLists = new Set() } = {}) {
  box.className = `sync-status tone-${model.tone}`;
  const headline = make("p", "sync-headline");
  const cut = model.headline.indexOf(" · "); // "All synced · last sync 2 min ago": the rest is quieter
  if (cut > 0) headline.append(model.headline.slice(0, cut), make("span", "sub", model.headline.slice(cut)));
  else headline.textContent = model.headline;
  box.replaceChildren(headline);
  for (const line of model.lines) box.append(make("p", "sync-line", line));
  if (notice) box.append(make("p", "sync-line notice", notice));
  for (const list of model.lists) {
    const details = make("details", `sync-list ${list.kind}`);
    details.dataset.testid = `${list.kind}-items`;
    details.open = openLists.has(list.kind);
    const count = list.lines.length + list.more;
    const changes = count === 1 ? "change" : plural(count, "change");
    details.append(make("summary", null, list.kind === "failed" ? `Show the ${changes} not sent` : `Show the refused ${changes}`));
    const ul = make("ul");
    for (const line of list.lines) ul.append(make("li", null, line));
    if (list.more > 0) ul.append(make("li", "more", `and ${list.more} more`));
    details.append(ul);
    details.addEventListener("toggle", () => {
      if (details.open) openLists.add(list.kind);
      else openLists.delete(list.kind);
    });
    box.append(details);
  }
}

const AVATAR_HOST = "avatars.githubusercontent.com";

/**
 * The signed-in user: name, and the avatar when it is on GitHub's avatar host (any other
 * address is ignored); the initial shows until the image loads, and stays if it fails.
 */
export function fillUser(ui, user) {
  ui.username.textContent = user?.username ?? "Signed in";
  ui.username.title = user?.username ? `Signed in to WorkTime as ${user.username}` : "";
  ui.avatarFallback.textContent = user?.username ? user.username[0] : "?";
  let src = null;
  try {
    const url = new URL(user?.avatar_url ?? "");
    if (url.protocol === "https:" && url.hostname === AVATAR_HOST) {
      url.searchParams.set("s", "40");
      src = url.href;
    }
  } catch { /* no avatar */ }
  if (src && ui.avatar.getAttribute("src") === src) return;
  ui.avatar.hidden = true;
  ui.avatarFallback.hidden = false;
  if (!src) {
    ui.avatar.removeAttribute("src");
    return;
  }
  ui.avatar.addEventListener("load", () => { ui.avatar.hidden = false; ui.avatarFallback.hidden = true; }, { once: true });
  ui.avatar.src = src;
}

/**
 * The current session: its pull request and a timer element (#session-timer) to tick; or
 * why nothing is tracked (paused, or no pull request open).
 */
export function fillCurrent(box, active, pause = null) {
  if (!active) {
    box.classList.remove("running");
    const idle = pause
      ? "Paused — nothing is tracked until you resume."
      : "Not tracking — open a pull request on GitHub to start.";
    box.replaceChildren(make("p", "label-small", "Current session"), make("p", "current-idle muted", idle));
    return;
  }
  const session = normalize(active);
  const label = session ? sessionLabel(session) : "A pull request";
  const heading = make("p", "label-small");
  heading.append(make("span", "live-dot"), "Tracking now");
  const name = link(session?.url ?? null, "current-pr", null, `${label} — since ${formatDateTime(active.start_ms)}`);
  if (session) name.append(make("span", "session-repo", `${session.owner}/${session.repo}`), make("span", "session-num", ` #${session.pr}`));
  else name.textContent = label;
  const timer = make("p", "current-timer");
  timer.id = "session-timer";
  timer.dataset.testid = "session-timer";
  timer.setAttribute("aria-label", "Time in this session");
  box.classList.add("running");
  box.replaceChildren(heading, name, timer);
}

/** A repository's pull requests, folded: "#12 · 1 h 5 min" each, linked to GitHub. */
function prDetails(row) {
  const details = make("details", "repo-prs");
  details.style.gridColumn = "1 / -1";
  const count = row.prs.length + (row.morePrs ?? 0);
  details.append(make("summary", "muted", plural(count, "pull request")));
  const ul = make("ul");
  ul.style.paddingLeft = "16px"; // (no stylesheet rule of its own: the sync lists' indent)
  for (const pr of row.prs) {
    const li = make("li");
    li.append(link(pr.url, null, `#${pr.pr}`, `${row.owner}/${row.repo} #${pr.pr}: ${plural(pr.sessions, "session")}`));
    li.append(make("span", "repo-time", ` · ${formatDuration(pr.seconds)}`));
    ul.append(li);
  }
  if (row.morePrs > 0) ul.append(make("li", "muted", `and ${row.morePrs} more`));
  details.append(ul);
  return details;
}

/**
 * The top `top` repositories with a bar each (relative to the first). Returns a note about
 * the rest ("and 2 other repositories · 2 h 7 min"), or "".
 */
export function fillBreakdown(list, rows, top) {
  const shown = rows.slice(0, top);
  const max = Math.max(1, shown[0]?.seconds ?? 1);
  for (const row of shown) {
    const li = make("li", "repo-row");
    li.dataset.testid = "repo-item";
    const name = `${row.owner}/${row.repo}`;
    const title = `${name}: ${formatDuration(row.seconds)} in ${plural(row.sessions, "session")}`;
    li.append(link(row.url, "repo-name", name, title));
    li.append(make("span", "repo-time", formatDuration(row.seconds)));
    const bar = make("span", "repo-bar");
    bar.setAttribute("aria-hidden", "true");
    const fill = make("span");
    fill.style.width = `${Math.max(1, Math.round((row.seconds / max) * 100))}%`;
    bar.append(fill);
    li.append(bar);
    if (row.prs?.length) li.append(prDetails(row));
    list.append(li);
  }
  const rest = rows.slice(top);
  if (rest.length === 0) return "";
  const seconds = rest.reduce((sum, r) => sum + r.seconds, 0);
  return `and ${plural(rest.length, "other repository", "other repositories")} · ${formatDuration(seconds)}`;
}

/**
 * One row per session: "owner/repo #N · 12 min · Tue 14:05", a dot for sessions not synced
 * yet, a tag for refused or server-ended ones and for sessions of another device. Returns whether any row is not synced.
 */
export function fillHistory(list, sessions, nowMs) {
  let anyPending = false;
  for (const session of sessions) {
    const li = make("li", "session");
    li.dataset.testid = "history-item";
    const label = sessionLabel(session);
    const started = session.startMs != null ? formatDateTime(session.startMs) : "";
    // The repository name shrinks (with "…"); the PR number always shows.
    const pr = link(session.url, "session-pr", null, started ? `${label} — started ${started}` : label);
    pr.append(make("span", "session-repo", `${session.owner}/${session.repo}`), make("span", "session-num", ` #${session.pr}`));
    li.append(pr);
    const duration = session.running ? "running" : formatDuration(session.durationSeconds);
    const when = session.startMs != null ? ` · ${formatWhen(session.startMs, nowMs)}` : "";
    li.append(make("span", "session-meta", ` · ${duration}${when}`));
    const tags = make("span", "session-tags");
    const tag = (kind, text, title) => {
      const t = make("span", `tag ${kind}`, text);
      t.title = title;
      tags.append(t);
    };
    if (session.syncState === "pending") {
      const dot = make("span", "marker pending");
      dot.dataset.testid = "unsynced-marker";
      dot.title = "Not synced yet: saved on this computer, not sent to the server.";
      dot.append(make("span", "visually-hidden", "not synced yet"));
      tags.append(dot);
      anyPending = true;
    }
    if (session.syncState === "rejected") tag("rejected", "refused", "The server refused this session; it stays on this computer only.");
    if (session.abandoned) tag("", "auto-ended", "Ended by the server after this browser stopped reporting activity.");
    if (!session.thisDevice) {
      const other = make("span", "tag device", "other device");
      other.dataset.testid = "other-device";
      other.title = "Tracked on another of your browsers or computers.";
      tags.append(other);
    }
    if (tags.childElementCount) li.append(tags);
    if (!session.running && session.id) {
      const remove = make("button", "delete-session", "×");
      remove.type = "button";
      remove.dataset.testid = "delete-session";
      remove.dataset.sessionId = session.id;
      remove.dataset.label = label;
      remove.title = `Delete ${label}`;
      remove.setAttribute("aria-label", `Delete ${label}`);
      li.append(remove);
    }
    list.append(li);
  }
  return anyPending;
}
