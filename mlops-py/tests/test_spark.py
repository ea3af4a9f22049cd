"""mlops.spark against a real Spark (pyspark, local[2], one session for the
module): profiles and validation merged from per-partition states equal
what one machine computes on the same rows, at 1, 2, 7 and 32 partitions;
at 2,000 partitions the driver gets one state per column; the accidental
paths (mlops.profile / validate / drift on a Spark frame) route to the
adapter; unmergeable checks are refused.

Spark's Java runtime and pyspark come from scripts/setup.sh; nothing here is
skipped when they are missing.
"""

import os
import sys

import pytest
from distributed_parity import N, assert_same_profile, assert_same_validation, suite, table

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
    df = frame(spark, parts)
    assert df.rdd.getNumPartitions() == parts
    for on_executors in (False, True):
        got = mlops.spark.profile(df, merge_on_executors=on_executors)
        assert_same_profile(got, want, table())


@pytest.mark.parametrize("parts", [1, 2, 7, 32])
def test_validate_gives_the_single_machine_verdicts_and_counts(spark, parts):
    want = mlops.validate(table(), suite())
    got = mlops.spark.validate(frame(spark, parts), suite())
    assert_same_validation(got, want)


def test_at_2000_partitions_the_driver_receives_one_state_per_column(spark):
    from pyspark.sql import functions as F

    df = spark.range(0, 6000, 1, 2000).select(
        "id",
        (F.col("id") % 7).alias("n"),
        F.when(F.col("id") % 5 == 0, None).otherwise(F.col("id").cast("string")).alias("s"),
    )
    assert df.rdd.getNumPartitions() == 2000
    spec = mlops.Spec.profile()
    states = mlops.spark.partial_states(df, spec).collect()
    assert sorted(r["key"] for r in states) == [0, 1, 2]
    got = mlops.Accumulator.combine(spec, [bytes(r["state"]) for r in states]).finish()
    assert got.row_count == 6000
    assert (got["id"].min, got["id"].max, got["id"].mean) == (0, 5999, 2999.5)
    assert (got["s"].null_count, got["n"].max) == (1200, 6)


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
