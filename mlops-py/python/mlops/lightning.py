"""PyTorch Lightning training tracked as a run: :class:`Logger` is a
``lightning.pytorch.loggers.Logger`` (``pytorch_lightning``'s where only the
standalone package is installed) that writes a Trainer's hyperparameters as
the run's params and every logged metric as a point at the Trainer's step.

``import mlops`` never imports Lightning or torch, and neither does
``import mlops.lightning``: the class is made on first access of
``mlops.lightning.Logger``.

>>> logger = mlops.lightning.Logger(experiment="mnist")               # doctest: +SKIP
>>> lightning.pytorch.Trainer(max_epochs=2, logger=logger).fit(model, data)  # doctest: +SKIP

Given a ``run``, the logger writes into it and leaves it open (its owner
ends it). Given none, it starts a run of ``experiment`` in ``store`` when
first used and ends it in ``finalize``: ``finished`` after a successful
fit, ``failed`` otherwise. Params keep Lightning's nesting as ``a.b`` keys
(the engine's flattening); values that are not text, numbers or flags
(callables, tensors, classes) are written as their ``str``. Only rank zero
writes. A failure to log is one warning, never an error in the training
loop.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Union

from ._autolog import _Logger, _param_value, _warn
from ._mlops import Registry as _NativeRegistry
from ._mlops import Run

# No __all__: the one public name, Logger, exists only on access (module __getattr__).

_class: Any = None


def _params(value: Any, depth: int = 0) -> Any:
    """Lightning's hyperparameters as the engine takes them: dicts (and
    namespaces) nested, leaves as :func:`_param_value` gives them."""
    if hasattr(value, "__dict__") and type(value).__name__ in ("Namespace", "AttributeDict"):
        value = vars(value)
    if isinstance(value, dict) and depth < 8:
        return {str(k): _params(v, depth + 1) for k, v in value.items()}
    return _param_value(value)


class _Methods:
    """What the logger adds to Lightning's ``Logger`` (the class is made on
    first access, so that importing this module imports no Lightning)."""

    def __init__(
        self,
        run: Optional[Run] = None,
        *,
        experiment: Optional[str] = None,
        store: Union[str, os.PathLike[str], _NativeRegistry, None] = None,
        name: Optional[str] = None,
    ) -> None:
        super().__init__()
        self._run = run
        self._owned = run is None
        self._experiment = experiment
        self._store = store
        self._run_name = name
        self._logger: Optional[_Logger] = None if run is None else _Logger(run, "mlops.lightning.Logger")
        self._step = 0

    @property
    def run(self) -> Run:
        """The run written to (started on first use when none was given)."""
        if self._run is None:
            from .runs import start_run

            self._run = start_run(self._experiment, name=self._run_name, store=self._store)
            self._logger = _Logger(self._run, "mlops.lightning.Logger")
        return self._run

    @property
    def experiment(self) -> Run:
        """Lightning's name for the logger's handle: the run."""
        return self.run

    @property
    def name(self) -> Optional[str]:
        """The experiment: the one given, else the run's."""
        if self._experiment is not None:
            return self._experiment
        return self.run.info().experiment

    @property
    def version(self) -> str:
        """The run's id."""
        return self.run.id

    @property
    def save_dir(self) -> Optional[str]:
        """None: checkpoints go to the Trainer's ``default_root_dir``."""
        return None

    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        """Adds the hyperparameters as the run's params (add-only)."""
        values = _params(params)
        if not isinstance(values, dict) or not values:
            return
        try:
            self.run.log_params(values)
        except Exception as e:  # noqa: BLE001 - tracking must not stop training
            _warn(f"params not logged ({type(e).__name__}: {e})", "mlops.lightning.Logger")

    def log_metrics(self, metrics: dict[str, Any], step: Optional[int] = None) -> None:
        """Logs each metric as a point at ``step`` (the Trainer's global step)."""
        if step is None:
            step = self._step
        self._step = step + 1
        points = {}
        for k, v in metrics.items():
            try:
                points[k] = float(v.item() if hasattr(v, "item") else v)
            except (TypeError, ValueError):
                continue
        if points:
            self.run  # noqa: B018 - starts the run on first use
            assert self._logger is not None
            self._logger.log(points, int(step))

    def save(self) -> None:
        """Writes every buffered point now."""
        if self._run is not None and not self._run.ended:
            try:
                self._run.flush()
            except Exception as e:  # noqa: BLE001
                _warn(f"flush failed ({type(e).__name__}: {e})", "mlops.lightning.Logger")

    def finalize(self, status: str) -> None:
        """Ends a run this logger started: ``finished`` after success,
        else ``failed``; a run given to it is only flushed."""
        if self._run is None or self._run.ended:
            return
        try:
            if self._owned:
                self._run.end("finished" if status in ("success", "finished") else "failed")
            else:
                self._run.flush()
        except Exception as e:  # noqa: BLE001
            _warn(f"finalize failed ({type(e).__name__}: {e})", "mlops.lightning.Logger")


def _logger_class() -> Any:
    global _class
    if _class is None:
        import importlib

        try:
            package = importlib.import_module("lightning.pytorch")
        except ImportError:
            package = importlib.import_module("pytorch_lightning")  # the standalone package
        rank_zero_only = package.utilities.rank_zero_only
        members: dict[str, Any] = {
            "__module__": __name__,
            "__doc__": "A Lightning logger writing into an mlops run (see :mod:`mlops.lightning`).",
        }
        for name in ("log_hyperparams", "log_metrics", "save", "finalize"):
            members[name] = rank_zero_only(getattr(_Methods, name))  # only rank zero writes
        _class = type("Logger", (_Methods, package.loggers.Logger), members)
    return _class


def __getattr__(name: str) -> Any:
    if name == "Logger":
        return _logger_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
