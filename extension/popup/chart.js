// @ts-check
// The 30-day bar chart, drawn as inline SVG into an existing <svg> element (so its id and
// test id stay stable across redraws). One bar per day, height proportional to the day's
// seconds; today highlighted; a tick with weekday and date every 7 days counting back from
// today; a <title> tooltip per day; role="img" with an aria-label summarising the range.

import { formatDay, formatDuration, plural } from "./format.js";

const SVG_NS = "http://www.w3.org/2000/svg";

/** Drawing area, in viewBox units (the svg is scaled to the popup's width by CSS). */
const WIDTH = 336;
const HEIGHT = 132;
const PLOT_TOP = 8;
const PLOT_BOTTOM = 108; // baseline
const AXIS_LEFT = 30; // room for the gridline labels
const GAP = 2;

/** Gridline steps, in seconds: the first that gives at most three lines is used. */
const STEPS = [300, 900, 1800, 3600, 7200, 10800, 14400, 21600, 28800, 43200, 86400];

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text != null) node.textContent = text;
  return node;
}

/** "30 min", "1 h", "2 h" for gridline labels. */
function axisLabel(seconds) {
  return seconds < 3600 ? `${Math.round(seconds / 60)}m` : `${Math.round(seconds / 3600)}h`;
}

/** The gridline step for a maximum, and the top of the scale (a whole number of steps). */
function scaleFor(maxSeconds) {
  const max = Math.max(maxSeconds, 1);
  const step = STEPS.find((s) => Math.ceil(max / s) <= 3) ?? Math.ceil(max / 3);
  return { step, top: Math.max(step, Math.ceil(max / step) * step) };
}

/**
 * Draws `days` into `svg`.
 * @param {SVGSVGElement} svg
 * @param {{ date: string, total_duration_seconds: number, session_count: number }[]} days
 *   oldest first; the last one is today
 * @param {{ todayExtraSeconds?: number, todayDate?: string }} [options]
 *   seconds of the running session to add to today's bar, and which date is today
 */
export function drawChart(svg, days, { todayExtraSeconds = 0, todayDate } = {}) {
  const list = Array.isArray(days) ? days : [];
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");

  const todayIndex = todayDate ? list.findIndex((d) => d.date === todayDate) : list.length - 1;
  const values = list.map((d, i) => {
    const base = Math.max(0, Number(d.total_duration_seconds) || 0);
    return i === todayIndex ? base + Math.max(0, todayExtraSeconds) : base;
  });
  const counts = list.map((d, i) => (Number(d.session_count) || 0) + (i === todayIndex && todayExtraSeconds > 0 ? 1 : 0));
  const total = values.reduce((a, b) => a + b, 0);
  const sessions = list.reduce((a, d) => a + (Number(d.session_count) || 0), 0);

  const label = list.length === 0
    ? "No daily totals to show."
    : `Time on pull requests per day, last ${list.length} days: ${formatDuration(total)} in ${plural(sessions, "session")}`
      + (todayIndex >= 0 ? `; today ${formatDuration(values[todayIndex])}.` : ".");
  svg.setAttribute("aria-label", label);
  svg.append(el("title", {}, label));

  if (list.length === 0) {
    svg.append(el("text", { x: WIDTH / 2, y: HEIGHT / 2, class: "chart-empty", "text-anchor": "middle" }, "No data yet"));
    return;
  }

  const { step, top } = scaleFor(Math.max(...values));
  const plotHeight = PLOT_BOTTOM - PLOT_TOP;
  const y = (seconds) => PLOT_BOTTOM - (seconds / top) * plotHeight;

  // Gridlines with labels on the left.
  const grid = el("g", { class: "chart-grid", "aria-hidden": "true" });
  const anyTime = values.some((v) => v > 0);
  for (let s = step; anyTime && s <= top; s += step) {
    const gy = y(s);
    grid.append(el("line", { x1: AXIS_LEFT, x2: WIDTH, y1: gy, y2: gy }));
    grid.append(el("text", { x: AXIS_LEFT - 4, y: gy + 3, "text-anchor": "end" }, axisLabel(s)));
  }
  grid.append(el("line", { class: "chart-baseline", x1: AXIS_LEFT, x2: WIDTH, y1: PLOT_BOTTOM, y2: PLOT_BOTTOM }));
  svg.append(grid);

  // Bars: a full-height invisible hit area per day carries the tooltip.
  const n = list.length;
  const slot = (WIDTH - AXIS_LEFT) / n;
  const barWidth = Math.max(1, slot - GAP);
  const bars = el("g", { class: "chart-bars" });
  list.forEach((day, i) => {
    const x = AXIS_LEFT + i * slot + GAP / 2;
    const isToday = i === todayIndex;
    const seconds = values[i];
    const group = el("g", { class: isToday ? "chart-day today" : "chart-day" });
    const running = isToday && todayExtraSeconds > 0 ? ` (${formatDuration(todayExtraSeconds)} of it running now)` : "";
    const tip = `${isToday ? "Today, " : ""}${formatDay(day.date)}: ${formatDuration(seconds)}, ${plural(counts[i], "session")}${running}`;
    group.append(el("title", {}, tip));
    group.append(el("rect", { class: "chart-hit", x: x - GAP / 2, y: PLOT_TOP, width: slot, height: PLOT_BOTTOM - PLOT_TOP }));
    // Empty days get a 1-unit stub so the 30 days stay visible.
    const h = seconds > 0 ? Math.max(2, PLOT_BOTTOM - y(seconds)) : 1;
    group.append(el("rect", {
      class: seconds > 0 ? "chart-bar" : "chart-bar empty",
      x, y: PLOT_BOTTOM - h, width: barWidth, height: h, rx: Math.min(2, barWidth / 3),
    }));
    bars.append(group);
  });
  svg.append(bars);
  if (!anyTime) {
    svg.append(el("text", { x: (AXIS_LEFT + WIDTH) / 2, y: (PLOT_TOP + PLOT_BOTTOM) / 2, class: "chart-empty",
      "text-anchor": "middle", "aria-hidden": "true" }, "No time tracked in these days yet"));
  }

  // Ticks every 7 days, counting back from today (or the last day).
  const ticks = el("g", { class: "chart-ticks", "aria-hidden": "true" });
  const anchor = todayIndex >= 0 ? todayIndex : n - 1;
  let leftmost = Infinity; // left edge of the last label drawn (labels go right to left)
  for (let i = anchor; i >= 0; i -= 7) {
    const cx = AXIS_LEFT + i * slot + slot / 2;
    const text = i === todayIndex ? "Today" : formatDay(list[i].date);
    const estimate = text.length * 5.6; // 10-unit system font, roughly
    let textAnchor = "middle";
    let left = cx - estimate / 2;
    if (cx + estimate / 2 > WIDTH) [textAnchor, left] = ["end", WIDTH - estimate];
    else if (left < 0) [textAnchor, left] = ["start", AXIS_LEFT + i * slot];
    if (left + estimate > leftmost - 6) continue; // would overlap its right neighbour
    leftmost = left;
    const tx = textAnchor === "end" ? WIDTH : textAnchor === "start" ? left : cx;
    ticks.append(el("line", { x1: cx, x2: cx, y1: PLOT_BOTTOM, y2: PLOT_BOTTOM + 4 }));
    ticks.append(el("text", {
      class: i === todayIndex ? "today" : "", x: tx, y: PLOT_BOTTOM + 16, "text-anchor": textAnchor,
    }, text));
  }
  svg.append(ticks);
}
