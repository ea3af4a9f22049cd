// An asset (#/asset/KIND/NAME?offset=N): its versions newest first, a page
// at a time, with metadata and metrics; aliases and their moves; lineage
// both ways; the audit events of its log; the data set sections for data
// sets; and, when the server allows writes, forms to move an alias, tag a
// version and archive or restore (POSTs carrying the CSRF token).

import { get, post, info, qs, seg } from "./api.js";
import { h, fmtTime, fmtBytes, fmtValue, errorBox, section, table } from "./dom.js";
import { lineageSvg } from "./lineage.js";
import { datasetSections } from "./dataset.js";

const PAGE = 20;
// What the last write said, shown once by the render that follows it.
let flash = "";

function metricPills(v) {
  const m = (v.metadata && v.metadata.metrics) || {};
  return Object.entries(m).map(([k, x]) => h("span", { class: "pill grey" }, `${k}=${fmtValue(x)}`));
}

function currentAliases(aliases) {
  const out = {};
  for (const [name, moves] of Object.entries(aliases || {})) {
    const last = Array.isArray(moves) && moves.length ? moves[moves.length - 1] : null;
    if (last && last.version !== null && last.version !== undefined) out[name] = last.version;
  }
  return out;
}

function writeForms(a, onDone) {
  const status = h("p", { role: "status", id: "write-status", class: flash ? "ok" : "muted" }, flash);
  flash = "";
  const done = (r, what) => {
    if (r.ok) {
      flash = `${what}: done.`;
      onDone();
    } else {
      status.replaceChildren(errorBox(r.error, what));
    }
  };
  const base = `/api/assets/${seg(a.kind)}/${seg(a.name)}`;
  const alias = h("input", { type: "text", id: "w-alias", required: true, placeholder: "production" });
  const aliasV = h("input", { type: "number", id: "w-alias-version", min: "1", required: true, value: a.latest || "" });
  const f1 = h("form", { class: "inline", "aria-label": "Move an alias" },
    h("label", { for: "w-alias" }, "Alias", alias), h("label", { for: "w-alias-version" }, "To version", aliasV),
    h("button", { type: "submit" }, "Move alias"));
  f1.addEventListener("submit", async (e) => {
    e.preventDefault();
    done(await post(`${base}/aliases/${seg(alias.value.trim())}`, { version: Number(aliasV.value) }), `Move ${alias.value.trim()}`);
  });
  const tv = h("input", { type: "number", id: "w-tag-version", min: "1", required: true, value: a.latest || "" });
  const tk = h("input", { type: "text", id: "w-tag-key", required: true });
  const tval = h("input", { type: "text", id: "w-tag-value", placeholder: "empty removes the tag" });
  const f2 = h("form", { class: "inline", "aria-label": "Tag a version" },
    h("label", { for: "w-tag-version" }, "Version", tv), h("label", { for: "w-tag-key" }, "Tag", tk), h("label", { for: "w-tag-value" }, "Value", tval),
    h("button", { type: "submit" }, "Set tag"));
  f2.addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = tval.value === "" ? null : tval.value;
    done(await post(`${base}/versions/${seg(tv.value)}/tags`, { key: tk.value.trim(), value }), `Tag ${tk.value.trim()}`);
  });
  const arch = h("button", { type: "button", id: "w-archive" }, a.archived ? "Restore asset" : "Archive asset");
  arch.addEventListener("click", async () => {
    done(await post(`${base}/archive`, { archived: !a.archived }), a.archived ? "Restore" : "Archive");
  });
  return section("Change", "writes", h("p", { class: "muted" }, "Changes go through the store's access policy as the server's principal."), f1, f2, h("div", { class: "row" }, arch), status);
}

export async function render(main, ctx) {
  const [kind, name] = ctx.parts;
  const offset = Math.max(0, Number(ctx.query.get("offset")) || 0);
  main.append(h("p", { class: "muted" }, h("a", { href: "#/catalogue" }, "Catalogue"), " / ", kind),
    h("h1", {}, `${kind}/${name}`));
  const base = `/api/assets/${seg(kind)}/${seg(name)}`;
  const [res, inf] = await Promise.all([get(base + qs({ offset, limit: PAGE })), info()]);
  if (!ctx.alive()) return;
  if (!res.ok) {
    main.append(errorBox(res.error, `${kind}/${name}`));
    return;
  }
  const a = res.data;
  const aliasNow = currentAliases(a.aliases);
  const tags = a.tags || {};
  const gates = a.gates || {};
  const total = a.versions_total !== undefined ? a.versions_total : (a.versions || []).length;
  const versions = a.versions || [];
  main.append(h("p", { class: "row" },
    a.archived ? h("span", { class: "pill bad" }, "archived") : null,
    h("span", {}, `${total} version${total === 1 ? "" : "s"}`),
    a.latest !== undefined ? h("span", { class: "muted" }, `latest v${a.latest}`) : null,
    Object.entries(aliasNow).map(([k, v]) => h("span", { class: "pill" }, `${k} → v${v}`))));

  const vt = table([
    { label: "Version", class: "num", cell: (v) => "v" + v.version },
    { label: "Message", cell: (v) => [v.message || "", retention(a, v.version)] },
    { label: "Aliases", cell: (v) => Object.entries(aliasNow).filter(([, x]) => x === v.version).map(([k]) => h("span", { class: "pill" }, k)) },
    { label: "Metrics", cell: (v) => metricPills(v) },
    { label: "Tags", cell: (v) => Object.entries(tags[String(v.version)] || {}).map(([k, x]) => h("span", { class: "pill grey" }, `${k}=${x}`)) },
    { label: "Gate", cell: (v) => { const g = gates[String(v.version)]; return g ? h("span", { class: g.passed ? "ok" : "bad" }, g.passed ? "passed" : "failed") : ""; } },
    { label: "By", cell: (v) => v.principal || "" },
    { label: "Time", cell: (v) => fmtTime(v.time) },
    { label: "Size", class: "num", cell: (v) => fmtBytes(v.size) },
    { label: "Metadata", cell: (v) => (v.metadata && Object.keys(v.metadata).length
      ? h("details", {}, h("summary", {}, "show"), h("pre", { class: "mono" }, JSON.stringify(v.metadata, null, 2))) : "") },
  ], versions, { caption: "Versions", class: "versions" });
  const nav = (o) => ctx.go("asset", [kind, name], { offset: o || "" });
  main.append(section("Versions", "versions", h("div", { class: "scroll-x" }, vt),
    h("div", { class: "pager" },
      h("button", { type: "button", id: "versions-newer", disabled: offset === 0, onclick: () => nav(Math.max(0, offset - PAGE)) }, "Newer"),
      h("button", { type: "button", id: "versions-older", disabled: offset + PAGE >= total, onclick: () => nav(offset + PAGE) }, "Older"),
      h("span", { class: "muted" }, versions.length ? `${offset + 1}–${offset + versions.length} of ${total}` : ""))));

  const aliasRows = [];
  for (const [al, moves] of Object.entries(a.aliases || {})) for (const m of moves || []) aliasRows.push({ alias: al, ...m });
  // Every alias's moves in one list, newest first (by the log's order).
  aliasRows.sort((x, y) => (y.seq ?? y.time ?? 0) - (x.seq ?? x.time ?? 0));
  main.append(section("Aliases", "aliases", table([
    { label: "Alias", cell: (r) => h("span", { class: "pill" }, r.alias) },
    { label: "Version", cell: (r) => (r.version === null || r.version === undefined ? "removed" : "v" + r.version) },
    { label: "By", cell: (r) => r.principal || "" },
    { label: "Time", cell: (r) => fmtTime(r.time) },
    { label: "Reason", cell: (r) => r.reason || "" },
  ], aliasRows, { caption: "Alias history, newest first", empty: "No aliases." })));

  const lin = section("Lineage", "lineage", h("p", { class: "muted" }, "Loading…"));
  const hist = section("Audit events", "history", h("p", { class: "muted" }, "Loading…"));
  const parts = [lin];
  if (kind === "dataset" && versions.length) parts.push(...datasetSections(name, versions, ctx));
  parts.push(hist);
  if (inf.ok && inf.data.writes) parts.push(writeForms(a, () => window.dispatchEvent(new HashChangeEvent("hashchange"))));
  main.append(...parts);

  const [l, ev] = await Promise.all([get(base + "/lineage"), get(base + "/history?limit=200")]);
  if (!ctx.alive()) return;
  lin.lastElementChild.replaceWith(!l.ok ? errorBox(l.error, "the lineage")
    : (l.data.nodes || []).length ? h("div", { class: "scroll-x" }, lineageSvg(l.data, kind, name)) : h("p", { class: "muted" }, "No lineage recorded."));
  hist.lastElementChild.replaceWith(!ev.ok ? errorBox(ev.error, "the audit events") : table([
    { label: "Time", cell: (r) => fmtTime(r.time) },
    { label: "Who", cell: (r) => r.principal || "" },
    { label: "Action", cell: (r) => fmtValue(r.action) },
    { label: "Target", cell: (r) => h("code", {}, r.target || "") },
    { label: "Reason", cell: (r) => r.reason || "" },
  ], ev.data.events || [], { caption: "Audit events, newest first", empty: "No events." }));
}

// A version's retention state: "expired" (who expired it, by which rule, in
// the pill's title) or "pinned"; nothing for a version kept as usual.
function retention(a, version) {
  const x = (a.expired || {})[String(version)];
  if (x) return h("span", { class: "pill bad", title: `expired by ${x.principal} (${x.policy}, event ${x.seq})` }, "expired");
  return (a.pinned || []).includes(version) ? h("span", { class: "pill grey" }, "pinned") : null;
}
