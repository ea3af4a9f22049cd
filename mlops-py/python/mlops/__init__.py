"""mlops: one Rust engine for the operational half of machine learning.

Profiles, drift, validation and versioning over Arrow data, in-process.

>>> import pyarrow as pa, mlops
>>> p = mlops.profile(pa.table({"x": [1.0, 2.0, None, 4.0]}))
>>> p["x"].null_count, round(p["x"].mean, 4)
(1, 2.3333)
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Mapping, Optional, Sequence, Union

from . import _mlops, stats
from ._mlops import (
    AlreadyExistsError,
    ArrowError,
    ColumnDrift,
    ColumnProfile,
    ConflictError,
    DriftReport,
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
    "drift",
    "stats",
    "DriftReport",
    "ColumnDrift",
    "Registry",
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


def _source(data: Any) -> Any:
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    return _as_arrow(data)


def drift(
    reference: Union[DataLike, Profile],
    current: Union[DataLike, Profile],
    *,
    columns: Optional[Sequence[str]] = None,
    method: Optional[str] = None,
    threshold: Optional[float] = None,
    per_column: Optional[Mapping[str, Mapping[str, Any]]] = None,
    drift_share: float = 0.5,
    correction: str = "none",
    null_test: bool = True,
    null_threshold: float = 0.05,
    null_min_effect: float = 0.1,
    include_datetime: bool = False,
    significance_guard: bool = True,
    significance_level: float = 0.05,
) -> DriftReport:
    """Compares a current data set with a reference one, column by column.

    ``reference`` and ``current`` are data as for :func:`profile` (Arrow
    objects, pandas or polars frames, file paths), or two :class:`Profile`
    objects, in which case the report is computed from their sketches
    without the data (``report.source == "profiles"``, approximate).

    Each column gets Evidently's default method (by type, reference size and
    number of distinct values: ``ks``, ``chisquare`` or ``z`` up to 1,000
    reference values, ``wasserstein`` or ``jensenshannon`` beyond) and its
    default threshold, unless ``method`` / ``threshold`` (every column) or
    ``per_column={"col": {"method": "psi", "threshold": 0.2}}`` say
    otherwise. A change in the share of missing values is drift too (a
    two-proportion test, ``null_threshold``, with an effect of at least
    ``null_min_effect`` in Cohen's h). ``correction`` (``"bonferroni"`` or
    ``"benjamini_hochberg"``) adjusts the p-values. The data set drifts when
    at least ``drift_share`` of its columns drift. A distance above its
    threshold counts as drift only if it is also significant (chi-square or
    KS p-value below ``significance_level``), so sampling noise over many
    categories is not reported as drift; ``significance_guard=False`` gives
    Evidently's verdicts exactly.

    Raises ``SchemaMismatchError`` naming a column missing on one side or of
    another kind, ``InvalidInputError`` for bad options.

    >>> import pyarrow as pa, mlops
    >>> ref = pa.table({"x": [float(i % 100) for i in range(2000)]})
    >>> cur = pa.table({"x": [float(i % 100) + 30 for i in range(2000)]})
    >>> r = mlops.drift(ref, cur)
    >>> r["x"].method, r["x"].drifted, r.dataset_drift
    ('wasserstein', True, True)
    """
    opts: Dict[str, Any] = {
        "columns": list(columns) if columns is not None else None,
        "method": method,
        "threshold": threshold,
        "per_column": {k: dict(v) for k, v in (per_column or {}).items()},
        "drift_share": drift_share,
        "correction": correction,
        "null_test": null_test,
        "null_threshold": null_threshold,
        "null_min_effect": null_min_effect,
        "include_datetime": include_datetime,
        "significance_guard": significance_guard,
        "significance_level": significance_level,
    }
    options_json = json.dumps(opts)
    if isinstance(reference, Profile) and isinstance(current, Profile):
        return _mlops.drift_profiles(reference, current, options_json)
    if isinstance(reference, Profile) or isinstance(current, Profile):
        raise TypeError("mlops.drift compares two profiles or two data sets, not one of each")
    return _mlops.drift(_source(reference), _source(current), options_json)


class Registry(_mlops.Registry):
    """Datasets, models and artifacts with numbered versions and aliases, in
    a store: a folder (default ``./.mlops``), ``file://...`` or ``memory://``.
    Many processes may write to one store at once.

    >>> import mlops, pyarrow as pa
    >>> reg = mlops.Registry("memory://")
    >>> reg.commit_dataset("events", pa.table({"x": [1.0, 2.0]}), message="first")
    1
    >>> reg.read_dataset("events", "latest")["x"].to_pylist()
    [1.0, 2.0]
    """

    def commit_dataset(self, name: str, data: DataLike, message: str = "", metadata: Any = None) -> int:
        """Commits a data set version from anything :func:`profile` accepts
        (pyarrow, polars, pandas, a data file path): stored as Parquet with
        its schema, row count and profile. Returns the version number."""
        src = os.fspath(data) if isinstance(data, (str, os.PathLike)) else _as_arrow(data)
        if not isinstance(src, str) and not hasattr(src, "__arrow_c_stream__"):
            import pyarrow as pa

            src = pa.table(src) if not isinstance(src, pa.RecordBatch) else pa.Table.from_batches([src])
        return super().commit_dataset(name, src, message, metadata)
