"""mlops.spark on a Spark Connect session (pyspark.sql.connect, no RDD API,
no SparkContext on the client): profiles and validation equal what one
machine computes at 2 and 7 partitions, mlops.profile / validate route a
Connect frame to the adapter and only partial states reach the client, and
commit_dataset + read_dataset round-trip.

The Connect server runs in this process on a free loopback port (Spark's
SparkConnectPlugin on a local[2] context), so two suites running at once
never meet on the default port 15002; the session is a plain Connect client
of it, as one of a remote cluster would be.
"""

import os
import socket
import sys

import pytest
from distributed_parity import assert_same_profile, assert_same_validation, spark_rows, suite, table

import mlops
import mlops.spark


@pytest.fixture(scope="module")
def connect():
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = (
        SparkSession.builder.master("local[2]")
        .appName("mlops-connect-tests")
        .config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin")
        .config("spark.connect.grpc.binding.address", "127.0.0.1")
        .config("spark.connect.grpc.binding.port", str(port))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    server.sparkContext.setLogLevel("ERROR")
    # What SparkSession.builder.remote(...) sets: pyspark.sql.functions then
    # build Connect columns.
    os.environ["SPARK_CONNECT_MODE_ENABLED"] = "1"
    session = ConnectSession.builder.remote(f"sc://127.0.0.1:{port}").getOrCreate()
    yield session
    session.stop()
    del os.environ["SPARK_CONNECT_MODE_ENABLED"]
    server.stop()


def test_a_connect_frame_has_no_rdd(connect):
    from pyspark.errors import PySparkNotImplementedError

    df = spark_rows(connect, 2)
    assert type(df).__module__ == "pyspark.sql.connect.dataframe"
    with pytest.raises(PySparkNotImplementedError):
        df.rdd  # noqa: B018


@pytest.mark.parametrize("parts", [2, 7])
def test_profile_and_validation_equal_the_single_machine(connect, parts):
    data, spec = table(), mlops.Spec.profile()
    want = mlops.profile(data)
    df = spark_rows(connect, parts)
    # Whole states to the client: one per partition.
    states = [bytes(r["state"]) for r in mlops.spark.partial_states(df, spec, merge_on_executors=False).collect()]
    assert len(states) == parts
    assert_same_profile(mlops.Accumulator.combine(spec, states).finish(), want, data)
    # The default: Connect does not tell the partition count, so the
    # executors merge per column and the client gets one state per column.
    assert sorted(r["key"] for r in mlops.spark.partial_states(df, spec).collect()) == [0, 1, 2, 3, 4]
    assert_same_profile(mlops.spark.profile(df), want, data)
    assert_same_validation(mlops.spark.validate(df, suite()), mlops.validate(data, suite()))


def test_mlops_profile_validate_and_drift_fetch_only_states(connect, monkeypatch):
    from pyspark.sql.connect.dataframe import DataFrame

    fetched = []
    for name in ("_to_table", "toPandas", "toLocalIterator"):
        original = getattr(DataFrame, name)

        def spy(self, *args, _original=original, **kwargs):
            fetched.append(tuple(self.columns))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(DataFrame, name, spy)
    df, data = spark_rows(connect, 3), table()
    assert_same_profile(mlops.profile(df), mlops.profile(data), data)
    assert_same_validation(mlops.validate(df, suite()), mlops.validate(data, suite()))
    assert mlops.drift(df, df).source == "profiles"
    assert fetched and set(fetched) == {("key", "state")}


def test_commit_dataset_and_read_dataset_round_trip(connect, tmp_path):
    url = str(tmp_path / "store")
    assert mlops.spark.commit_dataset(url, "orders", spark_rows(connect, 7), reason="nightly") == 1
    reg = mlops.Registry(url)
    version = reg.version("dataset", "orders", None)
    assert (version.dataset["format"], version.dataset["rows"]) == ("parquet-parts", len(table()))
    assert_same_profile(reg.dataset_profile("orders"), mlops.profile(table()), table())
    back = mlops.spark.read_dataset(connect, url, "orders")
    assert type(back).__module__ == "pyspark.sql.connect.dataframe"
    got = back.toArrow().sort_by("id")
    want = table()
    for name in want.column_names:  # NaN as a value, which Table.equals does not take as equal to itself
        assert [v if v == v else "nan" for v in got.column(name).to_pylist()] == [
            v if v == v else "nan" for v in want.column(name).to_pylist()
        ], name
    # A version committed whole reads back on Connect too.
    reg.commit_dataset("small", table(10))
    assert mlops.spark.read_dataset(connect, url, "small").count() == 10
