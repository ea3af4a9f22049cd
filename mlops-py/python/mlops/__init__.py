"""mlops: one Rust engine for the operational half of machine learning.

Profiles, drift, validation and versioning over Arrow data, in-process.

>>> import pyarrow as pa, mlops
>>> p = mlops.profile(pa.table({"x": [1.0, 2.0, None, 4.0]}))
>>> p["x"].null_count, round(p["x"].mean, 4)
(1, 2.3333)
"""

from __future__ import annotations

import os
from typing import Any, Union

from . import _mlops, stats
from ._mlops import (
    AlreadyExistsError,
    ArrowError,
    ColumnProfile,
    ConflictError,
    IntegrityError,
    InvalidInputError,
    MlopsError,
    NotFoundError,
    PermissionDeniedError,
    Profile,
    SchemaMismatchError,
    StorageError,
    UnsupportedError,
)

__version__: str = _mlops.__version__

__all__ = [
    "profile",
    "stats",
    "Profile",
    "ColumnProfile",
    "MlopsError",
    "NotFoundError",
    "AlreadyExistsError",
    "ConflictError",
    "InvalidInputError",
    "SchemaMismatchError",
    "UnsupportedError",
    "IntegrityError",
    "PermissionDeniedError",
    "StorageError",
    "ArrowError",
]

DataLike = Union[str, "os.PathLike[str]", Any]


def _as_arrow(data: Any) -> Any:
    """Returns Arrow data the engine reads through the PyCapsule interface.

    Tables, record batches, readers and data frames pass through as they are;
    a single column (pyarrow Array / ChunkedArray, pandas or polars Series)
    becomes a one-column table named after it (or ``value``); a pandas
    DataFrame without the interface goes through pyarrow.
    """
    mod = type(data).__module__ or ""
    name = type(data).__name__
    if mod.startswith("polars"):
        if name == "Series":
            return data.to_frame()
        if name == "LazyFrame":
            raise TypeError("mlops.profile needs materialised data: call .collect() on the polars LazyFrame first")
    if mod.startswith("pandas") and name == "Series":
        data = data.to_frame(name=data.name if data.name is not None else "value")
        mod, name = "pandas", "DataFrame"
    if mod.startswith("pyarrow"):
        import pyarrow as pa

        if isinstance(data, (pa.Array, pa.ChunkedArray)):
            return pa.table({"value": data})
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return data
    if mod.startswith("pandas") and name == "DataFrame":
        import pyarrow as pa

        return pa.Table.from_pandas(data, preserve_index=False)
    raise TypeError(
        "mlops.profile expects Arrow data (pyarrow Table / RecordBatch / RecordBatchReader, "
        "polars or pandas DataFrame, any object with __arrow_c_stream__) or a file path, "
        f"not {type(data).__name__}"
    )


def profile(data: DataLike) -> Profile:
    """Profiles a data set in one parallel pass over its Arrow buffers.

    ``data`` is anything that speaks the Arrow PyCapsule interface (a pyarrow
    Table, RecordBatch or RecordBatchReader, a polars DataFrame, DuckDB
    results), a pandas DataFrame, or the path of a ``.parquet``, ``.csv``,
    ``.arrow`` / ``.feather`` or ``.arrows`` file, which the engine reads
    itself. Arrow buffers are borrowed, not copied, and the GIL is released
    while the engine works.

    Raises ``NotFoundError`` for a missing file, ``InvalidInputError`` for an
    unreadable one, ``UnsupportedError`` naming a column whose type cannot be
    profiled, all subclasses of ``MlopsError``.
    """
    if isinstance(data, (str, os.PathLike)):
        return _mlops.profile(os.fspath(data))
    return _mlops.profile(_as_arrow(data))
