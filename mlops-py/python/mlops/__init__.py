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
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

from . import _mlops, checks, stats, ui

# Python's own integration with scikit-learn (no engine behaviour of its own,
# like mlops.spark or mlops.xgboost): `mlops.autolog`, kept out of __all__
# and of api/parity.json, which list what every front-end has.
from ._autolog import autolog as autolog
from ._mlops import (
    Accumulator,
    AliasMove,
    AlreadyExistsError,
    ArrowError,
    Asset,
    Audit,
    AuditRecord,
    AuditReport,
    Checkout,
    ColumnDrift,
    ColumnProfile,
    ConflictError,
    DatasetDiff,
    DriftReport,
    ExpiredError,
    FeedEvent,
    GateReport,
    IntegrityError,
    InvalidInputError,
    MlopsError,
    NotFoundError,
    Package,
    PermissionDeniedError,
    Policy,
    PolicyState,
    Profile,
    RowDiff,
    RowDiffSummary,
    Run,
    RunInfo,
    SchemaMismatchError,
    SearchHit,
    Signature,
    SignatureError,
    Spec,
    StorageError,
    TreeDiff,
    UnsupportedError,
    ValidationResult,
    Version,
    Watch,
)
from .guard import Guard
from .monitoring import Monitor, monitor, monitors
from .runs import RunComparison, compare_runs, search_runs, start_run

__version__: str = _mlops.__version__

__all__ = [
    "AliasMove",
    "RowDiff",
    "RowDiffSummary",
    "profile",
    "Spec",
    "Accumulator",
    "drift",
    "stats",
    "ui",
    "validate",
    "gate",
    "checks",
    "Suite",
    "ValidationResult",
    "GateReport",
    "DriftReport",
    "ColumnDrift",
    "Registry",
    "Version",
    "Asset",
    "SearchHit",
    "FeedEvent",
    "Watch",
    "DatasetDiff",
    "Audit",
    "AuditRecord",
    "AuditReport",
    "Policy",
    "PolicyState",
    "Package",
    "Signature",
    "start_run",
    "search_runs",
    "compare_runs",
    "RunComparison",
    "Run",
    "RunInfo",
    "monitor",
    "monitors",
    "Monitor",
    "Guard",
    "generate_key",
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
    "TreeDiff",
    "Checkout",
    "ExpiredError",
    "SignatureError",
]

DataLike = Union[str, "os.PathLike[str]", Any]


def _distributed(data: Any) -> Optional[str]:
    """The adapter module (``spark``, ``dask``, ``ray``) for a frame of a
    distributed engine, else ``None``. Checked by type name, so the engine
    itself is never imported: pyspark 4's ``__arrow_c_stream__`` would
    otherwise stream the whole table to the driver. A Spark Connect frame
    (``pyspark.sql.connect.dataframe.DataFrame``) is a Spark frame."""
    for klass in type(data).__mro__:
        mod = klass.__module__ or ""
        if mod.startswith("pyspark.sql") and klass.__name__ == "DataFrame":
            return "spark"
        if mod.startswith(("dask.dataframe", "dask_expr")) and klass.__name__ in ("DataFrame", "FrameBase"):
            return "dask"
        if mod.startswith("ray.data") and klass.__name__ == "Dataset":
            return "ray"
    return None


def _adapter(name: str) -> Any:
    """The adapter module ``mlops.<name>`` (imported on first use only)."""
    import importlib

    return importlib.import_module(f"mlops.{name}")


def _as_arrow(data: Any) -> Any:
    """Returns Arrow data the engine reads through the PyCapsule interface.

    Tables, record batches, readers and data frames pass through as they are;
    a single column (pyarrow Array / ChunkedArray, pandas or polars Series)
    becomes a one-column table named after it (or ``value``); a pandas
    DataFrame without the interface goes through pyarrow.
    """
    mod = type(data).__module__ or ""
    name = type(data).__name__
    adapter = _distributed(data)
    if adapter is not None:
        raise TypeError(
            f"a {adapter} frame is profiled and validated where its data lives: call "
            f"mlops.{adapter}.profile(df) or mlops.{adapter}.validate(df, suite) "
            "(converting it here would pull every row to this machine)"
        )
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
    adapter = _distributed(data)
    if adapter is not None:
        return _adapter(adapter).profile(data)
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
    drift_share: Optional[float] = None,
    correction: Optional[str] = None,
    null_test: Optional[bool] = None,
    null_threshold: Optional[float] = None,
    null_min_effect: Optional[float] = None,
    include_datetime: Optional[bool] = None,
    significance_guard: Optional[bool] = None,
    significance_level: Optional[float] = None,
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

    An option left ``None`` takes the engine's default (``DriftOptions`` in
    mlops-core: ``drift_share`` 0.5, ``correction`` ``"none"``, ``null_test``
    on, ``null_threshold`` 0.05, ``null_min_effect`` 0.1, datetime columns
    left out, ``significance_guard`` on at ``significance_level`` 0.05); only
    the options given are sent.

    Raises ``SchemaMismatchError`` naming a column missing on one side or of
    another kind, ``InvalidInputError`` for bad options.

    >>> import pyarrow as pa, mlops
    >>> ref = pa.table({"x": [float(i % 100) for i in range(2000)]})
    >>> cur = pa.table({"x": [float(i % 100) + 30 for i in range(2000)]})
    >>> r = mlops.drift(ref, cur)
    >>> r["x"].method, r["x"].drifted, r.dataset_drift
    ('wasserstein', True, True)
    """
    given: dict[str, Any] = {
        "columns": list(columns) if columns is not None else None,
        "method": method,
        "threshold": threshold,
        "per_column": {k: dict(v) for k, v in per_column.items()} if per_column is not None else None,
        "drift_share": drift_share,
        "correction": correction,
        "null_test": null_test,
        "null_threshold": null_threshold,
        "null_min_effect": null_min_effect,
        "include_datetime": include_datetime,
        "significance_guard": significance_guard,
        "significance_level": significance_level,
    }
    options_json = json.dumps({k: v for k, v in given.items() if v is not None})
    # A Spark, Dask or Ray frame is profiled where it lives; drift then
    # compares the two profiles.
    reference, current = (
        _adapter(a).profile(x) if (a := _distributed(x)) is not None else x for x in (reference, current)
    )
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

    Every call that writes takes ``reason=``, recorded with the event it
    writes (``Registry.log`` and ``Registry.audit.log`` give it back).
    Results are typed (:class:`Version`, :class:`Asset`, :class:`SearchHit`,
    :class:`DatasetDiff`, :class:`AuditRecord`); ``to_dict()`` gives the
    plain dict.
    """

    def commit_dataset(
        self,
        name: str,
        data: DataLike,
        message: Optional[str] = None,
        metadata: Any = None,
        reason: Optional[str] = None,
    ) -> int:
        """Commits a data set version from anything :func:`profile` accepts
        (pyarrow, polars, pandas, a data file path): stored as Parquet with
        its schema, row count and profile. Returns the version number."""
        src = os.fspath(data) if isinstance(data, (str, os.PathLike)) else _as_arrow(data)
        if not isinstance(src, str) and not hasattr(src, "__arrow_c_stream__"):
            import pyarrow as pa

            src = pa.table(src) if not isinstance(src, pa.RecordBatch) else pa.Table.from_batches([src])
        return super().commit_dataset(name, src, message, metadata, reason)

    def search(
        self,
        query: str,
        include_archived: bool = False,
        limit: Optional[int] = None,
        page_token: Optional[str] = None,
    ) -> SearchHits:
        """Versions matching a filter such as ``"kind = 'model' and aliases =
        'production'"``, as :class:`SearchHit` objects in kind, name and
        version order. With ``limit`` or ``page_token``, one page: at most
        ``limit`` hits after the place the token names, and
        ``next_page_token`` (``None`` on the last page) to pass back for the
        next. The token names the last hit, so versions added between pages
        neither shift nor repeat hits.

        >>> import mlops
        >>> reg = mlops.Registry("memory://")
        >>> for i in range(3):
        ...     _ = reg.add("model", "m", b"w%d" % i)
        >>> page = reg.search("kind = 'model'", limit=2)
        >>> [h.version for h in page], page.next_page_token
        ([1, 2], 'model/m/2')
        >>> [h.version for h in reg.search("kind = 'model'", limit=2, page_token=page.next_page_token)]
        [3]
        """
        if limit is None and page_token is None:
            return SearchHits(super().search(query, include_archived), None)
        hits, token = super()._search_page(query, include_archived, limit, page_token)
        return SearchHits(hits, token)


class SearchHits(list):
    """The hits of :meth:`Registry.search`: a list of :class:`SearchHit`,
    with ``next_page_token``, the token of the next page (``None`` when the
    search was not paged or this is the last page)."""

    next_page_token: Optional[str]

    def __init__(self, hits: Any = (), next_page_token: Optional[str] = None) -> None:
        super().__init__(hits)
        self.next_page_token = next_page_token


def generate_key(path: Union[str, os.PathLike[str]]) -> str:
    """Generates an Ed25519 key pair for signing packages: ``path`` (the
    secret key, mode 0600) and ``path + ".pub"``. Returns the key id (BLAKE3
    of the public key)."""
    return _mlops.generate_key(os.fspath(path))


def _stream(data: Any) -> Any:
    """An iterator of record batches becomes a pyarrow RecordBatchReader
    that pulls them one at a time (so a stream is never held whole)."""
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return _as_arrow(data)
    if hasattr(data, "__next__") or (hasattr(data, "__iter__") and isinstance(data, (list, tuple))):
        import itertools

        import pyarrow as pa

        it = iter(data)
        try:
            first = next(it)
        except StopIteration:
            raise InvalidInputError("invalid input: the stream has no record batches (and so no schema)") from None
        if isinstance(first, pa.Table):
            batches = itertools.chain(first.to_batches(), (b for t in it for b in t.to_batches()))
        else:
            batches = itertools.chain([first], it)
        return pa.RecordBatchReader.from_batches(first.schema, batches)
    return _as_arrow(data)


class Suite:
    """A named collection of checks: a data contract, saved as YAML or JSON.

    Build one from check dicts (:mod:`mlops.checks` makes them), a file, or
    trusted data:

    >>> import mlops
    >>> from mlops import checks
    >>> s = mlops.Suite("orders", [checks.not_null("id"), checks.values_between("amount", 0)])
    >>> s.add(checks.unique("id")).checks[-1]
    {'check': 'unique', 'column': 'id'}
    >>> mlops.Suite.from_yaml(s.to_yaml()).checks == s.checks
    True

    Errors in a check (an unknown kind or field, a wrong argument type) raise
    ``InvalidInputError`` naming ``checks[i]`` and the field (and, for files,
    the line).
    """

    def __init__(self, name: Optional[str] = None, checks: Optional[Sequence[Mapping[str, Any]]] = None) -> None:
        self._native = _mlops.Suite(name, json.dumps([dict(c) for c in checks]) if checks else None)

    @classmethod
    def _wrap(cls, native: Any) -> Suite:
        s = cls.__new__(cls)
        s._native = native
        return s

    def add(self, *checks: Mapping[str, Any]) -> Suite:
        """Appends checks (dicts as :mod:`mlops.checks` makes them); returns the suite."""
        for c in checks:
            self._native._add_json(json.dumps(dict(c)))
        return self

    @property
    def name(self) -> str:
        return self._native.name

    @property
    def checks(self) -> list:
        """The checks, as dicts."""
        return self._native.checks

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        return repr(self._native)

    def to_yaml(self) -> str:
        return self._native.to_yaml()

    def to_json(self) -> str:
        return self._native.to_json()

    def save(self, path: Union[str, os.PathLike[str]]) -> None:
        """Writes the suite: JSON for a ``.json`` path, YAML otherwise."""
        self._native.save(os.fspath(path))

    @classmethod
    def load(cls, path: Union[str, os.PathLike[str]]) -> Suite:
        """Reads a suite file (``.yaml``, ``.yml``, ``.json``); reference
        profiles of distribution checks resolve relative to its folder."""
        return cls._wrap(_mlops.Suite.load(os.fspath(path)))

    @classmethod
    def from_yaml(cls, text: str) -> Suite:
        return cls._wrap(_mlops.Suite.from_yaml(text))

    @classmethod
    def from_json(cls, text: str) -> Suite:
        return cls._wrap(_mlops.Suite.from_json(text))

    @classmethod
    def infer(
        cls,
        data: DataLike,
        *,
        name: Optional[str] = None,
        margin: Optional[float] = None,
        max_categories: Optional[int] = None,
    ) -> Suite:
        """A suite inferred from trusted data: per column its type, not-null or
        a maximum null fraction, a range widened by ``margin`` of its width
        (default 0.1), the set of categories (strings with at most
        ``max_categories`` values, default 50), lengths and uniqueness;
        checks the data itself breaks are dropped, so the suite passes on
        ``data``. The suite is named ``name`` (default ``"inferred"``);
        options left ``None`` take the engine's defaults."""
        return cls._wrap(_mlops.infer_suite(_source(data), name, margin, max_categories))

    def validate(
        self, data: Any, *, unexpected_limit: Optional[int] = None, now: Optional[float] = None
    ) -> ValidationResult:
        """Same as ``mlops.validate(data, self)``."""
        return validate(data, self, unexpected_limit=unexpected_limit, now=now)


def validate(
    data: Any,
    suite: Union[Suite, str, os.PathLike[str]],
    *,
    unexpected_limit: Optional[int] = None,
    now: Optional[float] = None,
) -> ValidationResult:
    """Validates data against a suite (a :class:`Suite` or a suite file path)
    in one parallel pass.

    ``data`` is anything :func:`profile` takes, or a stream: a
    ``RecordBatchReader``, any ``__arrow_c_stream__`` object or an iterator
    of record batches, validated batch by batch (memory stays near one
    batch plus the checks' state; the result equals the whole table's).
    ``now`` (seconds since the epoch) fixes the clock of freshness checks.
    ``unexpected_limit`` caps the failing rows kept per check (the engine's
    default, 20, when ``None``).

    >>> import pyarrow as pa, mlops
    >>> from mlops import checks
    >>> r = mlops.validate(pa.table({"x": [1, 5, None, 12]}), mlops.Suite("s", [checks.values_between("x", 0, 10)]))
    >>> r.success, r[0]["unexpected_count"], r[0]["partial_unexpected"]
    (False, 1, [{'row': 3, 'value': 12}])
    """
    adapter = _distributed(data)
    if adapter is not None:
        return _adapter(adapter).validate(data, suite, unexpected_limit=unexpected_limit, now=now)
    if not isinstance(suite, Suite):
        suite = Suite.load(suite)
    return _mlops.validate(_stream(data), suite._native, unexpected_limit, now)


def gate(
    candidate: Mapping[str, float], rules: Sequence[str], baseline: Optional[Mapping[str, float]] = None
) -> GateReport:
    """A model promotion gate: each rule compares the candidate's metrics
    (bare names or ``candidate.x``) with the baseline's (``baseline.x``) or
    numbers, with its tolerance written out.

    >>> import mlops
    >>> g = mlops.gate({"auc": 0.905, "latency_p95_ms": 61}, ["auc >= baseline.auc - 0.01", "latency_p95_ms <= 50"],
    ...                baseline={"auc": 0.91})
    >>> g.passed, [r["passed"] for r in g.rules]
    (False, [True, False])
    """
    return _mlops.gate(
        {k: float(v) for k, v in candidate.items()},
        list(rules),
        None if baseline is None else {k: float(v) for k, v in baseline.items()},
    )
