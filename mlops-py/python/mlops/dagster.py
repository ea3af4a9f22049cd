"""Dagster asset checks from mlops suites and drift reports.

``pip install mlops[dagster]``; ``import mlops`` never imports dagster.
:func:`checks` turns a suite into one ``multi_asset_check`` whose specs are
the suite's checks, all judged by one :func:`mlops.validate` pass over the
asset's value; :func:`drift_check` compares the asset with a reference.
Each result's severity is the check's level (``error`` → ERROR, ``warn`` →
WARN); with ``blocking=True`` a failed ERROR check stops the assets
downstream, as a failed ``mlops validate`` step does (warnings never stop
them).

>>> defs = dg.Definitions(                                   # doctest: +SKIP
...     assets=[orders, report],
...     asset_checks=[mlops.dagster.checks(orders, "suites/orders.yaml"),
...                   mlops.dagster.drift_check(orders, "ref/orders.parquet")])
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Callable, Optional, Union

from . import _step

__all__ = ["checks", "drift_check"]


def _key(asset: Any) -> Any:
    """The ``dagster.AssetKey`` of an asset: its definition, its key, or
    the key as a string (``"a/b"``)."""
    import dagster as dg

    if isinstance(asset, dg.AssetsDefinition):
        return asset.key
    if isinstance(asset, str):
        return dg.AssetKey.from_user_string(asset)
    return dg.AssetKey.from_coercible_or_definition(asset)


def _severity(level: str) -> Any:
    import dagster as dg

    return dg.AssetCheckSeverity.ERROR if level == "error" else dg.AssetCheckSeverity.WARN


def _metadata(r: Mapping[str, Any]) -> dict[str, Any]:
    """A check result's figures as Dagster metadata (failure counts first)."""
    import dagster as dg

    m: dict[str, Any] = {
        "unexpected_count": r.get("unexpected_count"),
        "unexpected_percent": r.get("unexpected_percent"),
        "element_count": r.get("element_count"),
        "missing_count": r.get("missing_count"),
        "observed_value": json.dumps(r.get("observed_value")),
        "columns": ", ".join(r.get("columns", [])),
    }
    if r.get("partial_unexpected"):
        m["partial_unexpected"] = dg.MetadataValue.json(r["partial_unexpected"])
    if r.get("reason"):
        m["reason"] = r["reason"]
    return {k: v for k, v in m.items() if v is not None}


def checks(
    asset: Any,
    suite: _step.SuiteLike,
    *,
    blocking: bool = True,
    name: Optional[str] = None,
    unexpected_limit: Optional[int] = None,
) -> Any:
    """One asset check per check of ``suite`` (a :class:`mlops.Suite`, a
    suite file or a mapping), all evaluated from one validation of the
    asset's value (anything :func:`mlops.validate` reads: an Arrow table, a
    pandas or polars frame, a file path). Each result carries the check's
    failure counts as metadata; ``blocking`` failed ERROR checks stop the
    assets downstream."""
    import dagster as dg

    s = _step.load_suite(suite)
    key = _key(asset)
    names = _step.check_names(s)
    levels = [spec.get("severity", "error") for spec in s.checks]
    specs = [
        dg.AssetCheckSpec(n, asset=key, blocking=blocking, description=f"mlops check {spec['check']}")
        for n, spec in zip(names, s.checks)
    ]

    @dg.multi_asset_check(
        specs=specs,
        name=name or "mlops_" + re.sub(r"[^A-Za-z0-9_]", "_", s.name),
        ins={"data": dg.AssetIn(key=key)},
    )
    def _checks(data: Any):
        import mlops

        result = mlops.validate(data, s, unexpected_limit=unexpected_limit)
        for r in result.results:
            i = r["index"]
            yield dg.AssetCheckResult(
                check_name=names[i],
                asset_key=key,
                passed=bool(r["success"]),
                severity=_severity(r.get("severity", levels[i])),
                metadata=_metadata(r),
            )

    return _checks


def drift_check(
    asset: Any,
    reference: Union[Any, Callable[[], Any]],
    *,
    name: str = "mlops_drift",
    blocking: bool = True,
    severity: str = "error",
    **options: Any,
) -> Any:
    """An asset check that compares the asset's value with ``reference``
    (data or a :class:`mlops.Profile`, or a callable returning it, called
    when the check runs) by :func:`mlops.drift` with ``options``. It passes
    only when the data was tested and did not drift (the CLI's verdict);
    metadata holds the share of drifted columns and each column's score."""
    import dagster as dg

    key = _key(asset)

    @dg.asset_check(asset=key, name=name, blocking=blocking, description="mlops drift against a reference")
    def _drift(data: Any):
        ref = reference() if callable(reference) else reference
        import mlops

        report = mlops.drift(ref, data, **options)
        verdict = _step.drift_verdict(report)
        return dg.AssetCheckResult(
            passed=verdict["passed"],
            severity=_severity(severity),
            metadata={
                **{k: v for k, v in verdict.items() if k not in ("step", "passed")},
                "drifted_column_names": ", ".join(report.drifted_columns),
                "columns": dg.MetadataValue.json(
                    {
                        c: {"method": report[c].method, "score": report[c].score, "drifted": report[c].drifted}
                        for c in report.columns
                    }
                ),
            },
        )

    return _drift
