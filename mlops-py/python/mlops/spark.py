"""Profiles and validation inside Spark, merged from per-partition state.

``pip install mlops[spark]`` (PySpark 3.3 or newer), or
``mlops[spark-connect]`` for a Spark Connect session (3.4 or newer: a
``pyspark.sql.connect`` DataFrame, which has no RDD API, takes every
function here as a classic one does); ``import mlops`` never imports
pyspark. Every partition runs the engine on the Arrow batches Spark hands
to ``DataFrame.mapInArrow`` (no pandas, no JVM jar) and sends back its
partial state (:class:`mlops.Accumulator` bytes, a few kilobytes per
column). The states meet on the driver when
there are few; otherwise they are first merged per column (or per check) on
the executors, so the driver receives at most one state per column. Spark's
grouped-aggregate UDFs are not used: they do no partial aggregation.

>>> prof = mlops.spark.profile(df)                    # doctest: +SKIP
>>> res = mlops.spark.validate(df, suite)             # doctest: +SKIP
>>> mlops.drift(reference_profile, prof)              # doctest: +SKIP

Exact after the merge: counts, nulls, min and max, validation verdicts and
unexpected counts. Mean and variance agree to rounding (about 1e-15
relative); quantiles, distinct counts and frequent values are sketches
within their stated bounds. Checks whose exact state grows with the data
(``unique``, ``compound_unique``, exact median and quantiles, exact distinct
counts, ``most_common_in_set``) are refused with an ``UnsupportedError``
naming the approximate alternative, never silently approximated.

The same rows in the same partitions (and Arrow batches) give the same
state and profile bytes every run, whichever order the states reach the
merge in; a shuffle (``repartition``) may order a partition's rows
differently from run to run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Optional

from . import _mlops
from ._mlops import Accumulator, Profile, Spec, ValidationResult

__all__ = ["profile", "validate", "partial_states", "commit_dataset", "read_dataset"]

#: Partitions above which states are merged per column on the executors
#: first (when ``merge_on_executors`` is left to decide).
EXECUTOR_MERGE_ABOVE = 64

_STATE_DDL = "key int, state binary"


def _state_schema() -> Any:
    import pyarrow as pa

    return pa.schema([("key", pa.int32()), ("state", pa.binary())])


def _num_partitions(df: Any) -> Optional[int]:
    """The frame's partition count, or ``None`` where it is not known
    without running a job (Spark Connect has no RDD API)."""
    try:
        return int(df.rdd.getNumPartitions())
    except Exception:
        return None


def _arrow_schema(df: Any) -> Any:
    """The frame's schema in Arrow terms (for a frame whose every partition is empty)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(df.schema)


def partial_states(df: Any, spec: Spec, merge_on_executors: Optional[bool] = None) -> Any:
    """A DataFrame of ``(key, state)`` rows: the partial states the driver
    collects and combines. Per partition one whole state, or, when merged
    on the executors, one state per column (profile) or check (validation).
    Exposed for tests and for engines that want to keep the states.
    """
    spec_bytes = spec.to_bytes()
    if merge_on_executors is None:
        n = _num_partitions(df)
        merge_on_executors = n is None or n > EXECUTOR_MERGE_ABOVE

    def partial(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa
        from pyspark import TaskContext

        from mlops import Accumulator as Acc
        from mlops import Spec as Sp

        s = Sp.from_bytes(spec_bytes)
        ctx = TaskContext.get()
        acc = Acc(s, ctx.partitionId() if ctx is not None else 0)
        for b in batches:
            acc.update(b)
        if merge_on_executors:
            pairs = acc.split()
            keys = [k for k, _ in pairs]
            states = [st for _, st in pairs]
        else:
            keys, states = [-1], [acc.to_bytes()]
        yield pa.RecordBatch.from_arrays(
            [pa.array(keys, pa.int32()), pa.array(states, pa.binary())], schema=_state_schema()
        )

    out = df.mapInArrow(partial, _STATE_DDL)
    if not merge_on_executors:
        return out

    def merge(table: Any) -> Any:
        import pyarrow as pa

        from mlops import Accumulator as Acc
        from mlops import Spec as Sp

        s = Sp.from_bytes(spec_bytes)
        states = table.column("state").to_pylist()
        key = table.column("key")[0].as_py()
        merged = Acc.merge(s, states).to_bytes()
        return pa.table([pa.array([key], pa.int32()), pa.array([merged], pa.binary())], schema=_state_schema())

    grouped = out.groupBy("key")
    if hasattr(grouped, "applyInArrow"):  # Spark 4.0+
        return grouped.applyInArrow(merge, _STATE_DDL)

    def merge_pandas(pdf: Any) -> Any:  # Spark 3.3-3.5: the same merge over pandas
        import pandas as pd
        import pyarrow as pa

        t = merge(pa.Table.from_pandas(pdf, schema=_state_schema(), preserve_index=False))
        return pd.DataFrame({"key": t.column("key").to_pylist(), "state": t.column("state").to_pylist()})

    return grouped.applyInPandas(merge_pandas, _STATE_DDL)


def _run(df: Any, spec: Spec, merge_on_executors: Optional[bool]) -> Any:
    rows = partial_states(df, spec, merge_on_executors).collect()
    acc = Accumulator.combine(spec, [bytes(r["state"]) for r in rows])
    return acc.finish(_arrow_schema(df) if acc.rows == 0 else None)


def _check_frame(df: Any, function: str) -> None:
    if not hasattr(df, "mapInArrow"):
        raise TypeError(f"mlops.spark.{function} expects a pyspark DataFrame (3.3 or newer), not {type(df).__name__}")


def profile(df: Any, columns: Optional[Sequence[str]] = None, *, merge_on_executors: Optional[bool] = None) -> Profile:
    """The profile of a Spark DataFrame (of ``columns``, or every column),
    the same :class:`mlops.Profile` ``mlops.profile`` gives for the same rows.

    ``merge_on_executors``: merge the partitions' states per column on the
    executors before the driver gets them (``None``: when the frame has
    more than :data:`EXECUTOR_MERGE_ABOVE` partitions or their number is
    not known, as on Spark Connect).
    """
    _check_frame(df, "profile")
    if columns is not None:
        df = df.select(*columns)
    spec = _mlops.Spec.profile(list(columns) if columns is not None else None)
    return _run(df, spec, merge_on_executors)


def validate(
    df: Any,
    suite: Any,
    *,
    unexpected_limit: Optional[int] = None,
    now: Optional[float] = None,
    merge_on_executors: Optional[bool] = None,
) -> ValidationResult:
    """Validates a Spark DataFrame against a suite (a :class:`mlops.Suite`
    or a suite file path): the verdicts and unexpected counts
    ``mlops.validate`` gives for the same rows. Each failing row listed
    names its ``partition`` and its ``row`` within it.
    """
    _check_frame(df, "validate")
    spec = _mlops.Spec.validation(suite, unexpected_limit, now)
    return _run(df, spec, merge_on_executors)


def commit_dataset(
    registry_url: str,
    name: str,
    df: Any,
    *,
    message: Optional[str] = None,
    metadata: Optional[Any] = None,
    principal: Optional[str] = None,
    reason: Optional[str] = None,
) -> int:
    """Commits a Spark DataFrame as the next version of data set ``name``
    in the registry at ``registry_url`` (a folder every executor can reach,
    or an object store URL with the credentials in the executors'
    environment). Each executor writes its partition as one Parquet part
    straight into the store's content, with its profile; the driver then
    commits one version naming every part, in partition order, with the
    merged profile. Returns the version number. On Spark Connect this
    client is the driver: it commits the version, so it must reach the
    registry too.

    A job that fails leaves no version (its parts are named by none);
    ``mlops.Registry(url).read_dataset(name)`` reads the version whole on
    one machine, :func:`read_dataset` as a Spark DataFrame.
    """
    _check_frame(df, "commit_dataset")
    from . import Registry

    driver = Registry(registry_url, principal=principal)
    who = driver.principal

    def write(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa
        from pyspark import TaskContext

        from mlops import Registry as Reg

        it = iter(batches)
        first = next(it, None)
        if first is None:
            return
        reader = pa.RecordBatchReader.from_batches(first.schema, _chain(first, it))
        receipt = Reg(registry_url, principal=who)._write_dataset_part(name, reader)
        ctx = TaskContext.get()
        yield pa.RecordBatch.from_arrays(
            [pa.array([ctx.partitionId() if ctx is not None else 0], pa.int32()), pa.array([receipt], pa.binary())],
            schema=_state_schema(),
        )

    rows = sorted(df.mapInArrow(write, _STATE_DDL).collect(), key=lambda r: r["key"])
    receipts = [bytes(r["state"]) for r in rows]
    if not receipts:  # every partition empty: one empty part keeps the schema
        receipts = [driver._write_dataset_part(name, _arrow_schema(df).empty_table())]
    return driver._commit_dataset_parts(name, receipts, message, metadata, reason)


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def read_dataset(spark: Any, registry_url: str, name: str, reference: Optional[str] = None) -> Any:
    """A data set version (number, alias or ``latest``) as a DataFrame of
    ``spark`` (a classic or a Spark Connect session). A version committed
    from a cluster is read part by part on the executors (one Spark
    partition per part, in order); one committed whole is read on the
    driver (on Spark Connect, this client) and sent to Spark."""
    from pyspark.sql.pandas.types import from_arrow_schema

    from . import Registry

    reg = Registry(registry_url)
    version = reg.version("dataset", name, reference)
    if version.dataset is None or version.dataset.get("format") != "parquet-parts":
        return spark.createDataFrame(reg.read_dataset(name, reference))
    parts = reg._dataset_parts(name, reference)
    schema = reg._read_dataset_part(parts[0]).schema
    spark_schema = from_arrow_schema(schema)

    def read(batches: Iterator[Any]) -> Iterator[Any]:
        from pyspark.sql.pandas.types import to_arrow_schema

        from mlops import Registry as Reg

        r = Reg(registry_url)
        target = to_arrow_schema(spark_schema)
        for b in batches:
            for part in b.column("part").to_pylist():
                yield from r._read_dataset_part(part).cast(target).to_batches()

    index = spark.createDataFrame([(i, p) for i, p in enumerate(parts)], "i int, part binary")
    return index.repartitionByRange(len(parts), "i").mapInArrow(read, spark_schema)
