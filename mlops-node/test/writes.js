'use strict'
// The mutating calls of the Node API and, for each, one call that records a
// reason: shared by reason.test.js and parity.test.js, so a new write without
// a recipe fails both.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Registry, Package, gate, profile } = require('..')

/** A fresh folder registry written as `ana`, with model `m` at version 1. */
async function fresh() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-writes-'))
  const r = new Registry(path.join(dir, 'store'), { principal: 'ana' })
  await r.add('model', 'm', 'w1')
  return { r, dir }
}

/**
 * Node name (as in api/parity.json) → a call made with `reason` and the
 * audit action it records. Each runs on a fresh registry.
 */
const WRITES = {
  'Registry.add': { action: 'version', run: ({ r }, reason) => r.add('model', 'm', 'w2', { reason }) },
  'Registry.addFile': {
    action: 'version',
    run: ({ r, dir }, reason) => {
      const f = path.join(dir, 'w.bin')
      fs.writeFileSync(f, 'w2')
      return r.addFile('model', 'm', f, { reason })
    },
  },
  'Registry.alias': { action: 'alias', run: ({ r }, reason) => r.alias('model', 'm', 'production', 1, { reason }) },
  'Registry.tag': { action: 'tag', run: ({ r }, reason) => r.tag('model', 'm', 1, 'team', 'risk', { reason }) },
  'Registry.lineage': {
    action: 'lineage',
    run: async ({ r }, reason) => {
      await r.add('dataset', 'd', 'rows')
      await r.lineage({ kind: 'model', name: 'm', version: 1 }, [{ kind: 'dataset', name: 'd', version: 1 }], { reason })
    },
  },
  'Registry.archive': { action: 'archive', run: ({ r }, reason) => r.archive('model', 'm', { reason }) },
  'Registry.recordGate': {
    action: 'gate',
    run: ({ r }, reason) => r.recordGate('model', 'm', 1, gate({ auc: 0.9 }, ['auc >= 0.8']), { reason }),
  },
  'Registry.commitDataset': {
    action: 'version',
    run: ({ r }, reason) => {
      const { tableFromArrays } = require('apache-arrow')
      return r.commitDataset('d', tableFromArrays({ x: Float64Array.from([1, 2]) }), { reason })
    },
  },
  'Registry.pushPackage': {
    action: 'version',
    run: async ({ r, dir }, reason) => {
      const src = path.join(dir, 'pkg')
      fs.mkdirSync(src)
      fs.writeFileSync(path.join(src, 'model.bin'), 'weights')
      const pkg = await Package.build(src, { name: 'm', version: '2', flavor: 'custom' })
      return r.pushPackage(pkg, 'm', { reason })
    },
  },
  'Registry.saveProfile': {
    action: 'version',
    run: async ({ r }, reason) => {
      const { tableFromArrays } = require('apache-arrow')
      const p = await profile(tableFromArrays({ x: Float64Array.from([1, 2]) }))
      return r.saveProfile('orders', '2026-12-01', p, { reason })
    },
  },
  'Policy.grant': { action: 'grant', run: ({ r }, reason) => r.policy.grant('ana', 'admin', '*', { reason }) },
  'Policy.revoke': {
    action: 'revoke',
    run: async ({ r }, reason) => {
      await r.policy.grant('ana', 'admin')
      await r.policy.grant('bob', 'reader')
      await r.policy.revoke('bob', 'reader', '*', { reason })
    },
  },
  'Policy.protect': { action: 'protect', run: ({ r }, reason) => r.policy.protect('production', { reason }) },
  'Policy.unprotect': {
    action: 'unprotect',
    run: async ({ r }, reason) => {
      await r.policy.protect('production')
      await r.policy.unprotect('production', '*', { reason })
    },
  },
  'Registry.expire': {
    action: 'expire',
    run: async ({ r }, reason) => {
      await r.add('model', 'm', 'w2')
      return r.expire('model', 'm', { keepLast: 1, reason })
    },
  },
  'Registry.pin': { action: 'pin', run: ({ r }, reason) => r.pin('model', 'm', 1, { reason }) },
}

/** The reason of the newest audit record with `action`, after running the write. */
async function recordedReason(name, reason) {
  const w = WRITES[name]
  const ctx = await fresh()
  await w.run(ctx, reason)
  const records = await ctx.r.audit.log({ action: w.action })
  if (records.length === 0) throw new Error(`${name} recorded no '${w.action}' event`)
  return records[records.length - 1].reason
}

module.exports = { WRITES, recordedReason }
