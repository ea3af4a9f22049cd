#!/usr/bin/env python3
"""Profiling speed and memory: mlops against whylogs 1.6.4 and pyarrow's
Parquet reader, measured side by side in one run on the shared workload.

    benches/setup_peers.sh                                  # once: .venv-whylogs
    .venv/bin/python benches/profile_vs_whylogs.py [--rows 1000000] [--repeat 3]

Workload: benches/data/ref_<rows>.parquet, made by ../shared/workloads/
gen_tabular.py (the repo's sibling folder) if missing.

Times, best of --repeat (the three in-process ones interleaved):
  read      pyarrow.parquet.read_table(file)
  path      mlops.profile(file)       the engine reads the Parquet itself
  table     mlops.profile(table)      on the Table pyarrow already read
  whylogs   why.log(df)               on the pandas DataFrame of the same file,
                                      in .venv-whylogs (benches/_whylogs_worker.py);
                                      reading the file into pandas is not timed
Memory (benches/_mlops_memory.py, a fresh process each, run before this
process reads anything): the peak RSS that mlops.profile adds over a baseline
taken after reading the table (table) or after the imports (path), against
the table's Arrow size (table.nbytes).

Prints a table and the ratios with their targets, and writes the same to
benches/results/profile_<rows>.json. The 2-core machine is shared: the share
of CPU other processes used during the run is recorded (from /proc/stat), and
a warning printed when it was over 10%.
"""
import argparse
import json
import os
import platform
import sys
import time

import pyarrow
import pyarrow.parquet as pq

from _bench import BENCHES, ROOT, cpu_snapshot, other_load, run_json, workload

WHYLOGS_PYTHON = os.path.join(ROOT, ".venv-whylogs", "bin", "python")

# Targets: (result key, comparison, bound).
TARGETS = {
    "whylogs_over_mlops_table": (">=", 30.0),
    "whylogs_over_mlops_path": (">=", 30.0),
    "mlops_path_over_read": ("<=", 2.0),
    "mlops_table_over_read": ("<=", 2.0),
    "mlops_table_memory_ratio": ("<", 2.0),
    "mlops_path_memory_ratio": ("<", 2.0),
}


def timed(fn):
    """(wall seconds, CPU seconds of this process) of one call."""
    c, t = os.times(), time.perf_counter()
    fn()
    wall, c2 = time.perf_counter() - t, os.times()
    return wall, (c2.user - c.user) + (c2.system - c.system)


def check(key, value):
    op, bound = TARGETS[key]
    ok = {">=": value >= bound, "<=": value <= bound, "<": value < bound}[op]
    return f"{op} {bound:g}", ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3)")
    ap.add_argument("--whylogs-repeat", type=int, help="best of this many why.log runs (default: --repeat)")
    ap.add_argument("--skip-mlops", action="store_true", help="dry run of the pyarrow and whylogs parts only")
    ap.add_argument("--skip-whylogs", action="store_true", help="when .venv-whylogs is not set up")
    a = ap.parse_args()
    repeat = max(1, a.repeat)
    wl_repeat = max(1, a.whylogs_repeat or repeat)

    if not a.skip_whylogs and not os.path.exists(WHYLOGS_PYTHON):
        sys.exit("whylogs is not set up: run benches/setup_peers.sh (or pass --skip-whylogs)")
    mlops = None
    if not a.skip_mlops:
        import mlops  # noqa: F811  (imported late so --skip-mlops works without it)

    path = workload(a.rows)
    r = {
        "rows": a.rows,
        "file": os.path.relpath(path, ROOT),
        "file_mb": os.path.getsize(path) / 2**20,
        "repeat": repeat,
        "whylogs_repeat": wl_repeat,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "pyarrow": pyarrow.__version__,
        "mlops": getattr(mlops, "__version__", None),
        "loadavg_start": os.getloadavg()[0],
    }
    snap = cpu_snapshot()

    # The subprocesses first, while this process is still small.
    if mlops is not None:
        for mode in ("table", "path"):
            r[f"mlops_{mode}_memory"] = run_json(
                [sys.executable, os.path.join(BENCHES, "_mlops_memory.py"), path, mode])
    if not a.skip_whylogs:
        w = run_json([WHYLOGS_PYTHON, os.path.join(BENCHES, "_whylogs_worker.py"), path, str(wl_repeat)])
        r["whylogs"] = w.get("whylogs")
        r["whylogs_s"] = w["seconds"]
        r["whylogs_all_s"] = w["all_seconds"]
        r["whylogs_peak_rss_mb"] = w["peak_rss_mb"]
        r["whylogs_extra_mb"] = max(0.0, w["peak_rss_mb"] - w["after_read_rss_mb"])

    table = pq.read_table(path)  # warms the page cache and pyarrow's thread pool
    r["columns"] = table.num_columns
    r["arrow_mb"] = table.nbytes / 2**20
    if mlops is not None:
        p = mlops.profile(table)  # warm-up, and a sanity check of what is measured
        if p.row_count != table.num_rows or len(p) != table.num_columns:
            sys.exit(f"mlops profile covers {p.row_count} rows x {len(p)} columns, "
                     f"expected {table.num_rows} x {table.num_columns}")

    # Interleaved, so that a burst of load from elsewhere hits all three alike.
    runs = {"read_s": [], "mlops_path_s": [], "mlops_table_s": []}
    for _ in range(repeat):
        runs["read_s"].append(timed(lambda: pq.read_table(path)))
        if mlops is not None:
            runs["mlops_path_s"].append(timed(lambda: mlops.profile(path)))
            runs["mlops_table_s"].append(timed(lambda: mlops.profile(table)))
    for k, v in runs.items():
        if v:
            best = min(v)
            r[k] = best[0]
            r[k.replace("_s", "_all_s")] = [w for w, _ in v]
            r[k.replace("_s", "_cores")] = best[1] / best[0]  # CPU / wall: cores kept busy
    del table
    for mode in ("table", "path"):
        m = r.get(f"mlops_{mode}_memory")
        if m:
            # The larger of the two measures (see _mlops_memory.py) counts.
            extra = max(m["maxrss_extra_mb"], m["hwm_extra_mb"] or 0.0)
            r[f"mlops_{mode}_extra_mb"] = extra
            r[f"mlops_{mode}_memory_ratio"] = extra / r["arrow_mb"]

    r["loadavg_end"] = os.getloadavg()[0]
    r["other_cpu_share"] = other_load(snap, cpu_snapshot(), r["cpus"])

    if "mlops_table_s" in r:
        r["mlops_path_over_read"] = r["mlops_path_s"] / r["read_s"]
        r["mlops_table_over_read"] = r["mlops_table_s"] / r["read_s"]
        if "whylogs_s" in r:
            r["whylogs_over_mlops_table"] = r["whylogs_s"] / r["mlops_table_s"]
            r["whylogs_over_mlops_path"] = r["whylogs_s"] / r["mlops_path_s"]
    r["targets"] = {}
    for key in TARGETS:
        if key in r:
            bound, ok = check(key, r[key])
            r["targets"][key] = {"value": r[key], "target": bound, "met": ok}

    report(r)
    out = os.path.join(BENCHES, "results", f"profile_{a.rows}.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(r, f, indent=1)
        f.write("\n")
    print(f"\nwrote {os.path.relpath(out, ROOT)}")


def report(r):
    print(f"workload   {r['file']}: {r['rows']:,} rows x {r['columns']} columns, "
          f"{r['file_mb']:.0f} MiB Parquet, {r['arrow_mb']:.0f} MiB as Arrow")
    print(f"machine    {r['cpus']} CPUs, Python {r['python']}, pyarrow {r['pyarrow']}, "
          f"mlops {r['mlops'] or '-'}, whylogs {r.get('whylogs') or '-'}; "
          f"load average {r['loadavg_start']:.2f} -> {r['loadavg_end']:.2f}")
    share = r["other_cpu_share"]
    if share is not None:
        print(f"other load {share:.0%} of the CPUs used by other processes during the run")
    if share is not None and share > 0.1:
        print("WARNING    the machine was busy with other work; times and ratios are noisy")
    print()
    rows = [
        ("pyarrow read_table(path)", "read_s", r["repeat"]),
        ("mlops.profile(path)", "mlops_path_s", r["repeat"]),
        ("mlops.profile(table)", "mlops_table_s", r["repeat"]),
        ("whylogs why.log(df)", "whylogs_s", r["whylogs_repeat"]),
    ]
    print(f"{'time':<28}{'best s':>10}{'cores':>7}   all runs")
    for label, key, n in rows:
        if key in r:
            alls = ", ".join(f"{x:.3f}" for x in r[key.replace('_s', '_all_s')])
            cores = r.get(key.replace("_s", "_cores"))
            cores = f"{cores:.2f}" if cores is not None else "-"
            print(f"{label:<28}{r[key]:>10.3f}{cores:>7}   [{alls}]")
        else:
            print(f"{label:<28}{'skipped':>10}")

    print(f"\n{'ratio':<40}{'value':>10}   {'target':<8}")
    lines = [
        ("whylogs / mlops(table)", "whylogs_over_mlops_table", "{:.1f}x"),
        ("whylogs / mlops(path)", "whylogs_over_mlops_path", "{:.1f}x"),
        ("mlops(path) / pyarrow read", "mlops_path_over_read", "{:.2f}x"),
        ("mlops(table) / pyarrow read", "mlops_table_over_read", "{:.2f}x"),
        ("mlops(table) extra peak / Arrow size", "mlops_table_memory_ratio", "{:.2f}x"),
        ("mlops(path) extra peak / Arrow size", "mlops_path_memory_ratio", "{:.2f}x"),
    ]
    for label, key, fmt in lines:
        t = r["targets"].get(key)
        if t:
            print(f"{label:<40}{fmt.format(t['value']):>10}   {t['target']:<8} {'met' if t['met'] else 'MISSED'}")

    if "mlops_table_memory" in r:
        print("\nmemory (MiB)")
        for mode in ("table", "path"):
            m = r[f"mlops_{mode}_memory"]
            hwm = "n/a" if m["hwm_extra_mb"] is None else f"{m['hwm_extra_mb']:.0f}"
            print(f"  mlops.profile({mode}):{'' if mode == 'table' else ' '} extra peak {r[f'mlops_{mode}_extra_mb']:.0f} "
                  f"(peak RSS {m['baseline_peak_mb']:.0f} -> {m['after_peak_mb']:.0f}: +{m['maxrss_extra_mb']:.0f}; "
                  f"above resident after HWM reset: +{hwm}) vs Arrow {r['arrow_mb']:.0f}")
    if "whylogs_peak_rss_mb" in r:
        print(f"  whylogs why.log(df):  extra peak {r['whylogs_extra_mb']:.0f} over the read DataFrame "
              f"(process peak {r['whylogs_peak_rss_mb']:.0f})")


if __name__ == "__main__":
    main()
