"""A process that logs into a monitor, for mlops-py/tests/test_monitor_service.py
(run as ``python monitor_worker.py MODE STORE [WORKER]``):

- ``log STORE WORKER``: opens (or creates) monitor ``shared``, prints
  ``ready``, waits for a line on stdin (so that every worker starts at
  once), logs :func:`batch` ``(WORKER, i)`` for each of :data:`BATCHES`
  batches, flushing after every fourth, and prints ``done``;
- ``stream STORE``: logs a batch of :data:`STREAM_ROWS` rows every few
  milliseconds (flush interval :data:`STREAM_FLUSH_INTERVAL`) until it is
  killed, printing ``ack <rows logged so far>
  <CLOCK_MONOTONIC seconds>`` after each;
- ``exit STORE`` / ``term STORE``: logs :data:`FEW_ROWS` rows, prints
  ``logged``, then returns (a normal interpreter exit) or waits to be
  sent SIGTERM; ``own-handler STORE`` first sets a SIGTERM handler of its
  own that exits with status 3; ``term-run STORE`` also has a run open
  (printing ``run <id>``), which SIGTERM ends ``killed``.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import time

import pyarrow as pa

UTC = dt.timezone.utc
#: The first window's start: 2026-11-02T00:00:00Z.
START = dt.datetime(2026, 11, 2, tzinfo=UTC)
#: The monitor's clock: three hours after START, so that every row is on time.
NOW = START + dt.timedelta(hours=3)
WINDOW_SECS = 3600
BATCHES = 12
STREAM_ROWS = 100
FEW_ROWS = 10
#: The flush interval of the ``stream`` mode (seconds): what SIGKILL may lose.
STREAM_FLUSH_INTERVAL = 1.0


def batch(worker: int, i: int) -> pa.Table:
    """Batch ``i`` of worker ``worker``: ``50 + 7 * worker + 3 * i`` rows spread
    over three hourly windows; ``x`` whole numbers unique to the row (null
    every eleventh row)."""
    n = 50 + 7 * worker + 3 * i
    secs = [(worker * 31 + i * 17 + j * 1801) % (3 * WINDOW_SECS) for j in range(n)]
    return pa.table(
        {
            "t": pa.array([START + dt.timedelta(seconds=s) for s in secs], pa.timestamp("s", tz="UTC")),
            "x": pa.array([None if j % 11 == 0 else float(worker * 100_000 + i * 1000 + j) for j in range(n)]),
            "worker": pa.array([f"w{worker}"] * n),
        }
    )


def open_shared(store: str):  # noqa: ANN201 - mlops.Monitor, imported late
    import mlops

    mon = mlops.monitor("shared", timestamp="t", window="1h", store=store)
    mon.set_clock(NOW)
    return mon


def main() -> None:
    mode, store = sys.argv[1], sys.argv[2]
    if mode == "own-handler":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    if mode == "term-run":
        import mlops

        run = mlops.start_run("service", store=store)
        print(f"run {run.id}", flush=True)
    mon = open_shared(store)
    if mode == "log":
        worker = int(sys.argv[3])
        print("ready", flush=True)
        sys.stdin.readline()
        for i in range(BATCHES):
            mon.log(batch(worker, i))
            if i % 4 == 3:
                mon.flush()
        mon.flush()
        print("done", flush=True)
    elif mode == "stream":
        mon.set_flush_interval(STREAM_FLUSH_INTERVAL)
        logged = 0
        i = 0
        while True:
            mon.log(batch(i % 8, 20).slice(0, STREAM_ROWS))
            logged += STREAM_ROWS
            i += 1
            print(f"ack {logged} {time.monotonic():.6f}", flush=True)
            time.sleep(0.02)  # a service's pace: requests come and go
    else:
        # Longer than the test waits: the rows are written by the exit or
        # SIGTERM flush, not by the monitor's timer.
        mon.set_flush_interval(3600)
        mon.log(batch(0, 0).slice(0, FEW_ROWS))
        print("logged", flush=True)
        if mode in ("term", "own-handler", "term-run"):
            time.sleep(600)


if __name__ == "__main__":
    main()
