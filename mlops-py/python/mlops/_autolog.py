"""Autologging of scikit-learn: :func:`autolog` patches the estimators'
``fit`` (and ``fit_transform`` / ``fit_predict`` where a class defines its
own) so that every training call is tracked as a run.

This is the Python side only, kept thin: it reads what scikit-learn offers
(``get_params``, the training metrics MLflow's sklearn autolog computes,
under MLflow's names) and hands it to the engine through the public run and
package API (:func:`mlops.start_run`, ``Run.log_params``, ``Run.log``,
:meth:`mlops.Package.build`, ``Run.log_model``). ``import mlops`` does not
import scikit-learn: it is imported by :func:`autolog` itself.

What a patched ``fit`` records, once per outermost call (the fits a
``Pipeline`` or ``GridSearchCV`` makes inside its own are not logged again):

- params: ``estimator.get_params()`` (deep, except for parameter searches,
  whose seed estimator's untuned params are left out, as MLflow does), plus
  ``best_<param>`` of a search; values the engine keeps as text
  (estimators, lists of steps) are written as ``str(value)``;
- tags ``estimator_name`` and ``estimator_class``;
- metrics at step *n* (the *n*-th autologged fit in the run, from 0), computed
  on the training data: ``training_score`` (``estimator.score(X, y)``), and
  for a classifier ``training_accuracy_score``, ``training_precision_score``,
  ``training_recall_score``, ``training_f1_score`` (weighted averages),
  ``training_log_loss`` and ``training_roc_auc`` (with ``predict_proba``);
  for a regressor ``training_mean_squared_error``,
  ``training_root_mean_squared_error``, ``training_mean_absolute_error``,
  ``training_r2_score``; for a search ``best_cv_score``;
- the fitted estimator (pickled as ``model.pkl``) as an ``sklearn`` model
  package, registered as the next version of model ``model_name`` (default:
  the run's experiment) with the run as its lineage.

A fit outside any run starts one (in ``store``, of ``experiment``) and ends
it with the fit: ``finished``, or ``failed`` when ``fit`` raises (the
exception propagates unchanged). Inside an active run (the run this process
started last and has not ended) it logs there and leaves the run open. A
failure of the logging itself never fails the fit: it is a warning.

Nesting is tracked per thread: a meta-estimator that fits its children in
other threads (``n_jobs`` with joblib's threading backend) has those fits
logged as runs of their own; process-based parallelism (joblib's default)
is not patched in the workers, so nothing is logged there.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import pickle
import shutil
import sys
import tempfile
import threading
import types
import warnings
from collections.abc import Mapping
from typing import Any, Callable, Optional, Union

from ._mlops import Registry as _NativeRegistry
from ._mlops import Run

__all__ = ["autolog"]

#: Modules whose estimators are data preparation, not models: fitting one
#: alone starts no run (MLflow leaves out the same); inside a Pipeline it is
#: part of the pipeline's run.
_EXCLUDED_MODULES = (
    "sklearn.preprocessing",
    "sklearn.impute",
    "sklearn.feature_extraction",
    "sklearn.feature_selection",
)
_FIT_METHODS = ("fit", "fit_transform", "fit_predict")
_MARK = "__mlops_autolog_original__"
_INHERITED = object()  # restoring a method the class inherited: remove the wrapper


class _Config:
    """What :func:`autolog` was last called with."""

    store: Union[str, os.PathLike[str], _NativeRegistry, None] = None
    experiment: Optional[str] = None
    log_models: bool = True
    model_name: Optional[str] = None


_config = _Config()
_patched: list[tuple[type, str, Any]] = []  # (class, method name, the original class attribute)
_lock = threading.Lock()
_local = threading.local()
# Per run id: how many fits were autologged into it (the step of the next one).
_fits: dict[str, int] = {}


def autolog(
    store: Union[str, os.PathLike[str], _NativeRegistry, None] = None,
    experiment: Optional[str] = None,
    log_models: bool = True,
    disable: bool = False,
    model_name: Optional[str] = None,
) -> None:
    """Tracks every scikit-learn ``fit`` from now on as a run: its params,
    training metrics and the fitted model as a package (see the module
    docs for what exactly, under MLflow's names).

    ``store`` and ``experiment`` are used for the runs it starts (a fit
    inside an active run logs there). ``log_models=False`` skips the model
    package; ``model_name`` names the registered model (default: the run's
    experiment). Calling it again changes these settings;
    ``autolog(disable=True)`` puts every original ``fit`` back.
    """
    with _lock:
        if disable:
            _unpatch()
            return
        _config.store = store
        _config.experiment = experiment
        _config.log_models = bool(log_models)
        _config.model_name = model_name
        if not _patched:
            _patch_all()


def _estimator_classes() -> list[type]:
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.utils import all_estimators

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        classes = {c for _, c in all_estimators()}
    classes |= {GridSearchCV, RandomizedSearchCV, Pipeline}
    return sorted(
        (c for c in classes if not (c.__module__ or "").startswith(_EXCLUDED_MODULES)),
        key=lambda c: (c.__module__, c.__qualname__),
    )


def _patch_all() -> None:
    # Each class gets its own wrapper, also of a method it inherits
    # (GridSearchCV.fit is BaseSearchCV's): the wrapper calls the original
    # found along the class's MRO, never another wrapper.
    for cls in _estimator_classes():
        for name in _FIT_METHODS:
            original = _unpatched(cls, name)
            if original is None:
                continue
            if inspect.isfunction(original):
                patched: Any = _wrap_function(original)
            elif hasattr(original, "__get__") and not isinstance(original, (staticmethod, classmethod, property)):
                patched = _WrappedDescriptor(original)  # available_if(...) and the like
            else:
                continue
            _patched.append((cls, name, cls.__dict__.get(name, _INHERITED)))
            setattr(cls, name, patched)


def _unpatched(cls: type, name: str) -> Any:
    """The original method ``name`` of ``cls`` (its own or inherited), or
    ``None`` where it has none."""
    for klass in cls.__mro__:
        attr = klass.__dict__.get(name)
        if attr is not None:
            return getattr(attr, _MARK, attr)
    return None


def _unpatch() -> None:
    while _patched:
        cls, name, original = _patched.pop()
        if original is _INHERITED:
            delattr(cls, name)
        else:
            setattr(cls, name, original)


def _wrap_function(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        return _fit(self, original.__get__(self, type(self)), args, kwargs)

    setattr(fit, _MARK, original)
    return fit


class _WrappedDescriptor:
    """A patched method that scikit-learn defines through a descriptor
    (``available_if``): the attribute exists exactly when the original's
    does, and calls go through :func:`_fit`."""

    def __init__(self, original: Any) -> None:
        self._original = original
        setattr(self, _MARK, original)
        functools.update_wrapper(self, original, updated=())  # type: ignore[arg-type]

    def __get__(self, obj: Any, owner: Optional[type] = None) -> Any:
        bound = self._original.__get__(obj, owner)  # raises AttributeError where unavailable
        if obj is None:
            return bound

        @functools.wraps(bound)
        def fit(*args: Any, **kwargs: Any) -> Any:
            return _fit(obj, bound, args, kwargs)

        return fit


def _fit(estimator: Any, call: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """Runs ``call(*args, **kwargs)`` (the original fit, bound); the outermost
    fit of this thread also logs."""
    depth = getattr(_local, "depth", 0)
    if depth > 0:
        return call(*args, **kwargs)
    _local.depth = 1
    try:
        return _outer_fit(estimator, call, args, kwargs)
    finally:
        _local.depth = 0


def _outer_fit(estimator: Any, call: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    from .runs import _active_run, start_run

    run = _active_run()
    owned = run is None
    if owned:
        try:
            run = start_run(_config.experiment, store=_config.store)
        except Exception as e:  # noqa: BLE001 - tracking must not stop training
            _warn(f"could not start a run ({type(e).__name__}: {e}); the fit is not logged")
            return call(*args, **kwargs)
    assert run is not None
    _guarded(_log_before, run, estimator)
    try:
        result = call(*args, **kwargs)
    except BaseException as e:
        if owned:
            status = "killed" if isinstance(e, (KeyboardInterrupt, SystemExit)) else "failed"
            _guarded(run.end, status)
        raise
    _guarded(_log_after, run, estimator, call, args, kwargs)
    if owned:
        _guarded(run.end, "finished")
    return result


def _guarded(f: Callable[..., Any], *args: Any) -> None:
    try:
        f(*args)
    except Exception as e:  # noqa: BLE001 - tracking must not stop training
        _warn(f"{getattr(f, '__name__', f)} failed ({type(e).__name__}: {e})")


def _warn(message: str, who: str = "mlops.autolog") -> None:
    """Warns as the first caller outside this package (the user's ``fit``,
    the framework's training loop)."""
    here = os.path.dirname(os.path.abspath(__file__))
    level = 2  # the caller of this function
    frame: Optional[types.FrameType] = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(here):
        level, frame = level + 1, frame.f_back
    warnings.warn(f"{who}: {message}", UserWarning, stacklevel=level)


def _metric_key(dataset: str, metric: str) -> str:
    """The series name of ``metric`` on ``dataset`` for the boosting
    callbacks: MLflow's ``<dataset>-<metric>``, with ``@`` as ``_at_`` (as
    MLflow writes it) and spaces as ``_`` (a series name has none)."""
    return "_".join(f"{dataset}-{metric}".replace("@", "_at_").split())


class _Logger:
    """Logs points of a callback into a run; a failure (the run ended, a
    store gone) is one warning, never an error in the training loop."""

    __slots__ = ("run", "who", "failed")

    def __init__(self, run: Run, who: str) -> None:
        self.run = run
        self.who = who
        self.failed = False

    def log(self, points: dict[str, float], step: int) -> None:
        try:
            self.run.log(points, step=step)
        except Exception as e:  # noqa: BLE001 - tracking must not stop training
            if not self.failed:
                self.failed = True
                _warn(f"points not logged ({type(e).__name__}: {e})", self.who)


def _target_run(run: Optional[Run], who: str) -> Run:
    from .runs import _active_run

    target = run if run is not None else _active_run()
    if target is None:
        raise ValueError(f"{who}: no run given and no active run (start one with mlops.start_run)")
    return target


def _is_search(estimator: Any) -> bool:
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

    return isinstance(estimator, (GridSearchCV, RandomizedSearchCV))


def _param_value(v: Any) -> Any:
    """A value the engine keeps as it is (text, a finite number, a flag,
    none, a list of those: written as JSON), else its ``str``."""
    if v is None or isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    item = getattr(v, "item", None)  # numpy scalars
    if callable(item) and getattr(v, "shape", None) == ():
        return _param_value(item())
    if isinstance(v, (list, tuple)):
        values = [_param_value(x) for x in v]
        if all(isinstance(x, str) or not isinstance(y, str) for x, y in zip(v, values)):
            return values  # nothing in it needed str()
    return str(v)


def _log_params(run: Run, params: Mapping[str, Any]) -> None:
    values = {str(k): _param_value(v) for k, v in params.items()}
    try:
        run.log_params(values)
    except Exception:  # noqa: BLE001 - one bad value: log the others, name it
        for k, v in values.items():
            try:
                run.log_params({k: v})
            except Exception as e:  # noqa: BLE001
                _warn(f"param {k!r} not logged ({type(e).__name__}: {e})")


def _log_before(run: Run, estimator: Any) -> None:
    _log_params(run, estimator.get_params(deep=not _is_search(estimator)))
    cls = type(estimator)
    run.set_tags({"estimator_name": cls.__name__, "estimator_class": f"{cls.__module__}.{cls.__name__}"})


def _fit_arguments(call: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[Any, Any, Any]:
    """(X, y, sample_weight) of a fit call, by the fit's own parameter names."""
    names = list(inspect.signature(call).parameters)
    bound = inspect.signature(call).bind_partial(*args, **kwargs).arguments
    x = bound.get(names[0]) if names else None
    y = bound.get(names[1]) if len(names) > 1 else None
    return x, y, bound.get("sample_weight")


def _log_after(run: Run, estimator: Any, call: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    x, y, sample_weight = _fit_arguments(call, args, kwargs)
    metrics = _training_metrics(estimator, x, y, sample_weight)
    if _is_search(estimator):
        if hasattr(estimator, "best_score_"):
            metrics["best_cv_score"] = float(estimator.best_score_)
        if hasattr(estimator, "best_params_"):
            _log_params(run, {f"best_{k}": v for k, v in estimator.best_params_.items()})
    step = _fits.get(run.id, 0)
    _fits[run.id] = step + 1
    if metrics:
        run.log(metrics, step=step)
    if _config.log_models:
        _log_model(run, estimator, metrics)


def _metric(metrics: dict[str, float], name: str, f: Callable[[], Any]) -> None:
    try:
        metrics[name] = float(f())
    except Exception as e:  # noqa: BLE001 - a metric that does not apply is left out
        _warn(f"metric {name} not logged ({type(e).__name__}: {e})")


def _training_metrics(estimator: Any, x: Any, y: Any, sample_weight: Any) -> dict[str, float]:
    """MLflow's training metrics (``mlflow.sklearn.utils``), by its names."""
    from sklearn import metrics as m
    from sklearn.base import is_classifier, is_regressor

    out: dict[str, float] = {}
    if y is None:
        return out
    w = sample_weight
    if is_classifier(estimator):
        pred = estimator.predict(x)
        for name, f in (
            ("precision_score", m.precision_score),
            ("recall_score", m.recall_score),
            ("f1_score", m.f1_score),
        ):
            _metric(out, "training_" + name, functools.partial(f, y, pred, average="weighted", sample_weight=w))
        _metric(out, "training_accuracy_score", lambda: m.accuracy_score(y, pred, normalize=True, sample_weight=w))
        if hasattr(estimator, "predict_proba"):
            proba = estimator.predict_proba(x)
            _metric(out, "training_log_loss", lambda: m.log_loss(y, proba, sample_weight=w))
            score = proba[:, 1] if proba.shape[1] == 2 else proba
            _metric(
                out,
                "training_roc_auc",
                lambda: m.roc_auc_score(y, score, average="weighted", sample_weight=w, multi_class="ovo"),
            )
    elif is_regressor(estimator):
        pred = estimator.predict(x)
        kw = {"sample_weight": w, "multioutput": "uniform_average"}
        _metric(out, "training_mean_squared_error", lambda: m.mean_squared_error(y, pred, **kw))
        if "training_mean_squared_error" in out:
            out["training_root_mean_squared_error"] = math.sqrt(out["training_mean_squared_error"])
        _metric(out, "training_mean_absolute_error", lambda: m.mean_absolute_error(y, pred, **kw))
        _metric(out, "training_r2_score", lambda: m.r2_score(y, pred, **kw))
    if hasattr(estimator, "score"):
        weighted = w is not None and "sample_weight" in inspect.signature(estimator.score).parameters

        def score() -> Any:
            return estimator.score(x, y, sample_weight=w) if weighted else estimator.score(x, y)

        _metric(out, "training_score", score)
    return out


def _log_model(run: Run, estimator: Any, metrics: dict[str, float]) -> None:
    import sklearn

    from ._mlops import Package

    name = _config.model_name or run.info().experiment
    folder = tempfile.mkdtemp(prefix="mlops-autolog-")
    try:
        pkg_dir = os.path.join(folder, "model")
        os.mkdir(pkg_dir)
        with open(os.path.join(pkg_dir, "model.pkl"), "wb") as f:
            pickle.dump(estimator, f, protocol=pickle.HIGHEST_PROTOCOL)
        params = {str(k): _param_value(v) for k, v in estimator.get_params(deep=False).items()}
        pkg = Package.build(
            pkg_dir,
            name=name,
            version=run.id,
            flavor="sklearn",
            flavor_version=sklearn.__version__,
            metrics=metrics,
            params=params,
            lineage={"run": run.id},
            requirements={"python": [f"scikit-learn=={sklearn.__version__}"]},
        )
        run.log_model(pkg, name, f"autologged {type(estimator).__name__}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
