"""Commit-to-event latency of the registry's change feed (issue 19: median
< 200 ms on a local folder).

A writer process commits `--commits` versions (one every `--gap` seconds)
and notes the wall-clock time each commit returned; this process watches the
feed (`Registry.watch`, woken by file notifications on a folder) and notes
when each event arrived. The latency of an event is its arrival minus its
commit's return, both from the same machine's clock. With `--store s3://...`
(and the AWS_* variables) the same is measured on a bucket, which is polled
every `--poll` seconds.

    .venv/bin/python benches/watch_latency.py [--commits 200] [--gap 0.02] [--store URL]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

WRITER = r"""
import json, sys, time
import mlops
reg = mlops.Registry(sys.argv[1])
n, gap = int(sys.argv[2]), float(sys.argv[3])
done = []
for i in range(n):
    start = time.time()
    reg.add("model", "latency", str(i).encode())
    done.append((start, time.time()))
    time.sleep(gap)
print(json.dumps(done))
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--commits", type=int, default=200)
    ap.add_argument("--gap", type=float, default=0.02, help="seconds between two commits")
    ap.add_argument("--store", help="a store URL (default: a fresh local folder)")
    ap.add_argument("--poll", type=float, default=None, help="poll interval for buckets (seconds)")
    a = ap.parse_args()
    import mlops

    tmp = tempfile.mkdtemp(prefix="mlops-watch-bench-")
    url = a.store or os.path.join(tmp, "store")
    reg = mlops.Registry(url)
    reg.add("model", "latency", b"seed")
    watch = reg.watch(poll_interval=a.poll)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, str(a.commits), str(a.gap)], stdout=subprocess.PIPE, text=True
    )
    arrived = {}
    while len(arrived) < a.commits:
        e = watch.next(timeout=60)
        if e is None:
            sys.exit(f"no event for 60 s after {len(arrived)} of {a.commits}")
        arrived[e.seq] = time.time()
    done = json.loads(writer.communicate()[0])
    # Event seq 1 is the seed; commit i is event i + 2. The event is in the
    # store before `add` returns (the log's cover is written after it), so
    # the time from the commit's return can be below 0; the time from its
    # start includes the commit itself.
    from_return = sorted((arrived[i + 2] - end) * 1000 for i, (_, end) in enumerate(done))
    from_start = sorted((arrived[i + 2] - start) * 1000 for i, (start, _) in enumerate(done))

    def q(xs, p):
        return round(xs[min(len(xs) - 1, int(p * len(xs)))], 2)

    print(
        json.dumps(
            {
                "store": "folder" if not a.store else url.split("://")[0],
                "notified": watch.notified,
                "commits": a.commits,
                "from_return_median_ms": round(statistics.median(from_return), 2),
                "from_return_p90_ms": q(from_return, 0.9),
                "from_return_p99_ms": q(from_return, 0.99),
                "from_start_median_ms": round(statistics.median(from_start), 2),
                "from_start_p99_ms": q(from_start, 0.99),
                "max_ms": round(max(from_start), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
