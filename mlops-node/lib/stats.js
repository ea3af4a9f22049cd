'use strict'
// Two-sample statistics (`stats`), equal to SciPy's.
const { native, typed } = require('./native')

function floats(x, name) {
  if (x instanceof Float64Array) return x
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return Float64Array.from(x)
  if (x && typeof x.toArray === 'function') return Float64Array.from(x.toArray()) // apache-arrow Vector
  throw new TypeError(`${name} must be an array of numbers`)
}

const pair = (fn) => (a, b) => fn(floats(a, 'first argument'), floats(b, 'second argument'))

/**
 * Two-sample statistics, correct to SciPy: distances return a number, tests
 * `{ statistic, pvalue }`. Samples are number arrays or Float64Arrays
 * (borrowed, not copied); distributions are counts or shares per bin.
 */
const stats = {
  wassersteinDistance: pair(native.statsWassersteinDistance),
  energyDistance: pair(native.statsEnergyDistance),
  wassersteinDistanceNorm: pair(native.statsWassersteinDistanceNorm),
  jensenShannon: pair(native.statsJensenShannon),
  klDivergence: pair(native.statsKlDivergence),
  hellinger: pair(native.statsHellinger),
  totalVariation: pair(native.statsTotalVariation),
  lInfinity: pair(native.statsLInfinity),
  psi: pair(native.statsPsi),
  cramerVonMises: pair(native.statsCramerVonMises),
  /**
   * Two-sample KS test (`scipy.stats.ks_2samp`); method 'auto' | 'exact' | 'asymp',
   * alternative 'two-sided' | 'less' | 'greater' (as SciPy's `alternative`).
   */
  ks2samp(x, y, method, alternative) {
    return typed(() => native.statsKs2Samp(floats(x, 'first argument'), floats(y, 'second argument'), method, alternative))
  },
  andersonKSamp(samples) {
    if (!Array.isArray(samples)) throw new TypeError('andersonKSamp expects an array of samples')
    return native.statsAndersonKsamp(samples.map((s, i) => floats(s, `sample ${i}`)))
  },
  chi2Contingency(observed) {
    const [statistic, pvalue, dof] = native.statsChi2Contingency(observed.map((row) => Array.from(row, Number)))
    return { statistic, pvalue, dof }
  },
  proportionsZTest(x1, n1, x2, n2) {
    return native.statsProportionsZtest(x1, n1, x2, n2)
  },
}

module.exports = { stats }
