"""The monitoring figures of issue #18 that need no peer (not a test; a
bench run on an idle machine):

- one window of 1M rows x 20 columns (the shared workload): logged (profile
  and data quality per window and segment-free), then evaluated (drift
  against the reference, realized quality from labels, CBPE estimates);
- the logging overhead of a request handler: the median and p99 of
  ``mon.log`` for 1-row batches, and the throughput lost at 1,000-row batches
  (the same loop with and without logging);
- a late batch merged into a closed window and the window evaluated again;
- a year of hourly windows (8,760): opening the monitor and writing its
  dashboard, and the page's size;
- with ``--evidently``, the same one window through Evidently 0.7's report
  (data summary, drift of every column, binary classification quality) in
  ``.venv-evidently`` (``benches/setup_peers.sh``), side by side.

    .venv/bin/python benches/monitor_figures.py [--rows 1000000] [--year-rows 100] [--evidently]
"""
import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(__file__))
from _bench import BENCHES, ROOT, workload  # noqa: E402

import mlops  # noqa: E402

HOUR = dt.timedelta(hours=1)
START = dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)


def with_time(table, t0, seconds=3600):
    n = table.num_rows
    offsets = np.sort(np.random.default_rng(n).integers(0, seconds * 1000, n)).astype("timedelta64[ms]")
    times = np.datetime64(t0.replace(tzinfo=None), "ms") + offsets
    table = table.append_column("event_time", pa.array(times, pa.timestamp("ms", tz="UTC")))
    return table.append_column("request_id", pa.array(np.arange(n, dtype=np.int64)))


def best(f, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def one_window(rows, store):
    ref = pq.read_table(workload(rows))
    cur = pq.read_table(workload(rows, name="cur", shift="strong"))
    score = "y_pred" if "y_pred" in ref.column_names else None
    reg = mlops.Registry(store)
    reg.commit_dataset("ref", with_time(ref, START - 24 * HOUR, 24 * 3600))
    labels = cur.select(["y_true"]) if "y_true" in cur.column_names else None
    batch = with_time(cur.drop_columns([c for c in ("y_true",) if c in cur.column_names]), START)
    print(f"one window: {batch.num_rows} rows x {batch.num_columns - 2} columns (+ time, id); reference {ref.num_rows} rows")

    def run(i):
        t = time.perf_counter()
        mon = mlops.monitor(f"w{i}", reference=("ref", 1), timestamp="event_time", prediction=score,
                            target="y_true" if labels is not None else None, id="request_id", store=reg)
        if i == 0:
            print(f"  creating the monitor (the reference's figures, its own windows, CBPE fitted on its "
                  f"pairs; once per monitor): {time.perf_counter() - t:.2f} s")
        mon.set_clock(START + HOUR)
        t = time.perf_counter()
        mon.log(batch)
        mon.flush()
        logged = time.perf_counter() - t
        if labels is not None:
            mon.log_labels(pa.table({"request_id": batch["request_id"], "y_true": labels["y_true"]}))
        t = time.perf_counter()
        res = mon.results(now=START + HOUR)
        evaluated = time.perf_counter() - t
        return logged, evaluated, res

    runs = [run(i) for i in range(3)]
    logged = min(r[0] for r in runs)
    evaluated = min(r[1] for r in runs)
    res = runs[0][2]
    overall = res.filter(pc.equal(res["segment"], ""))
    print(f"  log (profile, data quality, kept predictions) + flush: {logged:.3f} s")
    print(f"  evaluate (drift vs reference, quality, CBPE): {evaluated:.3f} s; total {logged + evaluated:.3f} s")
    print(f"  drift.share {overall['drift.share'][0].as_py():.2f}, "
          f"quality.realized.accuracy {overall['quality.realized.accuracy'][0].as_py() if 'quality.realized.accuracy' in overall.column_names else None}")
    return logged + evaluated


def handler_overhead(store):
    reg = mlops.Registry(store)
    mon = mlops.monitor("svc", timestamp="t", store=reg)
    now = dt.datetime.now(dt.timezone.utc)
    one = pa.table({"t": pa.array([now], pa.timestamp("ms", tz="UTC")), "x": [1.0], "c": ["a"]})
    for _ in range(200):
        mon.log(one)
    lat = []
    for _ in range(5000):
        t = time.perf_counter_ns()
        mon.log(one)
        lat.append(time.perf_counter_ns() - t)
    lat.sort()
    print(f"request handler, 1-row batches: median {lat[len(lat) // 2] / 1000:.1f} us, "
          f"p99 {lat[int(len(lat) * 0.99)] / 1000:.1f} us per log")
    rng = np.random.default_rng(0)
    k = 1000
    big = pa.table({"t": pa.array([now] * k, pa.timestamp("ms", tz="UTC")), "x": rng.normal(size=k),
                    "c": rng.choice(["a", "b", "c"], k)})

    def handler(log):
        # A stand-in for a request's own work: scoring 1,000 rows.
        w = rng.normal(size=(8, 64))
        for _ in range(200):
            x = rng.normal(size=(k, 8))
            np.tanh(x @ w).sum()
            if log:
                mon.log(big)

    base, _ = best(lambda: handler(False))
    logged, _ = best(lambda: handler(True))
    print(f"  1,000-row batches in a handler doing a stand-in 1,000-row work ({base / 200 * 1e6:.0f} us a request): "
          f"{100 * (logged - base) / base:.1f} % throughput lost")

    # A service's handler: the request's JSON body (1,000 rows of 8
    # features) parsed, made a table, scored by a fitted gradient-boosting
    # model (scikit-learn), then logged with the score.
    from sklearn.ensemble import HistGradientBoostingClassifier

    feats = [f"f{i}" for i in range(8)]
    x = rng.normal(size=(20_000, 8))
    model = HistGradientBoostingClassifier(max_iter=100, random_state=0).fit(x, x[:, 0] + rng.normal(size=20_000) > 0)
    now_ms = int(now.timestamp() * 1000)
    bodies = [json.dumps([{"t": now_ms, **{f: float(v) for f, v in zip(feats, row)}}
                          for row in rng.normal(size=(k, 8))]) for _ in range(50)]

    served = mlops.monitor("service", timestamp="t", store=reg)

    def service(log):
        for body in bodies:
            t = pa.Table.from_pylist(json.loads(body))
            t = t.set_column(0, "t", t["t"].cast(pa.timestamp("ms", tz="UTC")))
            score = model.predict_proba(np.column_stack([t[f].to_numpy() for f in feats]))[:, 1]
            if log:
                served.log(t.append_column("score", pa.array(score)))

    base, _ = best(lambda: service(False))
    logged, _ = best(lambda: service(True))
    print(f"  1,000-row batches in a handler parsing a JSON body and scoring it with scikit-learn "
          f"({base / len(bodies) * 1e3:.1f} ms a request): {100 * (logged - base) / base:.1f} % throughput lost")


def late_batch(store):
    reg = mlops.Registry(store)
    rng = np.random.default_rng(1)
    ref = pa.table({"t": pa.array([START - HOUR] * 10_000, pa.timestamp("s", tz="UTC")),
                    **{f"x{i}": rng.normal(size=10_000) for i in range(20)}})
    reg.commit_dataset("late-ref", ref)
    mon = mlops.monitor("late", reference=("late-ref", 1), timestamp="t", store=reg)
    for h in range(24):
        mon.set_clock(START + (h + 1) * HOUR)
        mon.log(pa.table({"t": pa.array([START + h * HOUR] * 10_000, pa.timestamp("s", tz="UTC")),
                          **{f"x{i}": rng.normal(size=10_000) for i in range(20)}}))
    mon.flush()
    late = pa.table({"t": pa.array([START + 2 * HOUR] * 1000, pa.timestamp("s", tz="UTC")),
                     **{f"x{i}": rng.normal(size=1000) for i in range(20)}})
    window = int((START + 2 * HOUR).timestamp())

    def merge_and_evaluate():
        mon.log(late)
        mon.flush()
        return mon.results()

    secs, _ = best(merge_and_evaluate)
    print(f"late batch (1,000 rows x 20 columns) into window {window} of 24, merged and all windows evaluated again: {secs * 1000:.0f} ms")


def a_year(store, rows):
    reg = mlops.Registry(store)
    rng = np.random.default_rng(2)
    reg.commit_dataset("year-ref", pa.table({"t": pa.array([START - HOUR] * 1000, pa.timestamp("s", tz="UTC")),
                                             "x": rng.normal(size=1000), "y": rng.normal(size=1000)}))
    hours = 8760
    times = np.datetime64(START.replace(tzinfo=None), "s") + np.repeat(np.arange(hours), rows).astype("timedelta64[h]")
    table = pa.table({"t": pa.array(times, pa.timestamp("s", tz="UTC")), "x": rng.normal(size=hours * rows),
                      "y": rng.normal(size=hours * rows)})
    week = 24 * 7
    for name, checked in (("year", True), ("year-cold", False)):
        mon = mlops.monitor(name, reference=("year-ref", 1), timestamp="t", store=reg,
                            allowed_lateness="53w")  # replayed at once: no window final yet
        t = time.perf_counter()
        for i, b in enumerate(table.to_batches(max_chunksize=week * rows)):
            # Replaying: "now" is the end of each week logged; the checked
            # monitor is checked after each week, as a cron job would (which
            # keeps the evaluated windows), the other only flushed.
            mon.set_clock(START + min(hours, (i + 1) * week) * HOUR)
            mon.log(b)
            mon.check() if checked else mon.flush()
        what = "logged and checked weekly" if checked else "logged, never evaluated"
        print(f"a year of hourly windows ({name}): {hours} windows x {rows} rows {what} in "
              f"{time.perf_counter() - t:.1f} s")
    page = os.path.join(store, "year.html")
    secs, _ = best(lambda: mlops.monitor("year", store=reg).report(page), repeat=3)
    print(f"  open the monitor and write its dashboard: {secs * 1000:.0f} ms; page {os.path.getsize(page) / 1024:.0f} KiB")
    t = time.perf_counter()
    mlops.monitor("year-cold", store=reg).report(os.path.join(store, "cold.html"))
    print(f"  the same for the monitor never evaluated (every window merged and compared): "
          f"{(time.perf_counter() - t) * 1000:.0f} ms")


def evidently_one_window(rows):
    """Evidently's report over the same window (see _monitor_peer_worker.py)."""
    python = os.path.join(ROOT, ".venv-evidently", "bin", "python")
    if not os.path.exists(python):
        sys.exit("no .venv-evidently: run benches/setup_peers.sh first")
    worker = os.path.join(BENCHES, "_monitor_peer_worker.py")
    ref, cur = workload(rows), workload(rows, name="cur", shift="strong")
    out = subprocess.run([python, worker, ref, cur, "1"], capture_output=True, text=True, check=True, cwd=BENCHES)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"Evidently {r['version']} report (DataSummaryPreset, DataDriftPreset, ClassificationPreset) on the "
          f"same window: {r['seconds']:.1f} s, peak {r['peak_rss_mb']:.0f} MiB; drifted columns {r['drifted']}, "
          f"accuracy {r['accuracy']}")
    return r["seconds"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--year-rows", type=int, default=100)
    ap.add_argument("--year-only", action="store_true", help="only the year of hourly windows")
    ap.add_argument("--evidently", action="store_true", help="also time Evidently's report on the one window")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        if not a.year_only:
            ours = one_window(a.rows, os.path.join(d, "one"))
            if a.evidently:
                theirs = evidently_one_window(a.rows)
                print(f"  one window: mlops {ours:.2f} s vs Evidently {theirs:.1f} s: {theirs / ours:.0f}x faster")
            handler_overhead(os.path.join(d, "svc"))
            late_batch(os.path.join(d, "late"))
        a_year(os.path.join(d, "year"), a.year_rows)


if __name__ == "__main__":
    main()
