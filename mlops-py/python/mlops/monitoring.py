"""Production monitoring: :func:`monitor` opens (or creates) a monitor of a
deployed model, :class:`Monitor` logs what the model saw and predicted and
the labels that arrive later, and gives back the window results.

Everything a monitor does is the engine's (``mlops_core::monitor``): rows
are cut into event-time windows and profiled in Rust (no Python object is
kept per row), a thread of the engine writes the buffered profiles every
few seconds, and the defaults (window, lateness, tolerance, retention,
threshold, drift options) are the engine's. This module only adds what is
Python's to do: pandas frames and paths as Arrow, ``datetime`` clocks as
milliseconds, the ``with`` block (flush on exit) and flushing the monitors
still open when the interpreter exits. SIGTERM is the engine's, as for runs:
a thread of its own flushes every open monitor, then the process ends as
SIGTERM would have ended it.

>>> import datetime as dt, pyarrow as pa, mlops
>>> t0 = dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)
>>> with mlops.monitor("churn-prod", timestamp="t", store="memory://") as mon:
...     mon.set_clock(t0 + dt.timedelta(hours=2))
...     mon.log(pa.table({"t": [t0, t0 + dt.timedelta(minutes=5), t0 + dt.timedelta(hours=1)], "x": [1.0, 2.0, 3.0]}))
...     results = mon.results(now=t0 + dt.timedelta(hours=2))
3
>>> results.column("rows").to_pylist()
[2.0, 1.0]
"""

from __future__ import annotations

import atexit
import datetime as _dt
import os
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional, Union

from ._mlops import Registry as _NativeRegistry
from ._mlops import _Monitor

if TYPE_CHECKING:
    from typing_extensions import Self

    from . import Suite

__all__ = ["monitor", "monitors", "Monitor"]

Store = Union[str, "os.PathLike[str]", _NativeRegistry, None]
Clock = Union[int, _dt.datetime, None]

_open: weakref.WeakSet[Monitor] = weakref.WeakSet()
_hooks_installed = False
_hooks_lock = threading.Lock()


def _on_exit() -> None:
    for m in list(_open):
        try:
            m.flush()
        except Exception:  # noqa: BLE001 - at exit there is no one left to tell
            pass


def _registry(store: Store) -> _NativeRegistry:
    if isinstance(store, _NativeRegistry):
        return store
    from . import Registry

    return Registry(None if store is None else os.fspath(store))


def _ms(now: Clock, what: str) -> Optional[int]:
    """A clock as Unix milliseconds: an ``int`` as it is, a ``datetime``
    (naive ones taken as UTC, as the engine takes naive event times)."""
    if now is None:
        return None
    if isinstance(now, bool):
        raise TypeError(f"{what} expects Unix milliseconds (int), a datetime or None, not bool")
    if isinstance(now, int):
        return now
    if isinstance(now, _dt.datetime):
        if now.tzinfo is None:
            now = now.replace(tzinfo=_dt.timezone.utc)
        delta = now - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    raise TypeError(f"{what} expects Unix milliseconds (int), a datetime or None, not {type(now).__name__}")


def _data(data: Any, what: str) -> Any:
    """A path as text, anything else as Arrow data the engine reads."""
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    if type(data).__module__ == "pyarrow.lib" and type(data).__name__ in ("Table", "RecordBatch"):
        # A pyarrow Table or RecordBatch as it is: the path a request
        # handler logging a few rows takes, kept short.
        return data
    from . import _as_arrow

    try:
        return _as_arrow(data)
    except TypeError:
        raise TypeError(
            f"{what} expects Arrow data (a pyarrow Table, RecordBatch or RecordBatchReader, a pandas or "
            f"polars DataFrame, any object with __arrow_c_stream__) or a file path, not {type(data).__name__}"
        ) from None


class Monitor:
    """A monitor open for logging; see :func:`monitor`. Use it as ``with
    mlops.monitor(...) as mon:`` to flush when the block ends (a monitor
    also flushes every few seconds, when it is collected, when the
    interpreter exits and on SIGTERM)."""

    def __init__(self, native: _Monitor) -> None:
        self._native = native
        self._callbacks: list[Callable[[dict[str, Any]], Any]] = []

    @property
    def name(self) -> str:
        """The monitor's name."""
        return self._native.name

    @property
    def config(self) -> dict[str, Any]:
        """Its settings, every default filled in by the engine (``window_secs``,
        ``timestamp``, ``allowed_lateness_secs``, ``drift``, ...)."""
        return self._native.config

    def log(self, batch: Any) -> int:
        """Logs what the model saw (and predicted): a pyarrow Table,
        RecordBatch or reader, a pandas or polars DataFrame, or a data file
        path. Each row goes to the window of its event time (floored to the
        window length, UTC) and to its segment; rows with no event time, an
        event time past the clock by more than the tolerance, or a window
        already final are counted (``rejected.*`` in :meth:`results`), not
        placed. Returns the rows placed. A missing timestamp or segment
        column, or a timestamp column that is not a timestamp or date, is an
        ``InvalidInputError`` naming it."""
        return self._native.log(_data(batch, "Monitor.log"))

    def log_labels(self, labels: Any) -> dict[str, int]:
        """Joins labels (data with the monitor's ``id`` and ``target``
        columns, as :meth:`log` takes) with the predictions the monitor kept;
        each joined label counts in its prediction's window. Returns
        ``{"joined", "unknown_ids", "duplicates", "nulls"}``."""
        return self._native.log_labels(_data(labels, "Monitor.log_labels"))

    def flush(self) -> None:
        """Writes every buffered row now."""
        self._native.flush()

    def set_clock(self, now: Clock) -> None:
        """Sets "now" for the future-date and lateness checks: Unix
        milliseconds (``int``) or a ``datetime`` (naive: UTC); ``None`` gives
        them back the system clock. For tests and replaying past traffic."""
        self._native.set_clock(_ms(now, "set_clock"))

    def set_flush_interval(self, seconds: float) -> None:
        """Sets how often the monitor's thread writes what was logged, in
        seconds (5 until set): what a process killed outright can lose. Not
        a positive number of seconds is an ``InvalidInputError``."""
        self._native.set_flush_interval(seconds)

    def results(self, now: Clock = None) -> Any:
        """Flushes, then every (window, segment) evaluated, as a pyarrow
        Table: ``window_start``, ``window_end``, ``segment`` (``""`` for all
        rows), ``is_final``, then a float column per figure (``rows``,
        ``null_ratio``, ``out_of_range_ratio``, ``drift.share``,
        ``drift.detected.<column>``, ``labels.count``, ``rejected.future``,
        ...). ``now`` (as :meth:`set_clock` takes it) decides which windows
        are final; the system clock when ``None``."""
        return self._native.results(_ms(now, "results"))

    def state(self) -> dict[str, Any]:
        """Flushes, then what the monitor's log holds, folded (settings,
        reference, each window's counts, rules, alerts), as a dict."""
        return self._native.state()

    def rule(
        self,
        rule: str,
        *,
        name: Optional[str] = None,
        severity: Optional[str] = None,
        cooldown_windows: Optional[int] = None,
    ) -> str:
        """Adds an alert rule over the window figures (``"drift.share > 0.3
        for 2 windows"``, ``"quality.realized.roc_auc < reference.roc_auc -
        0.05"``, ``"rows < reference.rows.mean - 3 * reference.rows.std"``)
        with its ``severity`` (``info``, ``warning``, ``critical``) and the
        windows after a resolve during which it does not fire again. A rule
        of the same ``name`` (made from the text when ``None``) is
        replaced. Returns the name. A rule that does not parse is an
        ``InvalidInputError`` naming the position."""
        return self._native.rule(rule, name, severity, cooldown_windows)

    def webhook(self, url: Optional[str], *, secret_env: Optional[str] = None) -> None:
        """Posts each retrain request a later :meth:`check` logs to ``url``
        as JSON, signed like GitHub's webhooks: ``X-Mlops-Signature:
        sha256=<hex HMAC-SHA256 of the raw body>`` with the secret held in
        environment variable ``secret_env`` (its name is logged, never its
        value; it is read when a request is posted), plus
        ``X-Mlops-Event-Id`` (``<monitor>:<seq>``, stable across retries)
        and ``X-Mlops-Timestamp``. A failed delivery never fails the check:
        it is in the request's ``webhook`` entry of the report and logged.
        ``url=None`` removes the webhook. A bad URL or variable name is an
        ``InvalidInputError``."""
        self._native.webhook(url, secret_env)

    def on_alert(self, callback: Callable[[dict[str, Any]], Any]) -> None:
        """Calls ``callback(alert)`` for each alert that fires in a later
        :meth:`check` (once per firing: the alert is logged, so a later
        check does not report it again). ``alert`` is the logged change:
        ``rule``, ``state``, ``severity``, ``window``, ``windows``, ``seq``,
        ``retrain_requested`` (the number of the ``retrain_requested``
        event, when the rule's severity asks for retraining) and ``cause``
        (what a retraining run passes as ``start_run(cause=...)``)."""
        self._callbacks.append(callback)

    def check(self, *, retrain_on: Optional[str] = None) -> dict[str, Any]:
        """Flushes, evaluates every rule over the windows and logs each new
        state change (ok → firing → resolved); each new firing of severity
        ``retrain_on`` or worse (the engine's default: critical) also logs a
        ``retrain_requested`` event. Calls the :meth:`on_alert` callbacks
        for the new firings. Returns ``{"new_alerts", "firing",
        "retrain_requests", "worst"}``."""
        report = self._native.check(retrain_on)
        requests = {r["alert"]: r for r in report["retrain_requests"]}
        for alert in report["new_alerts"]:
            if alert["state"] != "firing":
                continue
            alert = dict(alert)
            request = requests.get(alert["seq"])
            alert["retrain_requested"] = None if request is None else request["seq"]
            alert["cause"] = None if request is None else request["cause"]
            for cb in self._callbacks:
                cb(alert)
        return report

    def prometheus_text(self, format: Optional[str] = None) -> str:
        """Flushes, then the monitor in the Prometheus exposition format:
        ``"text"`` (0.0.4, the default) or ``"openmetrics"``. Serve it from
        a ``/metrics`` route (FastAPI, Flask) or with ``mlops monitor
        serve``."""
        return self._native.prometheus_text(format)

    def report(self, path: Union[str, os.PathLike[str]]) -> int:
        """Flushes, then writes the dashboard (one self-contained HTML
        page) to ``path``, and the drift report of each drifted window into
        ``<path stem>_windows/`` beside it; returns how many."""
        return self._native.report(os.fspath(path))

    def _repr_html_(self) -> str:
        return self._native.dashboard()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()

    def __repr__(self) -> str:
        return repr(self._native)


def monitor(
    name: str,
    *,
    reference: Optional[Sequence[Union[str, int]]] = None,
    window: Optional[str] = None,
    timestamp: Optional[str] = None,
    prediction: Optional[str] = None,
    target: Optional[str] = None,
    id: Optional[str] = None,
    segments: Optional[Sequence[str]] = None,
    max_segments: Optional[int] = None,
    allowed_lateness: Optional[str] = None,
    future_tolerance: Optional[str] = None,
    prediction_retention: Optional[str] = None,
    task: Optional[str] = None,
    threshold: Optional[float] = None,
    drift: Optional[Mapping[str, Any]] = None,
    suite: Union[Suite, str, os.PathLike[str], None] = None,
    store: Store = None,
) -> Monitor:
    """Opens monitor ``name`` of ``store`` (a URL or path, default
    ``./.mlops``, or a :class:`Registry`), creating it with these settings
    when there is none. Opening an existing monitor with settings that
    differ from its own is a ``ConflictError`` naming the first (settings
    left ``None`` are the monitor's).

    ``timestamp`` (required to create one) is the event-time column.
    ``reference`` is a data set version windows are compared with:
    ``("churn-train", 7)``, ``("churn-train", "production")`` or
    ``("dataset", "churn-train", "7")``. Durations are text (``"90s"``,
    ``"15m"``, ``"1h"``, ``"2d"``, ``"1w"``): ``window`` its length,
    ``allowed_lateness`` how long after its end a window takes late rows,
    ``future_tolerance`` how far past the clock an event time may be,
    ``prediction_retention`` how long kept predictions wait for labels.
    ``prediction``, ``target`` and ``id`` name the model's output, the
    label and the prediction id (labels join by id); ``segments`` cut each
    window by their values (at most ``max_segments`` kept apart); ``task``
    is ``"binary"``, ``"multiclass"`` or ``"regression"`` and
    ``threshold`` the positive-class score of binary tasks; ``drift`` the
    drift options (the keyword names of :func:`mlops.drift`). ``suite``
    is a validation suite (a :class:`mlops.Suite` or a suite file's path)
    every window and segment is checked with: its verdicts are the
    ``suite.*`` fields of :meth:`Monitor.results` (``suite.success``,
    ``suite.failed``, ``suite.<check>.unexpected_percent``, ...), equal to
    :func:`mlops.validate` on the window's rows. Every option left
    ``None`` takes the engine's default.
    """
    native = _registry(store)._monitor(
        name,
        None if reference is None else tuple(reference),
        window,
        timestamp,
        prediction,
        target,
        id,
        None if segments is None else list(segments),
        max_segments,
        allowed_lateness,
        future_tolerance,
        prediction_retention,
        task,
        threshold,
        None if drift is None else dict(drift),
        suite,
    )
    m = Monitor(native)
    global _hooks_installed
    with _hooks_lock:
        _open.add(m)
        if not _hooks_installed:
            _hooks_installed = True
            atexit.register(_on_exit)
    return m


def monitors(store: Store = None) -> list[str]:
    """The names of the monitors of ``store``, sorted."""
    return _registry(store).monitors()
