"""Two-sample statistics, correct to SciPy (``mlops.stats``).

Samples are array-likes of floats (numpy arrays, lists, pyarrow arrays);
a float64 numpy or Arrow array is handed to the engine without a copy.
Nulls are refused; NaN is refused with ``InvalidInputError``. Distributions
are counts or shares per bin or category, normalised as SciPy does.

>>> from mlops import stats
>>> stats.wasserstein_distance([0.0, 1.0, 3.0], [5.0, 6.0, 8.0])
5.0
>>> r = stats.cramervonmises_2samp([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
>>> round(r.statistic, 6), round(r.pvalue, 6)
(0.527778, 0.1)
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional, Sequence

from . import _mlops

_native = _mlops.stats


class TestResult(NamedTuple):
    """A test's statistic and p-value, as SciPy's result objects."""

    statistic: float
    pvalue: float


class Chi2ContingencyResult(NamedTuple):
    """`chi2_contingency`'s statistic, p-value and degrees of freedom."""

    statistic: float
    pvalue: float
    dof: int


def _floats(x: Any) -> Any:
    import pyarrow as pa

    if isinstance(x, pa.ChunkedArray):
        x = x.combine_chunks()
    if isinstance(x, pa.Array):
        return x if x.type == pa.float64() else x.cast(pa.float64())
    return pa.array(x, type=pa.float64())


def wasserstein_distance(u: Any, v: Any) -> float:
    """`scipy.stats.wasserstein_distance(u, v)`."""
    return _native.wasserstein_distance(_floats(u), _floats(v))


def energy_distance(u: Any, v: Any) -> float:
    """`scipy.stats.energy_distance(u, v)`."""
    return _native.energy_distance(_floats(u), _floats(v))


def wasserstein_distance_norm(reference: Any, current: Any) -> float:
    """Evidently's normed Wasserstein distance: divided by the reference's std (ddof=0), floored at 0.001."""
    return _native.wasserstein_distance_norm(_floats(reference), _floats(current))


def jensenshannon(p: Any, q: Any) -> float:
    """`scipy.spatial.distance.jensenshannon(p, q)` (natural log)."""
    return _native.jensenshannon(_floats(p), _floats(q))


def kl_divergence(p: Any, q: Any) -> float:
    """`scipy.stats.entropy(p, q)`: KL(p || q), natural log."""
    return _native.kl_divergence(_floats(p), _floats(q))


def hellinger(p: Any, q: Any) -> float:
    """Hellinger distance `sqrt(1/2 sum (sqrt p - sqrt q)^2)` of the normalised distributions."""
    return _native.hellinger(_floats(p), _floats(q))


def total_variation(p: Any, q: Any) -> float:
    """Total variation distance `1/2 sum |p - q|`."""
    return _native.total_variation(_floats(p), _floats(q))


def l_infinity(p: Any, q: Any) -> float:
    """TFDV's L-infinity distance: the largest difference of any category's share."""
    return _native.l_infinity(_floats(p), _floats(q))


def psi(p: Any, q: Any) -> float:
    """Population stability index; an empty bin counts as a share of 1e-4 (Evidently)."""
    return _native.psi(_floats(p), _floats(q))


def ks_2samp(x: Any, y: Any, alternative: Optional[str] = None, method: Optional[str] = None) -> TestResult:
    """`scipy.stats.ks_2samp(x, y, alternative=alternative, method=method)`.

    ``alternative`` is ``"two-sided"`` (statistic max |F - G|), ``"less"``
    (D- = max(G - F): the alternative is that x's CDF F lies below y's G
    somewhere) or ``"greater"`` (D+ = max(F - G)); as in SciPy only the first
    letter counts. ``method`` is ``"auto"`` (exact up to 10,000 values per
    sample, else asymptotic), ``"exact"`` or ``"asymp"``. Anything else
    raises ``InvalidInputError``. ``None`` (either) is the engine's default,
    SciPy's: ``"two-sided"`` and ``"auto"``."""
    return TestResult(*_native.ks_2samp(_floats(x), _floats(y),
                                        None if method is None else str(method),
                                        None if alternative is None else str(alternative)))


def cramervonmises_2samp(x: Any, y: Any) -> TestResult:
    """`scipy.stats.cramervonmises_2samp(x, y)` (exact below 21 values, else asymptotic)."""
    return TestResult(*_native.cramervonmises_2samp(_floats(x), _floats(y)))


def anderson_ksamp(samples: Sequence[Any]) -> TestResult:
    """`scipy.stats.anderson_ksamp(samples, variant="midrank")`; p-value capped to [0.001, 0.25]."""
    return TestResult(*_native.anderson_ksamp([_floats(s) for s in samples]))


def chi2_contingency(observed: Sequence[Sequence[float]]) -> Chi2ContingencyResult:
    """`scipy.stats.chi2_contingency(observed)` (Yates' correction when dof == 1)."""
    return Chi2ContingencyResult(*_native.chi2_contingency([[float(c) for c in row] for row in observed]))


def proportions_ztest(x1: int, n1: int, x2: int, n2: int) -> TestResult:
    """Two-sample pooled z-test for proportions (Evidently's `z` test); two-sided p-value."""
    return TestResult(*_native.proportions_ztest(int(x1), int(n1), int(x2), int(n2)))


__all__ = [
    "TestResult",
    "Chi2ContingencyResult",
    "wasserstein_distance",
    "energy_distance",
    "wasserstein_distance_norm",
    "jensenshannon",
    "kl_divergence",
    "hellinger",
    "total_variation",
    "l_infinity",
    "psi",
    "ks_2samp",
    "cramervonmises_2samp",
    "anderson_ksamp",
    "chi2_contingency",
    "proportions_ztest",
]
