// Governance (#/governance): the access policy (grants), the protected
// aliases, the most recent denials, and a button that walks every log's
// hash chain (/api/governance/verify) and shows whether the trail holds.

import { get } from "./api.js";
import { h, fmtTime, fmtValue, errorBox, section, table, objectTable } from "./dom.js";

export async function render(main, ctx) {
  main.append(h("h1", {}, "Governance"));
  const out = h("div", { id: "verify-result", role: "status" });
  const btn = h("button", { type: "button", class: "primary", id: "verify-audit" }, "Verify audit trail");
  btn.addEventListener("click", async () => {
    btn.disabled = true;
    out.replaceChildren(h("p", { class: "muted" }, "Walking every log…"));
    const r = await get("/api/governance/verify");
    btn.disabled = false;
    if (!r.ok) {
      out.replaceChildren(errorBox(r.error, "the verification"));
      return;
    }
    const rep = r.data.report || {};
    out.replaceChildren(...[
      h("p", { class: r.data.ok ? "ok" : "bad", id: "verify-verdict" },
        r.data.ok ? `Audit trail intact: ${rep.events ?? "?"} events in ${rep.logs ?? "?"} logs.` : "Audit trail BROKEN."),
      rep.broken ? h("pre", { class: "mono error" }, JSON.stringify(rep.broken, null, 2)) : null,
      rep.digest ? h("p", { class: "muted" }, "Digest (keep it elsewhere to detect rewrites): ", h("code", {}, rep.digest)) : null,
    ].filter(Boolean));
  });
  main.append(section("Audit trail", "verify", h("p", { class: "muted" }, "Checks the hash chain of every asset log, the policy log and the denials."), h("div", { class: "row" }, btn), out));

  const res = await get("/api/governance");
  if (!ctx.alive()) return;
  if (!res.ok) {
    main.append(errorBox(res.error, "the governance state"));
    return;
  }
  const g = res.data;
  const policy = g.policy || {};
  const grants = policy.grants || [];
  main.append(h("div", { class: "cols" },
    section("Grants", "grants", grants.length ? objectTable(grants, { caption: "Grants" }) : h("p", { class: "muted" }, "No policy: everyone may do everything.")),
    section("Protected aliases", "protected", (g.protected || []).length ? objectTable(g.protected, { caption: "Protected aliases" }) : h("p", { class: "muted" }, "No alias is protected."))));
  main.append(section("Denials", "denials", table([
    { label: "Time", cell: (r) => fmtTime(r.time) },
    { label: "Who", cell: (r) => r.principal || "" },
    { label: "Target", cell: (r) => h("code", {}, r.target || "") },
    { label: "Refused", cell: (r) => fmtValue((r.event || {}).action || "") },
    { label: "Why", cell: (r) => fmtValue((r.event || {}).needs || (r.event || {}).error || "") },
    { label: "Their reason", cell: (r) => r.reason || "" },
  ], g.denials || [], { caption: "Denials, newest first", empty: "Nothing was refused." })));
}
