'use strict'
// What lib/index.d.ts declares, read with the TypeScript compiler API (not
// regexes): each top-level name with its kind, its members (instance and
// static) and, for a union of string literals, the literals. Used by
// types.test.js and parity.test.js.
const fs = require('node:fs')
const path = require('node:path')
const ts = require('typescript')

const FILE = path.join(__dirname, '..', 'lib', 'index.d.ts')

function memberName(m) {
  return m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) ? m.name.text : undefined
}

function isStatic(m) {
  return (ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Static) !== 0
}

/** `Map<name, {kind, members: Map<name, 'method' | 'property'>, statics: Set, literals: Set}>`. */
function declarations(file = FILE) {
  const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2020, true)
  const out = new Map()
  const entry = (name, kind) => {
    if (!out.has(name)) out.set(name, { kind, members: new Map(), statics: new Set(), literals: new Set() })
    return out.get(name)
  }
  const addMembers = (e, members) => {
    for (const m of members) {
      const name = memberName(m)
      if (name === undefined) continue
      if (ts.isConstructorDeclaration(m)) continue
      if ((ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Private) !== 0) continue
      const kind = ts.isMethodDeclaration(m) || ts.isMethodSignature(m) ? 'method' : 'property'
      if (isStatic(m)) e.statics.add(name)
      else e.members.set(name, kind)
    }
  }
  for (const s of src.statements) {
    if (ts.isClassDeclaration(s) && s.name) addMembers(entry(s.name.text, 'class'), s.members)
    else if (ts.isInterfaceDeclaration(s)) addMembers(entry(s.name.text, 'interface'), s.members)
    else if (ts.isFunctionDeclaration(s) && s.name) entry(s.name.text, 'function')
    else if (ts.isTypeAliasDeclaration(s)) {
      const e = entry(s.name.text, 'type')
      const types = ts.isUnionTypeNode(s.type) ? s.type.types : [s.type]
      for (const t of types) {
        if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) e.literals.add(t.literal.text)
      }
    } else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) {
        const e = entry(d.name.getText(src), 'const')
        if (d.type && ts.isTypeLiteralNode(d.type)) addMembers(e, d.type.members)
      }
    }
  }
  return out
}

/**
 * The public surface of the module at run time: `[name, kind, members]`
 * per export, where a class's members are every method and accessor of its
 * prototype chain and its statics, and an object's its keys; names starting
 * with `_` are private.
 */
function runtimeSurface(mod) {
  const out = []
  const pub = (n) => !n.startsWith('_')
  for (const [name, value] of Object.entries(mod)) {
    if (!pub(name)) continue
    if (typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value))) {
      const members = new Set()
      for (let p = value.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
        for (const m of Object.getOwnPropertyNames(p)) if (m !== 'constructor' && pub(m)) members.add(m)
      }
      const statics = new Set()
      for (let c = value; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
        for (const m of Object.getOwnPropertyNames(c)) if (!['length', 'name', 'prototype'].includes(m) && pub(m)) statics.add(m)
      }
      out.push({ name, kind: 'class', members, statics })
    } else if (typeof value === 'function') {
      out.push({ name, kind: 'function', members: new Set(), statics: new Set() })
    } else {
      out.push({ name, kind: 'const', members: new Set(Object.keys(value).filter(pub)), statics: new Set() })
    }
  }
  return out
}

module.exports = { declarations, runtimeSurface }
