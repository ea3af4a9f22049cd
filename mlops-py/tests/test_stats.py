"""mlops.stats against SciPy's values: the same fixtures
(tests/fixtures/drift_stats.json, made by make_drift_stats.py) the Rust and
Node suites run, so the three front-ends agree with SciPy and each other."""

import json
import math
import os

import numpy as np
import pyarrow as pa
import pytest

import mlops
from mlops import stats

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "drift_stats.json")
F = json.load(open(FIXTURES))


def close(got, want):
    if want is None:  # JSON null stands for an infinite value
        return math.isinf(got)
    return abs(got - want) <= 1e-9 * max(abs(want), 1e-300) or abs(got - want) <= 1e-12


@pytest.mark.parametrize("case", F["samples"], ids=lambda c: c["name"])
def test_sample_distances(case):
    u, v = np.array(case["u"]), case["v"]  # numpy and list inputs
    assert close(stats.wasserstein_distance(u, v), case["wasserstein"])
    assert close(stats.energy_distance(u, v), case["energy"])
    assert close(stats.wasserstein_distance_norm(pa.array(case["u"]), v), case["wasserstein_norm"])


@pytest.mark.parametrize("case", F["distributions"], ids=lambda c: c["name"])
def test_distribution_distances(case):
    p, q = case["p"], case["q"]
    for key, fn in [
        ("jensenshannon", stats.jensenshannon),
        ("kl", stats.kl_divergence),
        ("hellinger", stats.hellinger),
        ("total_variation", stats.total_variation),
        ("l_infinity", stats.l_infinity),
        ("psi", stats.psi),
    ]:
        assert close(fn(p, q), case[key]), key


@pytest.mark.parametrize("case", F["contingency"], ids=lambda c: c["name"])
def test_chi2_contingency(case):
    r = stats.chi2_contingency(case["observed"])
    assert r.dof == case["dof"]
    assert close(r.statistic, case["statistic"])
    assert abs(r.pvalue - case["p_value"]) <= 1e-6


def test_proportions_ztest():
    for c in F["proportions"]:
        r = stats.proportions_ztest(c["x1"], c["n1"], c["x2"], c["n2"])
        assert abs(r.statistic - c["statistic"]) <= 1e-9 * max(1, abs(c["statistic"]))
        assert abs(r.pvalue - c["p_value"]) <= 1e-6


@pytest.mark.parametrize("case", F["cramervonmises"], ids=lambda c: c["name"])
def test_cramervonmises(case):
    r = stats.cramervonmises_2samp(np.array(case["x"]), np.array(case["y"]))
    assert close(r.statistic, case["statistic"])
    assert abs(r.pvalue - case["p_value"]) <= 1e-6


@pytest.mark.parametrize("case", F["anderson_ksamp"], ids=lambda c: c["name"])
def test_anderson_ksamp(case):
    r = stats.anderson_ksamp([np.array(s) for s in case["samples"]])
    assert close(r.statistic, case["statistic"])
    assert abs(r.pvalue - case["p_value"]) <= 1e-6


def test_inputs_and_errors():
    ints = pa.array([1, 2, 3], pa.int32())  # cast to float64
    assert stats.wasserstein_distance(ints, pa.chunked_array([[1.0, 2.0], [3.0]])) == 0.0
    with pytest.raises(mlops.InvalidInputError, match="null"):
        stats.wasserstein_distance(pa.array([1.0, None]), [1.0])
    with pytest.raises(mlops.InvalidInputError, match="NaN"):
        stats.energy_distance([1.0], [float("nan")])
    with pytest.raises(mlops.InvalidInputError, match="empty"):
        stats.wasserstein_distance([], [1.0])
    with pytest.raises(mlops.InvalidInputError, match="same bins"):
        stats.jensenshannon([1, 2], [1])
    with pytest.raises(mlops.InvalidInputError):
        stats.chi2_contingency([[0, 0], [1, 2]])
    with pytest.raises(mlops.InvalidInputError, match="two values"):
        stats.cramervonmises_2samp([1.0], [1.0, 2.0])
    with pytest.raises(mlops.InvalidInputError):
        stats.proportions_ztest(3, 2, 1, 5)
    assert stats.proportions_ztest(5, 5, 9, 9) == (0.0, 1.0)


KS = json.load(open(os.path.join(os.path.dirname(FIXTURES), "ks.json")))


@pytest.mark.parametrize("case", [c for c in KS["samples"] if "x" in c], ids=lambda c: c["name"])
def test_ks_2samp_matches_scipy(case):
    for method in ("auto", "exact", "asymp"):
        r = stats.ks_2samp(np.array(case["x"]), case["y"], method=method)
        want = case[method]
        assert abs(r.statistic - want[0]) <= 1e-9 * max(want[0], 1e-300) or r.statistic == want[0] == 0
        assert abs(r.pvalue - want[1]) <= 1e-6, method


@pytest.mark.parametrize("case", [c for c in KS["samples"] if "x" in c], ids=lambda c: c["name"])
def test_one_sided_ks_2samp_matches_scipy(case):
    for alternative in ("less", "greater"):
        for method in ("auto", "exact", "asymp"):
            # SciPy's argument order: alternative third.
            r = stats.ks_2samp(np.array(case["x"]), case["y"], alternative, method=method)
            d, p = case[alternative][method]
            assert abs(r.statistic - d) <= 1e-12 * d or r.statistic == d == 0, (alternative, method)
            assert abs(r.pvalue - p) <= 1e-9 + 1e-7 * p, (alternative, method)


def test_ks_2samp_refuses_bad_input():
    with pytest.raises(mlops.InvalidInputError, match="method"):
        stats.ks_2samp([1.0], [2.0], method="fast")
    with pytest.raises(mlops.InvalidInputError, match="alternative"):
        stats.ks_2samp([1.0], [2.0], alternative="sideways")
    with pytest.raises(mlops.InvalidInputError, match="current"):
        stats.ks_2samp([1.0], [])


def _splitmix(seed, n):
    z = np.uint64(seed) + np.uint64(0x9E3779B97F4A7C15) * np.arange(1, n + 1, dtype=np.uint64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _ks_sample(spec):
    """A sample of the "ks_2samp" fixtures: values, a reference to another
    section, or a recipe (see make_drift_stats.py), regenerated bit for bit."""
    if isinstance(spec, list):
        return np.array(spec)
    if "ref" in spec:
        section, name, key = spec["ref"]
        return np.array(next(c for c in F[section] if c["name"] == name)[key])
    if "range" in spec:
        start, step, n = spec["range"]
        return start + np.arange(n, dtype=np.float64) * step
    z = _splitmix(*spec["splitmix"])
    if "modulus" in spec:
        return (z % np.uint64(spec["modulus"])).astype(np.float64)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53 * spec["scale"] + spec["shift"]


@pytest.mark.parametrize("case", F["ks_2samp"], ids=lambda c: c["name"])
def test_ks_2samp_matches_scipy_fixtures(case):
    x, y = _ks_sample(case["x"]), _ks_sample(case["y"])
    for method in ("auto", "exact", "asymp"):
        r = stats.ks_2samp(x, pa.array(y), method=method)
        d, p = case[method]
        assert abs(r.statistic - d) <= 1e-9 * d or r.statistic == d == 0, method
        if p is None:  # JSON null: SciPy's NaN (kstwo with n = 0)
            assert math.isnan(r.pvalue), method
        else:
            assert abs(r.pvalue - p) <= 1e-6, method
