#!/usr/bin/env python3
"""Model packages: build + verify of a large file against the BLAKE3 floor,
and what a fine-tuned model costs to push again.

    benches/setup_peers.sh                                   # once: .venv-peers (blake3)
    .venv/bin/python benches/package_vs_b3sum.py [--size-mib 1024]

1. `mlops package build` and `mlops package verify` of a folder holding one
   file of random bytes (default 1 GiB, benches/data/big_<n>.bin, shared with
   benches/registry_vs_peers.py), each against b3sum's work: BLAKE3 of the
   file, memory-mapped on every core (the `blake3` package in .venv-peers,
   `update_mmap` with `max_threads=AUTO`, as `b3sum` does). All three run as
   processes, so each pays its start-up.
2. `mlops package push` of the package, then of a copy whose middle 1% of
   bytes changed (a fine-tune that touched one layer): the new blobs the
   second push stores, as a share of the blobs of the first.

Prints the figures and ratios and writes benches/results/package.json.
Targets: build and verify each within 2x of b3sum; <= 3% new blobs.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _bench import ROOT, big_file, report, timed  # noqa: E402

PEERS = os.path.join(ROOT, ".venv-peers", "bin")
MLOPS = os.path.join(ROOT, "target", "release", "mlops")


def blobs(store):
    n = 0
    for _, _, files in os.walk(os.path.join(store, "blobs")):
        n += len(files)
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--b3-python", default=os.path.join(PEERS, "python"),
                    help="a Python with the blake3 package (default .venv-peers/bin/python)")
    a = ap.parse_args()
    r = {"size_mib": a.size_mib}
    src = big_file(a.size_mib)
    work = tempfile.mkdtemp(prefix="mlops-package-bench-", dir=os.path.join(ROOT, "benches", "data"))
    try:
        v1 = os.path.join(work, "v1")
        os.makedirs(v1)
        shutil.copyfile(src, os.path.join(v1, "weights.bin"))
        # Warm the page cache the same way for everyone.
        subprocess.run(["cat", os.path.join(v1, "weights.bin")], check=True, stdout=subprocess.DEVNULL)
        r["b3sum_s"] = min(
            timed([a.b3_python, "-c",
                   "import blake3,sys; h=blake3.blake3(max_threads=blake3.blake3.AUTO); "
                   "h.update_mmap(sys.argv[1]); print(h.hexdigest())", os.path.join(v1, "weights.bin")])
            for _ in range(3)
        )
        build = [MLOPS, "package", "build", v1, "--name", "big", "--version", "1", "--flavor", "custom"]
        r["mlops_build_s"] = min(timed(build) for _ in range(3))
        r["mlops_verify_s"] = min(timed([MLOPS, "package", "verify", v1]) for _ in range(3))

        store = os.path.join(work, "store")
        r["mlops_push_s"] = timed([MLOPS, "--store", store, "package", "push", v1, "--name", "big"])
        first = blobs(store)
        v2 = os.path.join(work, "v2")
        os.makedirs(v2)
        dst = os.path.join(v2, "weights.bin")
        shutil.copyfile(src, dst)
        size = os.path.getsize(dst)
        with open(dst, "r+b") as f:
            f.seek(size // 2)
            f.write(os.urandom(size // 100))
        subprocess.run([MLOPS, "package", "build", v2, "--name", "big", "--version", "2", "--flavor", "custom"],
                       check=True, stdout=subprocess.DEVNULL)
        r["mlops_repush_s"] = timed([MLOPS, "--store", store, "package", "push", v2, "--name", "big"])
        r["first_push_blobs"] = first
        r["repush_new_blobs"] = blobs(store) - first
    finally:
        shutil.rmtree(work, ignore_errors=True)
    r["build_over_b3sum"] = r["mlops_build_s"] / r["b3sum_s"]
    r["verify_over_b3sum"] = r["mlops_verify_s"] / r["b3sum_s"]
    r["repush_new_blob_share"] = r["repush_new_blobs"] / r["first_push_blobs"]
    report(r, "build/b3sum <= 2, verify/b3sum <= 2, 1%-changed re-push new blob share <= 0.03", "package")


if __name__ == "__main__":
    main()
