#!/usr/bin/env node
// Builds the native addon: `cargo build --release -p mlops-node`, then copies
// the cdylib cargo reports to ./mlops.node (what `napi build` does).
//
// Why not @napi-rs/cli: v3 pulls @napi-rs/lzma and @napi-rs/tar, which
// declare node ^22.20, so on Node 20 npm writes a lock file that `npm ci`
// then refuses; v2 cannot read napi-derive 3's type definitions. Calling
// cargo directly also shares the compiled Arrow with the other builds of the
// workspace (the CLI passes an explicit --target, i.e. a second target dir).
// The TypeScript API is hand-written in lib/index.d.ts and checked by tsc in
// the tests.
'use strict'
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const r = spawnSync('cargo', ['build', '--release', '-p', 'mlops-node', '--message-format=json-render-diagnostics'], {
  cwd: __dirname,
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
})
if (r.status !== 0) {
  console.error(`cargo build failed (status ${r.status})`)
  process.exit(r.status || 1)
}
let lib
for (const line of r.stdout.split('\n')) {
  if (!line.startsWith('{')) continue
  const msg = JSON.parse(line)
  if (msg.reason === 'compiler-artifact' && msg.target && msg.target.name === 'mlops_node' && msg.target.kind.includes('cdylib')) {
    lib = msg.filenames.find((f) => /\.(so|dylib|dll)$/.test(f))
  }
}
if (!lib) {
  console.error('cargo did not report the mlops-node cdylib')
  process.exit(1)
}
const out = path.join(__dirname, 'mlops.node')
fs.copyFileSync(lib, out + '.tmp')
fs.renameSync(out + '.tmp', out)
console.log(`built ${path.relative(process.cwd(), out)} from ${lib}`)
