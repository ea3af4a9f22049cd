"""Profiles and validation of Dask DataFrames, merged from per-partition state.

``pip install mlops[dask]``; ``import mlops`` never imports dask. Each
partition (a pandas frame, handed to the engine as Arrow) gets its own
:class:`mlops.Accumulator`; the states are merged in a tree, in partition
order, ``split_every`` at a time (Dask's own reduction shape), so no
worker holds more than a few states and the client receives one. The result
is the :class:`mlops.Profile` or :class:`mlops.ValidationResult` that
``mlops.profile`` / ``mlops.validate`` give for the same rows; see
:mod:`mlops.spark` for what is exact after a merge.

>>> prof = mlops.dask.profile(ddf)                     # doctest: +SKIP
>>> res = mlops.dask.validate(ddf, suite)              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

from . import _mlops
from ._mlops import Accumulator, Profile, Spec, ValidationResult

__all__ = ["profile", "validate", "partial_state"]

#: States merged per task of the reduction tree when ``split_every`` is not given.
SPLIT_EVERY = 8


def _partial(pdf: Any, partition: int, spec_bytes: bytes) -> bytes:
    import pyarrow as pa

    from mlops import Accumulator as Acc
    from mlops import Spec as Sp

    acc = Acc(Sp.from_bytes(spec_bytes), partition)
    acc.update(pa.Table.from_pandas(pdf, preserve_index=False))
    return acc.to_bytes()


def _merge(spec_bytes: bytes, *states: bytes) -> bytes:
    from mlops import Accumulator as Acc
    from mlops import Spec as Sp

    return Acc.merge(Sp.from_bytes(spec_bytes), list(states)).to_bytes()


def partial_state(ddf: Any, spec: Spec, split_every: Optional[int] = None) -> bytes:
    """The merged partial state of every partition (bytes of an
    :class:`mlops.Accumulator`), computed with Dask's current scheduler."""
    import dask

    if not hasattr(ddf, "to_delayed"):
        raise TypeError(f"mlops.dask expects a dask DataFrame, not {type(ddf).__name__}")
    every = split_every or SPLIT_EVERY
    if every < 2:
        raise ValueError(f"split_every must be at least 2, not {every}")
    spec_bytes = spec.to_bytes()
    states = [dask.delayed(_partial)(p, i, spec_bytes) for i, p in enumerate(ddf.to_delayed())]
    while len(states) > 1:
        states = [dask.delayed(_merge)(spec_bytes, *states[k : k + every]) for k in range(0, len(states), every)]
    (state,) = dask.compute(states[0])
    return state


def _run(ddf: Any, spec: Spec, split_every: Optional[int]) -> Any:
    import pyarrow as pa

    acc = Accumulator.from_bytes(spec, partial_state(ddf, spec, split_every))
    schema = pa.Schema.from_pandas(ddf._meta, preserve_index=False) if acc.rows == 0 else None
    return acc.finish(schema)


def profile(ddf: Any, columns: Optional[Sequence[str]] = None, *, split_every: Optional[int] = None) -> Profile:
    """The profile of a Dask DataFrame (of ``columns``, or every column)."""
    if columns is not None:
        ddf = ddf[list(columns)]
    spec = _mlops.Spec.profile(list(columns) if columns is not None else None)
    return _run(ddf, spec, split_every)


def validate(
    ddf: Any,
    suite: Any,
    *,
    unexpected_limit: Optional[int] = None,
    now: Optional[float] = None,
    split_every: Optional[int] = None,
) -> ValidationResult:
    """Validates a Dask DataFrame against a suite (a :class:`mlops.Suite` or
    a suite file path); each failing row listed names its ``partition``."""
    spec = _mlops.Spec.validation(suite, unexpected_limit, now)
    return _run(ddf, spec, split_every)
