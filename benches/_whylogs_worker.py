"""Runs inside .venv-whylogs (whylogs 1.6.4, numpy<2, pandas<2.3): times
whylogs' `why.log(df)` on the pandas DataFrame of a Parquet file.

    .venv-whylogs/bin/python benches/_whylogs_worker.py FILE REPEAT

Reading the file with pandas is not timed; each `why.log(df)` is timed with
time.perf_counter and the best of REPEAT is reported. Prints one JSON line:
{"seconds", "all_seconds", "peak_rss_mb", "after_read_rss_mb", "whylogs"}.
"""
import json
import resource
import sys
import time

import pandas as pd
import whylogs as why


def peak_mb():
    # VmHWM where there is one: a child's ru_maxrss on Linux starts from the
    # peak of the (large) parent process it was spawned from.
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    path, repeat = sys.argv[1], int(sys.argv[2])
    df = pd.read_parquet(path)
    after_read = peak_mb()
    times = []
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        why.log(df)
        times.append(time.perf_counter() - t)
    print(json.dumps({
        "seconds": min(times),
        "all_seconds": times,
        "peak_rss_mb": peak_mb(),
        "after_read_rss_mb": after_read,
        "whylogs": why.__version__,
    }))


if __name__ == "__main__":
    main()
