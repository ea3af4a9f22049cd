"""The collector at scale (issue 19): `mlops gc plan`, `gc apply` and
`fsck` timed on a big store, with the objects and bytes they free.

    .venv/bin/python benches/gc_scale.py [--assets 1000] [--versions 100] [--runs 10000]
                                         [--procs 2] [--store DIR] [--mlops target/release/mlops]

1. The store (built once into DIR, default under the system temp folder,
   and reused while the marker file `DIR.gc-bench-built` beside it names
   the same sizes), written through the Python package by PROCS processes:
   - ASSETS models x VERSIONS versions of 2-6 KiB each (seeded bytes, so
     every version is new content: a manifest and a chunk), production
     aliased to the first version of every tenth model;
   - RUNS runs of 3 metric keys x 3 steps (a Parquet segment each) and one
     artifact of 1-3 KiB;
   - then every model expired to `keep_last=1` (aliased versions stay).
2. With the CLI binary (MLOPS, `target/release/mlops` of this checkout by
   default), timed one after the other: `fsck` (before), `gc plan --grace
   0s --unsafe --out plan.json` (the store's time decides what is old: the
   marker is written after everything above), `gc apply plan.json`,
   `fsck` (after) and a second `gc plan` (nothing left to free).
3. Figures: objects and bytes before and after, planned and freed (they
   must be equal), orphans and missing after (must be 0), seconds of each
   step; written to benches/results/gc_scale.json.

A second run on the same DIR finds nothing more to collect; pass a fresh
--store (or remove DIR and its marker) to measure again. Not a test: run by hand, on a
quiet machine (times on a shared 2-core machine are noisy).
"""
import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _bench import ROOT, report  # noqa: E402

MARKER = ".gc-bench-built"  # beside the store, not in it: no object of the store


def model_name(i):
    return f"m{i:05d}"


def _write_models(args):
    """One writer: every version of its share of the models, an alias on every tenth."""
    import mlops

    store, names, versions = args
    reg = mlops.Registry(store)
    for name in names:
        rng = random.Random(name)
        for v in range(1, versions + 1):
            reg.add("model", name, rng.randbytes(rng.randint(2048, 6144)), metadata={"v": v})
        if int(name[1:]) % 10 == 0:
            reg.alias("model", name, "production", 1)
    return len(names) * versions


def _write_runs(args):
    """One writer: `count` runs with three metric keys and one artifact each."""
    import mlops

    store, first, count, tmp = args
    reg = mlops.Registry(store)
    rng = random.Random(first)
    path = os.path.join(tmp, f"artifact-{first}.bin")
    for i in range(first, first + count):
        run = mlops.start_run(f"exp{i % 10}", params={"seed": i}, store=reg)
        for step in range(3):
            run.log({"loss": rng.random(), "acc": rng.random(), "lr": 0.1 / (step + 1)}, step=step)
        with open(path, "wb") as f:
            f.write(rng.randbytes(rng.randint(1024, 3072)))
        run.log_artifact(path, "model.bin")
        run.end("finished")
    return count


def _expire(args):
    """One writer: its share of the models expired to the newest version."""
    import mlops

    store, names = args
    reg = mlops.Registry(store)
    return sum(len(reg.expire("model", n, keep_last=1, reason="gc bench")) for n in names)


def build(store, a):
    """Writes the store unless its marker says it is there (same sizes); returns the build figures."""
    marker = store.rstrip(os.sep) + MARKER
    sizes = {"assets": a.assets, "versions": a.versions, "runs": a.runs}
    if os.path.exists(marker):
        with open(marker) as f:
            info = json.load(f)
        if info.get("sizes") == sizes:
            print(f"store {store}: built before ({MARKER}), reusing it")
            return info
        sys.exit(f"{store} holds a store of other sizes ({info.get('sizes')}): pass another --store")
    import mlops

    os.makedirs(store, exist_ok=True)
    mlops.Registry(store)  # creates the store before the writers race to
    info = {"sizes": sizes}
    names = [model_name(i) for i in range(a.assets)]
    tmp = tempfile.mkdtemp(prefix="mlops-gc-bench-")
    with multiprocessing.Pool(a.procs) as pool:
        t = time.perf_counter()
        n = sum(pool.map(_write_models, [(store, names[i :: a.procs], a.versions) for i in range(a.procs)]))
        info["models_s"] = time.perf_counter() - t
        print(f"  {n:,} model versions: {info['models_s']:.1f} s", flush=True)
        t = time.perf_counter()
        share = a.runs // a.procs
        parts = [(store, i * share, share if i < a.procs - 1 else a.runs - i * share, tmp) for i in range(a.procs)]
        n = sum(pool.map(_write_runs, parts))
        info["runs_s"] = time.perf_counter() - t
        print(f"  {n:,} runs (3 keys x 3 steps, one artifact): {info['runs_s']:.1f} s", flush=True)
        t = time.perf_counter()
        n = sum(pool.map(_expire, [(store, names[i :: a.procs]) for i in range(a.procs)]))
        info["expire_s"] = time.perf_counter() - t
        info["expired_versions"] = n
        print(f"  {n:,} versions expired (keep_last=1): {info['expire_s']:.1f} s", flush=True)
    with open(marker, "w") as f:
        json.dump(info, f)
    return info


def cli(mlops_bin, store, *args):
    """Runs the CLI on the store: (seconds, stdout)."""
    t = time.perf_counter()
    p = subprocess.run([mlops_bin, "--store", store, *args], capture_output=True, text=True)
    took = time.perf_counter() - t
    if p.returncode not in (0, 1):  # fsck exits 1 when a blob is missing: reported below
        sys.stderr.write(p.stderr)
        sys.exit(f"failed ({p.returncode}): mlops {' '.join(args)}")
    return took, p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--assets", type=int, default=1000)
    ap.add_argument("--versions", type=int, default=100)
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--store", default=os.path.join(tempfile.gettempdir(), "mlops-gc-bench-store"))
    ap.add_argument("--mlops", default=os.path.join(ROOT, "target", "release", "mlops"))
    a = ap.parse_args()
    if not os.access(a.mlops, os.X_OK):
        sys.exit(f"no CLI binary at {a.mlops}: cargo build --release -p mlops-cli")
    print(f"building {a.assets:,} assets x {a.versions} versions + {a.runs:,} runs into {a.store}", flush=True)
    info = build(a.store, a)

    took, out = cli(a.mlops, a.store, "fsck", "--json")
    before = json.loads(out)
    print(f"fsck before: {before['objects']:,} blobs, {before['bytes']:,} bytes, {before['logs']:,} logs "
          f"({took:.1f} s)", flush=True)
    plan_path = os.path.join(a.store, "..", f"{os.path.basename(a.store)}-plan.json")
    plan_s, _ = cli(a.mlops, a.store, "gc", "plan", "--grace", "0s", "--unsafe", "--out", plan_path, "--json")
    with open(plan_path) as f:
        plan = json.load(f)
    print(f"gc plan: {plan['count']:,} blobs, {plan['bytes']:,} bytes ({plan_s:.1f} s)", flush=True)
    apply_s, out = cli(a.mlops, a.store, "gc", "apply", plan_path, "--json")
    done = json.loads(out)
    print(f"gc apply: {done['count']:,} blobs, {done['bytes']:,} bytes, {len(done['skipped'])} kept "
          f"({apply_s:.1f} s)", flush=True)
    fsck_s, out = cli(a.mlops, a.store, "fsck", "--json")
    after = json.loads(out)
    again_s, _ = cli(a.mlops, a.store, "gc", "plan", "--grace", "0s", "--unsafe", "--out", plan_path, "--json")
    with open(plan_path) as f:
        again = json.load(f)

    results = {
        "assets": a.assets,
        "versions": a.assets * a.versions,
        "runs": a.runs,
        "logs": before["logs"],
        "expired_versions": info.get("expired_versions"),
        "build_s": round(info.get("models_s", 0) + info.get("runs_s", 0) + info.get("expire_s", 0), 1),
        "objects_before": before["objects"],
        "bytes_before": before["bytes"],
        "planned_objects": plan["count"],
        "planned_bytes": plan["bytes"],
        "freed_objects": done["count"],
        "freed_bytes": done["bytes"],
        "kept_at_apply": len(done["skipped"]),
        "objects_after": after["objects"],
        "bytes_after": after["bytes"],
        "orphans_after": len(after["orphans"]),
        "missing_after": len(after["missing"]),
        "second_plan_objects": again["count"],
        "fsck_before_s": round(took, 2),
        "plan_s": round(plan_s, 2),
        "apply_s": round(apply_s, 2),
        "fsck_after_s": round(fsck_s, 2),
        "second_plan_s": round(again_s, 2),
        "load_avg": os.getloadavg()[0],
    }
    report(results, "plan bytes = apply bytes; orphans and missing after apply = 0; a second plan frees 0",
           "gc_scale")
    ok = (plan["bytes"] == done["bytes"] and plan["count"] == done["count"] and not after["orphans"]
          and not after["missing"] and again["count"] == 0)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
