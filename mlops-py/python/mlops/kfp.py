"""Kubeflow Pipelines v2 components: validation and drift with Metrics and HTML.

``pip install mlops[kfp]``; ``import mlops`` never imports kfp (nor does
``import mlops.kfp``: the factories do). Each factory returns a
``@dsl.component`` whose outputs are the step's verdict (``passed`` and its
figures, the names the CLI prints with ``--json-line``), a ``Metrics``
artifact with the figures and an ``HTML`` artifact with the report, so a
pipeline branches with ``dsl.If`` on an output:

>>> drift_op = mlops.kfp.drift_component(base_image="registry/mlops:1")  # doctest: +SKIP
>>> @dsl.pipeline
... def retrain(reference: str, current: str):
...     d = drift_op(reference=reference, current=current)
...     with dsl.If(d.outputs["passed"] == True):  # noqa: E712
...         deploy()

The image runs the component's Python code, so it needs mlops (and kfp,
which KFP installs when ``install_kfp_package``); ``packages_to_install``
adds packages at start-up, KFP's way. Data arrives as paths or URIs that
mlops reads in the container. KFP ships each component's source to the
container and runs it after ``from kfp.dsl import *`` and
``from typing import *``, which is where its annotations resolve there.
"""

from typing import Any, Optional

__all__ = ["validate_component", "drift_component", "DEFAULT_IMAGE"]

#: The image a component runs in unless told otherwise.
DEFAULT_IMAGE = "python:3.11-slim"


def validate_component(
    base_image: str = DEFAULT_IMAGE,
    packages_to_install: Optional[list] = None,
    install_kfp_package: bool = True,
) -> Any:
    """The validation component: inputs ``data`` and ``suite`` (paths or
    URIs); outputs ``passed``, ``failed_errors``, ``failed_warnings``,
    ``metrics`` (rows, evaluated, successful, failed_errors,
    failed_warnings, success_percent, passed as 1 or 0) and ``report``
    (the validation's HTML page)."""
    from typing import NamedTuple

    from kfp import dsl
    from kfp.dsl import HTML, Metrics, Output

    def mlops_validate(
        data: str,
        suite: str,
        metrics: Output[Metrics],
        report: Output[HTML],
    ) -> NamedTuple("Outputs", [("passed", bool), ("failed_errors", int), ("failed_warnings", int)]):  # type: ignore[valid-type]  # noqa: UP014, E501
        import mlops
        from mlops import _step

        result = mlops.validate(data, _step.load_suite(suite))
        verdict = _step.validation_verdict(result)
        for key in ("rows", "evaluated", "successful", "failed_errors", "failed_warnings", "success_percent"):
            metrics.log_metric(key, verdict[key])
        metrics.log_metric("passed", float(verdict["passed"]))
        with open(report.path, "w", encoding="utf-8") as f:
            f.write(result.to_html())
        return (verdict["passed"], verdict["failed_errors"], verdict["failed_warnings"])

    return dsl.component(
        mlops_validate,
        base_image=base_image,
        packages_to_install=packages_to_install,
        install_kfp_package=install_kfp_package,
    )


def drift_component(
    base_image: str = DEFAULT_IMAGE,
    packages_to_install: Optional[list] = None,
    install_kfp_package: bool = True,
) -> Any:
    """The drift component: inputs ``reference``, ``current`` (paths or
    URIs) and ``options`` (keyword arguments of :func:`mlops.drift` as a
    JSON object, ``"{}"`` for the defaults); outputs ``passed``,
    ``drifted``, ``share_drifted``, ``metrics`` (share_drifted,
    drifted_columns, tested_columns, skipped_columns, passed and drifted as
    1 or 0) and ``report`` (the drift report's HTML page)."""
    from typing import NamedTuple

    from kfp import dsl
    from kfp.dsl import HTML, Metrics, Output

    def mlops_drift(
        reference: str,
        current: str,
        metrics: Output[Metrics],
        report: Output[HTML],
        options: str = "{}",
    ) -> NamedTuple("Outputs", [("passed", bool), ("drifted", bool), ("share_drifted", float)]):  # type: ignore[valid-type]  # noqa: UP014, E501
        import json

        import mlops
        from mlops import _step

        result = mlops.drift(reference, current, **json.loads(options))
        verdict = _step.drift_verdict(result)
        for key in ("share_drifted", "drifted_columns", "tested_columns", "skipped_columns"):
            metrics.log_metric(key, verdict[key])
        metrics.log_metric("passed", float(verdict["passed"]))
        metrics.log_metric("drifted", float(verdict["drifted"]))
        with open(report.path, "w", encoding="utf-8") as f:
            f.write(result.to_html())
        return (verdict["passed"], verdict["drifted"], verdict["share_drifted"])

    return dsl.component(
        mlops_drift,
        base_image=base_image,
        packages_to_install=packages_to_install,
        install_kfp_package=install_kfp_package,
    )
