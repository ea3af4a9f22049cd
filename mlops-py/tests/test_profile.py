"""mlops.profile from Python: values against numpy / pandas on the shared
workload, input routes, round trips, merge, and errors."""

import json
import os

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import mlops


@pytest.fixture(scope="module")
def table(workload):
    return pq.read_table(workload)


@pytest.fixture(scope="module")
def prof(table):
    return mlops.profile(table)


NUMERIC = ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "i0", "i1", "i2", "i3", "y_true", "y_pred"]


@pytest.mark.parametrize("col", NUMERIC)
def test_moments_match_numpy(table, prof, col):
    a = table.column(col).to_numpy(zero_copy_only=False).astype(np.float64)
    a = a[~np.isnan(a)]
    c = prof[col]
    assert c.count == table.num_rows
    assert c.null_count == table.column(col).null_count
    assert c.min == pytest.approx(a.min(), rel=0, abs=0)
    assert c.max == pytest.approx(a.max(), rel=0, abs=0)
    assert c.mean == pytest.approx(a.mean(), rel=1e-12, abs=1e-12)
    assert c.variance == pytest.approx(a.var(ddof=1), rel=1e-10)
    assert c.std == pytest.approx(a.std(ddof=1), rel=1e-10)


@pytest.mark.parametrize("col", ["f0", "f2", "f6", "i1", "i2", "y_pred"])
def test_quantiles_within_kll_bound(table, prof, col):
    a = np.sort(table.column(col).drop_null().to_numpy().astype(np.float64))
    n = len(a)
    c = prof[col]
    eps = c.quantile_rank_error
    assert 0 < eps < 0.02
    for q in [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]:
        v = c.quantile(q)
        # the rank of the returned value is within the sketch's bound of q
        # (eps holds with 99% confidence per query; twice it makes a spurious
        # failure over these 42 queries negligible)
        lo = np.searchsorted(a, v, side="left") / n
        hi = np.searchsorted(a, v, side="right") / n
        assert lo - 2 * eps <= q <= hi + 2 * eps, (q, v, lo, hi, eps)


@pytest.mark.parametrize("col", ["i0", "i1", "i3", "c0", "c1", "c2", "c3", "b0"])
def test_distinct_and_top_k_match_pandas(table, prof, col):
    s = table.column(col).to_pandas()
    c = prof[col]
    exact = s.nunique(dropna=True)
    assert abs(c.distinct_estimate - exact) <= max(1, 0.03 * exact)
    vc = s.value_counts(dropna=True)
    k = min(3, len(vc))
    top = c.top(k)
    if exact <= 384:  # the sketch counts exactly below its capacity
        assert [cnt for _, cnt in top] == list(vc.iloc[:k])
        assert {v for v, _ in top} <= set(vc[vc >= vc.iloc[k - 1]].index)


def test_strings_and_semantics(table, prof):
    s = table.column("c3").drop_null().to_pandas().str.len()
    c = prof["c3"]
    assert (c.length_min, c.length_max) == (s.min(), s.max())
    assert c.length_mean == pytest.approx(s.mean(), rel=1e-12)
    assert prof["c0"].semantic_type == "categorical"
    assert prof["f0"].semantic_type == "numeric"
    assert prof["b0"].semantic_type == "boolean"
    assert prof["t0"].semantic_type == "datetime"
    assert prof["b0"].true_count == int(table.column("b0").to_numpy().sum())
    assert prof["f7"].null_count == table.column("f7").null_count > 0


def test_histogram_counts_all_values(prof, table):
    edges, counts = prof["f4"].histogram(10)
    assert len(edges) == 11 and len(counts) == 10
    assert sum(counts) == table.num_rows
    ref, _ = np.histogram(table.column("f4").to_numpy(), bins=np.array(edges))
    # counts from the KLL sketch: each bin is the difference of two ranks,
    # each within the rank error, so within 2 * eps of numpy's (twice again
    # for the 99% confidence of eps)
    eps = prof["f4"].quantile_rank_error
    assert np.max(np.abs(np.array(counts) - ref)) <= 4 * eps * table.num_rows


def test_all_input_routes_agree(workload, table, prof):
    ways = [
        mlops.profile(workload),
        mlops.profile(table),
        mlops.profile(pa.RecordBatchReader.from_batches(table.schema, table.to_batches())),
        mlops.profile(pl.from_arrow(table)),
        mlops.profile(table.to_pandas(types_mapper=pd.ArrowDtype)),
    ]
    for p in ways:
        assert p.row_count == prof.row_count
        for col in ["f1", "i2", "c2", "b0"]:
            assert p[col].count == prof[col].count
            assert p[col].null_count == prof[col].null_count
            assert p[col].min == prof[col].min and p[col].max == prof[col].max
            if prof[col].mean is not None:
                assert p[col].mean == pytest.approx(prof[col].mean, rel=1e-12)


def test_record_batch_and_path_like(tmp_path, table):
    batch = table.slice(0, 1000).to_batches()[0]
    p = mlops.profile(batch)
    assert p.row_count == 1000
    f = tmp_path / "small.parquet"
    pq.write_table(table.slice(0, 1000), f)
    assert mlops.profile(f).row_count == 1000  # os.PathLike
    csv = tmp_path / "small.csv"
    import pyarrow.csv as pcsv

    pcsv.write_csv(table.slice(0, 1000).select(["f0", "i1", "c1"]), csv)
    pc = mlops.profile(str(csv))
    assert pc["i1"].mean == pytest.approx(p["i1"].mean, rel=1e-12)


def stats(p):
    d = p.to_dict()
    for c in d["columns"]:
        c.pop("state")
    return d


def test_round_trips(prof):
    b = prof.to_bytes()
    assert b[:8] == b"MLOPSPRF"
    again = mlops.Profile.from_bytes(b)
    j = mlops.Profile.from_json(prof.to_json())
    # Every statistic survives both encodings, and both decode to the same
    # state; sketch bytes are not canonical (hash-map order), so a re-encoded
    # profile is compared by its statistics, not byte for byte.
    assert stats(again) == stats(prof) == stats(j)
    assert again.to_bytes() == j.to_bytes()
    assert stats(mlops.Profile.from_bytes(again.to_bytes())) == stats(prof)
    d = prof.to_dict()
    assert d["format"] == "mlops.profile" and d["version"] == 2
    assert json.loads(prof.to_json()) == d
    assert len(b) < len(prof.to_json())


def test_merge_equals_profile_of_union(table):
    a, b = table.slice(0, 40_000), table.slice(40_000)
    whole = mlops.profile(table)
    merged = mlops.profile(a).merge(mlops.profile(b))
    assert merged.row_count == whole.row_count
    for col in whole.columns:
        w, m = whole[col], merged[col]
        assert (m.count, m.null_count, m.nan_count, m.true_count) == (w.count, w.null_count, w.nan_count, w.true_count)
        assert (m.min, m.max) == (w.min, w.max)
        if w.mean is not None:
            assert m.mean == pytest.approx(w.mean, rel=1e-12, abs=1e-12)
        if w.variance is not None:
            assert m.variance == pytest.approx(w.variance, rel=1e-10)
        if w.distinct_estimate is not None:
            assert m.distinct_estimate == pytest.approx(w.distinct_estimate, rel=0.03)


def test_html_is_self_contained(prof):
    h = prof._repr_html_()
    assert h.startswith("<!DOCTYPE html>") and "<svg" in h and "f0" in h
    assert "http://" not in h.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in h


def test_nan_inf_and_empty():
    t = pa.table({"x": pa.array([1.0, float("nan"), float("inf"), -float("inf"), None, 3.0])})
    c = mlops.profile(t)["x"]
    assert (c.count, c.null_count, c.nan_count, c.pos_inf_count, c.neg_inf_count) == (6, 1, 1, 1, 1)
    assert (c.min, c.max, c.mean) == (1.0, 3.0, 2.0)
    e = mlops.profile(pa.table({"x": pa.array([], pa.float64()), "s": pa.array([], pa.string())}))
    assert e.row_count == 0 and e["x"].mean is None and e["x"].quantile(0.5) is None and e["s"].top_k == []
    n = mlops.profile(pa.table({"x": pa.nulls(5, pa.int64())}))["x"]
    assert (n.count, n.null_count, n.min, n.mean) == (5, 5, None, None)


def test_huge_finite_values_round_trip():
    t = pa.table({"x": [1.7e308, -1.7e308], "y": [1.7e308, 1.7e308]})
    p = mlops.profile(t)
    for q in (p, mlops.Profile.from_json(p.to_json()), mlops.Profile.from_bytes(p.to_bytes())):
        assert q["x"].mean == 0.0 and q["x"].variance == float("inf")
        assert q["y"].mean == 1.7e308 and q["y"].variance == 0.0


def test_errors_are_typed(tmp_path, prof):
    with pytest.raises(mlops.NotFoundError, match="nope.parquet"):
        mlops.profile(str(tmp_path / "nope.parquet"))
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(mlops.InvalidInputError, match="bad.parquet"):
        mlops.profile(str(bad))
    with pytest.raises(mlops.InvalidInputError, match="unknown extension"):
        mlops.profile(str(tmp_path / "data.xlsx"))
    with pytest.raises(TypeError):
        mlops.profile(42)
    with pytest.raises(mlops.NotFoundError, match="'nope'"):
        prof["nope"]
    with pytest.raises(mlops.IntegrityError):
        mlops.Profile.from_bytes(b"garbage")
    newer = bytearray(prof.to_bytes())
    newer[8] = 3
    with pytest.raises(mlops.IntegrityError, match="newer"):
        mlops.Profile.from_bytes(bytes(newer))
    with pytest.raises(mlops.IntegrityError, match="hash does not match"):
        mlops.Profile.from_bytes(prof.to_bytes()[:-5])
    flipped = bytearray(prof.to_bytes())
    flipped[40] ^= 1
    with pytest.raises(mlops.IntegrityError, match="damaged"):
        mlops.Profile.from_bytes(bytes(flipped))
    d = prof.to_dict()
    d["version"] = 99
    with pytest.raises(mlops.IntegrityError, match="newer"):
        mlops.Profile.from_json(json.dumps(d))
    other = mlops.profile(pa.table({"x": [1]}))
    with pytest.raises(mlops.SchemaMismatchError):
        prof.merge(other)
    with pytest.raises(mlops.InvalidInputError):
        prof["f0"].quantile(1.5)
    assert issubclass(mlops.NotFoundError, mlops.MlopsError)


def test_unsupported_values_are_named():
    t = pa.table({"big": pa.array([2**64 - 1, 1], pa.uint64())})
    with pytest.raises(mlops.UnsupportedError, match="big"):
        mlops.profile(t)


def test_python_generator_stream_does_not_deadlock():
    # A reader backed by a Python generator needs the GIL for every batch,
    # while the engine runs with the GIL released.
    schema = pa.schema([("x", pa.int64())])

    def gen():
        for i in range(5):
            yield pa.record_batch([pa.array(range(i * 10, i * 10 + 10))], schema=schema)

    p = mlops.profile(pa.RecordBatchReader.from_batches(schema, gen()))
    assert p.row_count == 50 and p["x"].max == 49 and p["x"].mean == pytest.approx(24.5)


def test_stubs_cover_the_module():
    import ast

    stub = os.path.join(os.path.dirname(mlops.__file__), "_mlops.pyi")
    body = ast.parse(open(stub).read()).body
    names = {n.name for n in body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    names |= {n.target.id for n in body if isinstance(n, ast.AnnAssign)}
    public = {n for n in dir(mlops._mlops) if not n.startswith("_")}
    assert public <= names, public - names


def test_single_columns_and_odd_inputs():
    assert mlops.profile(pa.array([1, 2, None]))["value"].null_count == 1
    assert mlops.profile(pa.chunked_array([[1, 2], [3]]))["value"].mean == 2.0
    assert mlops.profile(pd.Series([1.0, None], name="s"))["s"].count == 2
    assert mlops.profile(pd.Series([1.0, 3.0]))["value"].mean == 2.0
    assert mlops.profile(pl.Series("a", [1, 2]))["a"].max == 2
    assert mlops.profile(pd.DataFrame()).row_count == 0
    with pytest.raises(TypeError, match="collect"):
        mlops.profile(pl.LazyFrame({"a": [1]}))
    for bad in [None, {"a": [1]}, [1, 2]]:
        with pytest.raises(TypeError):
            mlops.profile(bad)

    class Broken:
        def __arrow_c_stream__(self, requested_schema=None):
            raise RuntimeError("boom")

    # a failure inside the producer is reported as a typed error with its message
    with pytest.raises(mlops.InvalidInputError, match="boom"):
        mlops.profile(Broken())

    class NotAStruct:
        def __init__(self):
            self.a = pa.array([1, 2])

        def __arrow_c_stream__(self, requested_schema=None):
            return pa.chunked_array([self.a]).__arrow_c_stream__(requested_schema)

    with pytest.raises(mlops.InvalidInputError, match="NotAStruct"):
        mlops.profile(NotAStruct())
