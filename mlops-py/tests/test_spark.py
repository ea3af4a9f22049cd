"""mlops.spark against a real Spark (pyspark, local[2], one session for the
module): profiles and validation merged from per-partition states equal
what one machine computes on the same rows, at 1, 2, 7 and 32 partitions;
at 2,000 partitions the driver gets one state per column; the accidental
paths (mlops.profile / validate / drift on a Spark frame) route to the
adapter; unmergeable checks are refused.

Spark's Java runtime and pyspark come from scripts/setup.sh; nothing here is
skipped when they are missing.
"""

import math
import os
import sys

import pyarrow as pa
import pytest

import mlops
import mlops.spark
from mlops import checks

N = 20_000


@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("mlops-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def table(n=N):
    """Rows with nulls, NaN, out-of-range values and a break in `id`'s order."""
    ids = list(range(n))
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "x": pa.array(
                [None if i % 97 == 3 else (math.nan if i % 97 == 5 else ((i * 7919) % 1000) * 0.37 - 50) for i in ids],
                pa.float64(),
            ),
            "n": pa.array([None if i % 50 == 7 else (i * 31) % 1009 for i in ids], pa.int64()),
            "s": pa.array([None if i % 13 == 0 else ["free", "pro", "team", "gold"][i % 4] for i in ids], pa.string()),
            "b": pa.array([i % 3 == 0 for i in ids], pa.bool_()),
        }
    )


def frame(spark, parts, n=N):
    """The table as a Spark frame of `parts` partitions, in `id` order."""
    return spark.createDataFrame(table(n)).repartitionByRange(parts, "id")


def assert_same_profile(got, want):
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
            values = sorted(
                v
                for v in table().column(name).to_pylist()
                if v is not None and not (isinstance(v, float) and math.isnan(v))
            )
            m = g.quantile(0.5)
            rank = sum(1 for v in values if v < m) / len(values)
            assert abs(rank - 0.5) <= w.quantile_rank_error + 1e-9, name


@pytest.mark.parametrize("parts", [1, 2, 7, 32])
def test_profile_equals_the_single_machine_profile(spark, parts):
    want = mlops.profile(table())
    df = frame(spark, parts)
    assert df.rdd.getNumPartitions() == parts
    for on_executors in (False, True):
        got = mlops.spark.profile(df, merge_on_executors=on_executors)
        assert_same_profile(got, want)


def suite():
    return mlops.Suite(
        "orders",
        [
            checks.not_null("n"),
            checks.values_between("x", 0, 300),
            checks.in_set("s", ["free", "pro", "team"]),
            checks.mean_between("x", 0, 200),
            checks.increasing("id", strict=True),
            checks.row_count_between(1, N),
        ],
    )


@pytest.mark.parametrize("parts", [1, 2, 7, 32])
def test_validate_gives_the_single_machine_verdicts_and_counts(spark, parts):
    want = mlops.validate(table(), suite())
    got = mlops.spark.validate(frame(spark, parts), suite())
    assert got.success == want.success
    for g, w in zip(got, want):
        assert (g["success"], g["unexpected_count"], g["missing_count"], g["element_count"]) == (
            w["success"],
            w["unexpected_count"],
            w["missing_count"],
            w["element_count"],
        ), w["check"]
        # The first failing rows are the same rows, named by partition and row within it.
        assert len(g["partial_unexpected"]) == len(w["partial_unexpected"])
        for gu, wu in zip(g["partial_unexpected"], w["partial_unexpected"]):
            assert "partition" in gu and gu["value"] == wu["value"]


def test_at_2000_partitions_the_driver_receives_one_state_per_column(spark):
    df = frame(spark, 2000, n=6000)
    spec = mlops.Spec.profile()
    states = mlops.spark.partial_states(df, spec).collect()
    assert sorted(r["key"] for r in states) == list(range(len(df.columns)))
    assert_same_profile_rows = mlops.spark.profile(df)
    assert assert_same_profile_rows.row_count == 6000
    assert assert_same_profile_rows["n"].null_count == mlops.profile(table(6000))["n"].null_count


def test_profile_of_chosen_columns_keeps_their_order(spark):
    p = mlops.spark.profile(frame(spark, 3), columns=["s", "x"])
    assert p.columns == ["s", "x"]
    assert p["s"].null_count == mlops.profile(table())["s"].null_count


def test_mlops_profile_validate_and_drift_route_a_spark_frame_to_the_adapter(spark):
    df = frame(spark, 4)
    assert_same_profile(mlops.profile(df), mlops.profile(table()))
    r = mlops.validate(df, suite())
    assert [x["unexpected_count"] for x in r] == [x["unexpected_count"] for x in mlops.validate(table(), suite())]
    report = mlops.drift(df, df)
    assert report.source == "profiles"
    assert not report.dataset_drift


def test_an_empty_frame_gives_an_empty_profile_with_its_columns(spark):
    df = frame(spark, 3).limit(0)
    p = mlops.spark.profile(df)
    assert p.row_count == 0
    assert p.columns == ["id", "x", "n", "s", "b"]


def test_unmergeable_checks_are_refused_naming_the_alternative(spark):
    with pytest.raises(mlops.UnsupportedError, match=r"checks\[0\] \(unique\).*group-by"):
        mlops.spark.validate(frame(spark, 2), mlops.Suite("u", [checks.unique("id")]))


def test_a_frame_that_is_not_spark_is_a_type_error():
    with pytest.raises(TypeError, match="pyspark DataFrame"):
        mlops.spark.profile(table())
