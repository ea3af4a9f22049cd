// The drift heat-map of a monitor page: one row per column, one cell per
// window, coloured by drift.score.<column> (scaled to the largest score,
// since the score's unit depends on the column's test), with a dot where
// drift.detected.<column> is set. SVG so each cell carries a <title>.

import { s, fmtNum } from "./dom.js";

function color(t) {
  // Pale grey-blue -> amber -> red.
  const stops = [[244, 247, 251], [245, 176, 65], [180, 35, 24]];
  const x = Math.max(0, Math.min(1, t)) * 2;
  const i = Math.min(1, Math.floor(x));
  const f = x - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** results: [{window, fields}] in window order. Returns null without scores. */
export function driftHeatmap(results) {
  const cols = new Set();
  for (const r of results) for (const k of Object.keys(r.fields || {})) if (k.startsWith("drift.score.")) cols.add(k.slice(12));
  const names = [...cols].sort();
  if (!names.length || !results.length) return null;
  let max = 0;
  for (const r of results) for (const c of names) { const v = r.fields["drift.score." + c]; if (Number.isFinite(v)) max = Math.max(max, v); }
  const cw = Math.max(8, Math.min(30, Math.floor(900 / results.length))), ch = 20;
  const left = 10 + 7 * Math.max(...names.map((n) => n.length)), top = 6;
  const width = left + cw * results.length + 10, height = top + ch * names.length + 30;
  const svg = s("svg", { class: "heatmap", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": `Drift scores of ${names.length} columns over ${results.length} windows` });
  names.forEach((c, ri) => {
    svg.append(s("text", { x: left - 6, y: top + ri * ch + ch / 2 + 4, "text-anchor": "end" }, c));
    results.forEach((r, wi) => {
      const v = r.fields["drift.score." + c];
      const detected = r.fields["drift.detected." + c] > 0;
      const when = new Date(r.window * 1000).toISOString().slice(0, 16).replace("T", " ");
      svg.append(s("rect", { x: left + wi * cw, y: top + ri * ch, width: cw - 1, height: ch - 1, fill: Number.isFinite(v) ? color(max ? v / max : 0) : "#ffffff", stroke: Number.isFinite(v) ? "none" : "#e5e8ee", "data-column": c },
        s("title", {}, `${c} at ${when}: score ${fmtNum(v)}${detected ? " (drift detected)" : ""}`)));
      if (detected) svg.append(s("circle", { cx: left + wi * cw + (cw - 1) / 2, cy: top + ri * ch + (ch - 1) / 2, r: 2.5, fill: "#ffffff" }));
    });
  });
  const step = Math.max(1, Math.ceil(60 / cw));
  results.forEach((r, wi) => {
    if (wi % step) return;
    svg.append(s("text", { x: left + wi * cw, y: top + ch * names.length + 16 }, new Date(r.window * 1000).toISOString().slice(11, 16)));
  });
  return { svg, max };
}
