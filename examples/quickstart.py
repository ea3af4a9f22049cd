#!/usr/bin/env python3
"""The main job: make the shared workload, profile it, write the profile.

    .venv/bin/python examples/quickstart.py [--rows N] [--out DIR]

Writes DIR/workload.parquet, DIR/profile.json, DIR/profile.html and
DIR/profile.bin (default DIR: ./out), and prints a summary.
"""
import argparse
import os
import subprocess
import sys
import time

import mlops

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
# The workload generator of ../shared/workloads, with a verbatim copy in
# scripts/ for clones that have no shared/ folder beside them.
GENERATORS = [
    os.path.join(ROOT, "..", "shared", "workloads", "gen_tabular.py"),
    os.path.join(ROOT, "scripts", "gen_tabular.py"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--out", default=os.path.join(ROOT, "out"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    data = os.path.join(a.out, "workload.parquet")
    gen = next(g for g in GENERATORS if os.path.exists(g))
    print(f"making the workload: {a.rows} rows -> {data}")
    subprocess.run([sys.executable, gen, "--rows", str(a.rows), "--out", data], check=True)

    t = time.perf_counter()
    p = mlops.profile(data)
    secs = time.perf_counter() - t
    print(f"profiled {p.row_count} rows x {len(p)} columns in {secs:.3f} s\n")
    print(f"{'column':<8} {'semantic':<12} {'nulls':>7} {'distinct':>9} {'mean':>12} {'p50':>12} {'p99':>12}  top value")
    for name in p.columns:
        c = p[name]
        fmt = lambda x: "-" if x is None else f"{x:.4f}"
        top = c.top(1)
        top = f"{top[0][0]!r} x{top[0][1]}" if top else "-"
        print(
            f"{name:<8} {c.semantic_type:<12} {c.null_count:>7} {c.distinct_estimate or 0:>9.0f} "
            f"{fmt(c.mean):>12} {fmt(c.quantile(0.5)):>12} {fmt(c.quantile(0.99)):>12}  {top}"
        )

    outputs = {
        "profile.json": p.to_json().encode(),
        "profile.html": p.to_html().encode(),
        "profile.bin": p.to_bytes(),
    }
    for name, body in outputs.items():
        with open(os.path.join(a.out, name), "wb") as f:
            f.write(body)
    print("\nwrote " + ", ".join(os.path.join(a.out, n) for n in outputs))


if __name__ == "__main__":
    main()
