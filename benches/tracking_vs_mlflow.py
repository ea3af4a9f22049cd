"""Experiment tracking, mlops against MLflow 3 with its default SQLite store,
side by side in one run (issue 17's targets; not part of the tests).

    benches/setup_peers.sh                       # once: .venv-peers (mlflow)
    .venv/bin/python benches/tracking_vs_mlflow.py [--steps 100000] [--runs 1000]

Measured, each in a fresh store under one temporary folder:
- points: 10 keys × STEPS steps from a Python loop (`run.log(dict, step=i)`)
  against MLflow's `log_batch` in batches of 1,000 metrics (MLflow's limit);
  mlops' `log_table` of the same points; the bytes on disk of the points;
- a run's life: start + 10 params + 10 metrics + end, per run;
- search: RUNS runs with 20 params and 20 metrics each, one filtered,
  ordered, limited search (`search_runs` in both);
- reading: the full history of one key, and a 1,000-point downsampled view.
MLflow runs in its own venv (.venv-peers) through a worker subprocess; each
side reports its own wall times (time.perf_counter), best of REPEAT.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PEERS = os.path.join(ROOT, ".venv-peers", "bin", "python")

MLFLOW_WORKER = r"""
import json, os, sys, time, logging
logging.disable(logging.WARNING)
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
import mlflow
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

root, steps, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mlflow.set_tracking_uri("sqlite:///" + os.path.join(root, "mlflow.db"))
client = MlflowClient()
exp = client.create_experiment("bench", artifact_location=os.path.join(root, "artifacts"))
out = {}

# Points: 10 keys x steps, log_batch of 1,000 metrics.
run = client.create_run(exp)
t = time.perf_counter()
batch, now = [], int(time.time() * 1000)
for i in range(steps):
    for k in range(10):
        batch.append(Metric(f"m{k}", float(i) * 0.5 + k, now, i))
        if len(batch) == 1000:
            client.log_batch(run.info.run_id, metrics=batch)
            batch = []
if batch:
    client.log_batch(run.info.run_id, metrics=batch)
out["points_s"] = time.perf_counter() - t
client.set_terminated(run.info.run_id)

t = time.perf_counter()
h = client.get_metric_history(run.info.run_id, "m0")
out["history_s"] = time.perf_counter() - t
out["history_rows"] = len(h)

# A run's life: start + 10 params + 10 metrics + end.
n = 100
t = time.perf_counter()
for r in range(n):
    with mlflow.start_run(experiment_id=exp):
        mlflow.log_params({f"p{j}": j for j in range(10)})
        mlflow.log_metrics({f"m{j}": float(j) for j in range(10)})
out["run_life_s"] = (time.perf_counter() - t) / n

# Search over `runs` runs with 20 params and 20 metrics each.
exp2 = client.create_experiment("search", artifact_location=os.path.join(root, "artifacts2"))
for r in range(runs):
    rr = client.create_run(exp2)
    client.log_batch(rr.info.run_id,
                     params=[Param(f"p{j}", str((r + j) % 7)) for j in range(20)],
                     metrics=[Metric(f"m{j}", float((r * 31 + j) % 1000) / 1000, now, 0) for j in range(20)])
    client.set_terminated(rr.info.run_id)
best = None
for _ in range(3):
    t = time.perf_counter()
    hits = client.search_runs([exp2], "params.p0 = '3' and metrics.m1 < 0.5", order_by=["metrics.m1 ASC"], max_results=5)
    dt = time.perf_counter() - t
    best = dt if best is None else min(best, dt)
out["search_s"] = best
out["search_hits"] = len(hits)
print(json.dumps(out))
"""


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    return total


def mlops_side(root, steps, runs):
    import numpy as np
    import pyarrow as pa

    import mlops

    out = {}
    store = os.path.join(root, "points")
    reg = mlops.Registry(store)
    run = mlops.start_run("bench", store=reg)
    keys = [f"m{k}" for k in range(10)]
    t = time.perf_counter()
    for i in range(steps):
        run.log({k: float(i) * 0.5 + j for j, k in enumerate(keys)}, step=i)
    run.flush()  # every point in the store, as MLflow's are after log_batch
    out["points_s"] = time.perf_counter() - t
    t = time.perf_counter()
    run.end("finished")  # compaction: the segments rewritten as one sorted file
    out["end_s"] = time.perf_counter() - t
    out["points_bytes"] = du(os.path.join(store, "blobs"))
    rid = run.id

    table = pa.table({
        "key": pa.array(np.tile(keys, steps)),
        "step": np.repeat(np.arange(steps, dtype=np.int64), 10),
        "value": np.repeat(np.arange(steps) * 0.5, 10) + np.tile(np.arange(10.0), steps),
    })
    with mlops.start_run("bench", store=reg) as run2:
        t = time.perf_counter()
        run2.log_table(table)
        run2.flush()
        out["log_table_s"] = time.perf_counter() - t

    best = best_d = None
    for _ in range(3):
        t = time.perf_counter()
        h = reg.run_history(rid, "m0")
        dt = time.perf_counter() - t
        t = time.perf_counter()
        d = reg.run_history(rid, "m0", downsample=250)
        dd = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
        best_d = dd if best_d is None else min(best_d, dd)
    out["history_s"], out["history_rows"] = best, h.num_rows
    out["downsample_s"], out["downsample_rows"] = best_d, d.num_rows

    life = mlops.Registry(os.path.join(root, "life"))
    n = 100
    t = time.perf_counter()
    for r in range(n):
        with mlops.start_run("bench", store=life, params={f"p{j}": j for j in range(10)}) as run:
            run.log({f"m{j}": float(j) for j in range(10)}, step=0)
    out["run_life_s"] = (time.perf_counter() - t) / n

    sreg = mlops.Registry(os.path.join(root, "search"))
    for r in range(runs):
        with mlops.start_run("search", store=sreg, params={f"p{j}": (r + j) % 7 for j in range(20)},
                             compact=False) as run:
            run.log({f"m{j}": float((r * 31 + j) % 1000) / 1000 for j in range(20)}, step=0)
    best = None
    for _ in range(3):
        t = time.perf_counter()
        hits = sreg.search_runs("params.p0 = 3 and metrics.m1 < 0.5 order by metrics.m1 limit 5")
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    out["search_s"], out["search_hits"] = best, hits.num_rows
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=1000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "mlflow"))
        mine = mlops_side(root, a.steps, a.runs)
        theirs = None
        has_mlflow = os.path.exists(PEERS) and subprocess.run(
            [PEERS, "-c", "import mlflow"], capture_output=True).returncode == 0
        if has_mlflow:
            res = subprocess.run([PEERS, "-c", MLFLOW_WORKER, os.path.join(root, "mlflow"), str(a.steps), str(a.runs)],
                                 check=True, capture_output=True, text=True)
            theirs = json.loads(res.stdout.strip().splitlines()[-1])
    pts = 10 * a.steps
    print(f"points ({pts:,}: 10 keys x {a.steps:,} steps, Python loop of run.log):")
    print(f"  mlops  {mine['points_s']:.3f} s ({pts / mine['points_s'] / 1e6:.2f} M points/s), "
          f"{mine['points_bytes'] / 2**20:.2f} MiB on disk")
    print(f"  mlops log_table {mine['log_table_s']:.3f} s; ending the run (compaction) {mine['end_s']:.3f} s")
    if theirs:
        print(f"  MLflow log_batch(1000) {theirs['points_s']:.2f} s -> mlops {theirs['points_s'] / mine['points_s']:.0f}x faster")
    print(f"run life (start + 10 params + 10 metrics + end): mlops {mine['run_life_s'] * 1e3:.2f} ms"
          + (f", MLflow {theirs['run_life_s'] * 1e3:.2f} ms -> {theirs['run_life_s'] / mine['run_life_s']:.1f}x" if theirs else ""))
    print(f"search over {a.runs:,} runs (20 params, 20 metrics): mlops {mine['search_s'] * 1e3:.1f} ms ({mine['search_hits']} hits)"
          + (f", MLflow {theirs['search_s'] * 1e3:.1f} ms ({theirs['search_hits']} hits) -> {theirs['search_s'] / mine['search_s']:.1f}x" if theirs else ""))
    print(f"history of one key ({mine['history_rows']:,} points): mlops {mine['history_s'] * 1e3:.1f} ms"
          + (f", MLflow get_metric_history {theirs['history_s'] * 1e3:.1f} ms ({theirs['history_rows']:,})" if theirs else ""))
    print(f"downsampled view ({mine['downsample_rows']} points): mlops {mine['downsample_s'] * 1e3:.1f} ms")
    json.dump({"mlops": mine, "mlflow": theirs, "steps": a.steps, "runs": a.runs}, sys.stderr)


if __name__ == "__main__":
    main()
