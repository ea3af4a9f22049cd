"""The serving guard's cost per request, in-process from Python (issue #20
target: ``guard.check`` on a 1-row request under 50 µs median).

    python benches/guard_check.py [--columns 20] [--repeat 20000]

A package with 20 inputs (10 Float64, 5 Int64, 5 Utf8) and one output; a
1-row request in each form a service receives: a pyarrow Table, a list with
one row dict (a parsed JSON body), the raw JSON bytes. Each call is timed
with ``time.perf_counter_ns``; the median and p99 of ``--repeat`` calls are
reported, after a warm-up. ``check + observe`` adds the observation (the
rolling profile's queue). A 1,000-row Table gives the per-batch overhead.

With ``.venv-whylogs`` (benches/setup_peers.sh) present, whylogs'
per-request ``why.log(df)`` on the same 1-row pandas frame is timed there
too, for the ratio (the research's goal: at least 10x lower overhead).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import pyarrow as pa

import mlops

ROOT = pathlib.Path(__file__).resolve().parent.parent
WHYLOGS_PYTHON = ROOT / ".venv-whylogs" / "bin" / "python"

WHYLOGS_WORKER = r"""
import json, sys, time, statistics
import pandas as pd, whylogs as why
row, repeat = json.loads(sys.argv[1]), int(sys.argv[2])
df = pd.DataFrame([row])
for _ in range(50): why.log(df)
t = []
for _ in range(repeat):
    s = time.perf_counter_ns(); why.log(df); t.append(time.perf_counter_ns() - s)
print(json.dumps({"median_us": statistics.median(t) / 1e3, "whylogs": why.__version__}))
"""


def columns(n: int) -> list[dict]:
    cols = []
    for i in range(n):
        t = "Float64" if i % 4 < 2 else ("Int64" if i % 4 == 2 else "Utf8")
        cols.append({"name": f"f{i}", "type": t})
    return cols


def row(cols: list[dict], i: int = 0) -> dict:
    v = {"Float64": 1.5 + i, "Int64": 7 + i, "Utf8": f"s{i % 5}"}
    return {c["name"]: v[c["type"]] for c in cols}


def timed(f, repeat: int) -> tuple[float, float]:
    for _ in range(min(2000, repeat)):
        f()
    t = []
    for _ in range(repeat):
        s = time.perf_counter_ns()
        f()
        t.append(time.perf_counter_ns() - s)
    t.sort()
    return statistics.median(t) / 1e3, t[int(len(t) * 0.99)] / 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--columns", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=20000)
    args = ap.parse_args()
    cols = columns(args.columns)
    d = pathlib.Path(tempfile.mkdtemp())
    (d / "model.pkl").write_bytes(b"w")
    sig = {"inputs": cols, "outputs": [{"name": "score", "type": "Float64"}]}
    pkg = mlops.Package.build(d, name="bench", version="1", flavor="sklearn", signature=sig)
    guard = mlops.Guard(pkg)
    r = row(cols)
    table = pa.Table.from_pylist([r])
    rows = [r]
    body = json.dumps(rows).encode()
    y = pa.array([0.5])
    big = pa.Table.from_pylist([row(cols, i) for i in range(1000)])
    big_y = pa.array([0.5] * 1000)

    results = {}
    results["check(pyarrow Table, 1 row)"] = timed(lambda: guard.check(table), args.repeat)
    results["check(list of 1 row dict)"] = timed(lambda: guard.check(rows), args.repeat)
    results["check(JSON bytes, 1 row)"] = timed(lambda: guard.check(body), args.repeat)

    def check_observe() -> None:
        guard.observe(guard.check(table), y)

    results["check + observe (Table, 1 row)"] = timed(check_observe, args.repeat)
    results["pa.Table.from_pylist (1 row, no guard)"] = timed(lambda: pa.Table.from_pylist(rows), args.repeat)
    results["check(pyarrow Table, 1,000 rows)"] = timed(lambda: guard.check(big), max(1, args.repeat // 10))
    results["check + observe (Table, 1,000 rows)"] = timed(
        lambda: guard.observe(guard.check(big), big_y), max(1, args.repeat // 10)
    )
    guard.flush()

    print(
        f"mlops {mlops.__version__}, pyarrow {pa.__version__}, Python {sys.version.split()[0]}, "
        f"1 row x {args.columns} columns, {args.repeat} calls each"
    )
    for name, (p50, p99) in results.items():
        print(f"  {name:42s} median {p50:8.1f} µs   p99 {p99:8.1f} µs")
    if WHYLOGS_PYTHON.exists():
        out = subprocess.run(
            [str(WHYLOGS_PYTHON), "-c", WHYLOGS_WORKER, json.dumps(r), str(min(args.repeat, 2000))],
            capture_output=True,
            text=True,
            check=True,
        )
        w = json.loads(out.stdout.strip().splitlines()[-1])
        ours = results["check + observe (Table, 1 row)"][0]
        print(
            f"  whylogs {w['whylogs']} why.log(1-row df)          median {w['median_us']:8.1f} µs"
            f"   ({w['median_us'] / ours:.0f}x the guard's check + observe)"
        )
    else:
        print(f"  (whylogs: {os.path.relpath(WHYLOGS_PYTHON, ROOT)} not set up; benches/setup_peers.sh makes it)")


if __name__ == "__main__":
    main()
