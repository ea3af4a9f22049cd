"""Airflow TaskFlow helpers: validation as a task, drift as a short-circuit.

``pip install mlops[airflow]`` (Airflow 3); ``import mlops`` never imports
airflow. Every helper returns the verdict the CLI prints with
``--json-line`` (``step``, ``passed`` and the step's figures) as a plain
dict, safe to push to XCom.

>>> with DAG("orders", schedule=None):                       # doctest: +SKIP
...     checked = mlops.airflow.validate_task("suites/orders.yaml")("data/orders.parquet")
...
...     @task.short_circuit
...     def no_drift():
...         return mlops.airflow.drift_gate("ref/orders.parquet", "data/orders.parquet")
...
...     checked >> no_drift() >> deploy()
"""

from __future__ import annotations

from typing import Any, Optional

from . import _step

__all__ = ["validate", "validate_task", "drift", "drift_gate"]


def validate(data: Any, suite: _step.SuiteLike, *, unexpected_limit: Optional[int] = None) -> dict[str, Any]:
    """Validates ``data`` against ``suite`` (a :class:`mlops.Suite`, a file
    or a mapping) and returns the verdict, with ``failed_checks``: the
    names of the error-severity checks that failed (as
    :func:`mlops.dagster.checks` names them)."""
    import mlops

    s = _step.load_suite(suite)
    result = mlops.validate(data, s, unexpected_limit=unexpected_limit)
    names = _step.check_names(s)
    verdict = _step.validation_verdict(result)
    verdict["failed_checks"] = [names[r["index"]] for r in result.failures if r["severity"] == "error"]
    return verdict


def validate_task(suite: _step.SuiteLike, *, fail: bool = True, **task_kwargs: Any) -> Any:
    """A TaskFlow task (``@task``, ``task_id`` "validate" unless given in
    ``task_kwargs``) that validates the data it is called with and returns
    the verdict of :func:`validate` as its XCom. With ``fail`` (the
    default) a failed error-severity check fails the task, so the tasks
    downstream do not run (``upstream_failed``), as a failed
    ``mlops validate`` step does; the verdict is pushed under the XCom key
    ``verdict`` first."""
    from airflow.sdk import get_current_context, task
    from airflow.sdk.exceptions import AirflowFailException

    task_kwargs.setdefault("task_id", "validate")

    def _validate(data: Any) -> dict[str, Any]:
        verdict = validate(data, suite)
        if fail and not verdict["passed"]:
            get_current_context()["ti"].xcom_push(key="verdict", value=verdict)
            raise AirflowFailException(
                f"mlops validate: {verdict['failed_errors']} error-severity check(s) failed: "
                + ", ".join(verdict["failed_checks"])
            )
        return verdict

    return task(**task_kwargs)(_validate)


def drift(reference: Any, current: Any, **options: Any) -> dict[str, Any]:
    """Compares ``current`` with ``reference`` (:func:`mlops.drift` with
    ``options``) and returns the verdict, with ``drifted_column_names``."""
    import mlops

    report = mlops.drift(reference, current, **options)
    verdict = _step.drift_verdict(report)
    verdict["drifted_column_names"] = list(report.drifted_columns)
    return verdict


def drift_gate(reference: Any, current: Any, **options: Any) -> bool:
    """For ``@task.short_circuit``: True (carry on) only when ``current``
    was tested against ``reference`` and did not drift; False skips the
    tasks downstream. Inside a task, the verdict of :func:`drift` is pushed
    to XCom under the key ``verdict``."""
    verdict = drift(reference, current, **options)
    try:
        from airflow.sdk import get_current_context

        get_current_context()["ti"].xcom_push(key="verdict", value=verdict)
    except RuntimeError:  # called outside a running task: nothing to push to
        pass
    return bool(verdict["passed"])
