"""Profiles and validation of Ray Datasets, merged from per-block state.

``pip install mlops[ray]``; ``import mlops`` never imports ray. The engine
runs as a Ray Data aggregation (``Dataset.aggregate`` with an
``AggregateFnV2`` whose per-block state is an :class:`mlops.Accumulator`):
each block (an Arrow table) is folded into a state where it lives, and Ray
combines the states. The result is the :class:`mlops.Profile` or
:class:`mlops.ValidationResult` that ``mlops.profile`` / ``mlops.validate``
give for the same rows; see :mod:`mlops.spark` for what is exact after a
merge.

Ray gives a block no position, so each block's state is numbered at
random: the failing rows a check lists name that number, not an order, and
checks of the order of rows (``increasing``, ``decreasing``) are refused.

>>> prof = mlops.ray.profile(ds)                       # doctest: +SKIP
>>> res = mlops.ray.validate(ds, suite)                # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

from . import _mlops
from ._mlops import Accumulator, Profile, Spec, UnsupportedError, ValidationResult

__all__ = ["profile", "validate", "aggregation"]

_NAME = "mlops"


def _init(self: Any, spec_bytes: bytes) -> None:
    from ray.data.aggregate import AggregateFnV2

    AggregateFnV2.__init__(self, name=_NAME, zero_factory=bytes, on=None, ignore_nulls=False)
    self.spec_bytes = spec_bytes


def _aggregate_block(self: Any, block: Any) -> bytes:
    """One block's state, numbered at random (Ray gives blocks no position)."""
    import secrets

    import pyarrow as pa

    from mlops import Accumulator as Acc
    from mlops import Spec as Sp

    if not isinstance(block, (pa.Table, pa.RecordBatch)):
        block = pa.Table.from_pandas(block, preserve_index=False)
    acc = Acc(Sp.from_bytes(self.spec_bytes), secrets.randbits(62))
    acc.update(block)
    return acc.to_bytes()


def _combine(self: Any, current: bytes, new: bytes) -> bytes:
    from mlops import Accumulator as Acc
    from mlops import Spec as Sp

    if not current:
        return new
    if not new:
        return current
    return Acc.merge(Sp.from_bytes(self.spec_bytes), [current, new]).to_bytes()


def _finalize(self: Any, accumulator: bytes) -> bytes:
    return accumulator


def aggregation(spec: Spec) -> Any:
    """A Ray Data ``AggregateFnV2`` computing ``spec``'s partial state
    (bytes); ``ds.aggregate(mlops.ray.aggregation(spec))["mlops"]``."""
    from ray.data.aggregate import AggregateFnV2

    # Built here so that ray is imported only when it is used.
    cls = type(
        "MlopsAggregate",
        (AggregateFnV2,),
        {"__init__": _init, "aggregate_block": _aggregate_block, "combine": _combine, "finalize": _finalize},
    )
    return cls(spec.to_bytes())


def _run(ds: Any, spec: Spec) -> Any:
    if not hasattr(ds, "aggregate"):
        raise TypeError(f"mlops.ray expects a ray.data.Dataset, not {type(ds).__name__}")
    state = ds.aggregate(aggregation(spec))[_NAME]
    if not state:
        return Accumulator(spec, 0).finish(ds.schema().base_schema)
    return Accumulator.from_bytes(spec, state).finish()


def profile(ds: Any, columns: Optional[Sequence[str]] = None) -> Profile:
    """The profile of a Ray Dataset (of ``columns``, or every column)."""
    if columns is not None:
        ds = ds.select_columns(list(columns))
    spec = _mlops.Spec.profile(list(columns) if columns is not None else None)
    return _run(ds, spec)


def validate(
    ds: Any, suite: Any, *, unexpected_limit: Optional[int] = None, now: Optional[float] = None
) -> ValidationResult:
    """Validates a Ray Dataset against a suite (a :class:`mlops.Suite` or a
    suite file path). Checks of the order of rows are refused: Ray does not
    say which block comes first."""
    from . import Suite

    if not isinstance(suite, Suite):
        suite = Suite.load(suite)
    for i, c in enumerate(suite.checks):
        if c.get("check") in ("increasing", "decreasing"):
            raise UnsupportedError(
                f"checks[{i}] ({c['check']}) cannot run on a Ray Dataset: Ray does not order its blocks; "
                "validate the rows in order on one machine, or in Spark or Dask"
            )
    spec = _mlops.Spec.validation(suite, unexpected_limit, now)
    return _run(ds, spec)
