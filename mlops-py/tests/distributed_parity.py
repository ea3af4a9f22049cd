"""What the Spark, Dask and Ray suites share: the rows they cut into
partitions (and, for Spark, the same rows made on the executors), the
suite they validate, and the comparison with what one
machine computes on the same rows (counts, min and max exactly; moments to
1e-12; sketches within their stated bounds; verdicts and unexpected counts
identical)."""

import pyarrow as pa
import pytest

import mlops
from mlops import checks

N = 20_000


def _x(i):
    return None if i % 97 == 3 else (float("nan") if i % 97 == 5 else ((i * 7919) % 1000) * 0.37 - 50)


def table(n=N):
    """Rows with nulls, NaN, out-of-range values and strings outside a set, in `id` order."""
    ids = list(range(n))
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "x": pa.array(
                [
                    None if i % 97 == 3 else (float("nan") if i % 97 == 5 else ((i * 7919) % 1000) * 0.37 - 50)
                    for i in ids
                ],
                pa.float64(),
            ),
            "n": pa.array([None if i % 50 == 7 else (i * 31) % 1009 for i in ids], pa.int64()),
            "s": pa.array([None if i % 13 == 0 else ["free", "pro", "team", "gold"][i % 4] for i in ids], pa.string()),
            "b": pa.array([i % 3 == 0 for i in ids], pa.bool_()),
        }
    )


def spark_rows(spark, parts, n=N):
    """The rows of `table(n)` as a Spark frame (classic or Connect) made on
    the executors: partition k holds ids k*n//parts to (k+1)*n//parts - 1, in
    order, with no shuffle, so every run cuts the rows the same way."""
    from pyspark.sql import functions as F

    i = F.col("id")
    plans = F.array(*[F.lit(p) for p in ("free", "pro", "team", "gold")])
    return spark.range(0, n, 1, parts).select(
        "id",
        F.when(i % 97 == 3, F.lit(None).cast("double"))
        .when(i % 97 == 5, F.lit(float("nan")))
        .otherwise(((i * 7919) % 1000) * 0.37 - 50)
        .alias("x"),
        F.when(i % 50 == 7, F.lit(None).cast("long")).otherwise((i * 31) % 1009).alias("n"),
        F.when(i % 13 == 0, F.lit(None).cast("string"))
        .otherwise(F.element_at(plans, (i % 4 + 1).cast("int")))
        .alias("s"),
        (i % 3 == 0).alias("b"),
    )


def local_states(spec, parts, n=N, split=False, schema=None):
    """What each partition of `spark_rows(spark, parts, n)` gives on this
    machine, as (key, bytes) pairs: its whole state (key -1), or (`split`)
    one state per column or check. `schema`: the frame's Arrow schema (a
    validation state holds it, `id` not null included)."""
    data, out = table(n), []
    if schema is not None:
        data = data.cast(schema)
    for k in range(parts):
        lo, hi = k * n // parts, (k + 1) * n // parts
        acc = mlops.Accumulator(spec, k)
        acc.update(data.slice(lo, hi - lo))
        out.extend(acc.split() if split else [(-1, acc.to_bytes())])
    return out


def suite(n=N):
    return mlops.Suite(
        "orders",
        [
            checks.not_null("n"),
            checks.values_between("x", 0, 300),
            checks.in_set("s", ["free", "pro", "team"]),
            checks.mean_between("x", 0, 200),
            checks.increasing("id", strict=True),
            checks.row_count_between(1, n),
        ],
    )


def assert_same_profile(got, want, data):
    """`got` (merged) against `want` (one machine) for the rows of `data` (a pyarrow table)."""
    assert got.row_count == want.row_count
    assert got.columns == want.columns
    for name in want.columns:
        g, w = got[name], want[name]
        assert (g.count, g.null_count, g.nan_count, g.true_count) == (w.count, w.null_count, w.nan_count, w.true_count)
        assert (g.min, g.max) == (w.min, w.max), name
        for a, b in ((g.mean, w.mean), (g.variance, w.variance)):
            assert (a is None) == (b is None), name
            if a is not None:
                assert a == pytest.approx(b, rel=1e-12, abs=1e-12), name
        if w.distinct_estimate is not None:
            assert g.distinct_estimate == pytest.approx(w.distinct_estimate, rel=0.05), name
        if w.quantile_rank_error is not None:
            # The merged median's rank among the exact values, within the sketch's bound.
            values = sorted(v for v in data.column(name).to_pylist() if v is not None and v == v)
            m = g.quantile(0.5)
            rank = sum(1 for v in values if v < m) / len(values)
            assert abs(rank - 0.5) <= w.quantile_rank_error + 1e-9, name


def assert_same_validation(got, want):
    assert got.success == want.success
    for g, w in zip(got, want):
        assert (g["success"], g["unexpected_count"], g["missing_count"], g["element_count"]) == (
            w["success"],
            w["unexpected_count"],
            w["missing_count"],
            w["element_count"],
        ), w["check"]
        # The first failing rows are as many, with the same values, each naming its partition.
        assert len(g["partial_unexpected"]) == len(w["partial_unexpected"]), w["check"]
        for gu, wu in zip(g["partial_unexpected"], w["partial_unexpected"]):
            assert "partition" in gu and gu["value"] == wu["value"], w["check"]
