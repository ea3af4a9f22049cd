"""Runs in the project venv, in a fresh process: the peak memory that
mlops.profile adds.

    .venv/bin/python benches/_mlops_memory.py FILE table|path

table: reads FILE with pyarrow, takes the baseline, then profiles the
       in-memory table (mlops.profile(table)).
path:  takes the baseline after the imports only, then lets the engine read
       and profile FILE itself (mlops.profile(path)); no pyarrow Table exists.

Two measures of the extra peak, both in MiB:
  maxrss_extra_mb  the process's peak RSS after profiling minus the same at
                   the baseline (the brief's getrusage measure). The peak is
                   a high-water mark, so in `table` mode the baseline includes
                   the peak of reading the file, which can hide part of what
                   profiling adds.
  hwm_extra_mb     Linux only: the high-water mark is reset at the baseline
                   (/proc/self/clear_refs, "5"), and the measure is VmHWM
                   after profiling minus VmRSS at the baseline: the peak above
                   what was resident when profiling started. null elsewhere.
The peak RSS is read from /proc/self/status (VmHWM) where there is one:
getrusage(RUSAGE_SELF).ru_maxrss of a child process on Linux starts from the
peak of the parent it was spawned from (the pre-exec address space counts),
so it overstates the baseline when the parent is large. Elsewhere
ru_maxrss is used. Prints one JSON line.
"""
import json
import sys

import pyarrow.parquet as pq

import mlops
from _bench import maxrss_mb, peak_mb, status_mb


def reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode not in ("table", "path"):
        sys.exit("mode must be table or path")
    table = pq.read_table(path) if mode == "table" else None
    arrow_mb = table.nbytes / 2**20 if table is not None else None

    base_peak = peak_mb()
    base_rss = status_mb("VmRSS")
    can_reset = base_rss is not None and reset_hwm()

    mlops.profile(table if mode == "table" else path)

    hwm = status_mb("VmHWM") if can_reset else None
    # After a reset VmHWM only covers the time since; the overall peak is the larger.
    after_peak = max(base_peak, hwm) if hwm is not None else peak_mb()
    print(json.dumps({
        "mode": mode,
        "arrow_mb": arrow_mb,
        "baseline_peak_mb": base_peak,
        "after_peak_mb": after_peak,
        "maxrss_extra_mb": max(0.0, after_peak - base_peak),
        "ru_maxrss_mb": maxrss_mb(),
        "baseline_rss_mb": base_rss,
        "hwm_after_mb": hwm,
        "hwm_extra_mb": max(0.0, hwm - base_rss) if hwm is not None else None,
    }))


if __name__ == "__main__":
    main()
