"""What the Spark, Dask and Ray suites share: the rows they cut into
partitions, the suite they validate, and the comparison with what one
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
