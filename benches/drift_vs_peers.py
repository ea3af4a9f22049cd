#!/usr/bin/env python3
"""Drift report speed and memory: mlops against Evidently 0.7's data drift
preset and hand-written pandas + SciPy tests, side by side in one run on the
shared workload (reference vs --shift strong).

    benches/setup_peers.sh                                  # once: .venv-evidently
    .venv/bin/python benches/drift_vs_peers.py [--rows 1000000] [--repeat 3]

Workload: benches/data/{ref,strong}_<rows>.parquet, made by
scripts/gen_tabular.py (a copy of ../shared/workloads/gen_tabular.py) if
missing.

Times, best of --repeat:
  mlops_table   mlops.drift(ref_table, cur_table) on Tables pyarrow already read
  mlops_path    mlops.drift(ref_file, cur_file): the engine reads both files
  evidently     Report([DataDriftPreset()]).run(...) on the pandas frames
                (benches/_drift_peer_worker.py in .venv-evidently; reading
                the files into pandas is not timed; best of --peer-repeat)
  pandas_scipy  ks_2samp per numeric column, chi2_contingency per categorical
                one, on the same frames (same worker)
Memory: the peak RSS mlops.drift adds over the two tables
(benches/_mlops_drift_memory.py, a fresh process), against their Arrow size.
Also checks that mlops flags exactly the ground-truth drifted columns.

Prints the figures and ratios with their targets and writes them to
benches/results/drift_<rows>.json.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

import pyarrow
import pyarrow.parquet as pq

from _bench import BENCHES, ROOT, run_json, workload

GEN = os.path.join(ROOT, "scripts", "gen_tabular.py")
PEER_PYTHON = os.path.join(ROOT, ".venv-evidently", "bin", "python")

TARGETS = {
    "evidently_over_mlops_table": (">=", 50.0),
    "pandas_scipy_over_mlops_table": (">=", 10.0),
    "mlops_memory_ratio": ("<", 2.0),
}


def best_of(n, fn):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer-repeat", type=int, default=1, help="best of this many peer runs (default 1: Evidently takes ~1 min)")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--peers", default="pandas_scipy,evidently",
                    help="comma-separated peers to run (default both; pandas_scipy alone skips Evidently's ~1 min)")
    a = ap.parse_args()
    peers = [] if a.skip_peers else [p for p in a.peers.split(",") if p]
    if unknown := set(peers) - {"pandas_scipy", "evidently"}:
        sys.exit(f"unknown peers: {', '.join(sorted(unknown))}")
    if peers and not os.path.exists(PEER_PYTHON):
        sys.exit("the peers are not set up: run benches/setup_peers.sh (or pass --skip-peers)")
    import mlops

    ref = workload(a.rows, "ref", 42, "none")
    cur = workload(a.rows, "strong", 42, "strong")
    truth = subprocess.run([sys.executable, GEN, "--list-drifted", "strong"], capture_output=True, text=True,
                           check=True).stdout.split()
    r = {"rows": a.rows, "repeat": a.repeat, "cpus": os.cpu_count(), "python": platform.python_version(),
         "pyarrow": pyarrow.__version__, "mlops": mlops.__version__, "loadavg_start": os.getloadavg()[0]}

    # Fresh processes first, while this one is small.
    r["mlops_memory"] = run_json([sys.executable, os.path.join(BENCHES, "_mlops_drift_memory.py"), ref, cur])
    for peer in peers:
        r[peer] = run_json([PEER_PYTHON, os.path.join(BENCHES, "_drift_peer_worker.py"), peer, ref, cur,
                            str(a.peer_repeat)])

    rt, ct = pq.read_table(ref), pq.read_table(cur)
    report = mlops.drift(rt, ct)  # warm-up and the ground-truth check
    r["mlops_drifted"] = report.drifted_columns
    r["ground_truth"] = truth
    r["flags_ground_truth"] = report.drifted_columns == truth
    r["mlops_table_s"], r["mlops_table_all_s"] = best_of(a.repeat, lambda: mlops.drift(rt, ct))
    r["mlops_path_s"], r["mlops_path_all_s"] = best_of(a.repeat, lambda: mlops.drift(ref, cur))
    r["arrow_mb"] = r["mlops_memory"]["arrow_mb"]
    r["mlops_memory_ratio"] = r["mlops_memory"]["extra_mb"] / r["arrow_mb"]
    for peer in ("evidently", "pandas_scipy"):
        if peer in r:
            r[f"{peer}_over_mlops_table"] = r[peer]["seconds"] / r["mlops_table_s"]
            r[f"{peer}_over_mlops_path"] = r[peer]["seconds"] / r["mlops_path_s"]
            r[f"{peer}_memory_over_mlops"] = (r[peer]["peak_rss_mb"] - r[peer]["after_read_rss_mb"]) / max(
                r["mlops_memory"]["extra_mb"], 1.0)
    r["loadavg_end"] = os.getloadavg()[0]

    print(f"workload: {a.rows} rows, two tables of {r['arrow_mb']:.0f} MiB together (Arrow)")
    print(f"mlops.drift(tables) {r['mlops_table_s']:.3f} s   mlops.drift(paths) {r['mlops_path_s']:.3f} s")
    for peer in ("evidently", "pandas_scipy"):
        if peer in r:
            print(f"{peer:<13} {r[peer]['seconds']:.2f} s  ({r[peer]['version']}), "
                  f"{r[f'{peer}_over_mlops_table']:.1f}x mlops(tables), {r[f'{peer}_over_mlops_path']:.1f}x mlops(paths)")
    print(f"mlops extra peak memory {r['mlops_memory']['extra_mb']:.0f} MiB = {r['mlops_memory_ratio']:.2f}x the tables")
    print(f"flags exactly the ground truth {truth}: {r['flags_ground_truth']}")
    for key, (op, bound) in TARGETS.items():
        if key in r:
            ok = {">=": r[key] >= bound, "<": r[key] < bound}[op]
            print(f"  {key:<32} {r[key]:8.2f}  target {op} {bound:g}  {'met' if ok else 'MISSED'}")
    os.makedirs(os.path.join(BENCHES, "results"), exist_ok=True)
    out = os.path.join(BENCHES, "results", f"drift_{a.rows}.json")
    with open(out, "w") as f:
        json.dump(r, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(out, ROOT)}")


if __name__ == "__main__":
    main()
