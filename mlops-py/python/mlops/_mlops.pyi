"""Type stubs of the native module `mlops._mlops` (kept by hand next to
`mlops-py/src/*.rs`; the tests check that every name here exists)."""

import pathlib
from typing import Any, List, Optional, Sequence, Tuple, Union

__version__: str

Value = Union[bool, int, float, str]

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
    def min(self) -> Optional[Value]:
        """Smallest finite value (byte order for strings; epoch units for temporal)."""
    @property
    def max(self) -> Optional[Value]: ...
    @property
    def mean(self) -> Optional[float]:
        """Mean of the finite values (share of True for booleans)."""
    @property
    def variance(self) -> Optional[float]:
        """Sample variance (ddof=1) of the finite values."""
    @property
    def std(self) -> Optional[float]: ...
    @property
    def distinct_estimate(self) -> Optional[float]:
        """HLL estimate of distinct non-null values (about 1.6% relative error)."""
    @property
    def top_k(self) -> List[Tuple[Value, int]]:
        """The 10 most frequent values with counts."""
    def top(self, k: int) -> List[Tuple[Value, int]]: ...
    @property
    def length_min(self) -> Optional[int]: ...
    @property
    def length_mean(self) -> Optional[float]: ...
    @property
    def length_max(self) -> Optional[int]: ...
    @property
    def quantile_rank_error(self) -> Optional[float]: ...
    def quantile(self, q: float) -> Optional[float]:
        """Value at quantile q in [0, 1] (KLL sketch, numpy's inverted_cdf rule)."""
    def histogram(self, bins: int = 20) -> Optional[Tuple[List[float], List[int]]]: ...

class Profile:
    """The profile of a data set: one ColumnProfile per column."""

    @property
    def row_count(self) -> int: ...
    @property
    def columns(self) -> List[str]: ...
    def __len__(self) -> int: ...
    def __contains__(self, name: str) -> bool: ...
    def __getitem__(self, name: str) -> ColumnProfile: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> "Profile": ...
    @staticmethod
    def from_json(data: str) -> "Profile": ...
    def merge(self, other: "Profile") -> "Profile": ...
    def to_html(self) -> str: ...
    def _repr_html_(self) -> str: ...

def profile(data: Any) -> Profile: ...

class ColumnDrift:
    """The drift of one column of a DriftReport."""

    @property
    def column(self) -> str: ...
    @property
    def column_type(self) -> str:
        """'numerical', 'categorical' or 'text' (not tested)."""
    @property
    def method(self) -> Optional[str]:
        """The value test ('ks', 'wasserstein', 'jensenshannon', ...), or None when skipped."""
    @property
    def score(self) -> Optional[float]:
        """Evidently's drift score: the p-value of a test, or the distance."""
    @property
    def statistic(self) -> Optional[float]: ...
    @property
    def p_value(self) -> Optional[float]: ...
    @property
    def threshold(self) -> float: ...
    @property
    def guard_p_value(self) -> Optional[float]: ...
    @property
    def value_drifted(self) -> bool: ...
    @property
    def drifted(self) -> bool:
        """Whether the values or the share of missing values drifted."""
    @property
    def skipped(self) -> Optional[str]: ...
    @property
    def approximate(self) -> bool: ...
    @property
    def nulls(self) -> Optional[dict[str, Any]]: ...
    @property
    def reference(self) -> dict[str, Any]: ...
    @property
    def current(self) -> dict[str, Any]: ...
    @property
    def distribution(self) -> dict[str, Any]: ...
    def to_dict(self) -> dict[str, Any]: ...

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
    def drifted_columns(self) -> List[str]: ...
    @property
    def columns(self) -> List[str]: ...
    @property
    def skipped_columns(self) -> List[Tuple[str, str]]: ...
    @property
    def source(self) -> str:
        """'data' (exact) or 'profiles' (from sketches)."""
    def __len__(self) -> int: ...
    def __contains__(self, name: str) -> bool: ...
    def __getitem__(self, name: str) -> ColumnDrift: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_html(self) -> str: ...
    def _repr_html_(self) -> str: ...

def drift(reference: Any, current: Any, options_json: str) -> DriftReport: ...

class Registry:
    """Datasets, models and artifacts with numbered versions and aliases, in a
    store: a folder (default ./.mlops), file://..., memory://, or a bucket:
    s3://bucket/prefix, gs://bucket/prefix, az://container/prefix, configured
    from the usual AWS_*, GOOGLE_* and AZURE_* environment variables."""

    def __init__(self, url: Optional[str] = None, principal: Optional[str] = None) -> None:
        """Opens the registry at `url`, writing as `principal` (else $MLOPS_PRINCIPAL, else $USER)."""
    @property
    def principal(self) -> str: ...
    @property
    def audit(self) -> Audit:
        """The audit trail: verify() and log(...)."""
    @property
    def policy(self) -> Policy:
        """The access policy: show(), grant, revoke, protect, unprotect."""
    def record_gate(self, kind: str, name: str, version: int, report: GateReport, reason: Optional[str] = None) -> None:
        """Records a gate report for a version (a protected alias may require a passed one)."""
    def add(self, kind: str, name: str, data: bytes, message: str = "", metadata: Optional[dict[str, Any]] = None, reason: Optional[str] = None) -> int:
        """Adds `data` as the next version of the asset; returns its number."""
    def add_file(self, kind: str, name: str, path: Any, message: str = "", metadata: Optional[dict[str, Any]] = None, reason: Optional[str] = None) -> int:
        """Adds a file; a data file added as a dataset is committed as data (Parquet, schema, rows, profile), anything else stored as its bytes. Returns the version number."""
    def alias(self, kind: str, name: str, alias: str, version: int, reason: Optional[str] = None) -> None:
        """Points `alias` at `version`; PermissionDeniedError if the policy refuses."""
    def log(self, kind: str, name: str) -> List[AuditRecord]:
        """The asset's history, oldest first: one AuditRecord per event."""
    def asset(self, kind: str, name: str) -> Asset:
        """Versions and aliases (with their history) of the asset."""
    def version(self, kind: str, name: str, reference: str = "latest") -> Version:
        """One version by number, alias or 'latest', read through the registry's indexes."""
    def verify(self, kind: str, name: str) -> int:
        """Checks the log's hash chain, numbering and indexes; returns the number of events."""
    def get(self, kind: str, name: str, reference: str = "latest") -> bytes:
        """A version's content by number, alias or 'latest', verified against its hashes."""
    def tag(self, kind: str, name: str, version: int, key: str, value: Optional[str] = None, reason: Optional[str] = None) -> None: ...
    def lineage(self, product: Tuple[str, str, int], inputs: List[Tuple[str, str, int]], run: Optional[str] = None, commit: Optional[str] = None, reason: Optional[str] = None) -> None:
        """Records that `product` was made from `inputs` (kind, name, version tuples)."""
    def archive(self, kind: str, name: str, restore: bool = False, reason: Optional[str] = None) -> None: ...
    def list(self, kind: str, include_archived: bool = False) -> List[str]: ...
    def commit_dataset(self, name: str, data: Any, message: str = "", metadata: Optional[dict[str, Any]] = None, reason: Optional[str] = None) -> int:
        """Commits Arrow data or a data file as the next data set version (Parquet, schema, rows, profile)."""
    def read_dataset(self, name: str, reference: str = "latest", columns: Optional[List[str]] = None) -> Any:
        """A data set version as a pyarrow Table (time travel), optionally only some columns."""
    def diff(self, name: str, a: str, b: str) -> DatasetDiff:
        """Schema, row and per-column statistic changes between two data set versions."""
    def push_package(self, package: Package, name: str, message: str = "", reason: Optional[str] = None) -> int:
        """Verifies and pushes a model package as the next version of model `name`."""
    def pull_package(self, name: str, reference: str, dest: Any) -> Package:
        """Pulls a model version into the new folder `dest`, verified."""
    def dataset_profile(self, name: str, reference: str = "latest") -> Profile: ...
    def search(self, query: str, include_archived: bool = False) -> List[SearchHit]:
        """Versions matching e.g. "kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9"."""
class Audit:
    """The audit trail of a registry: every change, hash-chained."""

    def verify(self) -> AuditReport:
        """Walks every log; ok, logs, events, broken (None or {"log", "seq", "problem"}), digest."""
    def log(self, principal: Optional[str] = None, action: Optional[str] = None, target: Optional[str] = None, since: Optional[int] = None, until: Optional[int] = None) -> List[AuditRecord]:
        """Events oldest first: log, seq, hash, time (ms), principal, action, target, reason, event."""

class Policy:
    """The access policy of a registry: roles reader < writer < approver < admin."""

    def show(self) -> PolicyState: ...
    def grant(self, principal: str, role: str, scope: str = "*", reason: Optional[str] = None) -> None: ...
    def revoke(self, principal: str, role: str, scope: str = "*", reason: Optional[str] = None) -> None: ...
    def protect(self, alias: str, scope: str = "*", role: Optional[str] = None, require_gate: bool = False, reason: Optional[str] = None) -> None:
        """Protects an alias: only `role` (default approver, the engine's) may move it."""
    def unprotect(self, alias: str, scope: str = "*", reason: Optional[str] = None) -> None: ...

class Version:
    """A version of an asset."""

    version: int
    content: str
    size: int
    message: str
    metadata: dict[str, Any]
    dataset: Optional[dict[str, Any]]
    principal: str
    time: int
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str) -> Any: ...

class Asset:
    """An asset's state: versions, aliases with their moves, tags, lineage, gates."""

    kind: str
    name: str
    versions: List[Version]
    aliases: dict[str, List[dict[str, Any]]]
    tags: dict[str, dict[str, str]]
    inputs: List[dict[str, Any]]
    used_by: List[dict[str, Any]]
    archived: bool
    gates: dict[str, dict[str, Any]]
    events: int
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str) -> Any: ...

class SearchHit:
    """A version found by Registry.search."""

    kind: str
    name: str
    version: int
    message: str
    principal: str
    time: int
    size: int
    alias: List[str]
    archived: bool
    tags: dict[str, str]
    metadata: dict[str, Any]
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str) -> Any: ...

class DatasetDiff:
    """What changed between two data set versions (to_dict() has "from" and "to")."""

    from_version: int
    to_version: int
    rows: List[int]
    added: List[List[str]]
    removed: List[List[str]]
    retyped: List[List[str]]
    columns: List[dict[str, Any]]
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str) -> Any: ...

class AuditRecord:
    """One event of the audit trail; str() is its line in `mlops audit log`."""

    log: str
    seq: int
    hash: str
    time: int
    principal: str
    action: str
    target: str
    reason: Optional[str]
    event: dict[str, Any]
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str) -> Any: ...

class AuditReport:
    """What Audit.verify() found."""

    ok: bool
    logs: int
    events: int
    broken: Optional[dict[str, Any]]
    digest: str
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str) -> Any: ...

class PolicyState:
    """A registry's access policy as it stands."""

    grants: List[dict[str, Any]]
    protections: List[dict[str, Any]]
    events: int
    def to_dict(self) -> dict[str, Any]:
        """The plain dict (a fresh copy)."""
    def __getitem__(self, key: str) -> Any: ...

def drift_profiles(reference: Profile, current: Profile, options_json: str) -> DriftReport: ...

class Signature:
    """A model's input and output schema: columns {"name", "type" (an Arrow
    type name such as "Float64" or "Utf8"), "nullable"}, tensors with a
    "shape"; optionally an input example as JSON rows."""

    def __init__(self, spec: dict[str, Any]) -> None: ...
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
    def inputs(self) -> List[dict[str, Any]]: ...
    @property
    def outputs(self) -> List[dict[str, Any]]: ...

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
        flavor_version: Optional[str] = None,
        metrics: Optional[dict[str, float]] = None,
        params: Optional[dict[str, Any]] = None,
        signature: Union[Signature, dict[str, Any], None] = None,
        lineage: Optional[dict[str, Any]] = None,
        requirements: Optional[dict[str, Any]] = None,
        card: Optional[dict[str, Any]] = None,
        files: Optional[List[Any]] = None,
    ) -> Package:
        """Makes `dir` a package (with `files`: copies them into the new folder `dir`)."""
    @staticmethod
    def load(path: Any) -> Package:
        """Opens a package folder or .tar.zst archive."""
    @staticmethod
    def from_mlflow(dir: Any, out: Any, name: Optional[str] = None, version: Optional[str] = None) -> Package:
        """Reads an MLflow model folder into the new package folder `out`."""
    def verify(self) -> None:
        """Raises IntegrityError naming the first missing, changed or unlisted file."""
    def sign(self, key: Any) -> None:
        """Signs the manifest with the secret key file `key` (writes mlops-package.sig
        into the package's folder; for a package opened from an archive, that is a
        temporary folder: call save_archive to keep the signed package)."""
    def verify_signature(self, trusted: List[Any]) -> str:
        """Checks the signature against trusted public key files and every file; returns the key id."""
    def save_archive(self, path: Any) -> None: ...
    def to_mlflow(self, dir: Any) -> None:
        """Writes the package as a new MLflow model folder (loadable by mlflow.pyfunc.load_model)."""
    @property
    def manifest(self) -> dict[str, Any]: ...
    @property
    def signature(self) -> Optional[Signature]: ...
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
    def cramervonmises_2samp(self, x: Any, y: Any) -> Tuple[float, float]: ...
    def ks_2samp(self, x: Any, y: Any, method: Optional[str], alternative: Optional[str]) -> Tuple[float, float]: ...
    def anderson_ksamp(self, samples: Sequence[Any]) -> Tuple[float, float]: ...
    def chi2_contingency(self, observed: Sequence[Sequence[float]]) -> Tuple[float, float, int]: ...
    def proportions_ztest(self, x1: int, n1: int, x2: int, n2: int) -> Tuple[float, float]: ...

stats: _Stats

class Suite:
    """The native suite (the public `mlops.Suite` wraps it)."""

    def __init__(self, name: Optional[str] = None, checks_json: Optional[str] = None) -> None: ...
    def _add_json(self, check_json: str) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def checks(self) -> List[dict[str, Any]]: ...
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
    def results(self) -> List[dict[str, Any]]:
        """Per check: check, columns, severity, success, observed_value, element_count,
        missing_count, unexpected_count, unexpected_percent, partial_unexpected
        ([{row, value}]), mostly, reason, spec."""
    @property
    def failures(self) -> List[dict[str, Any]]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    def __bool__(self) -> bool: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_html(self) -> str: ...
    def _repr_html_(self) -> str: ...

class GateReport:
    """The outcome of `mlops.gate`."""

    @property
    def passed(self) -> bool: ...
    @property
    def rules(self) -> List[dict[str, Any]]:
        """Per rule: rule, left, op, right, passed, metrics."""
    def __bool__(self) -> bool: ...
    def to_json(self) -> str: ...

def validate(data: Any, suite: Suite, unexpected_limit: Optional[int] = None, now: Optional[float] = None) -> ValidationResult: ...
def infer_suite(data: Any, name: Optional[str] = None, margin: Optional[float] = None, max_categories: Optional[int] = None) -> Suite: ...
def gate(candidate: dict[str, float], rules: List[str], baseline: Optional[dict[str, float]] = None) -> GateReport: ...
