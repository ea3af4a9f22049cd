// A run (#/run/ID): what it was (status, source, params, tags, inputs and
// outputs, artifacts) and one chart per metric, with the shared controls
// (log scale, smoothing, step or time axis) and drag-to-zoom per chart.

import { get, seg } from "./api.js";
import { h, fmtTime, fmtNum, fmtValue, errorBox, section, table, kvTable, assetHref } from "./dom.js";
import { LineChart, chartControls } from "./chart.js";
import { fetchSeries, toSeries } from "./series.js";

function refLink(r) {
  if (!r || typeof r !== "object") return fmtValue(r);
  if (r.kind && r.name) return h("a", { href: assetHref(r.kind, r.name) }, `${r.kind}/${r.name}${r.version !== undefined ? "@" + r.version : ""}`);
  return fmtValue(r);
}

export async function render(main, ctx) {
  const id = ctx.parts[0] || "";
  main.append(h("p", { class: "muted" }, h("a", { href: "#/runs" }, "Runs"), " / ", id));
  const res = await get(`/api/runs/${seg(id)}`);
  if (!ctx.alive()) return;
  if (!res.ok) {
    main.append(h("h1", {}, "Run"), errorBox(res.error, "the run"));
    return;
  }
  const r = res.data;
  main.append(h("h1", {}, r.name || r.id, " ", h("span", { class: "pill status-" + r.status }, r.status || "")));
  const src = r.source || {};
  const facts = {
    id: r.id, experiment: r.experiment, parent: r.parent, principal: r.principal,
    started: fmtTime(r.start_time), ended: fmtTime(r.end_time), "exit code": r.exit_code,
    "git commit": src.git_commit ? src.git_commit + (src.git_dirty ? " (dirty)" : "") : null, host: src.host,
  };
  // Only what the run recorded: no rows of blanks.
  for (const k of Object.keys(facts)) if (facts[k] === null || facts[k] === undefined || facts[k] === "") delete facts[k];
  main.append(section("Run", "run-info", kvTable(facts, { caption: "Run" })));
  const metrics = Array.isArray(r.metrics) ? r.metrics : Object.entries(r.metrics || {}).map(([key, v]) => ({ key, ...v }));
  main.append(h("div", { class: "cols" },
    section("Params", "params", kvTable(r.params, { caption: "Params", keyLabel: "Param", empty: "No params." })),
    section("Tags", "tags", kvTable(r.tags, { caption: "Tags", keyLabel: "Tag", empty: "No tags." }))));
  main.append(h("div", { class: "cols" },
    section("Inputs", "inputs", h("ul", {}, (r.inputs || []).map((x) => h("li", {}, refLink(x))), (r.inputs || []).length ? null : h("li", { class: "muted" }, "None."))),
    section("Outputs", "outputs", h("ul", {}, (r.outputs || []).map((x) => h("li", {}, refLink(x))), (r.outputs || []).length ? null : h("li", { class: "muted" }, "None.")))));
  if ((r.artifacts || []).length) {
    main.append(section("Artifacts", "artifacts", h("ul", {}, r.artifacts.map((a) => {
      const path = typeof a === "string" ? a : a.path || a.name || fmtValue(a);
      return h("li", {}, /\.html?$/i.test(path)
        ? h("a", { href: `/reports/run/${seg(r.id)}/${path.split("/").map(seg).join("/")}`, target: "_blank", rel: "noopener" }, path)
        : h("code", {}, path));
    }))));
  }
  main.append(section("Metric summaries", "summaries", table([
    { label: "Metric", cell: (m) => h("code", {}, m.key) },
    { label: "Points", class: "num", cell: (m) => fmtNum(m.count) },
    { label: "Last", class: "num", cell: (m) => fmtNum(m.last) },
    { label: "Min", class: "num", cell: (m) => fmtNum(m.min) },
    { label: "Max", class: "num", cell: (m) => fmtNum(m.max) },
    { label: "Steps", class: "num", cell: (m) => (m.first_step !== undefined ? `${m.first_step}–${m.last_step}` : "") },
  ], metrics, { caption: "Metric summaries", empty: "No metrics." })));

  const charts = [];
  const data = new Map();
  let opts = { logY: false, smoothing: 0, xTime: false };
  const grid = h("div", { class: "charts" });
  main.append(section("Charts", "charts",
    chartControls((o) => {
      opts = o;
      for (const c of charts) c.chart.set({ logY: o.logY, smoothing: o.smoothing, xTime: o.xTime, series: [toSeries(c.key, data.get(c.key), o.xTime)] });
    }),
    metrics.length ? h("p", { class: "muted" }, "Drag across a chart to zoom; double-click or Reset zoom to go back.") : h("p", { class: "muted" }, "No metrics."),
    grid));
  const answers = await Promise.all(metrics.map((m) => fetchSeries(r.id, m.key)));
  if (!ctx.alive()) return;
  metrics.forEach((m, i) => {
    const a = answers[i];
    if (!a.ok) {
      grid.append(h("div", { class: "chart" }, h("h3", {}, m.key), errorBox(a.error, m.key)));
      return;
    }
    data.set(m.key, a.data);
    const chart = new LineChart({ title: m.key, series: [toSeries(m.key, a.data, opts.xTime)], ...opts });
    charts.push({ key: m.key, chart });
    grid.append(chart.el);
  });
}
