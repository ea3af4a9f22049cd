// Runs side by side (#/compare?ids=A,B,...): from /api/compare, the params
// with differing rows marked (colour and a "differs" cell, not colour
// alone) and the metric summaries; for every metric the runs share, one
// chart with a curve per run.

import { get, qs } from "./api.js";
import { h, fmtNum, fmtValue, errorBox, section, table } from "./dom.js";
import { LineChart, chartControls, PALETTE } from "./chart.js";
import { fetchSeries, toSeries } from "./series.js";

export async function render(main, ctx) {
  const ids = (ctx.query.get("ids") || "").split(",").filter(Boolean);
  main.append(h("p", { class: "muted" }, h("a", { href: "#/runs" }, "Runs"), " / compare"), h("h1", {}, `Compare ${ids.length} runs`));
  const res = await get("/api/compare" + qs({ ids: ids.join(",") }));
  if (!ctx.alive()) return;
  if (!res.ok) {
    main.append(errorBox(res.error, "the comparison"));
    return;
  }
  const c = res.data;
  const runs = c.runs || ids.map((id) => ({ id }));
  // Run ids share their leading (time) digits, so the tail tells them apart.
  const runName = (r) => `${r.name || "run"} …${String(r.id).slice(-6)}`;
  const head = (label) => [{ label, cell: (row) => h("code", {}, row.key || row.series) },
    ...runs.map((r, i) => ({ label: runName(r, i), cell: (row) => fmtValue((row.values || [])[i]) }))];
  main.append(section("Runs", "compare-runs", h("ul", { class: "legend" }, runs.map((r, i) => {
    const sw = h("i", {});
    sw.style.background = PALETTE[i % PALETTE.length];
    return h("li", {}, sw, h("a", { href: "#/run/" + encodeURIComponent(r.id) }, runName(r, i)), r.status ? ` (${r.status})` : "");
  }))));
  const params = c.params || [];
  const differing = params.filter((p) => p.differs).length;
  main.append(section("Params", "compare-params",
    h("p", { class: "muted" }, `${differing} of ${params.length} params differ (marked).`),
    h("div", { class: "scroll-x" }, table([...head("Param"), { label: "Differs", cell: (row) => (row.differs ? h("span", { class: "bad" }, "differs") : "") }],
      params, { caption: "Params side by side", class: "params", rowClass: (p) => (p.differs ? "differs" : null), empty: "No params." }))));
  const metricRows = c.metrics || [];
  main.append(section("Metric summaries", "compare-metrics", h("div", { class: "scroll-x" }, table([
    { label: "Metric", cell: (row) => h("code", {}, row.series || row.key) },
    ...runs.map((r, i) => ({ label: runName(r, i), class: "num", cell: (row) => { const s = (row.summaries || [])[i]; return s ? `${fmtNum(s.last)} (min ${fmtNum(s.min)}, max ${fmtNum(s.max)})` : "–"; } })),
  ], metricRows, { caption: "Last values", empty: "No metrics." }))));

  // The metrics every run has, one chart each.
  const common = metricRows.filter((m) => (m.summaries || []).length === runs.length && m.summaries.every((s) => s)).map((m) => m.series || m.key);
  const grid = h("div", { class: "charts" });
  const charts = [];
  let opts = { logY: false, smoothing: 0, xTime: false };
  main.append(section("Curves", "curves", chartControls((o) => {
    opts = o;
    for (const ch of charts) ch.chart.set({ ...o, series: ch.answers.map((a, i) => ({ ...toSeries(runName(runs[i], i), a, o.xTime) })) });
  }), common.length ? null : h("p", { class: "muted" }, "The runs share no metric."), grid));
  const all = await Promise.all(common.map((key) => Promise.all(runs.map((r) => fetchSeries(r.id, key)))));
  if (!ctx.alive()) return;
  common.forEach((key, k) => {
    const answers = all[k];
    const bad = answers.find((a) => !a.ok);
    if (bad) {
      grid.append(h("div", { class: "chart" }, h("h3", {}, key), errorBox(bad.error, key)));
      return;
    }
    const data = answers.map((a) => a.data);
    const chart = new LineChart({ title: key, legend: true, series: data.map((d, i) => toSeries(runName(runs[i], i), d, opts.xTime)), ...opts });
    charts.push({ chart, answers: data });
    grid.append(chart.el);
  });
}
