"""A guard for serving code: :class:`Guard` checks each request against a
model package's signature before the model sees it, and observes what the
model saw and predicted without making the request wait for the store.

Everything it decides is the engine's (``mlops_core::guard``): the check
(every problem at once: missing columns, wrong types, nulls where the
signature forbids them, with their count and first row; lossless widening
accepted and applied; columns the signature does not name dropped, as
MLServer and KServe ignore extra inputs), the strict typing of JSON bodies
(``"3"`` for a float input is refused, never parsed) and the observation
(queued for the monitor's thread, or a rolling profile folded on a thread of
the engine). This module only turns Python's request bodies into what the
engine reads: Arrow objects as they are, row dicts and dicts of lists as
JSON text, predictions (numpy arrays, lists, pandas Series) as Arrow.

>>> import pyarrow as pa, mlops
>>> sig = {"inputs": [{"name": "age", "type": "Float64"}, {"name": "plan", "type": "Utf8"}],
...        "outputs": [{"name": "churn", "type": "Float64"}]}
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "model.pkl").write_bytes(b"w")
>>> pkg = mlops.Package.build(d, name="churn", version="1", flavor="sklearn", signature=sig)
>>> guard = mlops.Guard(pkg)
>>> x = guard.check([{"age": 41, "plan": "pro", "id": "r1"}])
>>> x.column_names, x.column("age").to_pylist()
(['age', 'plan'], [41.0])
>>> try:
...     guard.check([{"age": "41"}])
... except mlops.SignatureError as e:
...     [(p["column"], p["kind"]) for p in e.problems]
[('age', 'bad_values'), ('plan', 'missing_column')]
>>> guard.observe(x, [0.25]); guard.flush()
>>> guard.profile()["churn"].mean
0.25
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Optional

from ._mlops import _Guard

if TYPE_CHECKING:
    from . import Package, Profile, Signature
    from .monitoring import Monitor

__all__ = ["Guard"]


def _json_default(o: Any) -> Any:
    """numpy scalars and arrays, dates and times as JSON values."""
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "isoformat"):
        return o.isoformat()
    raise TypeError(f"a request value of type {type(o).__name__} is not JSON")


def _is_arrow_table(data: Any) -> bool:
    return hasattr(data, "__arrow_c_stream__") or (
        hasattr(data, "__arrow_c_array__") and type(data).__name__ == "RecordBatch"
    )


class Guard:
    """Checks requests against ``package``'s signature and observes them
    into ``monitor`` (an :class:`mlops.Monitor`) or, without one, into a
    rolling :class:`mlops.Profile` (:meth:`profile`).

    :meth:`check` raises :class:`mlops.SignatureError` (a
    ``SchemaMismatchError``) whose ``problems`` list is ready to be an HTTP
    422 body. One guard serves every request of a process (it is safe to
    share between threads)."""

    __slots__ = ("_native", "_monitor")

    def __init__(self, package: Package, monitor: Optional[Monitor] = None) -> None:
        native_monitor = None if monitor is None else monitor._native
        self._native = _Guard(package, native_monitor)
        self._monitor = monitor

    def check(self, data: Any) -> Any:
        """Checks a request; returns a pyarrow Table of exactly the
        signature's inputs, in its order and declared types.

        ``data`` is anything Arrow (a pyarrow Table or RecordBatch, a polars
        or pandas DataFrame, any object with ``__arrow_c_stream__`` /
        ``__arrow_c_array__``), a JSON body (``bytes`` or ``str``), or its
        parsed form: a list of row dicts or a dict of column lists (a key
        absent from a row is a null there). JSON values are typed strictly:
        numbers for numeric inputs, strings for text, ``True``/``False`` for
        flags, ISO 8601 strings for dates and timestamps."""
        native = self._native
        if type(data) is list or type(data) is dict:
            body = json.dumps(data, default=_json_default).encode()
            return native.check_json(body)
        if isinstance(data, (bytes, bytearray, memoryview)):
            return native.check_json(bytes(data))
        if isinstance(data, str):
            return native.check_json(data.encode())
        if not _is_arrow_table(data):
            from . import _as_arrow

            data = _as_arrow(data)
        return native.check(data)

    def observe(self, inputs: Any, predictions: Any) -> None:
        """Observes what the model saw (``inputs``, usually what
        :meth:`check` returned) and predicted (one per row: a pyarrow Table
        or Array, a numpy array, a pandas Series or DataFrame, a list). A
        bare array is named after the signature's output when it declares
        one, else ``prediction``. The rows are only queued: the monitor (or
        the rolling profile) folds them on a thread of the engine and writes
        them every few seconds, so the request does not wait. Row counts
        that differ are an ``InvalidInputError`` naming both."""
        if not _is_arrow_table(inputs):
            from . import _as_arrow

            inputs = _as_arrow(inputs)
        import pyarrow as pa

        native = self._native
        if isinstance(predictions, pa.ChunkedArray):
            predictions = predictions.combine_chunks()
        if not isinstance(predictions, pa.Array):
            mod = type(predictions).__module__ or ""
            name = type(predictions).__name__
            if name == "Series" and mod.startswith("polars"):
                predictions = predictions.to_arrow()
            elif name == "Series" and mod.startswith("pandas"):
                predictions = pa.Array.from_pandas(predictions)
            elif _is_arrow_table(predictions):
                native.observe(inputs, predictions)
                return
            elif name == "DataFrame" and mod.startswith("pandas"):
                native.observe(inputs, pa.Table.from_pandas(predictions, preserve_index=False))
                return
            else:
                predictions = pa.array(predictions)
        native.observe_array(inputs, predictions)

    def flush(self) -> None:
        """Writes what was observed: flushes the monitor, or folds every
        queued row into the rolling profile."""
        self._native.flush()

    def profile(self) -> Optional[Profile]:
        """The rolling profile of what was observed and folded so far (call
        :meth:`flush` first to include every row); ``None`` with a monitor,
        whose windows hold the profiles, or before any row."""
        return self._native.profile()

    @property
    def monitor(self) -> Optional[Monitor]:
        """The monitor observed rows go to, if one was given."""
        return self._monitor

    @property
    def signature(self) -> Signature:
        """The signature requests are checked against."""
        return self._native.signature

    @property
    def input_schema(self) -> Any:
        """The inputs as a pyarrow Schema: the schema :meth:`check` returns."""
        return self._native.input_schema

    def __repr__(self) -> str:
        return repr(self._native)
