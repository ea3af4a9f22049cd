"""How fast the web UI (`mlops ui`, issue 21) answers on a big store: the
catalogue, search, an asset, the runs table, one run, a 1M-point chart and
the first page load, timed over HTTP against the issue's targets.

    .venv/bin/python benches/ui_pages.py [--store DIR] [--repeat 20] [--procs 2]

1. The store (built once into DIR, default under the system temp folder,
   and reused while DIR holds the marker file `.ui-bench-built`):
   - 1,000 models x 100 versions (`Registry.add`, metadata
     `{"metrics": {"auc", "loss"}, "team"}`), each model with aliases
     `production` (v90) and `staging` (v100) and a tag on v100;
   - 10,000 runs of 200 metric keys, 3 steps each (`run.log` per step);
   - one run with a 1,000,000-point metric (`run.log_table`, 100k a batch).
   Writers are PROCS processes, each with its own Registry on the folder.
   Then one `search_runs` call builds the run table (the cache every later
   search reads), timed on its own: the UI's first runs page would
   otherwise pay for it.
2. `mlops.ui.serve(DIR, port=0, block=False)`, then each request once
   (`first`, caches cold) and REPEAT times more over one keep-alive
   connection: min, median and p95 in ms, and the answer's size.
3. A table against the targets: catalogue and search pages < 100 ms, runs
   table page < 150 ms, the 1M-point chart < 50 ms, first load < 500 KB.

Absolute times depend on the machine and on what else runs on it; the
script prints the load average before and after so a noisy run shows.
Not a test: run by hand.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.parse

import mlops

MARKER = ".ui-bench-built"
MODELS, VERSIONS = 1000, 100
RUNS, KEYS, STEPS = 10_000, 200, 3
BIG_POINTS, BIG_BATCH = 1_000_000, 100_000
BIG_EXPERIMENT, BIG_KEY = "big", "loss"


def model_name(i):
    return f"m{i:04d}"


# ---------------------------------------------------------------- the store


def _write_models(args):
    """One writer: every version of its share of the models, then aliases and a tag."""
    store, names = args
    reg = mlops.Registry(store)
    rng = random.Random(names[0])
    for name in names:
        for v in range(1, VERSIONS + 1):
            auc = rng.random()
            reg.add("model", name, b"%s/%d" % (name.encode(), v),
                    metadata={"metrics": {"auc": auc, "loss": 1 - auc}, "team": f"t{v % 7}"})
        reg.alias("model", name, "production", VERSIONS - 10)
        reg.alias("model", name, "staging", VERSIONS)
        reg.tag("model", name, VERSIONS, "reviewed", "yes")
    return len(names) * VERSIONS


def _write_runs(args):
    """One writer: `count` runs of KEYS keys x STEPS steps."""
    store, first, count = args
    reg = mlops.Registry(store)
    rng = random.Random(first)
    for i in range(first, first + count):
        run = mlops.start_run(f"exp{i % 10}", params={"lr": rng.choice([0.1, 0.01, 0.001]),
                                                      "depth": i % 12, "seed": i}, store=reg)
        for step in range(STEPS):
            run.log({f"m{k}": rng.random() for k in range(KEYS)}, step=step)
        run.end("finished")
    return count


def _write_big_run(store):
    """The run with one BIG_POINTS-point series, logged as Arrow tables."""
    import pyarrow as pa

    run = mlops.start_run(BIG_EXPERIMENT, params={"points": BIG_POINTS}, store=store)
    for start in range(0, BIG_POINTS, BIG_BATCH):
        steps = pa.array(range(start, start + BIG_BATCH), pa.int64())
        values = pa.array([1.0 / (1 + s / 1000) + random.random() * 0.01 for s in range(start, start + BIG_BATCH)],
                          pa.float64())
        run.log_table(pa.table({"key": pa.array([BIG_KEY] * BIG_BATCH), "step": steps, "value": values}))
    run.end("finished")
    return run.id


def build(store, procs):
    """Writes the store into `store` unless its marker says it is there; returns the build figures."""
    marker = os.path.join(store, MARKER)
    if os.path.exists(marker):
        with open(marker) as f:
            info = json.load(f)
        print(f"store {store}: built before ({MARKER}), reusing it")
        return info
    os.makedirs(store, exist_ok=True)
    mlops.Registry(store)  # creates the store before the writers race to
    info = {}
    names = [model_name(i) for i in range(MODELS)]
    with multiprocessing.Pool(procs) as pool:
        t = time.perf_counter()
        n = sum(pool.map(_write_models, [(store, names[i::procs]) for i in range(procs)]))
        info["models_s"] = time.perf_counter() - t
        print(f"  {n:,} model versions (+ {2 * MODELS:,} aliases, {MODELS:,} tags): "
              f"{info['models_s']:.1f} s, {n / info['models_s']:,.0f} versions/s", flush=True)
        t = time.perf_counter()
        share = RUNS // procs
        parts = [(store, i * share, share if i < procs - 1 else RUNS - i * share) for i in range(procs)]
        n = sum(pool.map(_write_runs, parts))
        info["runs_s"] = time.perf_counter() - t
        print(f"  {n:,} runs x {KEYS} keys x {STEPS} steps: {info['runs_s']:.1f} s, "
              f"{n / info['runs_s']:,.0f} runs/s", flush=True)
    t = time.perf_counter()
    info["big_run"] = _write_big_run(store)
    info["big_s"] = time.perf_counter() - t
    print(f"  1 run of {BIG_POINTS:,} points (log_table, {BIG_BATCH:,} a batch): {info['big_s']:.1f} s", flush=True)
    t = time.perf_counter()
    mlops.Registry(store).search_runs("limit 1")
    info["run_table_s"] = time.perf_counter() - t
    print(f"  first search (folds every run, writes the run table): {info['run_table_s']:.1f} s", flush=True)
    with open(marker, "w") as f:
        json.dump(info, f)
    return info


# ------------------------------------------------------------- the requests


class Client:
    """One keep-alive connection to the server."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)

    def get(self, path, headers=None):
        """(status, body bytes, seconds) of a GET."""
        t = time.perf_counter()
        self.conn.request("GET", path, headers=headers or {})
        r = self.conn.getresponse()
        body = r.read()
        return r.status, body, time.perf_counter() - t

    def json(self, path):
        status, body, _ = self.get(path)
        if status != 200:
            sys.exit(f"GET {path}: {status} {body[:300]!r}")
        return json.loads(body)


def bytes_read():
    """Bytes this process (server included: it runs in it) has read so far, or None off Linux."""
    try:
        with open("/proc/self/io") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("rchar:"))
    except (OSError, StopIteration):
        return None


def timed(client, path, repeat):
    """The first request's ms, then min / median / p95 of `repeat` more, the answer's bytes
    and the bytes read per request (files and sockets: what the engine reads from the store)."""
    status, body, first = client.get(path)
    if status != 200:
        sys.exit(f"GET {path}: {status} {body[:300]!r}")
    times = []
    before = bytes_read()
    for _ in range(repeat):
        _, body, s = client.get(path)
        times.append(s * 1000)
    after = bytes_read()
    read = None if before is None else (after - before) / repeat
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"first": first * 1000, "min": times[0], "median": statistics.median(times), "p95": p95,
            "bytes": len(body), "read": read, "body": body}


REFS = [
    re.compile(r"""(?:src|href)\s*=\s*["'](/assets/[^"'?#]+)"""),
    re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+\.m?js)["']"""),
    re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)"""),
]


def first_load(client):
    """Bytes of `/` and every page file it references, following JS imports and CSS urls."""
    seen, todo, total, files = set(), ["/"], 0, []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        status, body, _ = client.get(path)
        if status != 200:
            sys.exit(f"GET {path}: {status}")
        total += len(body)
        files.append((path, len(body)))
        text = body.decode("utf-8", "replace")
        for rx in REFS:
            for ref in rx.findall(text):
                if ref.startswith("data:") or "://" in ref:
                    continue
                todo.append(urllib.parse.urljoin(path, ref))
    return total, files


# ---------------------------------------------------------------- main


TARGETS = {"catalogue": 100, "search": 100, "runs": 150, "chart": 50}
# Rows shown for the diagnosis but named by no target of the issue.
UNTARGETED = ("runs keys", "one run (200 keys)", "big run info")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", default=None, help="default: mlops-ui-bench-store under the temp folder")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--small", action="store_true", help="a store 1/50 the size, to check the script")
    args = ap.parse_args()
    if args.small:
        global MODELS, RUNS, BIG_POINTS
        MODELS, RUNS, BIG_POINTS = MODELS // 50, RUNS // 50, BIG_POINTS // 10
    default = "mlops-ui-bench-store" + ("-small" if args.small else "")
    store = os.path.abspath(args.store or os.path.join(tempfile.gettempdir(), default))

    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print(f"building {store} ...", flush=True)
    t = time.perf_counter()
    info = build(store, args.procs)
    print(f"store ready in {time.perf_counter() - t:.1f} s", flush=True)

    server = mlops.ui.serve(store, port=0, block=False)
    try:
        c = Client(server.url)
        deep_name = model_name(MODELS // 2)
        # A token names the last hit seen (kind/name/version): the page after
        # version 50 of the middle model, half the catalogue in.
        deep_token = f"model/{deep_name}/{VERSIONS // 2}"
        big = info["big_run"]
        some_run = sorted(os.listdir(os.path.join(store, "runs")))[RUNS // 8]
        cols = ",".join(f"metrics.m{k}" for k in range(10))
        q = urllib.parse.quote
        later = {}  # what one answer gives the next request (the `next` token)
        cases = [
            ("catalogue", "catalogue page 1", lambda: "/api/assets?limit=50"),
            ("catalogue", "catalogue page 2 (next)", lambda: f"/api/assets?limit=50&page={q(later['next'], safe='')}"),
            ("catalogue", f"catalogue deep ({MODELS * VERSIONS // 2 + VERSIONS // 2:,} in)",
             lambda: f"/api/assets?limit=50&page={q(deep_token, safe='')}"),
            ("search", "search auc > 0.9", lambda: "/api/assets?q=" + q("metrics.auc > 0.9") + "&limit=50"),
            ("search", "search rare (auc > 0.9999)", lambda: "/api/assets?q=" + q("metrics.auc > 0.9999") + "&limit=50"),
            ("search", "search tag (1 per model)", lambda: "/api/assets?q=" + q("tags.reviewed = 'yes'") + "&limit=50"),
            ("catalogue", "asset page (100 versions)", lambda: f"/api/assets/model/{deep_name}"),
            ("runs", "runs page 1", lambda: f"/api/runs?limit=100&columns={cols}"),
            ("runs", "runs deep, ordered",
             lambda: f"/api/runs?limit=100&offset={RUNS // 2}&columns={cols}&order=metrics.m0&desc=1"),
            ("runs", "runs filtered + ordered", lambda: "/api/runs?limit=100&q="
             + q("params.depth = 3 and metrics.m1 > 0.5") + f"&columns={cols}&order=metrics.m2"),
            ("runs", "runs keys", lambda: "/api/runs/keys"),
            ("runs", "one run (200 keys)", lambda: f"/api/runs/{some_run}"),
            ("runs", "big run info", lambda: f"/api/runs/{big}"),
            ("chart", f"{BIG_POINTS:,}-point chart (points=1000)", lambda: f"/api/runs/{big}/metrics/{BIG_KEY}?points=1000"),
        ]
        results = []
        for group, label, path in cases:
            r = timed(c, path(), args.repeat)
            if label == "catalogue page 1":
                later["next"] = json.loads(r.pop("body"))["next"]
                assert later["next"] and later["next"].count("/") == 2, later["next"]
            r.pop("body", None)
            r.update(group=group, label=label, path=path())
            results.append(r)
            print(f"  {label}: first {r['first']:.1f} ms, median {r['median']:.1f} ms", flush=True)
        load_bytes, files = first_load(c)
    finally:
        server.stop()

    print()
    print(f"store: {MODELS * VERSIONS:,} versions, {RUNS + 1:,} runs; build: models {info['models_s']:.1f} s, "
          f"runs {info['runs_s']:.1f} s, 1M points {info['big_s']:.1f} s, run table {info['run_table_s']:.1f} s")
    print(f"{'request':34} {'first':>8} {'min':>8} {'median':>8} {'p95':>8} {'bytes':>9} {'MB read':>8}  target")
    for r in results:
        target = TARGETS.get(r["group"])
        verdict = ""
        if target is not None and r["label"] not in UNTARGETED:
            verdict = f"< {target} ms {'ok' if r['median'] < target else 'MISSED'}"
        print(f"{r['label']:34} {r['first']:8.1f} {r['min']:8.1f} {r['median']:8.1f} {r['p95']:8.1f} "
              f"{r['bytes']:9,} {'' if r['read'] is None else format(r['read'] / 1e6, '8.2f'):>8}  {verdict}")
    print(f"{'first page load':34} {'':8} {'':8} {'':8} {'':8} {load_bytes:9,} {'':8}  < 500 KB "
          f"{'ok' if load_bytes < 500 * 1024 else 'MISSED'}  ({', '.join(f'{p} {n:,}' for p, n in files)})")
    print(f"(times in ms over {args.repeat} requests after the first; verdicts on the median; MB read: "
          f"per request, by this process, which runs the server; "
          f"load average after: {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
