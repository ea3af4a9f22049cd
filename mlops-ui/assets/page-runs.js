// The runs table (#/runs?q=FILTER&sort=FIELD&desc=1&columns=A,B): a filter
// box, a column picker over /api/runs/keys (searchable: a store can have
// thousands of keys), a virtualised table fed 100 rows at a time by
// /api/runs, header buttons that sort on the server, and checkboxes that
// pick 2 to 10 runs to compare.

import { get, qs } from "./api.js";
import { h, fmtTime, fmtValue, errorBox } from "./dom.js";
import { VirtualTable } from "./table.js";

const PAGE = 100;
const SHOWN_KEYS = 200;

function duration(r) {
  if (!r.start_time || !r.end_time) return "";
  const s = (r.end_time - r.start_time) / 1000;
  return s < 60 ? s.toFixed(1) + " s" : s < 3600 ? (s / 60).toFixed(1) + " min" : (s / 3600).toFixed(1) + " h";
}

function picker(keys, chosen, apply) {
  const all = [
    ...(keys.params || []).map((k) => "params." + k),
    ...(keys.metrics || []).map((k) => "metrics." + k),
    ...(keys.tags || []).map((k) => "tags." + k),
  ];
  const picked = new Set(chosen);
  const search = h("input", { type: "search", id: "keys-search", placeholder: "lr, loss, …", autocomplete: "off" });
  const list = h("div", { class: "list", role: "group", "aria-label": "Columns" });
  const note = h("p", { class: "muted" });
  const fill = () => {
    const t = search.value.trim().toLowerCase();
    const hits = all.filter((k) => k.toLowerCase().includes(t));
    // Picked keys first, so they can be unticked however long the list.
    const shown = [...hits.filter((k) => picked.has(k)), ...hits.filter((k) => !picked.has(k))].slice(0, SHOWN_KEYS);
    list.replaceChildren(...shown.map((k, i) => {
      const id = "key-" + i;
      const box = h("input", { type: "checkbox", id, value: k, checked: picked.has(k) });
      box.addEventListener("change", () => { if (box.checked) picked.add(k); else picked.delete(k); });
      return h("label", { for: id }, box, h("code", {}, k));
    }));
    note.textContent = `${hits.length} of ${all.length} keys${hits.length > SHOWN_KEYS ? `, the first ${SHOWN_KEYS} shown: narrow the search` : ""}.`;
  };
  search.addEventListener("input", fill);
  fill();
  return h("div", { class: "picker", id: "column-picker", hidden: true },
    h("div", { class: "row" },
      h("label", { for: "keys-search" }, "Search keys"), search,
      h("button", { type: "button", class: "primary", onclick: () => apply([...picked]) }, "Apply columns"),
      h("button", { type: "button", onclick: () => apply([]) }, "Clear")),
    note, list);
}

export async function render(main, ctx) {
  const q = ctx.query.get("q") || "";
  const order = ctx.query.get("sort") || "";
  const desc = ctx.query.get("desc") === "1";
  const columns = (ctx.query.get("columns") || "").split(",").filter(Boolean);
  const state = { q, sort: order, desc: desc ? 1 : "", columns: columns.join(",") };
  const nav = (patch) => ctx.go("runs", [], { ...state, ...patch });

  const input = h("input", { type: "search", id: "runs-q", class: "wide", value: q, placeholder: "experiment = 'churn' and metrics.val_auc > 0.9", autocomplete: "off", spellcheck: "false", "aria-describedby": "runs-q-error" });
  const errSlot = h("div", { id: "runs-q-error" });
  const form = h("form", { role: "search", "aria-label": "Filter runs", class: "row" },
    h("label", { for: "runs-q" }, "Filter runs"), input, h("button", { type: "submit", class: "primary" }, "Filter"));
  form.addEventListener("submit", (e) => { e.preventDefault(); nav({ q: input.value.trim() }); });

  const selected = new Set();
  const compareBtn = h("button", { type: "button", id: "compare-runs", class: "primary", disabled: true }, "Compare");
  const selInfo = h("span", { class: "muted", role: "status" }, "Select 2 to 10 runs to compare.");
  const syncSel = () => {
    compareBtn.disabled = selected.size < 2 || selected.size > 10;
    selInfo.textContent = selected.size ? `${selected.size} selected${selected.size > 10 ? " (at most 10)" : ""}` : "Select 2 to 10 runs to compare.";
  };
  compareBtn.addEventListener("click", () => ctx.go("compare", [], { ids: [...selected].join(",") }));

  const colBtn = h("button", { type: "button", id: "columns-button", "aria-expanded": "false", "aria-controls": "column-picker" }, `Columns (${columns.length})`);
  const top = h("div", { class: "card" }, form, errSlot, h("div", { class: "row" }, colBtn, h("span", { class: "spacer" }), selInfo, compareBtn));
  const body = h("div", { class: "card" }, h("p", { class: "muted" }, "Loading…"));
  main.append(h("h1", {}, "Runs"), top, body);

  const fetchPage = async (offset, limit) => {
    const r = await get("/api/runs" + qs({ q, order, desc: desc ? 1 : "", offset, limit, columns: columns.join(",") }));
    return r.ok ? r.data.runs || [] : null;
  };
  const [first, keys] = await Promise.all([
    get("/api/runs" + qs({ q, order, desc: desc ? 1 : "", offset: 0, limit: PAGE, columns: columns.join(",") })),
    get("/api/runs/keys"),
  ]);
  if (!ctx.alive()) return;
  if (keys.ok) {
    const p = picker(keys.data, columns, (cols) => nav({ columns: cols.join(",") }));
    colBtn.addEventListener("click", () => {
      p.hidden = !p.hidden;
      colBtn.setAttribute("aria-expanded", String(!p.hidden));
      if (!p.hidden) p.querySelector("input").focus();
    });
    top.append(p);
  } else {
    top.append(errorBox(keys.error, "the column keys"));
  }
  body.replaceChildren();
  if (!first.ok) {
    const e = first.error;
    if (first.status === 400) {
      errSlot.append(h("div", { class: "error", role: "alert", id: "filter-error" }, h("strong", {}, "Invalid filter: "), e.message,
        Number.isInteger(e.position) ? h("pre", { class: "caret", "aria-hidden": "true" }, q + "\n" + " ".repeat(Math.min(e.position, q.length)) + "^") : null));
      input.setAttribute("aria-invalid", "true");
    } else {
      body.append(errorBox(e, "the runs"));
    }
    return;
  }
  const total = first.data.total || 0;
  const cols = [
    {
      label: "Select", hideLabel: true, width: "44px",
      cell: (r) => {
        const box = h("input", { type: "checkbox", checked: selected.has(r.id), "aria-label": `Select run ${r.name || r.id}`, class: "select-run" });
        box.addEventListener("change", () => { if (box.checked) selected.add(r.id); else selected.delete(r.id); syncSel(); });
        return box;
      },
    },
    { label: "Run", sortKey: "name", width: "minmax(140px, 1fr)", cell: (r) => h("a", { href: "#/run/" + encodeURIComponent(r.id), "aria-label": `Run ${r.name || ""} ${r.id}` }, r.name || r.id) },
    { label: "ID", sortKey: "id", width: "270px", cell: (r) => h("code", {}, r.id) },
    { label: "Experiment", sortKey: "experiment", width: "minmax(110px, 1fr)", cell: (r) => r.experiment || "" },
    { label: "Status", sortKey: "status", width: "100px", cell: (r) => h("span", { class: "status-" + r.status }, r.status || "") },
    { label: "Started", sortKey: "start_time", width: "170px", cell: (r) => fmtTime(r.start_time) },
    { label: "Duration", width: "90px", class: "num", cell: duration },
    ...columns.map((c) => ({ label: c, sortKey: c, width: "minmax(150px, 1fr)", class: c.startsWith("metrics.") ? "num" : "", cell: (r) => fmtValue((r.cells || {})[c]) })),
  ];
  const vt = new VirtualTable({
    columns: cols, total, first: first.data.runs || [], pageSize: PAGE, fetchPage,
    sort: { order, desc }, onSort: (o, d) => nav({ sort: o, desc: d ? 1 : "" }),
    label: `Runs (${total})`, alive: ctx.alive,
  });
  body.append(h("p", { class: "muted", id: "runs-total" }, `${total} run${total === 1 ? "" : "s"}. Arrow keys move between rows.`), vt.el);
}
