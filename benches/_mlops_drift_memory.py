"""Runs in the project venv, in a fresh process: the peak memory that
mlops.drift adds over the two tables it compares.

    .venv/bin/python benches/_mlops_drift_memory.py REF CUR

Reads both files with pyarrow, takes the baseline (VmRSS, with the
high-water mark reset through /proc/self/clear_refs on Linux), runs
mlops.drift(ref_table, cur_table), and prints one JSON line: the two tables'
Arrow size and the extra peak (VmHWM after minus VmRSS before), in MiB.
"""
import json
import sys

import pyarrow.parquet as pq

import mlops
from _bench import status_mb


def main():
    ref, cur = pq.read_table(sys.argv[1]), pq.read_table(sys.argv[2])
    base = status_mb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    mlops.drift(ref, cur)
    hwm = status_mb("VmHWM")
    print(json.dumps({"arrow_mb": (ref.nbytes + cur.nbytes) / 2**20, "baseline_rss_mb": base,
                      "hwm_after_mb": hwm, "extra_mb": max(0.0, hwm - base)}))


if __name__ == "__main__":
    main()
