#!/usr/bin/env python3
"""Versioning speed: mlops against DVC 3 and MLflow 3, side by side in one run.

    benches/setup_peers.sh                                  # once: .venv-peers (dvc, mlflow, blake3)
    .venv/bin/python benches/registry_vs_peers.py [--size-mib 1024] [--models 1000]

1. Adding a large file (default 1 GiB of random bytes, benches/data/big.bin):
   - mlops: `mlops add artifact big FILE` (the CLI; chunked, hashed, stored);
   - DVC: `dvc add FILE` in a fresh `dvc init --no-scm` project;
   - the floor: BLAKE3 of the file (the `blake3` package, multithreaded, as
     `b3sum` does) plus `cp` of it.
2. Adding it again after 1 MiB in its middle changed: the new bytes each
   tool stores (mlops: new blobs; DVC: growth of .dvc/cache).
3. Registering model versions with metadata: `mlops.Registry.add` on a local
   folder against MLflow's `MlflowClient.create_model_version` with a sqlite
   backend (each with two tags), `--models` of them.

Every timed step starts after `os.sync()`, so none pays for writing back
what an earlier one (or the set-up copies) left in the page cache.

Prints the figures and ratios and writes benches/results/registry.json.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _bench import ROOT, big_file, report, timed  # noqa: E402

PEERS = os.path.join(ROOT, ".venv-peers", "bin")
MLOPS = os.path.join(ROOT, "target", "release", "mlops")


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(d, f))
    return total


def change_middle(src, dst):
    shutil.copyfile(src, dst)
    size = os.path.getsize(dst)
    with open(dst, "r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(1 << 20))


MLFLOW_WORKER = r"""
import sys, time
import mlflow
from mlflow import MlflowClient
n, db = int(sys.argv[1]), sys.argv[2]
mlflow.set_tracking_uri(f"sqlite:///{db}")
c = MlflowClient()
c.create_registered_model("churn")
t = time.perf_counter()
for i in range(n):
    c.create_model_version("churn", source=f"file:///models/{i}", tags={"auc": str(0.8 + i / 1e5), "team": "risk"})
print(time.perf_counter() - t)
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--models", type=int, default=1000)
    a = ap.parse_args()
    import mlops

    r = {"size_mib": a.size_mib, "models": a.models}
    src = big_file(a.size_mib)
    work = tempfile.mkdtemp(prefix="mlops-bench-")
    try:
        changed = os.path.join(work, "changed.bin")
        change_middle(src, changed)
        # 1. mlops
        store = os.path.join(work, "store")
        f1 = os.path.join(work, "big.bin")
        shutil.copyfile(src, f1)
        os.sync()
        r["mlops_add_s"] = timed([MLOPS, "--store", store, "add", "artifact", "big", f1])
        before = du(os.path.join(store, "blobs"))
        os.sync()
        r["mlops_readd_s"] = timed([MLOPS, "--store", store, "add", "artifact", "big", changed])
        r["mlops_changed_new_mib"] = (du(os.path.join(store, "blobs")) - before) / 2**20
        # the floor: BLAKE3 + cp
        os.sync()
        t = time.perf_counter()
        subprocess.run([os.path.join(PEERS, "python"), "-c",
                        "import blake3,sys; h=blake3.blake3(max_threads=blake3.blake3.AUTO); "
                        "h.update_mmap(sys.argv[1]); print(h.hexdigest())", f1], check=True, stdout=subprocess.DEVNULL)
        shutil.copyfile(f1, os.path.join(work, "copy.bin"))
        r["b3sum_plus_cp_s"] = time.perf_counter() - t
        os.remove(os.path.join(work, "copy.bin"))
        # DVC
        proj = os.path.join(work, "dvc")
        os.makedirs(proj)
        dvc = os.path.join(PEERS, "dvc")
        subprocess.run([dvc, "init", "--no-scm", "-q"], cwd=proj, check=True)
        shutil.copyfile(src, os.path.join(proj, "big.bin"))
        os.sync()
        r["dvc_add_s"] = timed([dvc, "add", "-q", "big.bin"], cwd=proj)
        cache = os.path.join(proj, ".dvc", "cache")
        before = du(cache)
        shutil.copyfile(changed, os.path.join(proj, "big.bin"))
        os.sync()
        r["dvc_readd_s"] = timed([dvc, "add", "-q", "big.bin"], cwd=proj)
        r["dvc_changed_new_mib"] = (du(cache) - before) / 2**20
        # 3. model versions
        reg = mlops.Registry(os.path.join(work, "models"))
        os.sync()
        t = time.perf_counter()
        for i in range(a.models):
            reg.add("model", "churn", f"weights {i}".encode(), metadata={"auc": 0.8 + i / 1e5, "team": "risk"})
        r["mlops_models_s"] = time.perf_counter() - t
        out = subprocess.run([os.path.join(PEERS, "python"), "-c", MLFLOW_WORKER, str(a.models),
                              os.path.join(work, "mlflow.db")], check=True, capture_output=True, text=True)
        r["mlflow_models_s"] = float(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    r["dvc_over_mlops_add"] = r["dvc_add_s"] / r["mlops_add_s"]
    r["mlops_over_b3sum_cp"] = r["mlops_add_s"] / r["b3sum_plus_cp_s"]
    r["mlflow_over_mlops_models"] = r["mlflow_models_s"] / r["mlops_models_s"]
    report(r, "dvc/mlops add >= 5, mlops/(b3sum+cp) <= 2, changed 1 MiB stores <= 4 MiB, mlflow/mlops >= 10",
           "registry")


if __name__ == "__main__":
    sys.exit(main())
