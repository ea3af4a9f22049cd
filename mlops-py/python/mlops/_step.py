"""The pipeline-step verdict of a result, as the CLI prints it.

The orchestration adapters (:mod:`mlops.dagster`, :mod:`mlops.airflow`,
:mod:`mlops.kfp`) report the same figures, under the same names, as
``mlops validate|drift --json-line`` (``mlops_core::step::StepVerdict``):
``step`` and ``passed``, then the step's figures in the CLI's order. The
golden tests of the adapters compare these dicts with the CLI's line.
"""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from . import Suite

from ._mlops import DriftReport, ValidationResult

SuiteLike = Union["Suite", str, "PathLike[str]", Mapping[str, Any]]


def load_suite(suite: SuiteLike) -> Suite:
    """A :class:`mlops.Suite`: itself, a suite file (YAML or JSON) or a
    mapping in the suite format."""
    from . import Suite

    if isinstance(suite, Suite):
        return suite
    if isinstance(suite, Mapping):
        import json

        return Suite.from_json(json.dumps(dict(suite)))
    import os

    return Suite.load(os.fspath(suite))


def validation_verdict(r: ValidationResult) -> dict[str, Any]:
    """``mlops validate --json-line``'s verdict (without ``outputs``)."""
    s = r.statistics
    return {
        "step": "validate",
        "passed": r.success,
        "suite": r.suite,
        "rows": r.rows,
        "evaluated": s["evaluated"],
        "successful": s["successful"],
        "failed_errors": s["failed_errors"],
        "failed_warnings": s["failed_warnings"],
        "success_percent": s["success_percent"],
    }


def drift_verdict(r: DriftReport) -> dict[str, Any]:
    """``mlops drift --json-line``'s verdict (without ``outputs``): passed
    only when the data was tested and did not drift."""
    return {
        "step": "drift",
        "passed": r.verdict == "no_drift",
        "drifted": r.dataset_drift,
        "verdict": r.verdict,
        "share_drifted": r.share_of_drifted_columns,
        "drifted_columns": r.number_of_drifted_columns,
        "tested_columns": r.number_of_columns,
        "skipped_columns": len(r.skipped_columns),
    }


def check_names(suite: Suite) -> list[str]:
    """A name for each check of ``suite``, in order, unique and made of
    letters, digits and underscores: the check's own ``name``, else its
    kind and columns (``not_null_age``), numbered when repeated."""
    taken: set[str] = set()
    return [_check_name(spec, taken) for spec in suite.checks]


def _check_name(spec: Mapping[str, Any], taken: set[str]) -> str:
    import re

    columns: list[str] = []
    for key in ("column", "columns", "column_a", "column_b"):
        v = spec.get(key)
        columns += [v] if isinstance(v, str) else list(v or [])
    base = spec.get("name") or "_".join([spec["check"], *columns])
    base = re.sub(r"[^A-Za-z0-9_]", "_", base) or "check"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name
