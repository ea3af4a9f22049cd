// The lineage graph of an asset page, drawn as SVG boxes and arrows from
// /api/assets/KIND/NAME/lineage: the asset's own versions in the middle
// column, what they were made from to the left (one column per step up),
// what uses them to the right. Each box is a link (asset page or run page),
// so the graph can be walked with Tab as well as the mouse.

import { s, assetHref } from "./dom.js";

const W = 200, H = 34, GAPX = 70, GAPY = 12, MAXROWS = 25;

// A run's node: {"id": "run/ID", "kind": null, "name": ID} (docs/ui.md).
function runId(n) {
  if (!n.kind && typeof n.id === "string" && n.id.startsWith("run/")) return n.id.slice(4);
  return null;
}

// Lineage may name a run that is not one of the store's (recorded by hand,
// `run="nightly"`): only a run id (32 hex digits) links to a run page.
const RUN_ID = /^[0-9a-f]{32}$/;

function label(n) {
  const run = runId(n);
  if (run) return "run " + run;
  if (n.kind) return `${n.kind}/${n.name}@${n.version}`;
  return n.id;
}

function href(n) {
  const run = runId(n);
  if (run) return RUN_ID.test(run) ? "#/run/" + encodeURIComponent(run) : null;
  if (n.kind && n.name) return assetHref(n.kind, n.name);
  return null;
}

function clip(t, max) {
  return t.length > max ? t.slice(0, max - 1) + "…" : t;
}

/** The SVG of a lineage answer, centred on asset kind/name. */
export function lineageSvg(data, kind, name) {
  const nodes = new Map((data.nodes || []).map((n) => [n.id, n]));
  const edges = (data.edges || []).filter((e) => nodes.has(e.from) && nodes.has(e.to));
  const self = (n) => n.kind === kind && n.name === name;
  // Columns by longest path from the asset's own versions (column 0): an
  // input sits left of everything it feeds, a user right of everything it
  // uses, so dataset -> run -> model reads left to right even when the
  // dataset also feeds the model directly. Bounded, in case of a cycle.
  const layer = new Map();
  for (const n of nodes.values()) if (self(n)) layer.set(n.id, 0);
  for (let round = 0; round <= nodes.size; round++) {
    let changed = false;
    for (const e of edges) {
      const a = layer.get(e.from), b = layer.get(e.to);
      if (b !== undefined && b <= 0 && !self(nodes.get(e.from)) && (a === undefined || (a <= 0 && b - 1 < a))) {
        layer.set(e.from, b - 1);
        changed = true;
      }
      if (a !== undefined && a >= 0 && !self(nodes.get(e.to)) && (b === undefined || (b >= 0 && a + 1 > b))) {
        layer.set(e.to, a + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  // Anything not connected to the asset: the server's depth, else left.
  for (const n of nodes.values()) if (!layer.has(n.id)) layer.set(n.id, Number.isInteger(n.depth) ? n.depth : -1);
  const cols = new Map();
  for (const [id, l] of layer) { if (!cols.has(l)) cols.set(l, []); cols.get(l).push(id); }
  const order = [...cols.keys()].sort((a, b) => a - b);
  const pos = new Map();
  let rows = 0;
  order.forEach((l, ci) => {
    const ids = cols.get(l).sort();
    ids.slice(0, MAXROWS).forEach((id, ri) => pos.set(id, { x: 10 + ci * (W + GAPX), y: 10 + ri * (H + GAPY) }));
    rows = Math.max(rows, Math.min(ids.length, MAXROWS) + (ids.length > MAXROWS ? 1 : 0));
  });
  const width = 20 + order.length * W + (order.length - 1) * GAPX;
  const height = 20 + rows * (H + GAPY);
  const svg = s("svg", {
    class: "lineage", viewBox: `0 0 ${width} ${height}`, role: "group", "aria-label": `Lineage of ${kind}/${name}`,
    preserveAspectRatio: "xMinYMin meet",
  });
  svg.style.maxWidth = width + "px";
  svg.append(s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
    s("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#8391a7", stroke: "none" }))));
  for (const e of edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    const mx = (x1 + x2) / 2;
    svg.append(s("path", { d: `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2 - 2} ${y2}`, "marker-end": "url(#arrow)" }));
  }
  for (const [id, p] of pos) {
    const n = nodes.get(id);
    const t = label(n);
    const box = s("g", { class: self(n) ? "self" : runId(n) ? "run" : "" },
      s("title", {}, t),
      s("rect", { x: p.x, y: p.y, width: W, height: H, rx: 6 }),
      s("text", { x: p.x + 10, y: p.y + H / 2 + 4 }, clip(t, 27)));
    const link = href(n);
    svg.append(link ? s("a", { href: link, "aria-label": t }, box) : box);
  }
  order.forEach((l, ci) => {
    const more = cols.get(l).length - MAXROWS;
    if (more > 0) svg.append(s("text", { x: 10 + ci * (W + GAPX) + 10, y: 10 + MAXROWS * (H + GAPY) + 20 }, `+${more} more`));
  });
  return svg;
}
