#!/usr/bin/env node
// Profile a data file from Node and print a few statistics.
//
//     node examples/profile.js data.parquet [profile.html]
'use strict'
const fs = require('node:fs')
const { profile } = require('../mlops-node')

async function main() {
  const [file, html] = process.argv.slice(2)
  if (!file) throw new Error('usage: node examples/profile.js FILE [HTML_OUT]')
  const p = await profile(file)
  console.log(`${p.rowCount} rows`)
  for (const name of p.columnNames) {
    const c = p.column(name)
    const p50 = c.quantiles ? c.quantiles.find(([q]) => q === 0.5)[1] : null
    console.log(`${name.padEnd(10)} ${c.semantic_type.padEnd(12)} nulls=${c.null_count} mean=${c.mean} p50=${p50}`)
  }
  if (html) fs.writeFileSync(html, p.toHtml())
}

main().catch((e) => {
  console.error(`mlops: error [${e.code || 'ERROR'}]: ${e.message}`)
  process.exit(2)
})
