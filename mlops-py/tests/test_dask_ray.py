"""mlops.dask and mlops.ray against the real packages (dask's threads
scheduler; Ray on loopback with two CPUs, one session for the module):
profiles and validation merged from per-partition (per-block) state equal
what one machine computes on the same rows, at 1, 2, 7 and 32 partitions;
the same Dask partitioning gives the same state and profile bytes every run;
and mlops.profile / validate route their frames to the adapters."""

import os

import pytest
from distributed_parity import assert_same_profile, assert_same_validation, suite, table

import mlops
import mlops.dask
import mlops.ray
from mlops import checks


def pandas_rows():
    # The same rows as pandas (integer columns with nulls become floats):
    # the single-machine result is computed on this frame too.
    return table().to_pandas()


@pytest.fixture(scope="module")
def dask_threads():
    import dask

    with dask.config.set(scheduler="threads"):
        yield


@pytest.mark.parametrize("parts", [1, 2, 7, 32])
def test_dask_profile_and_validation_equal_the_single_machine(dask_threads, parts):
    import dask.dataframe as dd
    import pyarrow as pa

    pdf = pandas_rows()
    ddf = dd.from_pandas(pdf, npartitions=parts, sort=False)
    assert ddf.npartitions == parts
    data = pa.Table.from_pandas(pdf, preserve_index=False)
    for every in (2, 8):
        assert_same_profile(mlops.dask.profile(ddf, split_every=every), mlops.profile(data), data)
    assert_same_validation(mlops.dask.validate(ddf, suite()), mlops.validate(data, suite()))


def test_dask_frames_route_through_mlops_profile_and_validate(dask_threads):
    import dask.dataframe as dd
    import pyarrow as pa

    pdf = pandas_rows()
    ddf = dd.from_pandas(pdf, npartitions=3, sort=False)
    data = pa.Table.from_pandas(pdf, preserve_index=False)
    assert_same_profile(mlops.profile(ddf), mlops.profile(data), data)
    assert_same_validation(mlops.validate(ddf, suite()), mlops.validate(data, suite()))
    p = mlops.dask.profile(ddf, columns=["s", "x"])
    assert p.columns == ["s", "x"]


@pytest.mark.parametrize("parts", [7, 100])
def test_dask_gives_the_same_state_and_profile_bytes_every_run(dask_threads, parts):
    import dask.dataframe as dd

    ddf = dd.from_pandas(pandas_rows(), npartitions=parts, sort=False)
    assert ddf.npartitions == parts
    # The threads finish partitions in any order; the tree merges them in partition order.
    for spec in (mlops.Spec.profile(), mlops.Spec.validation(suite())):
        first = mlops.dask.partial_state(ddf, spec)
        assert mlops.dask.partial_state(ddf, spec) == first
    spec = mlops.Spec.profile()
    got = mlops.dask.profile(ddf).to_bytes()
    assert got == mlops.dask.profile(ddf).to_bytes()
    assert got == mlops.Accumulator.from_bytes(spec, mlops.dask.partial_state(ddf, spec)).finish().to_bytes()


@pytest.fixture(scope="module")
def ray_local():
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        configure_logging=False,
    )
    yield
    ray.shutdown()


@pytest.mark.parametrize("parts", [1, 2, 7, 32])
def test_ray_profile_and_validation_equal_the_single_machine(ray_local, parts):
    import ray

    data = table()
    ds = ray.data.from_arrow(data).repartition(parts)
    assert_same_profile(mlops.ray.profile(ds), mlops.profile(data), data)
    unordered = mlops.Suite("orders", [c for c in suite().checks if c["check"] != "increasing"])
    assert_same_validation(mlops.ray.validate(ds, unordered), mlops.validate(data, unordered))


def test_ray_refuses_order_checks_and_routes_through_mlops_profile(ray_local):
    import ray

    data = table()
    ds = ray.data.from_arrow(data).repartition(3)
    with pytest.raises(mlops.UnsupportedError, match=r"checks\[4\] \(increasing\)"):
        mlops.ray.validate(ds, suite())
    assert_same_profile(mlops.profile(ds), mlops.profile(data), data)
    with pytest.raises(mlops.UnsupportedError, match="unique"):
        mlops.ray.validate(ds, mlops.Suite("u", [checks.unique("id")]))
