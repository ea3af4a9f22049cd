"""Experiment tracking: :func:`start_run` and what a process owes its runs
when it exits.

Everything a run does is the engine's (``mlops_core::runs``): points are
buffered in Rust (no Python object is kept per point) and written by a
background thread as Parquet segments. This module only adds what is
Python's to do: the ``with`` block (the native :class:`Run` is its own
context manager) and ending the runs still open when the interpreter exits
(``finished``). SIGTERM is the engine's: a thread of its own flushes every
open run and ends it ``killed``, then the process ends as SIGTERM would
have ended it (a Python handler would wait for the main thread, which may
be blocked in C).

>>> import mlops
>>> with mlops.start_run("churn", params={"lr": 0.1}, store="memory://") as run:
...     for step in range(100):
...         run.log({"loss": 1 / (step + 1)}, step=step)
>>> info = run.info()
>>> info.status, info.params["lr"], info.metrics["loss"]["min"]
('finished', '0.1', 0.01)
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections.abc import Mapping
from typing import Any, Optional, Union

from ._mlops import Registry as _NativeRegistry
from ._mlops import Run

__all__ = ["start_run", "search_runs", "compare_runs", "RunComparison", "Run"]

_open: weakref.WeakSet[Run] = weakref.WeakSet()
# The runs this process started, oldest first: the newest one not yet ended
# is the active run (what autologging and the framework callbacks log into
# when they are given none).
_started: list[weakref.ref[Run]] = []
_hooks_installed = False
_hooks_lock = threading.Lock()


def _on_exit() -> None:
    for run in list(_open):
        try:
            run.__exit__(None, None, None)
        except Exception:  # noqa: BLE001 - at exit there is no one left to tell
            pass


def _install_hooks() -> None:
    global _hooks_installed
    with _hooks_lock:
        if not _hooks_installed:
            _hooks_installed = True
            atexit.register(_on_exit)


def start_run(
    experiment: Optional[str] = None,
    *,
    name: Optional[str] = None,
    parent: Union[Run, str, None] = None,
    params: Optional[Mapping[str, Any]] = None,
    tags: Optional[Mapping[str, str]] = None,
    store: Union[str, os.PathLike[str], _NativeRegistry, None] = None,
    flush_points: Optional[int] = None,
    flush_interval: Optional[float] = None,
    compact: Optional[bool] = None,
    system_metrics: Optional[bool] = None,
    system_metrics_interval: Optional[float] = None,
    cause: Optional[str] = None,
) -> Run:
    """Starts a run of ``experiment`` in ``store`` (a URL or path, default
    ``./.mlops``, or a :class:`Registry`) and returns it; use it as
    ``with mlops.start_run(...) as run:`` to end it when the block ends
    (``finished``, ``failed`` on an exception, ``killed`` on Ctrl-C).

    ``params`` are add-only (nested dicts flatten to ``a.b`` keys, values
    are kept as text); ``tags`` can change later. ``parent`` nests the run
    under another (a :class:`Run` or its id). ``flush_points`` and
    ``flush_interval`` (seconds) tune how points are buffered; ``compact``
    whether the end rewrites the run's segments as one file.
    ``system_metrics=True`` samples the machine's CPU, memory, disk and
    network into the run under MLflow's ``system/...`` keys (off by default)
    every ``system_metrics_interval`` seconds (10 by default).

    ``cause`` names the monitor's retrain request the run answers
    (``monitor:<name>@<seq>``, the ``cause`` of a request in
    :meth:`Monitor.check`'s report): the run and the models it records
    link back to it in lineage, and the monitor's log names them. A cause
    naming no such request is a ``NotFoundError``.

    Under ``mlops run exec`` (``MLOPS_RUN_ID`` set) a run started without a
    parent is the command's run: its params and tags are added there.
    """
    registry = _registry(store)
    parent_id = parent.id if isinstance(parent, Run) else parent
    run = registry._start_run(
        experiment,
        name,
        parent_id,
        None if params is None else dict(params),
        None if tags is None else dict(tags),
        None,
        flush_points,
        flush_interval,
        compact,
        system_metrics,
        system_metrics_interval,
        cause,
    )
    _open.add(run)
    with _hooks_lock:
        _started[:] = [r for r in _started if (o := r()) is not None and not o.ended]
        _started.append(weakref.ref(run))
    _install_hooks()
    return run


def _active_run() -> Optional[Run]:
    """The run this process started last and has not ended, else ``None``."""
    with _hooks_lock:
        for r in reversed(_started):
            run = r()
            if run is not None and not run.ended:
                return run
    return None


def _registry(store: Union[str, os.PathLike[str], _NativeRegistry, None]) -> _NativeRegistry:
    if isinstance(store, _NativeRegistry):
        return store
    from . import Registry

    return Registry(None if store is None else os.fspath(store))


def search_runs(query: str, store: Union[str, os.PathLike[str], _NativeRegistry, None] = None) -> Any:
    """The runs of ``store`` matching ``query`` as a pyarrow Table (one row
    per run; ``params.<key>`` and ``metrics.<series>.<stat>`` columns;
    ``.to_pandas()`` for a DataFrame). The query is the registry's filter
    language with ``in (...)``, ``is null``, ``metrics.<key>.<stat>``
    (``last``, ``min``, ``max``, ``mean``, ``count``, ...), ``parent``,
    ``order by`` and ``limit``::

        mlops.search_runs("params.lr in (0.1, 0.01) and metrics.val_loss.min < 0.3 "
                          "order by metrics.val_loss.min limit 5")
    """
    return _registry(store).search_runs(query)


class RunComparison:
    """2 to 10 runs side by side: :attr:`runs` (:class:`RunInfo`),
    :attr:`params` (each ``{"key", "values", "differs"}``) and
    :attr:`metrics` (each ``{"series", "summaries"}``). Shown in Jupyter as
    the comparison page (:meth:`html`: overlaid metric curves, inline SVG)."""

    def __init__(self, registry: _NativeRegistry, ids: list[str]) -> None:
        self._registry = registry
        self._ids = list(ids)
        self._c = registry.compare_runs(self._ids)

    @property
    def runs(self) -> list[Any]:
        """The runs, in the order asked (:class:`RunInfo`)."""
        return list(self._c["runs"])

    @property
    def params(self) -> list[dict[str, Any]]:
        """Every parameter any run has: ``key``, ``values`` (per run), ``differs``."""
        return list(self._c["params"])

    @property
    def metrics(self) -> list[dict[str, Any]]:
        """Every metric series any run has: ``series``, ``summaries`` (per run)."""
        return list(self._c["metrics"])

    def differing_params(self) -> dict[str, list[Optional[str]]]:
        """The parameters whose values differ between the runs."""
        return {p["key"]: p["values"] for p in self.params if p["differs"]}

    def html(self) -> str:
        """The comparison as one self-contained HTML page."""
        return self._registry.compare_runs_html(self._ids)

    def _repr_html_(self) -> str:
        return self.html()


def compare_runs(
    ids: list[Union[Run, str]], store: Union[str, os.PathLike[str], _NativeRegistry, None] = None
) -> RunComparison:
    """Compares 2 to 10 runs (:class:`Run` objects or ids) of ``store``."""
    return RunComparison(_registry(store), [r.id if isinstance(r, Run) else r for r in ids])
