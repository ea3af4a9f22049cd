// The data set parts of an asset page: the schema, a version's profile
// (/api/datasets/NAME/profile) and the statistics of two versions side by
// side (/api/datasets/NAME/diff), with links to the HTML profile and drift
// reports the server renders.

import { get, qs, seg } from "./api.js";
import { h, s, fmtNum, fmtValue, errorBox, section, table } from "./dom.js";

function histogram(hist) {
  if (!hist || !Array.isArray(hist.counts) || !hist.counts.length) return null;
  const max = Math.max(...hist.counts) || 1;
  const w = 90, hh = 22, bw = w / hist.counts.length;
  return s("svg", { width: w, height: hh, viewBox: `0 0 ${w} ${hh}`, role: "img", "aria-label": "histogram" },
    hist.counts.map((c, i) => s("rect", { x: i * bw, y: hh - (c / max) * hh, width: Math.max(bw - 1, 1), height: (c / max) * hh, fill: "#1f5fbf" })));
}

function topValues(top) {
  if (!Array.isArray(top) || !top.length) return null;
  return top.slice(0, 3).map((t) => h("span", { class: "pill grey" }, `${fmtValue(t.value)} (${t.count})`));
}

function quantile(col, q) {
  const qs2 = col.quantiles;
  if (!Array.isArray(qs2)) return "";
  const hit = qs2.find((p) => Array.isArray(p) && p[0] === q);
  return hit ? fmtNum(hit[1]) : "";
}

function profileTable(p) {
  const cols = p.columns || [];
  return h("div", { class: "scroll-x" }, table([
    { label: "Column", cell: (c) => h("code", {}, c.name) },
    { label: "Type", cell: (c) => c.data_type || c.type || "" },
    { label: "Count", class: "num", cell: (c) => fmtNum(c.count) },
    { label: "Nulls", class: "num", cell: (c) => fmtNum(c.null_count) },
    { label: "Distinct ≈", class: "num", cell: (c) => fmtNum(c.distinct_estimate !== undefined ? Math.round(c.distinct_estimate) : c.distinct) },
    { label: "Mean", class: "num", cell: (c) => fmtNum(c.mean) },
    { label: "Std", class: "num", cell: (c) => fmtNum(c.std) },
    { label: "Min", class: "num", cell: (c) => fmtValue(c.min) },
    { label: "Median", class: "num", cell: (c) => quantile(c, 0.5) },
    { label: "Max", class: "num", cell: (c) => fmtValue(c.max) },
    { label: "Distribution", cell: (c) => histogram(c.histogram) || topValues(c.top_k) || "" },
  ], cols, { caption: "Profile", class: "profile" }));
}

function pair(v) {
  return Array.isArray(v) ? v : [undefined, undefined];
}

function diffView(d) {
  const out = [];
  const rows = pair(d.rows);
  out.push(h("p", {}, `Rows: ${fmtNum(rows[0])} in v${d.from}, ${fmtNum(rows[1])} in v${d.to}.`));
  const list = (title, items, f) => items && items.length ? h("p", {}, h("strong", {}, title + ": "), items.map(f).join(", ")) : null;
  out.push(list("Added columns", d.added, (c) => `${c[0]} (${c[1]})`));
  out.push(list("Removed columns", d.removed, (c) => `${c[0]} (${c[1]})`));
  out.push(list("Retyped columns", d.retyped, (c) => `${c[0]}: ${c[1]} → ${c[2]}`));
  const stat = (name, c, i) => fmtNum(pair(c[name])[i]);
  const changed = (c) => ["nulls", "mean", "std", "distinct"].some((k) => pair(c[k])[0] !== pair(c[k])[1]);
  out.push(h("div", { class: "scroll-x" }, table([
    { label: "Column", cell: (c) => h("code", {}, c.column) },
    { label: `Nulls v${d.from}`, class: "num", cell: (c) => stat("nulls", c, 0) },
    { label: `Nulls v${d.to}`, class: "num", cell: (c) => stat("nulls", c, 1) },
    { label: `Mean v${d.from}`, class: "num", cell: (c) => stat("mean", c, 0) },
    { label: `Mean v${d.to}`, class: "num", cell: (c) => stat("mean", c, 1) },
    { label: `Std v${d.from}`, class: "num", cell: (c) => stat("std", c, 0) },
    { label: `Std v${d.to}`, class: "num", cell: (c) => stat("std", c, 1) },
    { label: `Distinct v${d.from}`, class: "num", cell: (c) => stat("distinct", c, 0) },
    { label: `Distinct v${d.to}`, class: "num", cell: (c) => stat("distinct", c, 1) },
  ], d.columns || [], { caption: "Statistics side by side", class: "diff", rowClass: (c) => (changed(c) ? "differs" : null) })));
  return out;
}

/** One table of a row diff: its first rows, and how many there are. */
function rowTable(title, t, cls) {
  if (!t || !t.total) return null;
  const more = t.total > t.rows.length ? ` (first ${fmtNum(t.rows.length)} of ${fmtNum(t.total)})` : "";
  return h("div", { class: "scroll-x" }, h("h3", {}, title + more),
    table(t.columns.map((c, i) => ({ label: c, cell: (row) => row[i] })), t.rows, { caption: title, class: cls }));
}

/** A row diff by key: the counts, then the first rows of each kind. */
function rowsView(d) {
  const s = d.summary;
  const cells = Object.entries(s.changed_cells || {}).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${fmtNum(n)}`);
  return [
    table([
      { label: "Added", class: "num", cell: () => fmtNum(s.added) },
      { label: "Removed", class: "num", cell: () => fmtNum(s.removed) },
      { label: "Changed", class: "num", cell: () => fmtNum(s.changed) },
      { label: "Unchanged", class: "num", cell: () => fmtNum(s.unchanged) },
      { label: "Changed cells", cell: () => cells.join(", ") || "none" },
    ], [s], { caption: `Rows by ${s.key.join(", ")}, v${s.from} to v${s.to}`, class: "rowdiff" }),
    rowTable("Added rows", d.added, "rows-added"),
    rowTable("Removed rows", d.removed, "rows-removed"),
    rowTable("Changed rows", d.changed, "rows-changed"),
  ].filter(Boolean);
}

/** The data set sections; `versions` is the newest-first list of the page. */
export function datasetSections(name, versions, ctx) {
  const newest = versions[0];
  const schema = (newest && newest.dataset && newest.dataset.schema) || [];
  const nums = versions.map((v) => v.version);
  const options = (sel) => nums.map((n) => h("option", { value: n, selected: n === sel }, "v" + n));

  const schemaSec = section("Schema", "schema",
    newest ? h("p", { class: "muted" }, `Version ${newest.version}${newest.dataset && newest.dataset.rows !== undefined ? `, ${fmtNum(newest.dataset.rows)} rows` : ""}${newest.dataset && newest.dataset.format ? `, ${newest.dataset.format}` : ""}.`) : null,
    // Folded when long: the profile below lists every column again.
    h("details", { open: schema.length <= 12 }, h("summary", {}, `${schema.length} columns`),
      table([{ label: "Column", cell: (c) => h("code", {}, Array.isArray(c) ? c[0] : c.name) }, { label: "Type", cell: (c) => (Array.isArray(c) ? c[1] : c.type) }],
        schema, { caption: "Schema", empty: "No schema recorded.", class: "schema" })));

  const pv = h("select", { id: "profile-version" }, options(nums[0]));
  const reportLink = h("a", { class: "button", target: "_blank", rel: "noopener" }, "Open profile report");
  const profBody = h("div", {});
  const loadProfile = async () => {
    reportLink.href = `/reports/profile/${seg(name)}${qs({ version: pv.value })}`;
    profBody.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    const r = await get(`/api/datasets/${seg(name)}/profile${qs({ version: pv.value })}`);
    if (!ctx.alive()) return;
    profBody.replaceChildren(r.ok ? profileTable(r.data) : errorBox(r.error, "the profile"));
  };
  pv.addEventListener("change", loadProfile);
  const profSec = section("Profile", "profile",
    h("div", { class: "row" }, h("label", { for: "profile-version" }, "Profile of version"), pv, reportLink), profBody);

  const from = h("select", { id: "diff-from" }, options(nums[1] !== undefined ? nums[1] : nums[0]));
  const to = h("select", { id: "diff-to" }, options(nums[0]));
  const driftLink = h("a", { class: "button", target: "_blank", rel: "noopener" }, "Open drift report");
  const diffBody = h("div", { id: "diff-body" });
  const syncLink = () => { driftLink.href = `/reports/drift/${seg(name)}${qs({ from: from.value, to: to.value })}`; };
  from.addEventListener("change", syncLink);
  to.addEventListener("change", syncLink);
  syncLink();
  const form = h("form", { class: "row", "aria-label": "Compare two versions" },
    h("label", { for: "diff-from" }, "From"), from, h("label", { for: "diff-to" }, "To"), to,
    h("button", { type: "submit", class: "primary" }, "Compare versions"), driftLink);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    diffBody.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    const r = await get(`/api/datasets/${seg(name)}/diff${qs({ from: from.value, to: to.value })}`);
    if (!ctx.alive()) return;
    diffBody.replaceChildren(...(r.ok ? diffView(r.data).filter(Boolean) : [errorBox(r.error, "the diff")]));
  });
  // Rows by key (`Registry::diff_rows`), the same two versions.
  const key = h("input", { id: "rows-key", type: "text", placeholder: "id", size: 16, autocomplete: "off" });
  const rowsBody = h("div", { id: "rows-body" });
  const rowsForm = h("form", { class: "row", "aria-label": "Compare rows by key" },
    h("label", { for: "rows-key" }, "Key columns"), key,
    h("button", { type: "submit" }, "Compare rows"));
  rowsForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    rowsBody.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    const r = await get(`/api/datasets/${seg(name)}/rows${qs({ from: from.value, to: to.value, key: key.value.trim() })}`);
    if (!ctx.alive()) return;
    rowsBody.replaceChildren(...(r.ok ? rowsView(r.data) : [errorBox(r.error, "the row diff")]));
  });
  const diffSec = section("Compare versions", "diff", form, diffBody, rowsForm, rowsBody);
  loadProfile();
  return [schemaSec, profSec, diffSec];
}
