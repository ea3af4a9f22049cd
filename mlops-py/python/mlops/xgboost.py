"""XGBoost training tracked as a run: :func:`callback` gives an
``xgboost.callback.TrainingCallback`` that logs every evaluation metric of
every boosting round, under MLflow's names (``<dataset>-<metric>``, such as
``train-logloss`` or ``valid-auc``; ``@`` becomes ``_at_``, so ``ndcg@3`` is
``ndcg_at_3``), at the round as its step.

``import mlops`` never imports xgboost; this module imports it on the first
call. The points go into the run's buffer in Rust (no Python object is kept
per point), so a round costs one ``Run.log`` call. A failure to log (the run
ended meanwhile) is one warning, never an error in the training loop.

>>> booster = xgboost.train(params, dtrain, num_boost_round=100,        # doctest: +SKIP
...                         evals=[(dtrain, "train"), (dvalid, "valid")],
...                         callbacks=[mlops.xgboost.callback(run)])
"""

from __future__ import annotations

from typing import Any, Optional

from ._autolog import _Logger, _metric_key, _target_run
from ._mlops import Run

__all__ = ["callback"]

_class: Any = None


class _Methods:
    """What the callback adds to ``xgboost.callback.TrainingCallback`` (the
    class is made on first use, so that importing this module imports no
    xgboost)."""

    def __init__(self, run: Run) -> None:
        super().__init__()
        self._logger = _Logger(run, "mlops.xgboost.callback")

    @property
    def run(self) -> Run:
        """The run the metrics go to."""
        return self._logger.run

    def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
        """Logs the round's last value of every metric on every data set."""
        points = {
            _metric_key(data, metric): float(values[-1])
            for data, metrics in evals_log.items()
            for metric, values in metrics.items()
            if len(values)
        }
        if points:
            self._logger.log(points, epoch)
        return False


def _callback_class() -> Any:
    global _class
    if _class is None:
        import xgboost

        _class = type("MlopsCallback", (_Methods, xgboost.callback.TrainingCallback), {"__module__": __name__})
    return _class


def callback(run: Optional[Run] = None) -> Any:
    """An ``xgboost.callback.TrainingCallback`` logging every evaluation
    metric of each round into ``run`` (default: the active run, the one this
    process started last and has not ended)."""
    return _callback_class()(_target_run(run, "mlops.xgboost.callback"))
