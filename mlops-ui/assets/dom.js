// Small DOM helpers shared by every page: an element builder (so pages never
// assemble HTML strings, and API text can never become markup), formatting
// of times, numbers and sizes, and the in-page error box (API errors are
// shown, never thrown to the console).

const SVG_NS = "http://www.w3.org/2000/svg";

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.setAttribute("class", v);
    else if (k in el && typeof v !== "string" && !(el instanceof SVGElement)) el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An HTML element: h("a", {href: "#/x", class: "y"}, "text", child...). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element, same call shape as h(). */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** A time in Unix milliseconds as "2026-11-02 13:00:00" (UTC, sortable). */
export function fmtTime(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(Number(ms))) return "";
  return new Date(Number(ms)).toISOString().replace("T", " ").replace(/\.\d+Z$/, "");
}

/** A number short enough for a table cell; other values as text. */
export function fmtNum(v) {
  if (v === null || v === undefined) return "";
  if (typeof v !== "number") return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** Bytes as "1.2 MB". */
export function fmtBytes(n) {
  if (!Number.isFinite(n)) return "";
  const u = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return (i ? n.toFixed(1) : String(n)) + " " + u[i];
}

/** Any JSON value as short text for a cell. */
export function fmtValue(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return fmtNum(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** The box an API error is shown in (role=alert, so it is announced). */
export function errorBox(err, what) {
  const e = err || {};
  return h("div", { class: "error", role: "alert" },
    h("strong", {}, what ? `Could not load ${what}: ` : "Error: "),
    e.message || "unknown error",
    e.code ? h("span", { class: "code" }, ` (${e.code})`) : null);
}

/** A section with a heading; id-ed so tests and links can reach it. */
export function section(title, id, ...children) {
  const hid = id + "-title";
  return h("section", { class: "card", id, "aria-labelledby": hid }, h("h2", { id: hid }, title), ...children);
}

/** A plain table: columns [{label, cell(row) -> node|text, class}]. */
export function table(columns, rows, opts = {}) {
  return h("table", { class: "grid " + (opts.class || "") },
    opts.caption ? h("caption", { class: "sr" }, opts.caption) : null,
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.class }, c.label)))),
    h("tbody", {}, rows.length
      ? rows.map((r) => h("tr", { class: opts.rowClass ? opts.rowClass(r) : null },
        columns.map((c) => h("td", { class: c.class }, c.cell(r)))))
      : h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, opts.empty || "Nothing here."))));
}

/** A table of objects whose keys are not known in advance (policy rows). */
export function objectTable(rows, opts = {}) {
  const keys = [];
  for (const r of rows) for (const k of Object.keys(r || {})) if (!keys.includes(k)) keys.push(k);
  return table(keys.map((k) => ({ label: k, cell: (r) => fmtValue(r[k]) })), rows, opts);
}

/** A key/value table of a flat object. */
export function kvTable(obj, opts = {}) {
  const rows = Object.entries(obj || {});
  return table([
    { label: opts.keyLabel || "Key", cell: (r) => r[0] },
    { label: opts.valueLabel || "Value", cell: (r) => fmtValue(r[1]) },
  ], rows, opts);
}

/** The link to an asset's page. */
export function assetHref(kind, name) {
  return `#/asset/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`;
}
