"""mlops.spark against a real Spark (pyspark, local[2], one session for the
module): profiles and validation merged from per-partition states equal
what one machine computes on the same rows, at 1, 2, 7 and 32 partitions;
past 64 partitions the driver gets one state per column; the same
partitioning gives the same state and profile bytes every run, whichever
order the states arrive in; the accidental paths (mlops.profile / validate
/ drift on a Spark frame) route to the adapter; unmergeable checks are
refused.

Spark's Java runtime and pyspark come from scripts/setup.sh; nothing here is
skipped when they are missing.
"""

import os
import random
import sys

import pytest
from distributed_parity import (
    N,
    assert_same_profile,
    assert_same_validation,
    local_states,
    spark_rows,
    suite,
    table,
)

import mlops
import mlops.spark
from mlops import checks


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


def frame(spark, parts, n=N):
    """The table as a Spark frame of `parts` partitions, in `id` order."""
    return spark.createDataFrame(table(n)).repartitionByRange(parts, "id")


@pytest.mark.parametrize("parts", [1, 2, 7, 32])
def test_profile_equals_the_single_machine_profile(spark, parts):
    want = mlops.profile(table())
    df = spark_rows(spark, parts)
    assert df.rdd.getNumPartitions() == parts
    for on_executors in (False, True):
        got = mlops.spark.profile(df, merge_on_executors=on_executors)
        assert_same_profile(got, want, table())


@pytest.mark.parametrize("parts", [1, 2, 7, 32])
def test_validate_gives_the_single_machine_verdicts_and_counts(spark, parts):
    want = mlops.validate(table(), suite())
    got = mlops.spark.validate(spark_rows(spark, parts), suite())
    assert_same_validation(got, want)


def collected(df, spec, merge_on_executors=None):
    """The (key, state) rows partial_states sends the driver, sorted."""
    rows = mlops.spark.partial_states(df, spec, merge_on_executors).collect()
    return sorted((r["key"], bytes(r["state"])) for r in rows)


def test_the_same_partitioning_gives_the_same_state_and_profile_bytes_every_run(spark):
    # Few partitions: each sends its whole state, merged on the driver.
    spec = mlops.Spec.profile()
    df = spark_rows(spark, 7)
    first, second = collected(df, spec, False), collected(df, spec, False)
    assert len(first) == 7
    assert first == second == sorted(local_states(spec, 7))
    whole = mlops.Accumulator.combine(spec, [st for _, st in first]).finish().to_bytes()
    assert mlops.spark.profile(df).to_bytes() == mlops.spark.profile(df).to_bytes() == whole


def test_past_64_partitions_the_driver_receives_one_state_per_column_the_same_bytes_every_run(spark):
    from pyspark.sql.pandas.types import to_arrow_schema

    n, parts = 6000, mlops.spark.EXECUTOR_MERGE_ABOVE + 1
    df = spark_rows(spark, parts, n)

    def merged_here(spec):
        # Each key's states merged on this machine in a shuffled order: the
        # executors merged them in whatever order they arrived.
        mine = local_states(spec, parts, n, split=True, schema=to_arrow_schema(df.schema))
        random.Random(16).shuffle(mine)
        keys = sorted({k for k, _ in mine})
        return [(k, mlops.Accumulator.merge(spec, [st for kk, st in mine if kk == k]).to_bytes()) for k in keys]

    spec = mlops.Spec.profile()
    first, second = collected(df, spec), collected(df, spec)
    assert [k for k, _ in first] == [0, 1, 2, 3, 4]
    assert first == second == merged_here(spec)
    got = mlops.spark.profile(df)
    assert got.to_bytes() == mlops.Accumulator.combine(spec, [st for _, st in first]).finish().to_bytes()
    assert_same_profile(got, mlops.profile(table(n)), table(n))
    # Per check too (the first failing rows are kept in (partition, row) order).
    checks_spec = mlops.Spec.validation(suite(n))
    states = collected(df, checks_spec)
    assert [k for k, _ in states] == list(range(len(suite(n).checks)))
    assert states == merged_here(checks_spec)


def test_profile_of_chosen_columns_keeps_their_order(spark):
    p = mlops.spark.profile(frame(spark, 3), columns=["s", "x"])
    assert p.columns == ["s", "x"]
    assert p["s"].null_count == mlops.profile(table())["s"].null_count


def test_mlops_profile_validate_and_drift_route_a_spark_frame_to_the_adapter(spark):
    df = frame(spark, 4)
    assert_same_profile(mlops.profile(df), mlops.profile(table()), table())
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


def test_commit_dataset_from_executors_reads_back_whole_and_as_a_spark_frame(spark, tmp_path):
    url = str(tmp_path / "store")
    df = frame(spark, 7)
    v = mlops.spark.commit_dataset(url, "orders", df, message="from spark", reason="nightly")
    assert v == 1
    reg = mlops.Registry(url)
    version = reg.version("dataset", "orders", None)
    assert (version.dataset["format"], version.dataset["rows"]) == ("parquet-parts", N)
    got, want = reg.read_dataset("orders").sort_by("id"), table()
    assert got.schema.names == want.schema.names
    for name in want.schema.names:  # NaN as a value, which Table.equals does not take as equal to itself
        assert [v if v == v else "nan" for v in got.column(name).to_pylist()] == [
            v if v == v else "nan" for v in want.column(name).to_pylist()
        ], name
    assert_same_profile(reg.dataset_profile("orders"), mlops.profile(table()), table())
    back = mlops.spark.read_dataset(spark, url, "orders")
    assert back.count() == N
    assert back.rdd.getNumPartitions() == 7
    assert sorted(r["id"] for r in back.select("id").collect()) == list(range(N))
    assert [r.reason for r in reg.audit.log(action="version")] == ["nightly"]


def test_a_failed_job_leaves_no_version(spark, tmp_path):
    from pyspark.sql import functions as F

    url = str(tmp_path / "store")
    df = frame(spark, 4).withColumn(
        "boom", F.when(F.col("id") == 15_000, F.raise_error(F.lit("partition fails"))).otherwise(F.lit(1))
    )
    with pytest.raises(Exception, match="partition fails"):
        mlops.spark.commit_dataset(url, "orders", df)
    with pytest.raises(mlops.NotFoundError):
        mlops.Registry(url).version("dataset", "orders", None)
