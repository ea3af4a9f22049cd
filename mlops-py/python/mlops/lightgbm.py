"""LightGBM training tracked as a run: :func:`callback` gives a LightGBM
callback function that logs every evaluation result of every iteration,
under MLflow's names (``<dataset>-<metric>``, such as ``training-l2`` or
``valid_0-auc``; ``@`` becomes ``_at_``, spaces ``_``: ``lightgbm.cv``'s
``cv_agg`` / ``valid l2`` is ``cv_agg-valid_l2``), at the iteration as its
step.

``import mlops`` never imports lightgbm, and neither does this module: a
LightGBM callback is a plain function of the callback environment. A
failure to log (the run ended meanwhile) is one warning, never an error in
the training loop.

>>> booster = lightgbm.train(params, train_set, num_boost_round=100,    # doctest: +SKIP
...                          valid_sets=[valid_set], callbacks=[mlops.lightgbm.callback(run)])
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from ._autolog import _Logger, _metric_key, _target_run
from ._mlops import Run

__all__ = ["callback"]


def callback(run: Optional[Run] = None) -> Callable[[Any], None]:
    """A LightGBM callback logging each iteration's evaluation results into
    ``run`` (default: the active run, the one this process started last and
    has not ended)."""
    logger = _Logger(_target_run(run, "mlops.lightgbm.callback"), "mlops.lightgbm.callback")

    def _log_evaluation(env: Any) -> None:
        points = {_metric_key(r[0], r[1]): float(r[2]) for r in env.evaluation_result_list}
        if points:
            logger.log(points, env.iteration)

    # After LightGBM's own record_evaluation (order 20), before early stopping (30).
    _log_evaluation.order = 25  # type: ignore[attr-defined]
    return _log_evaluation
