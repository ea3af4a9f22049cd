"""mlops.drift: agreement with Evidently 0.7's DataDriftPreset (fixtures made
by tests/fixtures/make_evidently_drift.py), the workload's ground truth,
drift from profiles, inputs, options and bad input."""

import importlib.util
import json
import math
import os
import subprocess
import sys

import pyarrow as pa
import pytest

import mlops

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = json.load(open(os.path.join(ROOT, "tests", "fixtures", "evidently_drift.json")))
VECTORS = os.path.join(ROOT, "tests", "vectors", "drift")

_spec = importlib.util.spec_from_file_location("gen_tabular", os.path.join(ROOT, "scripts", "gen_tabular.py"))
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

_tables = {}


def table(rows, seed, shift):
    key = (rows, seed, shift)
    if key not in _tables:
        _tables[key] = gen.make(rows, seed, shift)
    return _tables[key]


def ground_truth(shift):
    return list(gen.DRIFTED[shift])


def score_close(method, got, want):
    if method in ("ks", "chisquare", "z"):  # p-values
        return abs(got - want) <= 1e-6
    # Distances within 1e-9 relative; below 1e-3 (near-identical
    # distributions, where the distance is the root of a sum of nearly
    # cancelling terms and summation order alone moves it by ~1e-13) within
    # 1e-12 absolute.
    return abs(got - want) <= 1e-9 * max(abs(want), 1e-3)


@pytest.mark.parametrize("case", FIXTURES["cases"], ids=lambda c: c["name"])
def test_agrees_with_evidently(case):
    ref, cur = table(*case["reference"]), table(*case["current"])
    # Evidently's verdicts exactly: no significance guard, no null-rate test.
    r = mlops.drift(ref, cur, significance_guard=False, null_test=False)
    assert sorted(r.columns) == sorted(case["columns"])
    value_drifted = 0
    for name, ev in case["columns"].items():
        c = r[name]
        if ev["method"] == "text":
            assert c.column_type == "text" and c.method is None and c.skipped
            continue
        assert c.method == ev["method"], name
        assert c.threshold == ev["threshold"], name
        assert score_close(c.method, c.score, ev["score"]), (name, c.score, ev["score"])
        assert c.value_drifted == ev["drifted"], name
        value_drifted += c.value_drifted
    text_drifted = sum(ev["drifted"] for ev in case["columns"].values() if ev["method"] == "text")
    assert value_drifted == case["drifted_count"] - text_drifted
    assert r.number_of_columns == len(case["columns"])


@pytest.mark.parametrize("rows", [100_000])
def test_flags_exactly_the_ground_truth(rows):
    strong = mlops.drift(table(rows, 42, "none"), table(rows, 42, "strong"))
    assert strong.drifted_columns == ground_truth("strong")
    # f7 drifts only in its share of nulls (0.05 -> 0.25), which Evidently ignores.
    f7 = strong["f7"]
    assert not f7.value_drifted and f7.nulls["drifted"]
    assert abs(f7.nulls["reference_share"] - 0.05) < 0.01 and abs(f7.nulls["current_share"] - 0.25) < 0.01
    fresh = mlops.drift(table(rows, 42, "none"), table(rows, 43, "none"))
    assert fresh.drifted_columns == []
    assert not fresh.dataset_drift


def test_flags_exactly_the_ground_truth_at_one_million_rows(tmp_path):
    # Files made by the generator script, read by the engine itself.
    paths = {}
    for name, seed, shift in [("ref", 42, "none"), ("strong", 42, "strong"), ("fresh", 43, "none")]:
        paths[name] = str(tmp_path / f"{name}.parquet")
        subprocess.run(
            [
                sys.executable,
                os.path.join(ROOT, "scripts", "gen_tabular.py"),
                "--rows",
                "1000000",
                "--seed",
                str(seed),
                "--shift",
                shift,
                "--out",
                paths[name],
            ],
            check=True,
        )
    assert mlops.drift(paths["ref"], paths["strong"]).drifted_columns == ground_truth("strong")
    assert mlops.drift(paths["ref"], paths["fresh"]).drifted_columns == []


def test_shared_vector_runs_from_files():
    """The shared drift vector (also run by the Rust and Node suites)."""
    case = next(c for c in FIXTURES["cases"] if c["name"] == "1k_strong")
    r = mlops.drift(
        os.path.join(VECTORS, "ref_1k.parquet"),
        os.path.join(VECTORS, "strong_1k.parquet"),
        significance_guard=False,
        null_test=False,
    )
    for name, ev in case["columns"].items():
        if ev["method"] != "text":
            assert r[name].method == ev["method"] and score_close(ev["method"], r[name].score, ev["score"])


# Columns whose tails make the sketch estimate of Wasserstein loose:
# lognormal f2, Student-t(3) f6, Zipf i2.
HEAVY_TAILED = {"f2", "f6", "i2"}


def test_from_profiles_agrees_with_exact():
    ref, cur = table(100_000, 42, "none"), table(100_000, 42, "strong")
    exact = mlops.drift(ref, cur)
    approx = mlops.drift(mlops.profile(ref), mlops.profile(cur))
    assert approx.source == "profiles" and exact.source == "data"
    assert approx.drifted_columns == exact.drifted_columns == ground_truth("strong")
    for name in exact.columns:
        e, p = exact[name], approx[name]
        assert p.approximate and p.method == e.method, name
        if e.method == "wasserstein" and name not in HEAVY_TAILED:
            # From the KLL sketches' CDFs (rank error about 1.65 %, random
            # compactions): within 0.1 of the exact normed distance on
            # light-tailed columns (largest seen over 15 runs: 0.04).
            assert abs(p.score - e.score) <= 0.1, (name, p.score, e.score)
        elif e.method == "wasserstein":
            # Heavy tails stretch the sketches' CDF error over a wide range:
            # only the verdict (checked above) is promised.
            pass
        elif name != "c3":
            # Categories are exact in the frequent-items sketch (at most 384 distinct values).
            assert abs(p.score - e.score) <= 1e-9, (name, p.score, e.score)
        else:
            # 5,000 users: none is a heavy hitter, all fold into "(other)".
            assert p.score < e.score
        assert p.nulls == e.nulls, name


def test_inputs_agree():
    ref, cur = table(5_000, 42, "none"), table(5_000, 42, "strong")
    base = mlops.drift(ref, cur).to_dict()
    for a, b in [(ref.to_pandas(), cur.to_pandas()), (ref.to_batches()[0], cur.to_batches()[0])]:
        assert mlops.drift(a, b).to_dict()["columns"] == base["columns"]
    import polars

    assert mlops.drift(polars.from_arrow(ref), polars.from_arrow(cur)).to_dict()["columns"] == base["columns"]


def test_options_and_corrections():
    ref, cur = table(800, 42, "none"), table(600, 43, "none")
    plain = mlops.drift(ref, cur, null_test=False)
    bh = mlops.drift(ref, cur, null_test=False, correction="benjamini_hochberg")
    tested = [c for c in plain.columns if plain[c].p_value is not None]
    ps = sorted((plain[c].p_value, c) for c in tested)
    m = len(ps)
    # Benjamini-Hochberg by hand.
    adj, running = {}, 1.0
    for i in range(m - 1, -1, -1):
        running = min(running, ps[i][0] * m / (i + 1))
        adj[ps[i][1]] = min(running, 1.0)
    for c in tested:
        assert math.isclose(bh[c].score, adj[c], rel_tol=1e-12, abs_tol=1e-300)
    assert bh.number_of_drifted_columns <= plain.number_of_drifted_columns
    r = mlops.drift(ref, cur, method="psi", per_column={"f0": {"method": "ks", "threshold": 0.01}}, drift_share=0.9)
    assert r["f0"].method == "ks" and r["f0"].threshold == 0.01
    assert r["c0"].method == "psi" and r["c0"].threshold == 0.1
    assert r.to_dict()["options"]["drift_share"] == 0.9


def test_bad_input_names_the_column_or_option():
    a = pa.table({"x": [1.0, 2.0], "y": [1.0, 2.0]})
    with pytest.raises(mlops.SchemaMismatchError, match="'y'"):
        mlops.drift(a, pa.table({"x": [1.0, 2.0]}))
    with pytest.raises(mlops.SchemaMismatchError, match="'x'"):
        mlops.drift(pa.table({"x": [1.0]}), pa.table({"x": ["a"]}))
    with pytest.raises(mlops.InvalidInputError, match="method"):
        mlops.drift(a, a, method="t-test")
    with pytest.raises(mlops.InvalidInputError, match="drift_share"):
        mlops.drift(a, a, drift_share=1.5)
    with pytest.raises(mlops.InvalidInputError, match="'c'"):
        mlops.drift(pa.table({"c": ["a", "b"] * 5}), pa.table({"c": ["a", "b"] * 5}), method="ks")
    with pytest.raises(TypeError):
        mlops.drift(mlops.profile(a), a)
    with pytest.raises(mlops.NotFoundError):
        mlops.drift("/nonexistent/ref.parquet", "/nonexistent/cur.parquet")
    # All-null, NaN and inf are missing values; the report says why a test did not run.
    r = mlops.drift(pa.table({"x": [1.0, 2.0, 3.0]}), pa.table({"x": pa.array([None, None], pa.float64())}))
    assert r["x"].method is None and "current" in r["x"].skipped and r["x"].nulls["current_share"] == 1.0
    r = mlops.drift(pa.table({"x": [1.0, 2.0, 3.0]}), pa.table({"x": [float("nan"), float("inf"), 2.0]}))
    assert r["x"].current["missing"] == 2


def test_non_finite_options_are_refused_naming_the_option():
    a = pa.table({"x": [1.0, 2.0, 3.0]})
    for kwargs, message in [
        ({"threshold": float("nan")}, "drift option 'threshold' must be a finite number >= 0, got NaN"),
        ({"drift_share": float("inf")}, "drift option 'drift_share' must be a number between 0 and 1, got inf"),
        ({"null_min_effect": float("-inf")}, "drift option 'null_min_effect' must be a finite number >= 0, got -inf"),
        ({"per_column": {"x": {"threshold": float("nan")}}}, "per_column['x'].threshold"),
    ]:
        with pytest.raises(mlops.InvalidInputError) as e:
            mlops.drift(a, a, **kwargs)
        assert message in str(e.value)
        assert "line 1 column" not in str(e.value)


def test_nothing_tested_is_not_no_drift():
    a = pa.table({"x": [1.0, 2.0, 3.0]})
    r = mlops.drift(a, a.slice(0, 0))
    assert r.verdict == "not_tested" and not r.dataset_drift
    assert r.number_of_columns == 0
    assert r.skipped_columns == [("x", "no present values in the current data; no null-rate test (a side has no rows)")]
    assert r.to_dict()["verdict"] == "not_tested"
    assert mlops.drift(a, a).verdict == "no_drift"


def test_reports_render():
    r = mlops.drift(table(5_000, 42, "none"), table(5_000, 42, "strong"))
    html = r.to_html()
    assert html.startswith("<!DOCTYPE html>") and r._repr_html_() == html
    assert html.index("verdict") < html.index("<table")
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and "<script src" not in html
    d = json.loads(r.to_json())
    assert d["format"] == "mlops.drift" and d["number_of_drifted_columns"] == r.number_of_drifted_columns
    f0 = d["columns"][0]
    assert f0["column"] == "f0" and len(f0["distribution"]["edges"]) == len(f0["distribution"]["reference"]) + 1
    assert abs(sum(f0["distribution"]["reference"]) - 1) < 1e-9
    assert repr(r).startswith("<mlops.DriftReport")
