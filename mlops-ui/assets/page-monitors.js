// The monitors (#/monitors): each with its windows, firing alerts and rule
// count, linking to its page and its HTML dashboard.

import { get, seg } from "./api.js";
import { h, fmtNum, errorBox, section, table } from "./dom.js";

export async function render(main, ctx) {
  main.append(h("h1", {}, "Monitors"));
  const res = await get("/api/monitors");
  if (!ctx.alive()) return;
  if (!res.ok) {
    main.append(errorBox(res.error, "the monitors"));
    return;
  }
  const count = (v) => (Array.isArray(v) ? v.length : fmtNum(v));
  main.append(section("Monitors", "monitors-list", table([
    { label: "Monitor", cell: (m) => h("a", { href: "#/monitor/" + encodeURIComponent(m.name) }, m.name) },
    { label: "Windows", class: "num", cell: (m) => count(m.windows) },
    { label: "Alerts firing", class: "num", cell: (m) => { const n = count(m.alerts_firing); return Number(n) > 0 ? h("span", { class: "bad" }, String(n)) : String(n ?? ""); } },
    { label: "Rules", class: "num", cell: (m) => count(m.rules) },
    { label: "Dashboard", cell: (m) => h("a", { href: `/reports/monitor/${seg(m.name)}`, target: "_blank", rel: "noopener" }, "open report") },
  ], res.data.monitors || [], { caption: "Monitors", empty: "No monitors in this store." })));
}
