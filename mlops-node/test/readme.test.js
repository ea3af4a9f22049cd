'use strict'
// The README's Node example runs as written.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

test('README js examples run', async () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])
  assert.ok(blocks.length > 0, 'README has no js examples')
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor
  for (const code of blocks) await new AsyncFunction('require', code)(require)
})
