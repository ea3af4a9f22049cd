// The catalogue (#/catalogue?q=FILTER&archived=1&limit=N&page=TOKEN): every
// asset version matching the filter language, one page at a time in the
// server's (kind, name, version) order. A filter the server refuses shows
// its message under the box with a caret at the position it gave.

import { get, qs } from "./api.js";
import { h, fmtTime, fmtBytes, fmtValue, errorBox, table, assetHref } from "./dom.js";

export async function render(main, ctx) {
  const q = ctx.query.get("q") || "";
  const archived = ctx.query.get("archived") === "1";
  const limit = ctx.query.get("limit") || "";
  const page = ctx.query.get("page") || "";
  // The tokens of the pages before this one, so "Previous page" can go back.
  const trail = (ctx.query.get("trail") || "").split(",").filter(Boolean);

  const input = h("input", {
    type: "search", id: "catalogue-q", name: "q", class: "wide", value: q, "aria-describedby": "catalogue-q-help catalogue-q-error",
    placeholder: "kind = 'model' and metrics.auc > 0.9", autocomplete: "off", spellcheck: "false",
  });
  const arch = h("input", { type: "checkbox", id: "catalogue-archived", checked: archived });
  const errorSlot = h("div", { id: "catalogue-q-error" });
  const form = h("form", { role: "search", class: "card", "aria-label": "Search the catalogue" },
    h("div", { class: "row" },
      h("label", { for: "catalogue-q" }, "Search"),
      input,
      h("label", { class: "check", for: "catalogue-archived" }, arch, "Show archived"),
      h("button", { type: "submit", class: "primary" }, "Search")),
    h("p", { id: "catalogue-q-help", class: "muted" },
      "The filter language: e.g. ", h("code", {}, "name = 'churn' and tags.team = 'risk'"), ", ",
      h("code", {}, "metrics.auc > 0.9"), ". Empty shows every version."),
    errorSlot);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    ctx.go("catalogue", [], { q: input.value.trim(), archived: arch.checked ? 1 : "", limit });
  });
  arch.addEventListener("change", () => ctx.go("catalogue", [], { q: input.value.trim(), archived: arch.checked ? 1 : "", limit }));

  const results = h("section", { class: "card", "aria-labelledby": "catalogue-results-title" },
    h("h2", { id: "catalogue-results-title" }, "Versions"), h("p", { class: "muted" }, "Loading…"));
  main.append(h("h1", {}, "Catalogue"), form, results);

  const res = await get("/api/assets" + qs({ q, archived: archived ? 1 : 0, limit, page }));
  if (!ctx.alive()) return;
  results.lastElementChild.remove();
  if (!res.ok) {
    if (res.status === 400) {
      const e = res.error;
      const kids = [h("strong", {}, "Invalid filter: "), e.message];
      if (Number.isInteger(e.position)) {
        kids.push(h("span", { class: "muted" }, ` (at position ${e.position})`),
          h("pre", { class: "caret", "aria-hidden": "true" }, q + "\n" + " ".repeat(Math.max(0, Math.min(e.position, q.length))) + "^"));
      }
      errorSlot.append(h("div", { class: "error", role: "alert", id: "filter-error" }, ...kids));
      input.setAttribute("aria-invalid", "true");
      results.append(h("p", { class: "muted" }, "Fix the filter to see results."));
    } else {
      results.append(errorBox(res.error, "the catalogue"));
    }
    return;
  }
  const hits = res.data.hits || [];
  results.append(table([
    { label: "Kind", cell: (r) => r.kind },
    { label: "Name", cell: (r) => h("a", { href: assetHref(r.kind, r.name) }, r.name) },
    { label: "Version", class: "num", cell: (r) => String(r.version) },
    { label: "Aliases", cell: (r) => (r.aliases || []).map((a) => h("span", { class: "pill" }, typeof a === "string" ? a : fmtValue(a))) },
    { label: "Tags", cell: (r) => Object.entries(r.tags || {}).map(([k, v]) => h("span", { class: "pill grey" }, `${k}=${v}`)) },
    { label: "Message", cell: (r) => [r.message || "", r.archived ? h("span", { class: "pill bad" }, "archived") : null,
      r.expired ? h("span", { class: "pill bad" }, "expired") : null] },
    { label: "Size", class: "num", cell: (r) => fmtBytes(r.size) },
    { label: "Time", cell: (r) => fmtTime(r.time) },
  ], hits, { caption: "Matching versions", empty: "No version matches.", class: "catalogue" }));

  const next = res.data.next;
  const base = { q, archived: archived ? 1 : "", limit };
  results.append(h("div", { class: "pager" },
    h("button", {
      type: "button", id: "catalogue-prev", disabled: !page,
      onclick: () => ctx.go("catalogue", [], { ...base, page: trail[trail.length - 1] || "", trail: trail.slice(0, -1).join(",") }),
    }, "Previous page"),
    h("button", {
      type: "button", id: "catalogue-next", disabled: !next,
      onclick: () => ctx.go("catalogue", [], { ...base, page: next, trail: page ? [...trail, page].join(",") : "" }),
    }, "Next page"),
    h("span", { class: "muted" }, `${hits.length} shown${next ? ", more on the next page" : ""}`)));
}
