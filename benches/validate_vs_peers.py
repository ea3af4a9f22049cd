#!/usr/bin/env python3
"""Validation speed: mlops against Great Expectations 1.x and pandera, the
same 10-check suite on the same 1M-row workload, in one run.

    benches/setup_peers.sh                                   # once: .venv-ge
    .venv/bin/python benches/validate_vs_peers.py [--rows 1000000] [--repeat 5]

The peers run on a pandas 3 DataFrame (Arrow-backed strings) read once from
the workload's Parquet file, in their own virtualenv
(benches/_validate_peer_worker.py); mlops on the pyarrow Table read once
from the same file. Each figure is the best of `repeat` validation calls;
loading is not timed for anyone. Then the streamed validation's peak memory:
mlops.validate(path) reads the file batch by batch (64k rows), compared
with the peak of a process that only reads the whole table.
Not part of the tests; ratios, not absolute times, are what to compare.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _bench import ROOT, run_json, workload  # noqa: E402

PEER_PYTHON = os.path.join(ROOT, ".venv-ge", "bin", "python")

SUITE = """name: bench
checks:
  - {check: not_null, column: f0}
  - {check: values_between, column: f1, min: 0, max: 200}
  - {check: in_set, column: c0, values: [red, green, blue]}
  - {check: matches_regex, column: c2, regex: '^city_\\d+$'}
  - {check: mean_between, column: f4, min: 0.45, max: 0.55}
  - {check: row_count_between, min: 1, max: 2000000}
  - {check: distinct_count_between, column: c1, min: 1, max: 12}
  - {check: not_null, column: f7, mostly: 0.9}
  - {check: length_between, column: c3, min: 2, max: 5}
  - {check: values_between, column: i3, min: 18, max: 90}
"""

MEMORY = """
import sys, json, mlops
sys.path.insert(0, {benches!r})
from _bench import peak_mb
before = peak_mb()
if {mode!r} == "stream":
    r = mlops.validate({path!r}, mlops.Suite.from_yaml({suite!r}))
    assert r.rows > 0
else:
    import pyarrow.parquet as pq
    t = pq.read_table({path!r})
print(json.dumps({{"peak_mb": peak_mb(), "start_mb": before}}))
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    if not os.path.exists(PEER_PYTHON):
        sys.exit("no .venv-ge: run benches/setup_peers.sh first")
    path = workload(a.rows)

    import pyarrow.parquet as pq

    import mlops

    suite = mlops.Suite.from_yaml(SUITE)
    table = pq.read_table(path)
    best = float("inf")
    for _ in range(a.repeat):
        t = time.perf_counter()
        r = mlops.validate(table, suite)
        best = min(best, time.perf_counter() - t)
    verdicts = [c["success"] for c in r.results]

    peers = run_json([PEER_PYTHON, os.path.join(ROOT, "benches", "_validate_peer_worker.py"), path, str(a.repeat)])
    ge, pandera = peers["ge"], peers["pandera"]
    assert verdicts == ge["verdicts"], (verdicts, ge["verdicts"])
    assert r.success == ge["success"] == pandera["success"]

    mem = {}
    for mode in ("stream", "table"):
        code = MEMORY.format(benches=os.path.join(ROOT, "benches"), mode=mode, path=path, suite=SUITE)
        mem[mode] = run_json([sys.executable, "-c", code])
    size_mb = table.nbytes / 2**20

    print(f"{a.rows:,} rows, 10 checks, best of {a.repeat}; pandas {peers['pandas']} (Arrow-backed strings)")
    print(f"  mlops                     {best * 1e3:8.1f} ms")
    print(f"  Great Expectations {ge['version']:<7}{ge['seconds'] * 1e3:8.1f} ms   mlops is {ge['seconds'] / best:5.1f}x faster")
    print(f"  pandera {pandera['version']:<18}{pandera['seconds'] * 1e3:8.1f} ms   mlops is {pandera['seconds'] / best:5.1f}x faster")
    print(f"  same verdicts as GE on all 10 checks; overall success {r.success}")
    print(f"  memory: the table is {size_mb:.0f} MiB in Arrow; validating the file as a stream peaks at "
          f"{mem['stream']['peak_mb']:.0f} MiB RSS (process start {mem['stream']['start_mb']:.0f} MiB), "
          f"reading the whole table at {mem['table']['peak_mb']:.0f} MiB")
    print(json.dumps({"rows": a.rows, "mlops_s": best, "ge_s": ge["seconds"], "pandera_s": pandera["seconds"],
                      "ratio_ge": ge["seconds"] / best, "ratio_pandera": pandera["seconds"] / best,
                      "stream_peak_mb": mem["stream"]["peak_mb"], "table_peak_mb": mem["table"]["peak_mb"],
                      "table_arrow_mb": size_mb}))


if __name__ == "__main__":
    main()
