'use strict'
// stats against SciPy's values: the same fixtures (tests/fixtures/drift_stats.json)
// the Rust and Python suites run.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { stats } = require('..')

const F = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'fixtures', 'drift_stats.json'), 'utf8'))

function close(got, want) {
  if (want === null) return !Number.isFinite(got) // JSON null stands for infinity
  return Math.abs(got - want) <= 1e-9 * Math.max(Math.abs(want), 1e-300) || Math.abs(got - want) <= 1e-12
}

test('sample distances match SciPy', () => {
  assert.ok(F.samples.length >= 10)
  for (const c of F.samples) {
    assert.ok(close(stats.wassersteinDistance(Float64Array.from(c.u), c.v), c.wasserstein), c.name)
    assert.ok(close(stats.energyDistance(c.u, c.v), c.energy), c.name)
    assert.ok(close(stats.wassersteinDistanceNorm(c.u, c.v), c.wasserstein_norm), c.name)
  }
})

test('distribution distances match SciPy', () => {
  for (const c of F.distributions) {
    const got = {
      jensenshannon: stats.jensenShannon(c.p, c.q),
      kl: stats.klDivergence(c.p, c.q),
      hellinger: stats.hellinger(c.p, c.q),
      total_variation: stats.totalVariation(c.p, c.q),
      l_infinity: stats.lInfinity(c.p, c.q),
      psi: stats.psi(c.p, c.q),
    }
    for (const [k, v] of Object.entries(got)) assert.ok(close(v, c[k]), `${c.name} ${k}: ${v} vs ${c[k]}`)
  }
})

test('tests match SciPy: chi-square, z, Cramér–von Mises, Anderson–Darling', () => {
  for (const c of F.contingency) {
    const r = stats.chi2Contingency(c.observed)
    assert.equal(r.dof, c.dof)
    assert.ok(close(r.statistic, c.statistic), c.name)
    assert.ok(Math.abs(r.pvalue - c.p_value) <= 1e-6, c.name)
  }
  for (const c of F.proportions) {
    const r = stats.proportionsZTest(c.x1, c.n1, c.x2, c.n2)
    assert.ok(Math.abs(r.statistic - c.statistic) <= 1e-9 * Math.max(1, Math.abs(c.statistic)))
    assert.ok(Math.abs(r.pvalue - c.p_value) <= 1e-6)
  }
  for (const c of F.cramervonmises) {
    const r = stats.cramerVonMises(c.x, c.y)
    assert.ok(close(r.statistic, c.statistic), c.name)
    assert.ok(Math.abs(r.pvalue - c.p_value) <= 1e-6, c.name)
  }
  for (const c of F.anderson_ksamp) {
    const r = stats.andersonKSamp(c.samples)
    assert.ok(close(r.statistic, c.statistic), c.name)
    assert.ok(Math.abs(r.pvalue - c.p_value) <= 1e-6, c.name)
  }
})

test('bad input gets coded errors', () => {
  assert.throws(() => stats.wassersteinDistance([], [1]), (e) => e.code === 'INVALID_INPUT' && /empty/.test(e.message))
  assert.throws(() => stats.energyDistance([1], [NaN]), (e) => e.code === 'INVALID_INPUT' && /NaN/.test(e.message))
  assert.throws(() => stats.jensenShannon([1, 2], [1]), (e) => e.code === 'INVALID_INPUT')
  assert.throws(() => stats.cramerVonMises([1], [1, 2]), (e) => e.code === 'INVALID_INPUT')
  assert.throws(() => stats.proportionsZTest(1.5, 2, 1, 5), (e) => e.code === 'INVALID_INPUT')
  assert.throws(() => stats.wassersteinDistance('abc', [1]), TypeError)
  assert.deepEqual(stats.proportionsZTest(5, 5, 9, 9), { statistic: 0, pvalue: 1 })
})

test('ks2samp matches SciPy', () => {
  const KS = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'fixtures', 'ks.json'), 'utf8'))
  const cases = KS.samples.filter((c) => c.x)
  assert.ok(cases.length >= 10)
  for (const c of cases) {
    for (const method of ['auto', 'exact', 'asymp']) {
      const r = stats.ks2samp(c.x, Float64Array.from(c.y), method)
      assert.ok(Math.abs(r.statistic - c[method][0]) <= 1e-9 * Math.max(c[method][0], 1e-300) || r.statistic === c[method][0], c.name)
      assert.ok(Math.abs(r.pvalue - c[method][1]) <= 1e-6, `${c.name} ${method}`)
    }
  }
  assert.throws(() => stats.ks2samp([1], [2], 'fast'), (e) => e.code === 'INVALID_INPUT')
})

test('one-sided ks2samp matches SciPy', () => {
  const KS = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'fixtures', 'ks.json'), 'utf8'))
  for (const c of KS.samples.filter((c) => c.x)) {
    for (const alternative of ['less', 'greater']) {
      for (const method of ['auto', 'exact', 'asymp']) {
        const r = stats.ks2samp(c.x, c.y, method, alternative)
        const [d, p] = c[alternative][method]
        const what = `${c.name} ${alternative} ${method}`
        assert.ok(Math.abs(r.statistic - d) <= 1e-12 * d || r.statistic === d, `${what}: ${r.statistic} vs ${d}`)
        assert.ok(Math.abs(r.pvalue - p) <= 1e-9 + 1e-7 * p, `${what}: ${r.pvalue} vs ${p}`)
      }
    }
  }
  assert.throws(
    () => stats.ks2samp([1], [2], 'auto', 'sideways'),
    (e) => e.code === 'INVALID_INPUT' && /alternative/.test(e.message),
  )
})

// A sample of the ks_2samp fixtures: values, a reference to another section,
// or a recipe (see make_drift_stats.py) regenerated bit for bit.
function ksSample(spec) {
  if (Array.isArray(spec)) return spec
  if (spec.ref) {
    const [section, name, key] = spec.ref
    return F[section].find((c) => c.name === name)[key]
  }
  if (spec.range) {
    const [start, step, n] = spec.range
    return Float64Array.from({ length: n }, (_, i) => start + i * step)
  }
  const [seed, n] = spec.splitmix
  const mask = (1n << 64n) - 1n
  const out = new Float64Array(n)
  let s = BigInt(seed)
  for (let i = 0; i < n; i++) {
    s = (s + 0x9e3779b97f4a7c15n) & mask
    let z = s
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask
    z ^= z >> 31n
    out[i] = spec.modulus !== undefined ? Number(z % BigInt(spec.modulus)) : Number(z >> 11n) * 2 ** -53 * spec.scale + spec.shift
  }
  return out
}

test('ks2samp matches SciPy on every branch (drift_stats.json)', () => {
  assert.ok(F.ks_2samp.length >= 60)
  for (const c of F.ks_2samp) {
    const x = ksSample(c.x)
    const y = ksSample(c.y)
    for (const method of ['auto', 'exact', 'asymp']) {
      const r = stats.ks2samp(x, y, method)
      const [d, p] = c[method]
      assert.ok(Math.abs(r.statistic - d) <= 1e-9 * d || r.statistic === d, `${c.name} ${method}: ${r.statistic} vs ${d}`)
      if (p === null) assert.ok(Number.isNaN(r.pvalue), `${c.name} ${method}: NaN expected`) // SciPy's NaN
      else assert.ok(Math.abs(r.pvalue - p) <= 1e-6, `${c.name} ${method}: ${r.pvalue} vs ${p}`)
    }
  }
  assert.throws(() => stats.ks2samp([1, NaN], [2]), (e) => e.code === 'INVALID_INPUT' && /reference/.test(e.message))
  assert.throws(() => stats.ks2samp([1], []), (e) => e.code === 'INVALID_INPUT' && /current/.test(e.message))
})
