// The asset page's write forms against `mlops ui --allow-writes`: each POST
// carries the CSRF token from /api/info and goes through the store's policy;
// the page shows the change once it is made. A server of its own, since
// the other tests' server is read-only (the default).

"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { makeStore, startServer, launch, openPage, shot, unnamedControls } = require("./harness.js");

let server, browser;

before(async () => {
  const store = makeStore();
  server = await startServer(store.store, ["--allow-writes"]);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.stop();
});

test("asset page: move an alias, tag a version, archive, each shown after the write", async () => {
  const page = await openPage(browser);
  const posts = [];
  page.on("request", (r) => { if (r.method() === "POST") posts.push({ url: r.url(), csrf: r.headers()["x-csrf-token"] }); });
  await page.goto(`${server.url}/#/asset/model/churn-model`);
  await page.locator("#writes").waitFor();
  const info = await (await page.request.get(server.url + "/api/info")).json();
  assert.equal(info.writes, true);

  await page.getByLabel("Alias", { exact: true }).fill("staging");
  await page.getByLabel("To version").fill("1");
  await page.getByRole("button", { name: "Move alias" }).click();
  await page.locator("#write-status.ok").waitFor();
  assert.equal(await page.locator("#write-status").textContent(), "Move staging: done.");
  assert.match(await page.locator("#aliases tbody tr").first().textContent(), /^stagingv1ml-pipeline/);

  await page.getByLabel("Version", { exact: true }).fill("1");
  await page.getByLabel("Tag", { exact: true }).fill("team");
  await page.getByLabel("Value").fill("risk");
  await page.getByRole("button", { name: "Set tag" }).click();
  await page.locator("#write-status.ok").waitFor();
  assert.equal(await page.locator("table.versions tbody tr:last-child td:nth-child(5)").textContent(), "team=risk");

  await page.getByRole("button", { name: "Archive asset" }).click();
  await page.locator("#write-status.ok").waitFor();
  await page.getByRole("button", { name: "Restore asset" }).waitFor();
  assert.match(await page.locator("main").textContent(), /archived/);

  assert.equal(posts.length, 3);
  for (const p of posts) assert.equal(p.csrf, info.csrf, p.url);
  await shot(page, "asset-writes");
  assert.deepEqual(await unnamedControls(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
