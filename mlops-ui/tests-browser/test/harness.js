// What the browser tests share: a store worth browsing (the quickstart's,
// plus two runs with differing params), the real `mlops ui` server on a
// free port, the system Chromium, and a page that records every console
// error or warning and uncaught exception so each test can assert none.

"use strict";

const { spawn, execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const readline = require("node:readline");
const { chromium } = require("playwright-core");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const CLI = path.join(ROOT, "target", "release", "mlops");
const PYTHON = path.join(ROOT, ".venv", "bin", "python");
const SHOTS = path.join(ROOT, "target", "ui-screenshots");

function need(file, what) {
  if (!fs.existsSync(file)) throw new Error(`${what} is missing at ${file}: run scripts/setup.sh`);
}

/** Builds the store: the quickstart (small) and extra_runs.py. Returns its path. */
function makeStore() {
  need(PYTHON, "the project's Python (.venv)");
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-ui-test-"));
  const run = (args) => execFileSync(PYTHON, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
  run([path.join("examples", "quickstart.py"), "--rows", "2000", "--out", out]);
  const store = path.join(out, "registry");
  const ids = run([path.join(__dirname, "extra_runs.py"), store]).toString().trim().split("\n");
  return { out, store, sweepRuns: ids };
}

/**
 * Starts `mlops ui --store STORE --port 0 [ARGS]` (as principal ml-pipeline,
 * the store's admin); resolves to {url, stop}.
 */
function startServer(store, args = []) {
  need(CLI, "the CLI (target/release/mlops)");
  const env = { ...process.env, MLOPS_PRINCIPAL: "ml-pipeline" };
  const child = spawn(CLI, ["ui", "--store", store, "--port", "0", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      const m = /^mlops ui: serving (http:\/\/\S+?)\/?$/.exec(line);
      if (!m) {
        child.kill();
        reject(new Error(`unexpected first line from mlops ui: ${JSON.stringify(line)}`));
        return;
      }
      resolve({ url: m[1], stop: () => child.kill() });
    });
    child.once("exit", (code) => reject(new Error(`mlops ui exited (${code}) before serving: ${stderr}`)));
  });
}

function launch() {
  need(CHROMIUM, "Chromium (Debian package chromium)");
  // Small /dev/shm in containers (CI) crashes tabs; this keeps Chromium off it.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--disable-dev-shm-usage"] });
}

/**
 * A new page whose console errors/warnings and page errors land in
 * `page.problems`. `allow(msg)` lets a test accept a message it caused on
 * purpose (the browser's own log of a 400 answer it asked for).
 */
async function openPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.problems = [];
  page.allowed = [];
  page.on("console", (m) => {
    if (m.type() !== "error" && m.type() !== "warning") return;
    const text = `${m.type()}: ${m.text()} (${m.location().url || ""})`;
    if (page.allowed.some((f) => f(m))) return;
    page.problems.push(text);
  });
  page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
  return page;
}

/** Writes target/ui-screenshots/NAME.png (full page). */
async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, name + ".png");
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * The controls in <main> (links, buttons, inputs, selects) that have no
 * accessible name: from aria-label, aria-labelledby, a <label>, a title or
 * their text. An empty list is what the tests assert.
 */
function unnamedControls(page) {
  return page.locator("main").evaluate((main) => {
    const named = (el) => {
      if ((el.getAttribute("aria-label") || "").trim()) return true;
      const by = el.getAttribute("aria-labelledby");
      if (by && by.split(/\s+/).some((id) => (document.getElementById(id) || {}).textContent)) return true;
      if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
      if ((el.getAttribute("title") || "").trim()) return true;
      if (!["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName) && el.textContent.trim()) return true;
      return false;
    };
    return [...main.querySelectorAll("a[href], button, input, select, textarea")]
      .filter((el) => el.offsetParent !== null || el.closest("svg"))
      .filter((el) => !named(el))
      .map((el) => el.outerHTML.slice(0, 120));
  });
}

module.exports = { ROOT, makeStore, startServer, launch, openPage, shot, unnamedControls };
