// A monitor (#/monitor/NAME): per-field timelines over its windows (drift
// share, null and out-of-range ratios, rows, label ratio and quality), with
// the rules' simple thresholds (`field > x`, `field < x`) as bands and the
// alerts as markers; the drift heat-map; label lag; and every window with
// a link to its report (/reports/monitor/NAME/WINDOW).

import { get, seg } from "./api.js";
import { h, fmtTime, fmtNum, errorBox, section, table } from "./dom.js";
import { LineChart, chartControls } from "./chart.js";
import { driftHeatmap } from "./heatmap.js";

const FIELDS = ["drift.share", "null_ratio", "out_of_range_ratio", "type_error_ratio", "rows", "labels.ratio"];

/** The bands a rule's text gives, when it is a plain `field > x` or `field < x`. */
export function ruleBands(rules) {
  const out = [];
  for (const r of rules || []) {
    const text = typeof r === "string" ? r : r.rule || "";
    const m = /^\s*([A-Za-z_][\w.]*)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?(?:[eE]-?\d+)?)\s*(?:for\s+\d+\s+windows?)?\s*$/.exec(text);
    if (!m) continue;
    const x = Number(m[3]);
    out.push({ field: m[1], label: text, ...(m[2].startsWith(">") ? { lo: x, hi: Infinity } : { lo: -Infinity, hi: x }) });
  }
  return out;
}

export async function render(main, ctx) {
  const name = ctx.parts[0] || "";
  main.append(h("p", { class: "muted" }, h("a", { href: "#/monitors" }, "Monitors"), " / ", name), h("h1", {}, `Monitor ${name}`));
  const res = await get(`/api/monitors/${seg(name)}`);
  if (!ctx.alive()) return;
  if (!res.ok) {
    main.append(errorBox(res.error, "the monitor"));
    return;
  }
  const m = res.data;
  const all = m.results || [];
  // The overall figures (segment ""); a monitor with only segments shows its first.
  const segs = [...new Set(all.map((r) => r.segment || ""))];
  const segment = segs.includes("") ? "" : segs[0];
  const results = all.filter((r) => (r.segment || "") === segment).sort((a, b) => a.window - b.window);
  const rules = m.rules || [];
  const alerts = m.alerts || [];
  const firing = alerts.filter((a) => a.state === "firing");
  const bands = ruleBands(rules);

  main.append(h("p", { class: "row" },
    h("span", {}, `${results.length} windows${segment ? ` (segment ${segment})` : ""}`),
    firing.length ? h("span", { class: "pill bad" }, `${firing.length} alert${firing.length > 1 ? "s" : ""} fired`) : h("span", { class: "pill grey" }, "no alerts"),
    h("a", { href: `/reports/monitor/${seg(name)}`, target: "_blank", rel: "noopener", class: "button" }, "Open dashboard report")));

  main.append(h("div", { class: "cols" },
    section("Rules", "rules", table([
      { label: "Name", cell: (r) => r.name || "" },
      { label: "Rule", cell: (r) => h("code", {}, r.rule || "") },
      { label: "Severity", cell: (r) => r.severity || "" },
    ], rules.map((r) => (typeof r === "string" ? { rule: r } : r)), { caption: "Rules", empty: "No rules." })),
    section("Alerts", "alerts", table([
      { label: "Rule", cell: (a) => a.rule },
      { label: "State", cell: (a) => h("span", { class: a.state === "firing" ? "bad" : "ok" }, a.state) },
      { label: "Severity", cell: (a) => a.severity || "" },
      { label: "Window", cell: (a) => fmtTime(a.window * 1000) },
      { label: "Logged", cell: (a) => fmtTime(a.time) },
    ], alerts, { caption: "Alerts", empty: "No alerts." }))));

  if (m.config && typeof m.config === "object") {
    main.append(section("Settings", "config", h("details", {}, h("summary", {}, "show the monitor's settings"), h("pre", { class: "mono" }, JSON.stringify(m.config, null, 2)))));
  }

  const has = (f) => results.some((r) => Number.isFinite((r.fields || {})[f]));
  const fields = [...FIELDS.filter(has), ...bands.map((b) => b.field).filter((f) => !FIELDS.includes(f) && has(f))];
  const uniq = [...new Set(fields)];
  const x = results.map((r) => r.window * 1000);
  const markers = firing.map((a) => ({ x: a.window * 1000, label: a.rule }));
  const charts = [];
  const grid = h("div", { class: "charts", id: "timelines" });
  const series = (f) => ({ name: f, x, y: results.map((r) => { const v = (r.fields || {})[f]; return Number.isFinite(v) ? v : NaN; }) });
  for (const f of uniq) {
    const c = new LineChart({ title: f, series: [series(f)], xTime: true, bands: bands.filter((b) => b.field === f), markers });
    charts.push(c);
    grid.append(c.el);
  }
  // Model quality: realized (labels joined) against estimated (before labels).
  for (const metric of ["roc_auc", "accuracy", "f1"]) {
    const pair = [`quality.realized.${metric}`, `quality.estimated.${metric}`].filter(has);
    if (!pair.length) continue;
    const c = new LineChart({ title: `quality ${metric}`, legend: true, series: pair.map(series), xTime: true, bands: bands.filter((b) => pair.includes(b.field)), markers });
    charts.push(c);
    grid.append(c.el);
    break;
  }
  if (has("labels.lag_seconds")) {
    const c = new LineChart({ title: "label lag (hours)", series: [{ name: "labels.lag_seconds", x, y: results.map((r) => { const v = (r.fields || {})["labels.lag_seconds"]; return Number.isFinite(v) ? v / 3600 : NaN; }) }], xTime: true });
    charts.push(c);
    grid.append(c.el);
  }
  main.append(section("Timelines", "timeline",
    chartControls((o) => { for (const c of charts) c.set({ logY: o.logY, smoothing: o.smoothing }); }, { noAxis: true }),
    h("p", { class: "muted" }, "Shaded: where a rule's threshold is crossed. Red lines: windows where an alert fired."),
    uniq.length ? grid : h("p", { class: "muted" }, "No windows evaluated yet.")));

  const hm = driftHeatmap(results);
  main.append(section("Drift by column", "heatmap", hm
    ? [h("div", { class: "scale" }, "score 0", h("span", { class: "bar" }), `${fmtNum(hm.max)} · dot: drift detected`), h("div", { class: "scroll-x" }, hm.svg)]
    : h("p", { class: "muted" }, "No drift scores (the monitor has no reference, or no window yet).")));

  const alertWindows = new Set(alerts.flatMap((a) => [a.window, ...(a.windows || [])]));
  main.append(section("Windows", "windows", h("div", { class: "scroll-x" }, table([
    { label: "Window", cell: (r) => fmtTime(r.window * 1000) },
    { label: "Final", cell: (r) => (r.is_final ? "yes" : "open") },
    { label: "Rows", class: "num", cell: (r) => fmtNum((r.fields || {}).rows) },
    { label: "Drift share", class: "num", cell: (r) => fmtNum((r.fields || {})["drift.share"]) },
    { label: "Labels", class: "num", cell: (r) => fmtNum((r.fields || {})["labels.ratio"]) },
    { label: "Alert", cell: (r) => (alertWindows.has(r.window) ? h("span", { class: "bad" }, "yes") : "") },
    { label: "Report", cell: (r) => h("a", { href: `/reports/monitor/${seg(name)}/${seg(String(r.window))}`, target: "_blank", rel: "noopener", "aria-label": `Report of the window at ${fmtTime(r.window * 1000)}` }, "report") },
  ], [...results].reverse(), { caption: "Windows, newest first", empty: "No windows." }))));
}
