// The entry point: a hash router that renders one page module into <main>.
// Routes (docs/ui.md): #/catalogue, #/asset/KIND/NAME, #/runs, #/run/ID,
// #/compare?ids=..., #/monitors, #/monitor/NAME, #/reports, #/governance.
// A render that is overtaken by a newer navigation is dropped (ctx.alive),
// so slow answers never paint over the page the user moved to.

import { info } from "./api.js";
import { h, errorBox } from "./dom.js";
import * as catalogue from "./page-catalogue.js";
import * as asset from "./page-asset.js";
import * as runs from "./page-runs.js";
import * as run from "./page-run.js";
import * as compare from "./page-compare.js";
import * as monitors from "./page-monitors.js";
import * as monitor from "./page-monitor.js";
import * as reports from "./page-reports.js";
import * as governance from "./page-governance.js";

const ROUTES = { catalogue, asset, runs, run, compare, monitors, monitor, reports, governance };
// The header section each route belongs to (for aria-current).
const SECTION = { asset: "catalogue", run: "runs", compare: "runs", monitor: "monitors" };

let generation = 0;
let lastPage = null;

/** "#/asset/model/churn?x=1" -> {page: "asset", parts: ["model", "churn"], query}. */
export function parseHash(hash) {
  const raw = (hash || "").replace(/^#\/?/, "");
  const qi = raw.indexOf("?");
  const path = qi < 0 ? raw : raw.slice(0, qi);
  const query = new URLSearchParams(qi < 0 ? "" : raw.slice(qi + 1));
  const [page, ...parts] = path.split("/").map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  return { page: page || "catalogue", parts, query };
}

/** Sets the hash to a route with a query built from an object. */
export function go(page, parts, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  const path = [page, ...(parts || []).map(encodeURIComponent)].join("/");
  const t = q.toString();
  location.hash = "#/" + path + (t ? "?" + t : "");
}

async function render() {
  const main = document.getElementById("main");
  const route = parseHash(location.hash);
  const mod = ROUTES[route.page];
  const gen = ++generation;
  const samePage = lastPage === route.page;
  const focusedId = samePage && document.activeElement ? document.activeElement.id : "";
  lastPage = route.page;
  for (const a of document.querySelectorAll("nav a[data-section]")) {
    if (a.dataset.section === (SECTION[route.page] || route.page)) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const ctx = { alive: () => gen === generation, go, ...route };
  main.replaceChildren();
  if (!mod) {
    main.append(h("h1", {}, "Not found"), errorBox({ message: `no page "${route.page}"` }));
    return;
  }
  try {
    await mod.render(main, ctx);
  } catch (e) {
    // A page bug is still shown in the page, not only in the console.
    if (ctx.alive()) main.append(errorBox({ code: "UI", message: String((e && e.message) || e) }));
  }
  if (!ctx.alive()) return;
  const again = focusedId && document.getElementById(focusedId);
  if (again) again.focus();
  else if (!samePage) main.focus({ preventScroll: true });
}

async function start() {
  const i = await info();
  const el = document.getElementById("store-info");
  if (i.ok) {
    el.textContent = `${i.data.store || ""} · ${i.data.principal || ""}${i.data.writes ? " · writes on" : ""}`;
  } else {
    el.textContent = "API unavailable: " + i.error.message;
  }
  window.addEventListener("hashchange", render);
  if (!location.hash) history.replaceState(null, "", "#/catalogue");
  render();
}

start();
