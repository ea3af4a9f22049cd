"""The shared profile test vectors (tests/vectors/README.md), as in the Rust
and Node suites."""

import glob
import json
import os

import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

import mlops

HERE = os.path.dirname(__file__)
VECTORS = os.path.abspath(os.path.join(HERE, "..", "..", "tests", "vectors"))
EXPECTED = sorted(glob.glob(os.path.join(VECTORS, "*.expected.json")))


def close(a, e):
    return a is not None and abs(a - e) <= 1e-9 * max(1.0, abs(e))


def equal(a, e):
    if isinstance(e, bool) or isinstance(a, bool):
        return a == e and type(a) is type(e)
    if isinstance(e, (int, float)) and isinstance(a, (int, float)):
        return float(a) == float(e)
    if isinstance(e, list):
        return isinstance(a, list) and len(a) == len(e) and all(equal(x, y) for x, y in zip(a, e))
    if isinstance(e, dict):
        return isinstance(a, dict) and all(k in a and equal(a[k], v) for k, v in e.items())
    return a == e


def check_field(col, field, actual, expected):
    if field in ("mean", "variance"):
        return close(actual.get(field), expected)
    if field == "length":
        g = actual.get("length") or {}
        return (
            equal(g.get("min"), expected["min"])
            and equal(g.get("max"), expected["max"])
            and close(g.get("mean"), expected["mean"])
        )
    if field == "histogram":
        g = actual.get("histogram") or {}
        edges = g.get("edges") or []
        return (
            len(edges) == len(expected["edges"])
            and all(close(a, e) for a, e in zip(edges, expected["edges"]))
            and equal(g.get("counts"), expected["counts"])
        )
    if field == "distinct":
        est = actual.get("distinct_estimate")
        return est is not None and abs(est - expected) <= max(1.0, 0.02 * expected)
    return equal(actual.get(field), expected)


def compare(profile_dict, expected):
    errs = []
    if profile_dict["row_count"] != expected["row_count"]:
        errs.append(f"row_count {profile_dict['row_count']} != {expected['row_count']}")
    cols = {c["name"]: c for c in profile_dict["columns"]}
    for name, fields in expected["columns"].items():
        if name not in cols:
            errs.append(f"column {name} missing")
            continue
        for field, e in fields.items():
            if not check_field(name, field, cols[name], e):
                got = cols[name].get(field if field != "distinct" else "distinct_estimate")
                errs.append(f"column '{name}' field '{field}': got {got}, expected {e}")
    return errs


def test_vectors_exist():
    assert len(EXPECTED) >= 4, f"no shared vectors found in {VECTORS}"


@pytest.mark.parametrize("expected_path", EXPECTED, ids=[os.path.basename(p) for p in EXPECTED])
@pytest.mark.parametrize("route", ["path", "table", "reader", "polars"])
def test_vector(expected_path, route):
    with open(expected_path) as f:
        expected = json.load(f)
    src = os.path.join(VECTORS, expected["input"])
    if route == "path":
        p = mlops.profile(src)
    else:
        table = ipc.open_file(src).read_all()
        if route == "table":
            p = mlops.profile(table)
        elif route == "reader":
            p = mlops.profile(pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=37)))
        else:
            import polars as pl

            # polars re-types strings, dictionaries and lists (views, large
            # offsets, categoricals); the statistics must not change.
            df = pl.from_arrow(table)
            p = mlops.profile(df)
    errs = compare(p.to_dict(), expected)
    assert not errs, "\n".join(errs)
