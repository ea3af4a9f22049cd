#!/usr/bin/env python3
"""Row-level diff of two data set versions by key, against a pandas join and
a pyarrow join doing the same work; and search pages at 200,000 versions.

    .venv/bin/python benches/row_diff.py [--rows 1000000] [--changed 0.01] [--versions 200000]

1. Two versions of ROWS rows x 10 columns (an int64 key `id`, 3 float64, 3
   int64, 2 strings, 1 bool), seeded; the second with CHANGED of the rows
   changed in one or two columns, 0.1% removed and 0.1% added, in the same
   row order (as an update in place writes them). Both committed to a
   fresh folder store (not timed), then timed, best of 3:
   - `Registry.diff(name, "1", "2", key="id")`: reads both versions from the
     store, decodes them, matches by key, compares every column, returns
     added, removed and changed rows as pyarrow Tables (mlops's own figure
     includes reading the store);
   - the peers, given both tables already in memory (their figure does not
     include reading anything): a pandas outer merge on `id` with a
     per-column comparison, and a pyarrow `Table.join` (full outer) with
     the same comparison in pyarrow.compute.
   The three must agree on the counts (checked).
   Also timed: a version that appends 1% rows to the first (row groups
   before the appended ones are equal and skipped).
2. Search pages: VERSIONS versions (100 models of VERSIONS/100, added by
   concurrent processes), paged with `limit=10000`: total time, the slowest
   page, and that every version came back once, in order.

Prints the figures and writes benches/results/row_diff.json.
Target (issue 19): the 1M x 10, 1% diff < 1 s.
"""

import argparse
import multiprocessing
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
from _bench import report  # noqa: E402

import mlops  # noqa: E402

VALUE_COLUMNS = ["f0", "f1", "f2", "i0", "i1", "i2", "s0", "s1", "b0"]


def make_versions(rows, changed, seed=7):
    rng = np.random.default_rng(seed)
    base = {
        "id": np.arange(rows, dtype=np.int64),
        "f0": rng.normal(size=rows),
        "f1": rng.normal(size=rows),
        "f2": rng.normal(size=rows),
        "i0": rng.integers(0, 1000, rows),
        "i1": rng.integers(0, 1000, rows),
        "i2": rng.integers(0, 1000, rows),
        "s0": np.array([f"c{i}" for i in rng.integers(0, 500, rows)], dtype=object),
        "s1": np.array([f"k{i}" for i in rng.integers(0, 50, rows)], dtype=object),
        "b0": rng.integers(0, 2, rows).astype(bool),
    }
    new = {k: v.copy() for k, v in base.items()}
    at = rng.choice(rows, size=int(rows * changed), replace=False)
    new["f0"][at[::2]] += 1.0
    new["i1"][at[1::2]] += 1
    new["s0"][at[::5]] = "changed"
    keep = np.ones(rows, dtype=bool)
    keep[rng.choice(rows, size=rows // 1000, replace=False)] = False
    extra = rows // 1000
    for k in new:
        new[k] = new[k][keep]
    new["id"] = np.concatenate([new["id"], np.arange(rows, rows + extra, dtype=np.int64)])
    for k in VALUE_COLUMNS:
        new[k] = np.concatenate([new[k], base[k][:extra]])
    return pa.table(base), pa.table(new)


def best(f, n=3):
    times, out = [], None
    for _ in range(n):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def pandas_diff(a, b):
    da, db = a.to_pandas(), b.to_pandas()
    m = da.merge(db, on="id", how="outer", suffixes=("_a", "_b"), indicator=True)
    both = m[m["_merge"] == "both"]
    changed = np.zeros(len(both), dtype=bool)
    for c in VALUE_COLUMNS:
        x, y = both[c + "_a"], both[c + "_b"]
        changed |= ~((x == y) | (x.isna() & y.isna())).to_numpy()
    return int((m["_merge"] == "right_only").sum()), int((m["_merge"] == "left_only").sum()), int(changed.sum())


def arrow_diff(a, b):
    def side(t, suffix):
        named = t.rename_columns(["id"] + [c + suffix for c in VALUE_COLUMNS])
        return named.append_column("_in" + suffix, pa.array(np.ones(len(t), bool)))

    ra, rb = side(a, "_a"), side(b, "_b")
    j = ra.join(rb, "id", join_type="full outer")
    in_a, in_b = pc.is_valid(j["_in_a"]), pc.is_valid(j["_in_b"])
    added = pc.sum(pc.and_(pc.invert(in_a), in_b)).as_py() or 0
    removed = pc.sum(pc.and_(in_a, pc.invert(in_b))).as_py() or 0
    both = j.filter(pc.and_(in_a, in_b))
    changed = None
    for c in VALUE_COLUMNS:
        x, y = both[c + "_a"], both[c + "_b"]
        eq = pc.or_kleene(pc.equal(x, y), pc.and_(pc.is_null(x), pc.is_null(y)))
        d = pc.invert(pc.fill_null(eq, False))
        changed = d if changed is None else pc.or_(changed, d)
    return added, removed, pc.sum(changed).as_py() or 0


def _add_versions(args):
    url, names, per = args
    reg = mlops.Registry(url)
    for n in names:
        for v in range(per):
            reg.add("model", n, b"%d" % v)


def search_pages(url, versions):
    names = [f"m-{i:03d}" for i in range(100)]
    per = versions // len(names)
    with multiprocessing.Pool(2) as pool:
        pool.map(_add_versions, [(url, names[i::4], per) for i in range(4)])
    reg = mlops.Registry(url)
    seen, token, slowest = [], None, 0.0
    t0 = time.perf_counter()
    while True:
        t = time.perf_counter()
        page = reg.search("version > 0", limit=10_000, page_token=token)
        slowest = max(slowest, time.perf_counter() - t)
        seen += [(h.name, h.version) for h in page]
        token = page.next_page_token
        if token is None:
            break
    total = time.perf_counter() - t0
    ok = len(seen) == len(set(seen)) == per * len(names) and seen == sorted(seen)
    return total, slowest, ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--changed", type=float, default=0.01)
    ap.add_argument("--versions", type=int, default=200_000)
    args = ap.parse_args()
    a, b = make_versions(args.rows, args.changed)
    results = {"rows": args.rows, "columns": a.num_columns, "changed_share": args.changed}
    with tempfile.TemporaryDirectory() as tmp:
        reg = mlops.Registry(os.path.join(tmp, "store"))
        reg.commit_dataset("events", a)
        reg.commit_dataset("events", b)
        appended = pa.concat_tables(
            [
                a,
                make_versions(args.rows // 100, 0.0, seed=9)[0].set_column(
                    0, "id", pa.array(np.arange(args.rows, args.rows + args.rows // 100, dtype=np.int64))
                ),
            ]
        )
        reg.commit_dataset("events", appended)
        t_mlops, d = best(lambda: reg.diff("events", "1", "2", key="id"))
        s = d.summary
        results["mlops_diff_s"] = t_mlops
        results["mlops_counts"] = [s.added, s.removed, s.changed]
        results["row_groups"] = list(s.row_groups)
        t_app, d_app = best(lambda: reg.diff("events", "1", "3", key="id"))
        results["mlops_append_diff_s"] = t_app
        results["append_row_groups_skipped"] = d_app.summary.row_groups_skipped
        results["append_added"] = d_app.summary.added
        t_pd, c_pd = best(lambda: pandas_diff(a, b), n=1)
        results["pandas_merge_s"] = t_pd
        assert list(c_pd) == results["mlops_counts"], (c_pd, results["mlops_counts"])
        t_pa, c_pa = best(lambda: arrow_diff(a, b))
        results["pyarrow_join_s"] = t_pa
        assert list(c_pa) == results["mlops_counts"], (c_pa, results["mlops_counts"])
        results["speedup_vs_pandas"] = t_pd / t_mlops
        results["speedup_vs_pyarrow"] = t_pa / t_mlops
    if args.versions:
        with tempfile.TemporaryDirectory() as tmp:
            total, slowest, ok = search_pages(os.path.join(tmp, "store"), args.versions)
            results["search_versions"] = args.versions
            results["search_all_pages_s"] = total
            results["search_slowest_page_s"] = slowest
            results["search_every_version_once_in_order"] = ok
    report(results, "row diff of 1M x 10 with 1% changed < 1 s", "row_diff")


if __name__ == "__main__":
    main()
