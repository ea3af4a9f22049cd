"""mlops.validate: agreement with Great Expectations 1.x (the shared
fixture made by tests/fixtures/make_ge_validation.py with GE itself),
streams, the builder, files and their errors, inference and model gates."""

import json
import math
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import mlops
from mlops import checks

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURE = json.load(open(os.path.join(ROOT, "tests", "fixtures", "ge_validation.json")))
DATA = os.path.join(ROOT, "tests", "vectors", "validate", "ge.parquet")
CASES = FIXTURE["cases"]


def ge_observed(case):
    o = case["observed_value"]
    kind = case["check"]["check"]
    if kind == "max_null_fraction":
        return 1.0 - o
    if kind == "quantile_between":
        return o["values"][0]
    if kind in ("column_exists", "column_type"):
        return None
    return o


def assert_agrees(got, case):
    assert got["success"] == case["success"], (case["check"], got)
    if case["unexpected_count"] is not None:
        assert got["unexpected_count"] == case["unexpected_count"]
        assert math.isclose(got["unexpected_percent"], case["unexpected_percent"], rel_tol=1e-9, abs_tol=1e-12)
        assert [u["row"] for u in got["partial_unexpected"]] == case["first_unexpected_rows"]
    want = ge_observed(case)
    if isinstance(want, float):
        assert math.isclose(got["observed_value"], want, rel_tol=1e-9)
    elif want is not None:
        assert got["observed_value"] == want


def ge_suite():
    return mlops.Suite("ge", [c["check"] for c in CASES])


@pytest.mark.parametrize("source", ["path", "table", "pandas", "polars", "batches"])
def test_agrees_with_great_expectations(source):
    table = pq.read_table(DATA)
    data = {
        "path": DATA,
        "table": table,
        "pandas": lambda: table.to_pandas(),
        "polars": lambda: __import__("polars").from_arrow(table),
        "batches": lambda: iter(table.to_batches(max_chunksize=777)),
    }[source]
    data = data() if callable(data) else data
    r = mlops.validate(data, ge_suite())
    assert r.rows == FIXTURE["rows"] == 5000
    assert len(r) == len(CASES) >= 50
    for got, case in zip(r.results, CASES):
        assert_agrees(got, case)


def test_stream_equals_whole_table():
    table = pq.read_table(DATA)
    whole = mlops.validate(table, ge_suite()).to_dict()["results"]
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=333))
    streamed = ge_suite().validate(reader).to_dict()["results"]
    for a, b in zip(whole, streamed):
        assert a["unexpected_count"] == b["unexpected_count"]
        assert a["partial_unexpected"] == b["partial_unexpected"]
        assert a["success"] == b["success"]


def test_builder_results_match_numpy():
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, 10_000)
    x[rng.choice(10_000, 50, replace=False)] = np.nan
    plan = rng.choice(["free", "pro", "team", "gold"], 10_000, p=[0.5, 0.3, 0.19, 0.01])
    t = pa.table({"x": pa.array(x, from_pandas=True), "plan": plan})
    s = (
        mlops.Suite("users")
        .add(checks.values_between("x", -2, 2, mostly=0.9))
        .add(checks.in_set("plan", ["free", "pro", "team"], severity="warn"))
        .add(checks.mean_between("x", -0.1, 0.1))
        .add(checks.std_between("x", 0.9, 1.1))
    )
    r = s.validate(t)
    present = x[~np.isnan(x)]
    outside = int(((present < -2) | (present > 2)).sum())
    assert r[0]["unexpected_count"] == outside and r[0]["missing_count"] == 50
    assert math.isclose(r[0]["unexpected_percent"], 100 * outside / present.size)
    assert r[1]["unexpected_count"] == int((plan == "gold").sum()) and not r[1]["success"]
    assert r[1]["partial_unexpected"][0]["row"] == int(np.flatnonzero(plan == "gold")[0])
    assert math.isclose(r[2]["observed_value"], present.mean(), rel_tol=1e-12)
    assert math.isclose(r[3]["observed_value"], present.std(ddof=1), rel_tol=1e-12)
    assert r.success  # the gold rows only warn
    assert "users" in r.to_html() and r._repr_html_() == r.to_html()
    assert json.loads(r.to_json())["statistics"]["failed_warnings"] == 1


def test_suite_files_round_trip_and_errors_name_the_place(tmp_path):
    s = mlops.Suite("s", [checks.not_null("id"), checks.column_pair("end", ">", "start", mostly=0.99)])
    for name in ("s.yaml", "s.json"):
        s.save(tmp_path / name)
        assert mlops.Suite.load(tmp_path / name).checks == s.checks
    bad = tmp_path / "bad.yaml"
    bad.write_text("checks:\n  - check: not_null\n    column: f0\n  - check: in_sett\n    column: c0\n")
    with pytest.raises(mlops.InvalidInputError, match=r"checks\[1\].*in_sett.*line 4"):
        mlops.Suite.load(bad)
    with pytest.raises(mlops.InvalidInputError, match=r"checks\[0\].*`values`"):
        mlops.Suite("s", [{"check": "in_set", "column": "c0", "values": "abc"}])
    with pytest.raises(mlops.InvalidInputError, match=r"checks\[1\].*colum"):
        mlops.Suite("s").add(checks.not_null("a")).add({"check": "unique", "colum": "a"})
    with pytest.raises(mlops.SchemaMismatchError, match=r"checks\[0\].*'nope'"):
        mlops.validate(DATA, mlops.Suite("s", [checks.not_null("nope")]))
    # Data of the wrong type: a failed check with the reason, not an exception.
    r = mlops.validate(DATA, mlops.Suite("s", [checks.matches_regex("f0", "^1")]))
    assert not r.success and "column 'f0' is Float64" in r[0]["reason"]


def test_inferred_suite_passes_on_reference_and_flags_a_bad_batch():
    table = pq.read_table(DATA)
    s = mlops.Suite.infer(table, name="ge-data")
    kinds = {c["check"] for c in s.checks}
    assert {"column_type", "not_null", "values_between", "in_set", "max_null_fraction"} <= kinds
    assert s.validate(table).success
    bad = table.slice(0, 200).to_pydict()
    bad["c0"][5] = "magenta"
    bad["f1"][7] = 1e9
    r = s.validate(pa.table(bad, schema=table.schema))
    failed = {(f["check"], tuple(f["columns"])) for f in r.failures}
    assert ("in_set", ("c0",)) in failed and ("values_between", ("f1",)) in failed
    in_set = next(f for f in r.failures if f["check"] == "in_set" and f["columns"] == ["c0"])
    assert {"row": 5, "value": "magenta"} in in_set["partial_unexpected"]


def test_gate():
    g = mlops.gate(
        {"auc": 0.912, "latency_p95_ms": 48},
        ["auc >= baseline.auc - 0.01", "latency_p95_ms <= 50"],
        baseline={"auc": 0.915},
    )
    assert g.passed and bool(g)
    assert math.isclose(g.rules[0]["right"], 0.905)
    with pytest.raises(mlops.InvalidInputError, match="position 7"):
        mlops.gate({"auc": 1}, ["auc >= baseline.auc"])
