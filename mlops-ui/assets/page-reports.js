// The reports (#/reports?open=URL): the HTML reports the store holds
// (/api/reports), grouped by kind, the chosen one embedded in an iframe.
// The frame is sandboxed without allow-same-origin: a report's scripts (the
// drift report's table sorting) run in an opaque origin, so they can read
// neither this page nor the API; the server also sends them with a CSP
// sandbox header.

import { get } from "./api.js";
import { h, errorBox } from "./dom.js";

export async function render(main, ctx) {
  main.append(h("h1", {}, "Reports"));
  const res = await get("/api/reports");
  if (!ctx.alive()) return;
  if (!res.ok) {
    main.append(errorBox(res.error, "the reports"));
    return;
  }
  const reports = (res.data.reports || []).filter((r) => typeof r.url === "string" && r.url.startsWith("/reports/"));
  if (!reports.length) {
    main.append(h("p", { class: "card muted" }, "This store holds no reports yet."));
    return;
  }
  const open = ctx.query.get("open");
  const current = reports.find((r) => r.url === open) || reports[0];
  const kinds = [...new Set(reports.map((r) => r.kind || "other"))];
  const nav = h("nav", { class: "card", "aria-label": "Reports" }, kinds.map((k) => [
    h("h2", {}, k),
    h("ul", { class: "report-list" }, reports.filter((r) => (r.kind || "other") === k).map((r) =>
      h("li", {}, h("a", {
        href: "#/reports?open=" + encodeURIComponent(r.url),
        "aria-current": r === current ? "true" : null,
      }, r.title || r.url)))),
  ]));
  const frame = h("iframe", { class: "report", src: current.url, title: current.title || "report", sandbox: "allow-scripts", id: "report-frame" });
  main.append(h("div", { class: "layout-side" }, nav,
    h("div", {}, h("p", { class: "row" }, h("strong", {}, current.title || current.url), h("span", { class: "spacer" }),
      h("a", { href: current.url, target: "_blank", rel: "noopener", class: "button" }, "Open in a new tab")), frame)));
}
