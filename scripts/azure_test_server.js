#!/usr/bin/env node
// An Azure-Blob-compatible server on loopback for the tests: Azurite's blob
// service, in memory.
//
//     node scripts/azure_test_server.js --container mlops-test
//
// starts Azurite (installed by scripts/setup.sh under scripts/azurite/,
// version pinned there) on 127.0.0.1 at a free port, creates each container
// (Shared Key signed with Azurite's well-known development account), prints
// `listening on 127.0.0.1:<port>` and serves until SIGTERM or SIGINT.
//
// Azurite answers a Put Blob with `If-None-Match: *` on an existing blob with
// 409 BlobAlreadyExists, which object_store reads as "already exists", so
// the registry's create-only puts work on it as on Azure.

"use strict";

const { spawn } = require("node:child_process");
const crypto = require("node:crypto");
const http = require("node:http");
const path = require("node:path");

// Azurite's development account (public, documented, the same everywhere).
const ACCOUNT = "devstoreaccount1";
const KEY = Buffer.from(
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
  "base64",
);
const VERSION = "2021-08-06";

function parseArgs(argv) {
  const containers = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--container" && i + 1 < argv.length) {
      containers.push(argv[++i]);
    } else {
      throw new Error(`unknown argument ${argv[i]} (use --container NAME, repeatable)`);
    }
  }
  return containers;
}

// Create Container, signed with Shared Key (path-style URL, as the emulator
// takes: /<account>/<container>).
function createContainer(port, name) {
  const date = new Date().toUTCString();
  const resource = `/${ACCOUNT}/${ACCOUNT}/${name}\nrestype:container`;
  const toSign =
    "PUT\n\n\n\n\n\n\n\n\n\n\n\n" +
    `x-ms-date:${date}\nx-ms-version:${VERSION}\n` +
    resource;
  const signature = crypto.createHmac("sha256", KEY).update(toSign, "utf8").digest("base64");
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: "PUT",
        path: `/${ACCOUNT}/${name}?restype=container`,
        headers: {
          "x-ms-date": date,
          "x-ms-version": VERSION,
          "Content-Length": "0",
          Authorization: `SharedKey ${ACCOUNT}:${signature}`,
        },
      },
      (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => {
          if (res.statusCode === 201 || res.statusCode === 409) {
            resolve();
          } else {
            reject(new Error(`creating container ${name}: HTTP ${res.statusCode} ${body}`));
          }
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function main() {
  const containers = parseArgs(process.argv.slice(2));
  const bin = path.join(__dirname, "azurite", "node_modules", ".bin", "azurite-blob");
  const child = spawn(
    bin,
    [
      "--blobHost", "127.0.0.1",
      "--blobPort", "0",
      "--inMemoryPersistence",
      "--extentMemoryLimit", "2048",
      "--disableTelemetry",
      "--silent",
      "--skipApiVersionCheck",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let stopping = false;
  let failed = false;
  const stop = () => {
    stopping = true;
    child.kill("SIGTERM");
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  child.on("error", (e) => {
    console.error(`cannot start ${bin}: ${e.message} (run scripts/setup.sh --node)`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`Azurite exited (code ${code}, signal ${signal})`);
      process.exit(1);
    }
    process.exit(failed ? 1 : 0);
  });
  let out = "";
  let started = false;
  child.stdout.on("data", async (chunk) => {
    out += chunk;
    const m = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (started || !m) return;
    started = true;
    const port = Number(m[1]);
    try {
      for (const c of containers) await createContainer(port, c);
    } catch (e) {
      console.error(e.message);
      failed = true;
      stop();
      return;
    }
    console.log(`listening on 127.0.0.1:${port}`);
  });
}

main();
