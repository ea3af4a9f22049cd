"""Type stubs of the native module `mlops._mlops` (kept by hand next to
`mlops-py/src/*.rs`; the tests check that every name here exists)."""

import builtins
import pathlib
import types
from collections.abc import Sequence
from typing import Any, final, overload

# Stubs are never imported: these names need typing_extensions only where the
# stub is type-checked (type checkers bundle it), not at runtime.
from typing_extensions import Self, TypeAlias, disjoint_base

# The module's own __all__ (PyO3 builds it from what the module registers).
__all__ = [
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
    "ExpiredError",
    "SignatureError",
    "Spec",
    "Accumulator",
    "TreeDiff",
    "Checkout",
    "Version",
    "Asset",
    "SearchHit",
    "FeedEvent",
    "DatasetDiff",
    "AuditRecord",
    "AuditReport",
    "PolicyState",
    "Audit",
    "Policy",
    "_Guard",
    "UiServer",
    "_ui_start",
    "Watch",
    "CURSOR_START",
    "WATCH_POLL_INTERVAL",
    "_Monitor",
    "DriftReport",
    "ColumnDrift",
    "drift",
    "drift_profiles",
    "Package",
    "Signature",
    "generate_key",
    "Profile",
    "ColumnProfile",
    "profile",
    "Registry",
    "Run",
    "RunInfo",
    "stats",
    "Suite",
    "ValidationResult",
    "GateReport",
    "validate",
    "infer_suite",
    "gate",
    "AliasMove",
    "RowDiffSummary",
    "RowDiff",
    "__version__",
]

__version__: str

_Value: TypeAlias = bool | int | float | str

class MlopsError(Exception): ...
class NotFoundError(MlopsError, FileNotFoundError): ...
class AlreadyExistsError(MlopsError): ...
class ConflictError(MlopsError): ...
class InvalidInputError(MlopsError, ValueError): ...
class SchemaMismatchError(MlopsError, ValueError): ...
class UnsupportedError(MlopsError, NotImplementedError): ...
class IntegrityError(MlopsError): ...
class PermissionDeniedError(MlopsError, PermissionError): ...
class StorageError(MlopsError, OSError): ...
class ArrowError(MlopsError): ...
class ExpiredError(MlopsError): ...

class SignatureError(SchemaMismatchError):
    """Data refused by a model's signature (a serving guard's request).
    `problems` lists every problem as a dict (column, kind, expected, found,
    count, first_row, message)."""

    problems: list[dict[str, Any]]

@final
class ColumnProfile:
    """The profile of one column."""

    @property
    def name(self) -> str: ...
    @property
    def data_type(self) -> str:
        """The Arrow type as Arrow displays it (``Int64``, ``Utf8``, ...)."""
    @property
    def kind(self) -> str:
        """numeric, boolean, string, binary, temporal or nested."""
    @property
    def semantic_type(self) -> str:
        """numeric, categorical, boolean, datetime, text, identifier or other."""
    @property
    def count(self) -> int:
        """Rows, nulls included."""
    @property
    def null_count(self) -> int: ...
    @property
    def nan_count(self) -> int: ...
    @property
    def pos_inf_count(self) -> int: ...
    @property
    def neg_inf_count(self) -> int: ...
    @property
    def true_count(self) -> int: ...
    @property
    def min(self) -> _Value | None:
        """Smallest finite value (byte order for strings; epoch units for temporal)."""
    @property
    def max(self) -> _Value | None: ...
    @property
    def mean(self) -> float | None:
        """Mean of the finite values (share of True for booleans)."""
    @property
    def variance(self) -> float | None:
        """Sample variance (ddof=1) of the finite values."""
    @property
    def std(self) -> float | None: ...
    @property
    def distinct_estimate(self) -> float | None:
        """HLL estimate of distinct non-null values (about 1.6% relative error)."""
    @property
    def top_k(self) -> list[tuple[_Value, int]]:
        """The 10 most frequent values with counts."""
    def top(self, k: int) -> list[tuple[_Value, int]]: ...
    @property
    def length_min(self) -> int | None: ...
    @property
    def length_mean(self) -> float | None: ...
    @property
    def length_max(self) -> int | None: ...
    @property
    def quantile_rank_error(self) -> float | None: ...
    def quantile(self, q: float) -> float | None:
        """Value at quantile q in [0, 1] (KLL sketch, numpy's inverted_cdf rule)."""
    def histogram(self, bins: int | None = None) -> tuple[list[float], list[int]] | None:
        """An equal-width histogram `(edges, counts)`, or None without finite values;
        `bins` from 1 to 100,000 (None: 20), InvalidInputError otherwise."""

@final
class Spec:
    """What an Accumulator computes: a profile of some columns or a validation suite."""

    @staticmethod
    def profile(columns: list[str] | None = None) -> Spec:
        """A profile of ``columns`` (every column when None), in that order."""
    @staticmethod
    def validation(suite: Any, unexpected_limit: int | None = None, now: float | None = None) -> Spec:
        """A validation of ``suite`` (a Suite or a suite file's path); refuses unmergeable checks."""
    @staticmethod
    def from_bytes(data: bytes) -> Spec: ...
    def to_bytes(self) -> bytes:
        """The canonical encoding (JSON bytes)."""
    @property
    def hash(self) -> str:
        """The BLAKE3 hash of the encoding, in hex."""
    @property
    def kind(self) -> str:
        """``"profile"`` or ``"validation"``."""
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

@final
class Accumulator:
    """The partial state of a profile or validation over some partitions."""

    def __new__(cls, spec: Spec, partition: int) -> Self: ...
    def update(self, data: Any) -> None:
        """Folds Arrow data (record batch, table, stream or file path) in."""
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(spec: Spec, data: bytes) -> Accumulator: ...
    @staticmethod
    def merge(spec: Spec, states: Sequence[bytes]) -> Accumulator:
        """Merges the states of one key, of disjoint partitions, in any order."""
    @staticmethod
    def combine(spec: Spec, states: Sequence[bytes]) -> Accumulator:
        """Merges states of any keys into one state."""
    def split(self) -> list[tuple[int, bytes]]:
        """One (key, state) per column or check; consumes the accumulator."""
    def finish(self, schema: Any = None) -> Profile | ValidationResult:
        """The Profile or ValidationResult; consumes the accumulator."""
    @property
    def rows(self) -> int: ...
    @property
    def partitions(self) -> list[tuple[int, int]]: ...
    @property
    def keys(self) -> list[int]: ...

@final
class Profile:
    """The profile of a data set: one ColumnProfile per column."""

    @property
    def row_count(self) -> int: ...
    @property
    def columns(self) -> list[str]: ...
    def __len__(self) -> int: ...
    def __contains__(self, name: str, /) -> bool: ...
    def __getitem__(self, name: str, /) -> ColumnProfile: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> Profile: ...
    @staticmethod
    def from_json(data: str) -> Profile: ...
    def merge(self, other: Profile) -> Profile: ...
    def to_html(self) -> str: ...
    def _repr_html_(self) -> str: ...

def profile(data: Any) -> Profile: ...

@final
class ColumnDrift:
    """The drift of one column of a DriftReport."""

    @property
    def column(self) -> str: ...
    @property
    def column_type(self) -> str:
        """'numerical', 'categorical' or 'text' (not tested)."""
    @property
    def method(self) -> str | None:
        """The value test ('ks', 'wasserstein', 'jensenshannon', ...), or None when skipped."""
    @property
    def score(self) -> float | None:
        """Evidently's drift score: the p-value of a test, or the distance."""
    @property
    def statistic(self) -> float | None: ...
    @property
    def p_value(self) -> float | None: ...
    @property
    def threshold(self) -> float: ...
    @property
    def guard_p_value(self) -> float | None: ...
    @property
    def value_drifted(self) -> bool: ...
    @property
    def drifted(self) -> bool:
        """Whether the values or the share of missing values drifted."""
    @property
    def skipped(self) -> str | None: ...
    @property
    def approximate(self) -> bool: ...
    @property
    def nulls(self) -> dict[str, Any] | None: ...
    @property
    def reference(self) -> dict[str, Any]: ...
    @property
    def current(self) -> dict[str, Any]: ...
    @property
    def distribution(self) -> dict[str, Any]: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class DriftReport:
    """A drift report between a reference and a current data set (see mlops.drift)."""

    @property
    def dataset_drift(self) -> bool: ...
    @property
    def verdict(self) -> str: ...
    @property
    def share_of_drifted_columns(self) -> float: ...
    @property
    def number_of_columns(self) -> int: ...
    @property
    def number_of_drifted_columns(self) -> int: ...
    @property
    def drifted_columns(self) -> list[str]: ...
    @property
    def columns(self) -> list[str]: ...
    @property
    def skipped_columns(self) -> list[tuple[str, str]]: ...
    @property
    def source(self) -> str:
        """'data' (exact) or 'profiles' (from sketches)."""
    def __len__(self) -> int: ...
    def __contains__(self, name: str, /) -> bool: ...
    def __getitem__(self, name: str, /) -> ColumnDrift: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_html(self) -> str: ...
    def _repr_html_(self) -> str: ...

def drift(reference: Any, current: Any, options_json: str) -> DriftReport: ...

@disjoint_base
class Registry:
    """Datasets, models and artifacts with numbered versions and aliases, in a
    store: a folder (default ./.mlops), file://..., memory://, or a bucket:
    s3://bucket/prefix, gs://bucket/prefix, az://container/prefix, configured
    from the usual AWS_*, GOOGLE_* and AZURE_* environment variables."""

    def __new__(cls, url: str | None = None, principal: str | None = None) -> Self:
        """Opens the registry at `url` (else $MLOPS_STORE, else ./.mlops), writing as
        `principal` (else $MLOPS_PRINCIPAL, else $USER)."""
    @property
    def principal(self) -> str: ...
    @property
    def audit(self) -> Audit:
        """The audit trail: verify() and log(...)."""
    @property
    def policy(self) -> Policy:
        """The access policy: show(), grant, revoke, protect, unprotect."""
    def record_gate(self, kind: str, name: str, version: int, report: GateReport, reason: str | None = None) -> None:
        """Records a gate report for a version (a protected alias may require a passed one)."""
    def add(
        self,
        kind: str,
        name: str,
        data: bytes,
        message: str | None = None,
        metadata: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> int:
        """Adds `data` as the next version of the asset; returns its number."""
    def add_file(
        self,
        kind: str,
        name: str,
        path: Any,
        message: str | None = None,
        metadata: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> int:
        """Adds a file; a data file added as a dataset is committed as data (Parquet,
        schema, rows, profile), anything else stored as its bytes; a folder is added as a tree
        of its files (see `status`, `checkout`, `diff_files`). Returns the version number."""
    def alias(self, kind: str, name: str, alias: str, version: int, reason: str | None = None) -> None:
        """Points `alias` at `version`; PermissionDeniedError if the policy refuses."""
    def log(self, kind: str, name: str) -> builtins.list[AuditRecord]:
        """The asset's history, oldest first: one AuditRecord per event."""
    def asset(self, kind: str, name: str) -> Asset:
        """Versions and aliases (with their history) of the asset."""
    def version(self, kind: str, name: str, reference: str | None = None) -> Version:
        """One version by number, alias or 'latest' (unset: the newest), read through the registry's indexes."""
    def verify(self, kind: str, name: str) -> int:
        """Checks the log's hash chain, numbering and indexes; returns the number of events."""
    def get(self, kind: str, name: str, reference: str | None = None) -> bytes:
        """A version's content by number, alias or 'latest' (unset: the newest), verified against its hashes."""
    def tag(
        self, kind: str, name: str, version: int, key: str, value: str | None = None, reason: str | None = None
    ) -> None: ...
    def lineage(
        self,
        product: tuple[str, str, int],
        inputs: builtins.list[tuple[str, str, int]],
        run: str | None = None,
        commit: str | None = None,
        reason: str | None = None,
        cause: str | None = None,
    ) -> None:
        """Records that `product` was made from `inputs` (kind, name, version tuples), because of `cause`."""
    def archive(self, kind: str, name: str, restore: bool = False, reason: str | None = None) -> None: ...
    def list(self, kind: str, include_archived: bool = False) -> builtins.list[str]: ...
    def commit_dataset(
        self,
        name: str,
        data: Any,
        message: str | None = None,
        metadata: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> int:
        """Commits Arrow data or a data file as the next data set version (Parquet, schema, rows, profile)."""
    def read_dataset(self, name: str, reference: str | None = None, columns: builtins.list[str] | None = None) -> Any:
        """A data set version (unset: the newest) as a pyarrow Table (time travel), optionally only some columns."""
    @overload
    def diff(self, name: str, a: str, b: str, key: None = None) -> DatasetDiff: ...
    @overload
    def diff(self, name: str, a: str, b: str, key: str | Sequence[str]) -> RowDiff:
        """With `key`: row by row (added, removed and changed rows as pyarrow Tables)."""
    def alias_history(self, kind: str, name: str, alias: str) -> builtins.list[AliasMove]:
        """Every move of `alias`, oldest first: version, principal, time, seq and reason."""
    def _search_page(
        self, query: str, include_archived: bool = False, limit: int | None = None, page_token: str | None = None
    ) -> tuple[builtins.list[SearchHit], str | None]:
        """One page of a search and the next page's token (None on the last page)."""
    def push_package(self, package: Package, name: str, message: str | None = None, reason: str | None = None) -> int:
        """Verifies and pushes a model package as the next version of model `name`."""
    def pull_package(self, name: str, reference: str, dest: Any) -> Package:
        """Pulls a model version into the new folder `dest`, verified."""
    def dataset_profile(self, name: str, reference: str | None = None) -> Profile: ...
    def save_profile(self, name: str, key: str, profile: Profile, reason: str | None = None) -> int:
        """Saves ``profile`` as the profile of data set ``name`` under ``key``; returns the version number."""
    def load_profile(self, name: str, key: str) -> Profile:
        """The profile last saved under ``key``."""
    def profile_keys(self, name: str) -> builtins.list[str]:
        """The keys data set ``name`` has profiles under, sorted."""
    def merge_profiles(self, name: str, keys: Sequence[str]) -> Profile:
        """The profile of the union of the slices saved under ``keys``, merged without the data."""
    # Private: the engine adapters (mlops.spark.commit_dataset / read_dataset) call these.
    def _write_dataset_part(self, name: str, data: Any) -> bytes: ...
    def _commit_dataset_parts(
        self,
        name: str,
        parts: Sequence[bytes],
        message: str | None = None,
        metadata: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> int: ...
    def _dataset_parts(self, name: str, reference: str | None = None) -> builtins.list[bytes]: ...
    def _read_dataset_part(self, part: bytes) -> Any: ...
    def search(self, query: str, include_archived: bool = False) -> builtins.list[SearchHit]:
        """Versions matching e.g. "kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9"."""
    def changes(self, since: str, limit: int | None = None) -> tuple[builtins.list[FeedEvent], str]:
        """The change feed's events after cursor `since` ("start" for all) and the cursor after them."""
    def feed_cursor(self) -> str:
        """The cursor after the last event of every log now."""
    def watch(
        self,
        since: str | None = None,
        cursor_file: str | pathlib.Path | None = None,
        timeout: float | None = None,
        poll_interval: float | None = None,
    ) -> Watch:
        """A Watch of the change feed from `since`, else `cursor_file`'s cursor, else now."""
    def dispatch(
        self,
        url: str,
        secret_env: str,
        since: str | None = None,
        cursor_file: str | pathlib.Path | None = None,
        timeout: float | None = None,
        poll_interval: float | None = None,
    ) -> int:
        """Posts each feed event to a webhook, HMAC-SHA256 signed; returns how many were delivered."""
    def _start_run(
        self,
        experiment: str | None = None,
        name: str | None = None,
        parent: str | None = None,
        params: Any = None,
        tags: dict[str, str] | None = None,
        command: builtins.list[str] | None = None,
        flush_points: int | None = None,
        flush_interval: float | None = None,
        compact: bool | None = None,
        system_metrics: bool | None = None,
        system_metrics_interval: float | None = None,
        cause: str | None = None,
    ) -> Run: ...
    def _monitor(
        self,
        name: str,
        reference: tuple[str | int, ...] | None = None,
        window: str | None = None,
        timestamp: str | None = None,
        prediction: str | None = None,
        target: str | None = None,
        id: str | None = None,
        segments: builtins.list[str] | None = None,
        max_segments: int | None = None,
        allowed_lateness: str | None = None,
        future_tolerance: str | None = None,
        prediction_retention: str | None = None,
        task: str | None = None,
        threshold: float | None = None,
        drift: dict[str, Any] | None = None,
        suite: Any = None,
    ) -> _Monitor: ...
    def monitors(self) -> builtins.list[str]:
        """The monitors of the registry, by name."""
    def run(self, id: str) -> RunInfo:
        """Run `id`: what is known of it."""
    def runs(self, experiment: str | None = None) -> builtins.list[RunInfo]:
        """Every run (of `experiment`, when given), newest first."""
    def run_history(self, id: str, key: str, context: str | None = None, downsample: int | None = None) -> Any:
        """The points of series `key` of run `id` as a pyarrow Table (step, time, value, context)."""
    def search_runs(self, query: str) -> Any:
        """The runs matching `query` as a pyarrow Table (a column per param and summary)."""
    def compare_runs(self, ids: builtins.list[str]) -> dict[str, Any]:
        """2 to 10 runs side by side: runs, params (values, differs), metrics."""
    def compare_runs_html(self, ids: builtins.list[str]) -> str:
        """The comparison as one self-contained HTML page."""
    def verify_run(self, id: str) -> int:
        """Checks run `id` (log chain, segments, artifacts); returns its number of points."""
    def export_runs_parquet(self, path: str | pathlib.Path, query: str | None = None) -> int:
        """Writes the table of the runs matching `query` (all when None) to a Parquet file; returns how many."""
    def rebuild_run_table(self) -> int:
        """Writes the run table search reads anew from the logs; returns its number of rows (ended runs)."""
    def export_run_tensorboard(self, id: str, dir: str | pathlib.Path) -> builtins.list[str]:
        """Writes run `id` as TensorBoard event files under `dir` (one per context); returns them."""
    def import_tensorboard(
        self,
        path: str | pathlib.Path,
        experiment: str | None = None,
        name: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> str:
        """Reads TensorBoard event files (a file or a directory) into a new run; returns its id."""
    def import_mlflow(self, source: str, experiment: str | None = None) -> dict[str, dict[str, str]]:
        """Imports an MLflow tracking store (`mlruns` folder or `sqlite:///...`); returns imported/skipped ids."""
    def status(self, kind: str, name: str, path: Any, reference: str | None = None) -> TreeDiff:
        """What changed in the folder `path` since a version (unset: the newest) of an asset
        added from a folder; only files whose stat changed since the stat cache saw them are read."""
    def checkout(self, kind: str, name: str, dest: Any, reference: str | None = None) -> Checkout:
        """Restores a version (unset: the newest) of an asset added from a folder into `dest`,
        byte-identical (every file checked against its hash); files already right are left alone."""
    def diff_files(self, kind: str, name: str, a: str, b: str) -> TreeDiff:
        """What changed, per path, between two versions of an asset added from folders."""
    # Retention, garbage collection and fsck.
    def expire(
        self,
        kind: str,
        name: str,
        keep_last: int | None = None,
        keep_within: str | float | Any | None = None,
        reason: str | None = None,
    ) -> builtins.list[int]:
        """Expires the versions the rule does not keep; returns them.

        Aliased, tagged, lineage-referenced, pinned and the newest versions are
        kept. Reading an expired version raises ExpiredError."""
    def pin(self, kind: str, name: str, version: int, unpin: bool = False, reason: str | None = None) -> None:
        """Pins a version (kept by every retention rule), or with `unpin=True` unpins it."""
    def gc_plan(self, grace: str | float | Any | None = None, unsafe: bool = False) -> dict[str, Any]:
        """A dry run: the blobs that would be deleted, with `count` and `bytes`.

        Each item has `hash`, `bytes` and `reason`. Grace defaults to 7 days;
        below 1 hour needs unsafe=True."""
    def gc_apply(self, plan: dict[str, Any] | str) -> dict[str, Any]:
        """Deletes what the plan lists that is still unreferenced and old enough.

        Returns `count`, `bytes` and `skipped`."""
    def fsck(self) -> dict[str, Any]:
        """Orphans (unreferenced blobs, with bytes) and missing blobs (referenced but absent).

        `ok` is False when something is missing."""

@final
class Run:
    """A run being written; see `mlops.start_run`."""

    @property
    def id(self) -> str: ...
    @property
    def ended(self) -> bool:
        """Whether this handle writes no more."""
    def log(self, metrics: dict[str, float], step: int, context: str | None = None) -> None:
        """Logs `metrics` (key -> number) at `step`."""
    def log_table(self, table: Any) -> None:
        """Logs a table of points (key, step, value; time and context optional)."""
    def log_params(self, params: Any) -> None:
        """Adds parameters (add-only)."""
    def set_tags(self, tags: dict[str, str | None]) -> None:
        """Sets tags (None removes one)."""
    def use_dataset(self, name: str, version: int) -> None:
        """Records that the run used a data set version."""
    def use_asset(self, kind: str, name: str, version: int) -> None:
        """Records that the run used an asset version."""
    def record_output(self, kind: str, name: str, version: int) -> None:
        """Records that the run made an asset version, with its lineage."""
    def log_model(self, package: Package, name: str, message: str | None = None) -> int:
        """Registers a package as model `name` and records it as this run's output."""
    def log_artifact(self, path: Any, name: str | None = None) -> None:
        """Stores a file with the run."""
    def flush(self) -> None:
        """Writes every buffered point now."""
    def end(self, status: str, exit_code: int | None = None) -> None:
        """Ends the run: finished, failed or killed."""
    def history(self, key: str, context: str | None = None, downsample: int | None = None) -> Any:
        """The points of series `key` of this run as a pyarrow Table."""
    def info(self) -> RunInfo:
        """What is known of the run now."""
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: types.TracebackType | None,
    ) -> bool: ...

@final
class _Guard:
    """A guard checking requests against a package's signature; see `mlops.Guard` (which wraps it)."""

    def __new__(cls, package: Package, monitor: _Monitor | None = None) -> _Guard: ...
    def check(self, data: Any) -> Any:
        """Checks Arrow data; a pyarrow Table of the inputs, or SignatureError."""
    def check_json(self, body: bytes) -> Any:
        """Checks a JSON body (rows or columns), typed strictly."""
    def observe(self, inputs: Any, predictions: Any) -> None:
        """Observes inputs and predictions (Arrow tables of one row count)."""
    def observe_array(self, inputs: Any, predictions: Any) -> None:
        """Observes inputs and a bare pyarrow Array of predictions."""
    def flush(self) -> None:
        """Flushes the monitor, or folds queued rows into the rolling profile."""
    def profile(self) -> Profile | None:
        """The rolling profile so far (None with a monitor or before any row)."""
    @property
    def signature(self) -> Signature:
        """The signature requests are checked against."""
    @property
    def input_schema(self) -> Any:
        """The inputs' pyarrow Schema."""

@final
class _Monitor:
    """A monitor open for logging; see `mlops.monitor` (the `Monitor` class wraps it)."""

    @property
    def name(self) -> str: ...
    @property
    def config(self) -> dict[str, Any]:
        """Its settings, defaults filled in."""
    def log(self, data: Any) -> int:
        """Logs Arrow data or a data file; returns the rows placed in windows."""
    def log_labels(self, data: Any) -> dict[str, int]:
        """Joins labels by id: joined, unknown_ids, duplicates, nulls."""
    def flush(self) -> None:
        """Writes every buffered row now."""
    def set_clock(self, now_ms: int | None = None) -> None:
        """Sets "now" (Unix milliseconds), or the system clock (``None``)."""
    def set_flush_interval(self, seconds: float) -> None:
        """Sets how often buffered rows are written, in seconds."""
    def results(self, now_ms: int | None = None) -> Any:
        """Flushes, then the window results as a pyarrow Table."""
    def state(self) -> dict[str, Any]:
        """Flushes, then the monitor's folded log as a dict."""
    def rule(
        self,
        rule: str,
        name: str | None = None,
        severity: str | None = None,
        cooldown_windows: int | None = None,
    ) -> str:
        """Adds an alert rule; returns its name."""
    def webhook(self, url: str | None, secret_env: str | None = None) -> None:
        """Sets (url None: removes) the HMAC-signed webhook retrain requests are posted to."""
    def check(self, retrain_on: str | None = None) -> dict[str, Any]:
        """Flushes, evaluates the rules, logs new state changes: new_alerts, firing, retrain_requests, worst."""
    def prometheus_text(self, format: str | None = None) -> str:
        """Flushes, then the Prometheus text (format "text" or "openmetrics")."""
    def report(self, path: str | pathlib.Path) -> int:
        """Flushes, writes the dashboard to path; returns the window reports written."""
    def dashboard(self) -> str:
        """Flushes, then the dashboard as one HTML page."""

@final
class RunInfo:
    """What is known of a run; `metrics` maps each series to its summary."""

    id: str
    experiment: str
    name: str | None
    parent: str | None
    status: str
    exit_code: int | None
    start_time: int
    end_time: int | None
    principal: str
    source: dict[str, Any]
    params: dict[str, str]
    tags: dict[str, str]
    metrics: dict[str, dict[str, Any]]
    points: int
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    cause: str | None
    artifacts: list[dict[str, Any]]
    segments: list[str]
    events: int
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

@final
class Audit:
    """The audit trail of a registry: every change, hash-chained."""

    def verify(self) -> AuditReport:
        """Walks every log; ok, logs, events, broken (None or {"log", "seq", "problem"}), digest."""
    def log(
        self,
        principal: str | None = None,
        action: str | None = None,
        target: str | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> list[AuditRecord]:
        """Events oldest first: log, seq, hash, time (ms), principal, action, target, reason, event."""

@final
class Policy:
    """The access policy of a registry: roles reader < writer < approver < admin."""

    def show(self) -> PolicyState: ...
    def grant(self, principal: str, role: str, scope: str | None = None, reason: str | None = None) -> None: ...
    def revoke(self, principal: str, role: str, scope: str | None = None, reason: str | None = None) -> None: ...
    def protect(
        self,
        alias: str,
        scope: str | None = None,
        role: str | None = None,
        require_gate: bool = False,
        reason: str | None = None,
    ) -> None:
        """Protects an alias: only `role` (default approver, the engine's) may move it."""
    def unprotect(self, alias: str, scope: str | None = None, reason: str | None = None) -> None: ...

@final
class Version:
    """A version of an asset."""

    version: int
    content: str
    size: int
    message: str
    metadata: dict[str, Any]
    dataset: dict[str, Any] | None
    principal: str
    time: int
    tree: dict[str, Any] | None
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

@final
class Asset:
    """An asset's state: versions, aliases with their moves, tags, lineage, gates.

    `expired` maps each version retention expired (its number as text) to the
    expire event's principal, time, seq and policy; `pinned` lists pinned
    versions, ascending."""

    kind: str
    name: str
    versions: list[Version]
    aliases: dict[str, list[dict[str, Any]]]
    tags: dict[str, dict[str, str]]
    inputs: list[dict[str, Any]]
    used_by: list[dict[str, Any]]
    causes: list[dict[str, Any]]
    archived: bool
    gates: dict[str, dict[str, Any]]
    events: int
    expired: dict[str, dict[str, Any]]
    pinned: list[int]
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

@final
class SearchHit:
    """A version found by Registry.search; `expired` says whether retention expired it."""

    kind: str
    name: str
    version: int
    message: str
    principal: str
    time: int
    size: int
    alias: list[str]
    aliases: list[str]
    archived: bool
    expired: bool
    tags: dict[str, str]
    metadata: dict[str, Any]
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

@final
class FeedEvent:
    """One event of the registry's change feed (id "<kind>/<name>@<seq>")."""

    id: str
    event: str
    kind: str
    name: str
    seq: int
    time: int
    principal: str
    reason: str | None
    version: int | None
    previous: int | None
    change: dict[str, Any]
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

@final
class Watch:
    """A watch of the change feed: iterate it for events; `cursor` is where it stands."""

    def __iter__(self) -> Self: ...
    def __next__(self) -> FeedEvent: ...
    def next(self, timeout: float | None = None) -> FeedEvent | None:
        """The next event, waiting up to `timeout` seconds; None when none came."""
    def close(self) -> None:
        """Ends the watch: iteration stops."""
    @property
    def cursor(self) -> str:
        """The cursor after the last event returned."""
    @property
    def notified(self) -> bool:
        """Whether file notifications (a local folder) wake it rather than polling."""

CURSOR_START: str
WATCH_POLL_INTERVAL: float

@final
class TreeDiff:
    """What differs between a folder and a version, or two versions, of an asset added from
    folders: paths as dicts with `path`, `size_before` and `size_after`."""

    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    unchanged: int
    hashed: int
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

@final
class Checkout:
    """What a checkout did: paths in the version, paths written, bytes written."""

    files: int
    written: int
    bytes: int
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

@final
class DatasetDiff:
    """What changed between two data set versions (to_dict() has "from" and "to")."""

    from_version: int
    to_version: int
    rows: list[int]
    added: list[list[str]]
    removed: list[list[str]]
    retyped: list[list[str]]
    columns: list[dict[str, Any]]
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

@final
class AuditRecord:
    """One event of the audit trail; str() is its line in `mlops audit log`."""

    log: str
    seq: int
    hash: str
    time: int
    principal: str
    action: str
    target: str
    reason: str | None
    event: dict[str, Any]
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

@final
class AuditReport:
    """What Audit.verify() found."""

    ok: bool
    logs: int
    events: int
    broken: dict[str, Any] | None
    digest: str
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

@final
class PolicyState:
    """A registry's access policy as it stands."""

    grants: list[dict[str, Any]]
    protections: list[dict[str, Any]]
    events: int
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

def drift_profiles(reference: Profile, current: Profile, options_json: str) -> DriftReport: ...

@final
class Signature:
    """A model's input and output schema: columns {"name", "type" (an Arrow
    type name such as "Float64" or "Utf8"), "nullable"}, tensors with a
    "shape"; optionally an input example as JSON rows."""

    def __new__(cls, spec: dict[str, Any]) -> Signature: ...
    @staticmethod
    def from_onnx(path: Any) -> Signature:
        """Infers inputs and outputs from an ONNX model's graph (initializers excluded)."""
    def validate(self, data: Any) -> dict[str, Any]:
        """Checks Arrow data (or a data file path) against the inputs; returns
        {"ok": bool, "problems": [...], "messages": [...]}, every problem
        reported: missing columns, type mismatches (lossless widening is
        accepted), nulls in non-nullable columns with their count and first row."""
    def to_dict(self) -> dict[str, Any]: ...
    @property
    def inputs(self) -> list[dict[str, Any]]: ...
    @property
    def outputs(self) -> list[dict[str, Any]]: ...

@final
class Package:
    """A model package: a folder (or .tar.zst archive) of files listed with
    their sizes and BLAKE3 hashes in mlops-package.json."""

    @staticmethod
    def build(
        dir: Any,
        *,
        name: str,
        version: str,
        flavor: str,
        flavor_version: str | None = None,
        metrics: dict[str, float] | None = None,
        params: dict[str, Any] | None = None,
        signature: Signature | dict[str, Any] | None = None,
        lineage: dict[str, Any] | None = None,
        requirements: dict[str, Any] | None = None,
        card: dict[str, Any] | None = None,
        files: list[Any] | None = None,
    ) -> Package:
        """Makes `dir` a package (with `files`: copies them into the new folder `dir`)."""
    @staticmethod
    def load(path: Any) -> Package:
        """Opens a package folder or .tar.zst archive."""
    @staticmethod
    def from_mlflow(dir: Any, out: Any, name: str | None = None, version: str | None = None) -> Package:
        """Reads an MLflow model folder into the new package folder `out`."""
    def verify(self) -> None:
        """Raises IntegrityError naming the first missing, changed or unlisted file."""
    def sign(self, key: Any) -> None:
        """Signs the manifest with the secret key file `key` (writes mlops-package.sig
        into the package's folder; for a package opened from an archive, that is a
        temporary folder: call save_archive to keep the signed package)."""
    def verify_signature(self, trusted: list[Any]) -> str:
        """Checks the signature against trusted public key files and every file; returns the key id."""
    def save_archive(self, path: Any) -> None: ...
    def to_mlflow(self, dir: Any) -> None:
        """Writes the package as a new MLflow model folder (loadable by mlflow.pyfunc.load_model)."""
    def export(
        self,
        out: Any,
        target: str,
        *,
        trusted: list[Any] | None = None,
        allow_unsigned: bool = False,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Exports the package for a model server (target: mlserver, kserve, triton or
        tfserving) into the new or empty folder `out`, after checking its files and its
        signature against the `trusted` public key files (refused unsigned unless
        `allow_unsigned`); returns the sidecar `mlops.json` as a dict."""
    @property
    def manifest(self) -> dict[str, Any]: ...
    @property
    def signature(self) -> Signature | None: ...
    @property
    def path(self) -> pathlib.Path:
        """The package's folder (a temporary one for a package opened from an archive)."""

def generate_key(path: Any) -> str: ...

class _Stats:
    """The native part of `mlops.stats` (see `mlops/stats.py` for the public API)."""

    def wasserstein_distance(self, u: Any, v: Any) -> float: ...
    def energy_distance(self, u: Any, v: Any) -> float: ...
    def wasserstein_distance_norm(self, reference: Any, current: Any) -> float: ...
    def jensenshannon(self, p: Any, q: Any) -> float: ...
    def kl_divergence(self, p: Any, q: Any) -> float: ...
    def hellinger(self, p: Any, q: Any) -> float: ...
    def total_variation(self, p: Any, q: Any) -> float: ...
    def l_infinity(self, p: Any, q: Any) -> float: ...
    def psi(self, p: Any, q: Any) -> float: ...
    def cramervonmises_2samp(self, x: Any, y: Any) -> tuple[float, float]: ...
    def ks_2samp(self, x: Any, y: Any, method: str | None, alternative: str | None) -> tuple[float, float]: ...
    def anderson_ksamp(self, samples: Sequence[Any]) -> tuple[float, float]: ...
    def chi2_contingency(self, observed: Sequence[Sequence[float]]) -> tuple[float, float, int]: ...
    def proportions_ztest(self, x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]: ...

stats: _Stats

@disjoint_base
class Suite:
    """The native suite (the public `mlops.Suite` wraps it)."""

    def __new__(cls, name: str | None = None, checks_json: str | None = None) -> Self: ...
    def _add_json(self, check_json: str) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def checks(self) -> list[dict[str, Any]]: ...
    def __len__(self) -> int: ...
    def to_json(self) -> str: ...
    def to_yaml(self) -> str: ...
    def save(self, path: str) -> None: ...
    @staticmethod
    def load(path: str) -> Suite: ...
    @staticmethod
    def from_yaml(text: str) -> Suite: ...
    @staticmethod
    def from_json(text: str) -> Suite: ...

@final
class ValidationResult:
    """The result of `mlops.validate`: the verdict and one dict per check."""

    @property
    def success(self) -> bool:
        """Whether no error-severity check failed."""
    @property
    def rows(self) -> int: ...
    @property
    def suite(self) -> str: ...
    @property
    def statistics(self) -> dict[str, Any]: ...
    @property
    def results(self) -> list[dict[str, Any]]:
        """Per check: check, columns, severity, success, observed_value, element_count,
        missing_count, unexpected_count, unexpected_percent, partial_unexpected
        ([{row, value}]), mostly, reason, spec."""
    @property
    def failures(self) -> list[dict[str, Any]]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, i: int, /) -> dict[str, Any]: ...
    def __bool__(self) -> bool: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_html(self) -> str: ...
    def _repr_html_(self) -> str: ...

@final
class GateReport:
    """The outcome of `mlops.gate`."""

    @property
    def passed(self) -> bool: ...
    @property
    def rules(self) -> list[dict[str, Any]]:
        """Per rule: rule, left, op, right, passed, metrics."""
    def __bool__(self) -> bool: ...
    def to_json(self) -> str: ...

def validate(
    data: Any, suite: Suite, unexpected_limit: int | None = None, now: float | None = None
) -> ValidationResult: ...
def infer_suite(
    data: Any, name: str | None = None, margin: float | None = None, max_categories: int | None = None
) -> Suite: ...
def gate(candidate: dict[str, float], rules: list[str], baseline: dict[str, float] | None = None) -> GateReport: ...

@final
class AliasMove:
    """One move of an alias (Registry.alias_history)."""

    version: int
    principal: str
    time: int
    seq: int
    reason: str | None
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

@final
class RowDiffSummary:
    """The counts of a row diff (to_dict() has "from" and "to")."""

    from_version: int
    to_version: int
    key: list[str]
    rows: list[int]
    added: int
    removed: int
    changed: int
    unchanged: int
    changed_cells: dict[str, int]
    columns_added: list[list[str]]
    columns_removed: list[list[str]]
    columns_retyped: list[list[str]]
    row_groups: list[int]
    row_groups_skipped: int
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str, /) -> Any: ...

@final
class RowDiff:
    """Two data set versions compared row by row by key (Registry.diff with key=)."""

    added: Any
    removed: Any
    changed: Any
    summary: RowDiffSummary
    @property
    def changed_cells(self) -> dict[str, int]: ...
    def to_dict(self) -> dict[str, Any]:
        """The summary as a plain dict."""

@final
class UiServer:
    """A running web UI server (see `mlops.ui.serve`)."""

    @property
    def url(self) -> str:
        """Its URL, `http://127.0.0.1:5210/`."""
    @property
    def port(self) -> int:
        """The port it listens on."""
    @property
    def running(self) -> bool:
        """Whether it still serves."""
    def stop(self) -> None:
        """Stops it; the requests under way finish."""

def _ui_start(
    store: str | None = None,
    host: str | None = None,
    port: int | None = None,
    tokens: list[str] = ...,
    allow_writes: bool = False,
    principal: str | None = None,
) -> UiServer: ...
