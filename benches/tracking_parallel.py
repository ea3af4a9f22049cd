"""Eight processes writing runs into one store at once: the issue's
"8 processes x 250 runs x 1,000 points" target (0 lost, 0 errors, exact
counts), timed, on a local folder (and on an S3-compatible server when
`--store s3://...` is given and its credentials are in the environment).

Run: .venv/bin/python benches/tracking_parallel.py [--procs 8 --runs 250 --points 1000] [--store URL]
"""

import argparse
import multiprocessing
import os
import sys
import tempfile
import time


def worker(args):
    store, w, runs, points = args
    import mlops

    reg = mlops.Registry(store)
    errors = 0
    for r in range(runs):
        try:
            with mlops.start_run("parallel", store=reg, params={"worker": w, "r": r}) as run:
                for step in range(points):
                    run.log({"k": float(step)}, step=step)
        except Exception as e:  # counted, not hidden: the target is zero
            print(f"worker {w} run {r}: {e!r}", file=sys.stderr)
            errors += 1
    return errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--procs", type=int, default=8)
    ap.add_argument("--runs", type=int, default=250)
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--store", default=None)
    a = ap.parse_args()
    tmp = None
    store = a.store
    if store is None:
        tmp = tempfile.TemporaryDirectory()
        store = os.path.join(tmp.name, "store")
    import mlops

    ctx = multiprocessing.get_context("spawn")
    t = time.perf_counter()
    with ctx.Pool(a.procs) as pool:
        errors = sum(pool.map(worker, [(store, w, a.runs, a.points) for w in range(a.procs)]))
    wall = time.perf_counter() - t
    runs = mlops.Registry(store).runs("parallel")
    want = {(str(w), str(r)) for w in range(a.procs) for r in range(a.runs)}
    got = {(r.params["worker"], r.params["r"]) for r in runs}
    lost = len(want - got)
    exact = sum(1 for r in runs if r.points == a.points and r.metrics["k"]["sum"] == a.points * (a.points - 1) / 2)
    total = a.procs * a.runs
    print(
        f"{a.procs} processes x {a.runs} runs x {a.points:,} points into {'a folder' if tmp else store}: "
        f"{wall:.1f} s ({total * a.points / wall / 1e6:.2f} M points/s, {total / wall:.0f} runs/s)"
    )
    print(f"runs {len(runs)}/{total}, lost {lost}, errors {errors}, exact counts and sums {exact}/{total}")
    if tmp:
        tmp.cleanup()
    sys.exit(0 if (lost, errors, exact, len(runs)) == (0, 0, total, total) else 1)


if __name__ == "__main__":
    main()
