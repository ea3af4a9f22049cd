"""The serving guard (issue #20): requests checked against a package's
signature from Arrow, pandas, polars and JSON bodies, problems as data
(``SignatureError.problems``), observation into a monitor on a local folder
store and into the rolling profile, and the FastAPI example
(examples/serving/fastapi_guard.py) answering 422 with every problem, never
500, never a coerced value."""

from __future__ import annotations

import json
import os
import pickle
import sys

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression

import mlops

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "examples", "serving"))

import fastapi_guard  # noqa: E402 - examples/serving/fastapi_guard.py

SIGNATURE = {
    "inputs": [
        {"name": "age", "type": "Float64"},
        {"name": "tenure", "type": "Int64"},
        {"name": "plan", "type": "Utf8"},
        {"name": "monthly", "type": "Float64", "nullable": True},
    ],
    "outputs": [{"name": "churn", "type": "Float64"}],
}


@pytest.fixture
def package(tmp_path):
    """A churn package: a logistic regression over age, tenure and monthly."""
    rng = np.random.default_rng(7)
    X = np.column_stack([rng.normal(40, 10, 500), rng.integers(0, 60, 500), rng.normal(30, 8, 500)])
    y = (X[:, 0] / 40 + X[:, 2] / 30 + rng.normal(0, 0.3, 500) > 2).astype(int)
    model = LogisticRegression().fit(X, y)
    d = tmp_path / "pkg"
    d.mkdir()
    (d / "model.pkl").write_bytes(pickle.dumps(model))
    pkg = mlops.Package.build(d, name="churn", version="1.0.0", flavor="sklearn", signature=SIGNATURE)
    return pkg, model


ROWS = [
    {"age": 41.0, "tenure": 7, "plan": "pro", "monthly": 29.9, "request_id": "r1"},
    {"age": 23, "tenure": 0, "plan": "free", "monthly": None},
]


def test_check_takes_every_arrow_form_and_json_and_returns_the_inputs(package):
    pkg, _ = package
    g = mlops.Guard(pkg)
    expected = pa.table(
        {
            "age": pa.array([41.0, 23.0], pa.float64()),
            "tenure": pa.array([7, 0], pa.int64()),
            "plan": pa.array(["pro", "free"], pa.string()),
            "monthly": pa.array([29.9, None], pa.float64()),
        }
    )
    table = pa.table(
        {
            "request_id": ["r1", "r2"],
            "monthly": [29.9, None],
            "plan": ["pro", "free"],
            "tenure": pa.array([7, 0], pa.int32()),  # widened to Int64
            "age": pa.array([41, 23], pa.int16()),  # widened to Float64
        }
    )
    forms = [
        table,
        table.to_batches()[0],
        pd.DataFrame({"age": [41.0, 23.0], "tenure": [7, 0], "plan": ["pro", "free"], "monthly": [29.9, None]}),
        pl.DataFrame({"age": [41.0, 23.0], "tenure": [7, 0], "plan": ["pro", "free"], "monthly": [29.9, None]}),
        ROWS,
        {"age": [41, 23], "tenure": [7, 0], "plan": ["pro", "free"], "monthly": [29.9, None]},
        json.dumps(ROWS),
        json.dumps(ROWS).encode(),
    ]
    for data in forms:
        x = g.check(data)
        assert isinstance(x, pa.Table)
        assert x.schema.names == ["age", "tenure", "plan", "monthly"]
        assert x.to_pydict() == expected.to_pydict(), type(data)
        assert x.column("age").type == pa.float64() and x.column("tenure").type == pa.int64()
    assert g.input_schema.names == ["age", "tenure", "plan", "monthly"]
    assert [c["name"] for c in g.signature.inputs] == ["age", "tenure", "plan", "monthly"]
    assert g.monitor is None


def test_every_problem_is_listed_as_data(package):
    pkg, _ = package
    g = mlops.Guard(pkg)
    bad = pa.table({"age": pa.array([1.0, None, None]), "plan": pa.array([1, 2, 3]), "monthly": [1.0, 2.0, 3.0]})
    with pytest.raises(mlops.SignatureError) as e:
        g.check(bad)
    assert isinstance(e.value, mlops.SchemaMismatchError) and isinstance(e.value, ValueError)
    assert e.value.problems == [
        {
            "column": "age",
            "kind": "nulls",
            "expected": None,
            "found": None,
            "count": 2,
            "first_row": 1,
            "message": "column age is not nullable but holds 2 null(s), the first at row 1",
        },
        {
            "column": "tenure",
            "kind": "missing_column",
            "expected": None,
            "found": None,
            "count": None,
            "first_row": None,
            "message": "column tenure is missing",
        },
        {
            "column": "plan",
            "kind": "type_mismatch",
            "expected": "Utf8",
            "found": "Int64",
            "count": None,
            "first_row": None,
            "message": "column plan is Int64, expected Utf8",
        },
    ]
    # JSON: nothing coerced, every bad value counted.
    with pytest.raises(mlops.SignatureError) as e:
        g.check([{"age": "3", "tenure": 1.5, "plan": "a", "monthly": "1"}, {"age": 2, "tenure": 2, "plan": None}])
    assert [(p["column"], p["kind"], p["found"], p["count"], p["first_row"]) for p in e.value.problems] == [
        ("age", "bad_values", "string", 1, 0),
        ("tenure", "bad_values", "non-integer number", 1, 0),
        ("plan", "nulls", None, 1, 1),
        ("monthly", "bad_values", "string", 1, 0),
    ]
    for body, kind in [
        (b"{", "malformed"),
        ([], "no_rows"),
        (pa.table({"age": pa.array([], pa.float64())}), "no_rows"),
    ]:
        with pytest.raises(mlops.SignatureError) as e:
            g.check(body)
        assert e.value.problems[0]["kind"] == kind


def test_hostile_requests_are_typed_errors(package):
    pkg, _ = package
    g = mlops.Guard(pkg)
    ok = {"age": [1.0], "tenure": [1], "plan": ["a"], "monthly": [None]}
    wide = pa.table({**{f"c{i}": [i] for i in range(10_000)}, **ok})
    assert g.check(wide).num_columns == 4
    huge = "x" * (8 << 20)
    assert g.check({**ok, "plan": [huge]}).column("plan")[0].as_py() == huge
    with pytest.raises(mlops.SignatureError) as e:
        g.check("[" * 100_000 + "]" * 100_000)
    assert e.value.problems[0]["kind"] == "malformed" and "recursion" in e.value.problems[0]["message"]
    deep = pa.array([1.0])
    for _ in range(60):
        deep = pa.ListArray.from_arrays(pa.array([0, 1], pa.int32()), deep)
    with pytest.raises(mlops.SignatureError) as e:
        g.check(pa.table({**ok, "age": deep}))
    [p] = e.value.problems
    assert p["kind"] == "type_mismatch" and p["found"].startswith("List(") and len(p["found"]) <= 201
    with pytest.raises(TypeError):
        g.check(42)


def test_observe_feeds_the_rolling_profile(package):
    pkg, model = package
    g = mlops.Guard(pkg)
    scores = []
    for i in range(30):
        x = g.check([{"age": 20.0 + i, "tenure": i, "plan": "pro", "monthly": 10.0 + i}] * (1 + i % 3))
        y = model.predict_proba(fastapi_guard.features(x))[:, 1]
        scores.extend(y)
        g.observe(x, y)
    g.flush()
    p = g.profile()
    assert p.row_count == len(scores)
    assert p["churn"].mean == pytest.approx(float(np.mean(scores)), rel=1e-12)
    # Predictions as a table, a list, a pandas Series: the same column.
    x = g.check(ROWS[:1])
    for y in [pa.table({"churn": [0.5]}), [0.5], pd.Series([0.5]), pa.chunked_array([[0.5]])]:
        g.observe(x, y)
    g.flush()
    assert g.profile().row_count == len(scores) + 4
    with pytest.raises(mlops.InvalidInputError, match=r"1 input row\(s\) but 2 prediction\(s\)"):
        g.observe(x, [0.1, 0.2])


def test_observe_feeds_a_monitor_on_a_folder_store(package, tmp_path):
    pkg, model = package
    store = tmp_path / "store"
    mon = mlops.monitor("churn-prod", timestamp="observed_at", store=str(store))
    g = mlops.Guard(pkg, monitor=mon)
    assert g.monitor is mon and g.profile() is None
    n = 0
    for i in range(25):
        x = g.check([{"age": 30.0, "tenure": i, "plan": "a", "monthly": None}] * 2)
        g.observe(x, model.predict_proba(fastapi_guard.features(x))[:, 1])
        n += 2
    g.flush()
    results = mon.results()
    assert sum(results.column("rows").to_pylist()) == n
    assert results.column("null_ratio.monthly").to_pylist() == [1.0]


def test_fastapi_example_answers_422_with_every_problem_and_never_coerces(package):
    pkg, model = package
    app = fastapi_guard.create_app(pkg, model)
    with TestClient(app, raise_server_exceptions=False) as client:
        good = [{"age": 41.5, "tenure": 7, "plan": "pro", "monthly": 29.9}, {"age": 23, "tenure": 0, "plan": "free"}]
        r = client.post("/predict", json=good)
        assert r.status_code == 200, r.text
        X = np.array([[41.5, 7, 29.9], [23, 0, 0.0]])  # a missing monthly fee is 0
        expected = model.predict_proba(X)[:, 1]
        got = r.json()["predictions"]
        assert got == pytest.approx(expected.tolist(), rel=1e-12)
        # As columns too.
        r = client.post("/predict", json={"age": [41.5], "tenure": [7], "plan": ["pro"], "monthly": [29.9]})
        assert r.status_code == 200 and r.json()["predictions"] == [got[0]]

        cases = {
            "missing": ([{"age": 1.0, "plan": "a", "monthly": 1.0}], [("tenure", "missing_column")]),
            "wrong type": ([{"age": "3", "tenure": 1, "plan": "a", "monthly": 1.0}], [("age", "bad_values")]),
            "null": ([{"age": None, "tenure": 1, "plan": "a", "monthly": None}], [("age", "nulls")]),
            "all at once": (
                [{"age": None, "plan": 5, "monthly": "1.5"}],
                [("age", "nulls"), ("tenure", "missing_column"), ("plan", "bad_values"), ("monthly", "bad_values")],
            ),
            "empty": ([], [(None, "no_rows")]),
            "not rows": ({"rows": [1]}, [(c, "missing_column") for c in ("age", "tenure", "plan", "monthly")]),
        }
        for name, (body, expected_problems) in cases.items():
            r = client.post("/predict", json=body)
            assert r.status_code == 422, (name, r.text)
            problems = r.json()["problems"]
            assert [(p["column"], p["kind"]) for p in problems] == expected_problems, name
            assert all(p["message"] for p in problems)
        r = client.post("/predict", content=b"{not json", headers={"content-type": "application/json"})
        assert r.status_code == 422 and r.json()["problems"][0]["kind"] == "malformed"
        guard = app.state.guard
    # The lifespan flushed: the profile holds the 3 good rows.
    assert guard.profile().row_count == 3
    assert guard.profile()["churn"].mean == pytest.approx(float(np.mean([got[0], got[1], got[0]])), rel=1e-12)
