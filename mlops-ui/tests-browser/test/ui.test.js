// The web UI in a real browser: the system Chromium (playwright-core)
// against the real `mlops ui` server over a store the quickstart made.
// Every page is opened, screenshotted (target/ui-screenshots/), checked
// for console errors and warnings, and for controls without a name.

"use strict";

const { test, before, after, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { ROOT, makeStore, startServer, launch, openPage, shot, unnamedControls } = require("./harness.js");

let store, server, browser, page;

before(async () => {
  store = makeStore();
  server = await startServer(store.store);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.stop();
});

afterEach(async () => {
  if (!page) return;
  const problems = page.problems;
  const unnamed = await unnamedControls(page);
  await page.context().close();
  page = null;
  assert.deepEqual(problems, [], "console errors or warnings");
  assert.deepEqual(unnamed, [], "controls without an accessible name");
});

async function open(route) {
  page = await openPage(browser);
  await page.goto(`${server.url}/#/${route}`);
  return page;
}

/** The text of every cell of column `n` (1-based) of the table matched. */
function column(sel, n) {
  return page.locator(`${sel} tbody tr td:nth-child(${n})`).allTextContents();
}

test("every file of mlops-ui/assets is served from the binary, byte for byte, with its type", async () => {
  const dir = path.join(ROOT, "mlops-ui", "assets");
  const types = { js: "text/javascript", css: "text/css", svg: "image/svg+xml", html: "text/html" };
  const files = fs.readdirSync(dir);
  assert.ok(files.length >= 10, files.join(", "));
  for (const f of files) {
    const url = f === "index.html" ? "/" : "/assets/" + f;
    const res = await fetch(server.url + url);
    assert.equal(res.status, 200, `${url} (is ${f} in the server's table of files?)`);
    assert.equal(res.headers.get("content-type").split(";")[0], types[f.split(".").pop()], url);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(path.join(dir, f))), `${url} differs from ${f}: rebuild the CLI`);
  }
});

test("catalogue: a filter narrows the versions, Tab reaches the search box, Enter searches", async () => {
  await open("catalogue");
  await page.locator("table.catalogue tbody tr td a").first().waitFor();
  const everything = await column("table.catalogue", 1);
  assert.ok(new Set(everything).size > 1, `several kinds: ${everything}`);

  // Keyboard: focus starts on <main>; Tab reaches the search box, Enter submits.
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === "main");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "catalogue-q");
  await page.keyboard.type("kind = 'model'");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => location.hash.includes("q=kind"));
  await page.locator("table.catalogue tbody tr td a").first().waitFor();
  const kinds = await column("table.catalogue", 1);
  assert.ok(kinds.length > 0 && kinds.length < everything.length, `${kinds.length} of ${everything.length}`);
  assert.deepEqual([...new Set(kinds)], ["model"]);
  assert.equal(await page.getByLabel("Search", { exact: true }).inputValue(), "kind = 'model'");
  await shot(page, "catalogue");
});

test("catalogue: an invalid filter shows the server's message and its position", async () => {
  await open("catalogue");
  // The browser logs the 400 it is about to get; that one message is expected.
  page.allowed.push((m) => m.type() === "error" && /status of 400/.test(m.text()) && /\/api\/assets\?/.test(m.location().url || ""));
  await page.getByLabel("Search", { exact: true }).fill("kind = = 'x'");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const err = page.locator("#filter-error");
  await err.waitFor();
  const text = await err.textContent();
  assert.match(text, /Invalid filter/);
  assert.match(text, /position 7/);
  // The caret sits under the offending character.
  const caret = await page.locator("#filter-error pre.caret").textContent();
  assert.equal(caret, "kind = = 'x'\n       ^");
  assert.equal(await page.getByLabel("Search", { exact: true }).getAttribute("aria-invalid"), "true");
  await shot(page, "catalogue-error");
});

test("catalogue: pages through the versions with the next token", async () => {
  await open("catalogue?limit=4");
  const rows = page.locator("table.catalogue tbody tr");
  await page.locator("table.catalogue tbody tr td a").first().waitFor();
  const first = await rows.allTextContents();
  assert.equal(first.length, 4);
  const next = page.getByRole("button", { name: "Next page" });
  assert.equal(await next.isEnabled(), true);
  await next.click();
  await page.waitForFunction(() => location.hash.includes("page="));
  await page.waitForFunction((f) => (document.querySelector("table.catalogue tbody tr td a") || {}).textContent !== undefined
    && document.querySelector("table.catalogue tbody tr").textContent !== f, first[0]);
  const second = await rows.allTextContents();
  assert.equal(second.length, 4);
  assert.equal(second.filter((r) => first.includes(r)).length, 0, "the second page repeats none of the first");
  await page.getByRole("button", { name: "Previous page" }).click();
  await page.waitForFunction((f) => (document.querySelector("table.catalogue tbody tr") || {}).textContent === f, first[0]);
  assert.deepEqual(await rows.allTextContents(), first);
});

test("asset page: a data set's versions, lineage, profile and the diff of two versions", async () => {
  await open("catalogue?q=" + encodeURIComponent("name = 'workload'"));
  await page.getByRole("link", { name: "workload" }).first().click();
  await page.waitForFunction(() => location.hash.startsWith("#/asset/dataset/workload"));
  await page.locator("table.versions tbody tr").first().waitFor();
  const versions = await column("table.versions", 1);
  assert.equal(versions[0], "v2", "newest first");
  assert.deepEqual(versions, ["v2", "v1"]);
  // Lineage: the data set's versions and the model and report made from them.
  await page.locator("svg.lineage").waitFor();
  const boxes = await page.locator("svg.lineage a").evaluateAll((as) => as.map((a) => a.getAttribute("aria-label")));
  assert.ok(boxes.includes("dataset/workload@1"), boxes.join(", "));
  assert.ok(boxes.some((b) => b.startsWith("model/churn-model@")), boxes.join(", "));
  // The profile: one row per column of the schema.
  await page.locator("table.profile tbody tr").first().waitFor();
  const schemaRows = await page.locator("#schema tbody tr").count();
  assert.equal(await page.locator("table.profile tbody tr").count(), schemaRows);
  assert.ok(schemaRows >= 10);
  // The diff picker: v1 against v2, statistics side by side.
  await page.getByLabel("From", { exact: true }).selectOption("1");
  await page.getByLabel("To", { exact: true }).selectOption("2");
  await page.getByRole("button", { name: "Compare versions" }).click();
  await page.locator("table.diff tbody tr").first().waitFor();
  assert.equal(await page.locator("table.diff tbody tr").count(), schemaRows);
  assert.ok(await page.locator("table.diff tbody tr.differs").count() > 0, "the shifted data set differs somewhere");
  assert.doesNotMatch(await page.locator("#diff-body").textContent(), /null|undefined|NaN/);
  assert.match(await page.getByRole("link", { name: "Open drift report" }).getAttribute("href"), /^\/reports\/drift\/workload\?from=1&to=2$/);
  await page.locator("#history tbody tr").first().waitFor();
  assert.ok((await column("#history table", 3)).includes("version"));
  await shot(page, "asset");
});

test("retention: the version the main job expired is marked on its asset page and in the catalogue", async () => {
  // The main job keeps the newest folder version of `images` (keep_last=1).
  const api = await (await fetch(`${server.url}/api/assets/dataset/images`)).json();
  const expired = Object.keys(api.expired).map(Number);
  assert.ok(expired.length > 0, JSON.stringify(api.expired));
  await open("asset/dataset/images");
  await page.locator("table.versions tbody tr").first().waitFor();
  const rows = await page.locator("table.versions tbody tr").evaluateAll((trs) => trs.map((tr) => {
    const pill = tr.querySelector("span.pill.bad");
    return [Number(tr.cells[0].textContent.slice(1)), pill ? pill.textContent : "", pill ? pill.title : ""];
  }));
  const marked = rows.filter(([, p]) => p === "expired").map(([v]) => v).sort();
  assert.deepEqual(marked, [...expired].sort());
  const [, , title] = rows.find(([v]) => v === expired[0]);
  assert.match(title, /keep_last=1/);
  await open("catalogue?q=" + encodeURIComponent("name = 'images'"));
  await page.locator("table.catalogue tbody tr").first().waitFor();
  const hits = await page.locator("table.catalogue tbody tr").evaluateAll((trs) =>
    trs.map((tr) => [Number(tr.cells[2].textContent), tr.textContent.includes("expired")]));
  assert.deepEqual(hits.filter(([, x]) => x).map(([v]) => v).sort(), [...expired].sort());
});

test("asset page: rows by key between two versions, counted as the engine counts them", async () => {
  await open("asset/dataset/customers");
  await page.locator("table.versions tbody tr").first().waitFor();
  await page.getByLabel("From", { exact: true }).selectOption("1");
  await page.getByLabel("To", { exact: true }).selectOption("2");
  await page.getByLabel("Key columns").fill("id");
  await page.getByRole("button", { name: "Compare rows" }).click();
  await page.locator("table.rowdiff tbody tr").waitFor();
  const api = await page.evaluate(async () => (await fetch("/api/datasets/customers/rows?from=1&to=2&key=id")).json());
  const s = api.summary;
  assert.ok(s.added > 0 && s.removed > 0 && s.changed > 0, JSON.stringify(s));
  assert.equal(s.added + s.changed + s.unchanged, s.rows[1], "every row of v2 is added, changed or unchanged");
  assert.equal(s.removed + s.changed + s.unchanged, s.rows[0], "every row of v1 is removed, changed or unchanged");
  const shown = (await page.locator("table.rowdiff tbody td").allTextContents()).slice(0, 4);
  assert.deepEqual(shown, [s.added, s.removed, s.changed, s.unchanged].map(String));
  assert.equal(await page.locator("table.rows-changed tbody tr").count(), Math.min(20, s.changed));
  assert.deepEqual(await page.locator("table.rows-changed thead th").allTextContents(), ["id", "changed_columns"]);
  assert.match(await page.locator("table.rows-changed tbody tr td").nth(1).textContent(), /f0/);
  await shot(page, "asset-rows");
});

test("asset page: a model's aliases with their history and the run that made it", async () => {
  await open("asset/model/churn-model");
  await page.locator("#aliases tbody tr").first().waitFor();
  const aliasRow = await page.locator("#aliases tbody tr").first().textContent();
  assert.match(aliasRow, /production/);
  assert.match(aliasRow, /reviewer/);
  await page.locator("svg.lineage").waitFor();
  const boxes = await page.locator("svg.lineage a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(boxes.some((h) => h.startsWith("#/run/")), boxes.join(", "));
  // Left to right: the data set, the run that read it, the model it made.
  const x = await page.locator("svg.lineage a").evaluateAll((as) => Object.fromEntries(as.map((a) =>
    [a.getAttribute("aria-label").split(/[@ ]/)[0], Number(a.querySelector("rect").getAttribute("x"))])));
  assert.ok(x["dataset/workload"] < x.run && x.run < x["model/churn-model"], JSON.stringify(x));
  // Read-only by default: no forms that change anything.
  await page.locator("#history tbody tr").first().waitFor();
  assert.equal(await page.locator("#writes").count(), 0);
  await shot(page, "asset-model");
});

test("runs: a long table keeps only the rows in view and fetches 100 at a time", async () => {
  await open("runs");
  const offsets = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.pathname === "/api/runs") offsets.push([u.searchParams.get("offset"), u.searchParams.get("limit")].join("+"));
  });
  await page.locator(".vt-row[data-loaded='1']").first().waitFor();
  // The quickstart's run, the two sweeps and extra_runs.py's 250.
  assert.equal(await page.locator("#runs-total").textContent(), "253 runs. Arrow keys move between rows.");
  const inView = await page.locator(".vt-row").count();
  assert.ok(inView > 10 && inView < 60, `${inView} rows in the DOM`);
  // Scrolled to the end: the last page (offset 200) is fetched, the first rows leave the DOM.
  await page.locator(".vt-scroll").evaluate((e) => { e.scrollTop = e.scrollHeight; });
  await page.locator(".vt-row[data-index='252'][data-loaded='1'] a").waitFor();
  assert.ok(offsets.includes("200+100"), offsets.join(", "));
  assert.equal(await page.locator(".vt-row[data-index='0']").count(), 0);
  assert.ok(await page.locator(".vt-row").count() < 60);
  // End / Home from the keyboard walk the whole table.
  await page.locator(".vt-row[data-index='252'] a").focus();
  await page.keyboard.press("Home");
  await page.waitForFunction(() => document.activeElement.closest(".vt-row") && document.activeElement.closest(".vt-row").dataset.index === "0");
  await page.keyboard.press("End");
  await page.waitForFunction(() => document.activeElement.closest(".vt-row") && document.activeElement.closest(".vt-row").dataset.index === "252");
});

test("runs: column picker, sorting, keyboard rows, and a run's charts", async () => {
  await open("runs?q=" + encodeURIComponent("experiment = 'sweep'"));
  await page.locator(".vt-row[data-loaded='1']").first().waitFor();
  assert.equal(await page.locator("#runs-total").textContent(), "2 runs. Arrow keys move between rows.");
  // The column picker: search the keys, tick params.lr.
  await page.getByRole("button", { name: /^Columns/ }).click();
  await page.getByLabel("Search keys").fill("lr");
  await page.getByLabel("params.lr").check();
  await page.getByRole("button", { name: "Apply columns" }).click();
  await page.waitForFunction(() => location.hash.includes("columns=params.lr"));
  await page.getByRole("button", { name: "Sort by params.lr" }).click();
  await page.waitForFunction(() => location.hash.includes("sort=params.lr"));
  await page.locator(".vt-row[data-loaded='1']").first().waitFor();
  const names = await page.locator(".vt-row[data-loaded='1'] .cell:nth-child(2)").allTextContents();
  const lrs = await page.locator(".vt-row[data-loaded='1'] .cell:nth-child(8)").allTextContents();
  assert.deepEqual(lrs, ["0.1", "0.3"], `sorted by lr: ${names} ${lrs}`);
  assert.deepEqual(names, ["sweep-a", "sweep-b"]);
  await page.getByRole("button", { name: "Sort by params.lr" }).click();
  await page.waitForFunction(() => location.hash.includes("desc=1"));
  await page.waitForFunction(() => (document.querySelector(".vt-row[data-index='0'] .cell:nth-child(8)") || {}).textContent === "0.3");
  // Keyboard: arrow keys move between the rows' links.
  await page.locator(".vt-row[data-index='0'] a").focus();
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.evaluate(() => document.activeElement.closest(".vt-row").dataset.index), "1");
  await shot(page, "runs");

  await page.getByRole("link", { name: /^Run sweep-b / }).click();
  await page.waitForFunction(() => location.hash.startsWith("#/run/"));
  await page.locator("figure.chart canvas").first().waitFor();
  assert.deepEqual(await page.locator("figure.chart h3").allTextContents(), ["loss", "val_auc"]);
  assert.match(await page.locator("#params").textContent(), /lr\s*0\.3/);
  // The chart is drawn: the canvas has coloured (series) pixels.
  // (Read through a copy made for reading, so Chromium does not warn about
  // repeated readbacks of the page's own canvas.)
  const inked = () => page.locator("figure.chart canvas").first().evaluate((c) => {
    const copy = document.createElement("canvas");
    copy.width = c.width;
    copy.height = c.height;
    const g = copy.getContext("2d", { willReadFrequently: true });
    g.drawImage(c, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i + 2] > 150 && d[i] < 80) n++;
    return n;
  });
  await page.waitForFunction(() => document.querySelector("figure.chart canvas").width > 0);
  assert.ok(await inked() > 50, "series pixels drawn");
  // Zoom by dragging, then reset.
  const canvas = page.locator("figure.chart canvas").first();
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  const reset = page.getByRole("button", { name: "Reset zoom of loss" });
  assert.equal(await reset.isEnabled(), true);
  await reset.click();
  assert.equal(await reset.isEnabled(), false);
  await page.getByLabel("Log scale").check();
  await page.getByLabel("Smoothing").fill("0.6");
  await page.getByLabel("X axis").selectOption("time");
  assert.ok(await inked() > 50, "still drawn with log scale, smoothing and time axis");
  await shot(page, "run");
});

test("compare: two runs' params side by side, the differing one marked, curves overlaid", async () => {
  await open("runs?q=" + encodeURIComponent("experiment = 'sweep'"));
  await page.locator(".vt-row[data-loaded='1']").first().waitFor();
  assert.equal(await page.locator(".vt-row[data-loaded='1']").count(), 2);
  const compare = page.getByRole("button", { name: "Compare", exact: true });
  assert.equal(await compare.isEnabled(), false);
  for (const box of await page.getByRole("checkbox", { name: /^Select run / }).all()) await box.check();
  await compare.click();
  await page.waitForFunction(() => location.hash.startsWith("#/compare?ids="));
  await page.locator("table.params tbody tr").first().waitFor();
  const differs = await page.locator("table.params tbody tr.differs td:first-child").allTextContents();
  assert.deepEqual(differs, ["lr"]);
  const same = await page.locator("table.params tbody tr:not(.differs) td:first-child").allTextContents();
  assert.deepEqual(same.sort(), ["alpha", "epochs"]);
  await page.locator("figure.chart canvas").first().waitFor();
  assert.deepEqual(await page.locator("figure.chart h3").allTextContents(), ["loss", "val_auc"]);
  assert.equal(await page.locator("figure.chart").first().locator(".legend span").count(), 2, "one curve per run");
  await shot(page, "compare");
});

test("monitor: timelines with the rule's band and the alert, the drift heat-map, window reports", async () => {
  await open("monitors");
  await page.getByRole("link", { name: "churn-prod" }).click();
  await page.waitForFunction(() => location.hash === "#/monitor/churn-prod");
  await page.locator("#timelines figure.chart").first().waitFor();
  const titles = await page.locator("#timelines figure.chart h3").allTextContents();
  for (const t of ["drift.share", "null_ratio", "rows", "labels.ratio", "label lag (hours)"]) assert.ok(titles.includes(t), `${t} in ${titles}`);
  // 24 hourly windows; the heat-map has a cell per (column, window).
  const windows = await page.locator("#windows tbody tr").count();
  assert.equal(windows, 24);
  const cols = await page.locator("svg.heatmap rect").evaluateAll((rs) => [...new Set(rs.map((r) => r.dataset.column))]);
  assert.ok(cols.includes("f0"), cols.join(","));
  assert.equal(await page.locator("svg.heatmap rect").count(), cols.length * windows);
  assert.match(await page.locator("#alerts tbody").textContent(), /firing/);
  assert.match(await page.locator("#rules tbody").textContent(), /drift\.share > 0\.3/);
  const href = await page.locator("#windows tbody tr a").first().getAttribute("href");
  assert.match(href, /^\/reports\/monitor\/churn-prod\/\d+$/);
  const report = await page.request.get(server.url + href);
  assert.equal(report.status(), 200);
  assert.match(report.headers()["content-type"], /text\/html/);
  await shot(page, "monitor");
});

test("reports: the list, and the chosen report loads in a sandboxed frame", async () => {
  await open("reports");
  const frame = page.locator("iframe#report-frame");
  await frame.waitFor();
  assert.equal(await frame.getAttribute("sandbox"), "allow-scripts");
  const links = await page.locator("nav.card a").count();
  assert.ok(links >= 2, `${links} reports`);
  const body = page.frameLocator("iframe#report-frame").locator("body");
  await body.locator("h1, h2").first().waitFor();
  assert.ok((await body.textContent()).length > 100);
  await shot(page, "reports");
});

test("governance: policy, protected aliases, denials, and the audit trail verifies", async () => {
  await open("governance");
  await page.locator("#grants tbody tr").first().waitFor();
  assert.match(await page.locator("#grants").textContent(), /ml-pipeline/);
  assert.match(await page.locator("#protected").textContent(), /production/);
  assert.match(await page.locator("#denials tbody").textContent(), /reviewer/);
  await page.getByRole("button", { name: "Verify audit trail" }).click();
  const verdict = page.locator("#verify-verdict");
  await verdict.waitFor();
  assert.match(await verdict.textContent(), /^Audit trail intact: \d+ events in \d+ logs\.$/);
  assert.equal(await verdict.getAttribute("class"), "ok");
  assert.doesNotMatch(await page.locator("#verify-result").textContent(), /null|undefined/);
  await shot(page, "governance");
});
