#!/usr/bin/env python3
"""Makes the shared profile test vectors: small Arrow IPC files and, beside
each, the statistics numpy computes for them (`<name>.expected.json`).

The Rust, Python and Node suites all profile every `<name>.arrow` here and
compare with `<name>.expected.json` by the rules in README.md, which proves
that the three front-ends return the same profile, and that it is right.

Run from the repo root:  .venv/bin/python tests/vectors/make_vectors.py
Needs numpy and pyarrow. Vectors are small (at most 200 values a column), so
the sketches are exact and every field can be compared exactly.
"""
import datetime as dt
import decimal
import json
import math
import os

import numpy as np
import pyarrow as pa

HERE = os.path.dirname(os.path.abspath(__file__))
QUANTILES = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0]
BINS = 20
TOP_K = 10


def inverted_cdf(sorted_vals, q):
    """numpy's `inverted_cdf` quantile: the smallest value whose rank >= q."""
    n = len(sorted_vals)
    k = max(1, math.ceil(q * n - 1e-12))
    return float(sorted_vals[min(k, n) - 1])


def histogram(vals, lo, hi):
    """The engine's equal-width histogram: edges lo + i*w (last = hi), bins
    [e_i, e_i+1), the last closed, as numpy.histogram."""
    if lo == hi:
        return {"edges": [lo, hi], "counts": [len(vals)]}
    w = (hi - lo) / BINS
    edges = [lo + w * i for i in range(BINS)] + [hi]
    inner = np.array(edges[1:BINS])
    idx = np.searchsorted(inner, np.asarray(vals, dtype=np.float64), side="right")
    counts = np.bincount(idx, minlength=BINS)
    return {"edges": edges, "counts": [int(c) for c in counts]}


def top_k(values):
    counts = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_K]
    return [{"value": v, "count": c} for v, c in rows]


def semantic(kind, is_float, n, d, mean_len):
    unique = n >= 50 and d >= 0.95 * n
    if kind == "boolean":
        return "boolean"
    if kind == "temporal":
        return "datetime"
    if kind in ("binary", "nested"):
        return "other"
    if kind == "numeric":
        if is_float or n == 0:
            return "numeric"
        if d <= 20:
            return "categorical"
        return "identifier" if unique else "numeric"
    if n == 0:
        return "categorical"
    if unique:
        return "identifier" if mean_len < 40 else "text"
    if mean_len >= 40 or (d > 0.5 * n and d > 50):
        return "text"
    return "categorical"


def kind_of(t):
    if pa.types.is_dictionary(t):
        return kind_of(t.value_type)
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return "binary"
    if pa.types.is_temporal(t):
        return "temporal"
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) or pa.types.is_null(t):
        return "numeric"
    return "nested"


def to_epoch_int(v, t):
    """Temporal values as integers in their Arrow unit, as the engine reports them."""
    return pa.array([v], type=t).cast(pa.int64() if not pa.types.is_date32(t) else pa.int32())[0].as_py()


def expected_column(name, arr):
    t = arr.type
    kind = kind_of(t)
    if pa.types.is_dictionary(t):
        arr = arr.cast(t.value_type)
    py = arr.to_pylist()
    valid = [v for v in py if v is not None]
    out = {"count": len(py), "null_count": len(py) - len(valid), "kind": kind}
    is_float = pa.types.is_floating(t) or pa.types.is_decimal(t)
    n_distinct = len(set(valid)) if kind != "nested" else 0
    mean_len = None
    if kind == "numeric" and not pa.types.is_null(t):
        if is_float:
            vals = [float(v) for v in valid]
            out["nan_count"] = sum(1 for v in vals if math.isnan(v))
            out["pos_inf_count"] = sum(1 for v in vals if v == math.inf)
            out["neg_inf_count"] = sum(1 for v in vals if v == -math.inf)
            finite = [v for v in vals if math.isfinite(v)]
            n_distinct = len(set(finite))
            tops = top_k([v + 0.0 for v in finite])
        else:
            finite = [int(v) for v in valid]
            tops = top_k(finite)
        if finite:
            a = np.array(finite, dtype=np.float64)
            s = np.sort(a)
            out["min"] = (float if is_float else int)(min(finite))
            out["max"] = (float if is_float else int)(max(finite))
            out["mean"] = float(a.mean())
            if len(a) >= 2:
                out["variance"] = float(a.var(ddof=1))
            out["quantiles"] = [[q, inverted_cdf(s, q)] for q in QUANTILES]
            out["histogram"] = histogram(a, float(s[0]), float(s[-1]))
            out["top_k"] = tops
        out["distinct"] = n_distinct
    elif kind == "temporal":
        ints = [to_epoch_int(v, t) for v in valid]
        a = np.array(ints, dtype=np.float64)
        out["min"], out["max"] = min(ints), max(ints)
        out["mean"] = float(a.mean())
        out["quantiles"] = [[q, inverted_cdf(np.sort(a), q)] for q in QUANTILES]
        out["top_k"] = top_k(ints)
        out["distinct"] = len(set(ints))
    elif kind == "boolean":
        trues = sum(1 for v in valid if v)
        out["true_count"] = trues
        if valid:
            a = np.array(valid, dtype=np.float64)
            out["mean"] = float(a.mean())
            if len(a) >= 2:
                out["variance"] = float(a.var(ddof=1))
            out["min"], out["max"] = min(valid), max(valid)
            out["top_k"] = top_k(valid)
        out["distinct"] = n_distinct
    elif kind == "string":
        if valid:
            lens = [len(v) for v in valid]
            mean_len = sum(lens) / len(lens)
            out["length"] = {"min": min(lens), "mean": mean_len, "max": max(lens)}
            # byte order, as the engine compares UTF-8
            by_bytes = sorted(valid, key=lambda s: s.encode("utf-8"))
            out["min"], out["max"] = by_bytes[0], by_bytes[-1]
            out["top_k"] = [
                {"value": v, "count": c}
                for v, c in sorted(
                    ((v, valid.count(v)) for v in set(valid)), key=lambda kv: (-kv[1], kv[0].encode("utf-8"))
                )[:TOP_K]
            ]
        out["distinct"] = n_distinct
    elif kind == "binary":
        if valid:
            lens = [len(v) for v in valid]
            out["length"] = {"min": min(lens), "mean": sum(lens) / len(lens), "max": max(lens)}
        out["distinct"] = n_distinct
    n = len(valid)
    if kind == "numeric" and is_float:
        n = len([v for v in valid if math.isfinite(float(v))]) + out.get("nan_count", 0) + out.get("pos_inf_count", 0) + out.get("neg_inf_count", 0)
    out["semantic_type"] = semantic(kind, is_float, n, n_distinct if kind != "nested" else 0, mean_len or 0.0)
    return out


def write(name, table):
    path = os.path.join(HERE, f"{name}.arrow")
    with pa.OSFile(path, "wb") as f, pa.ipc.new_file(f, table.schema) as w:
        w.write_table(table)
    exp = {
        "input": f"{name}.arrow",
        "row_count": table.num_rows,
        "columns": {c: expected_column(c, table.column(c).combine_chunks()) for c in table.column_names},
    }
    with open(os.path.join(HERE, f"{name}.expected.json"), "w") as f:
        json.dump(exp, f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    rng = np.random.default_rng(7)
    n = 120
    f = rng.normal(10, 3, n)
    f[[3, 50]] = np.nan
    f[7], f[8] = np.inf, -np.inf
    fmask = np.zeros(n, bool)
    fmask[[1, 2, 90]] = True
    ints = rng.integers(-50, 50, n).astype(np.int32)
    imask = rng.random(n) < 0.1
    write(
        "numeric",
        pa.table(
            {
                "f64": pa.array(f, mask=fmask),
                "f32": pa.array(np.round(rng.normal(0, 1, n), 3).astype(np.float32)),
                "i32": pa.array(ints, mask=imask),
                "u8": pa.array(rng.integers(0, 5, n).astype(np.uint8)),
                "i64_ids": pa.array(np.arange(1000, 1000 + n, dtype=np.int64)),
                "const": pa.array(np.full(n, 2.5)),
                "all_null": pa.nulls(n, pa.float64()),
                "dec": pa.array([decimal.Decimal(int(x)) / 100 for x in rng.integers(0, 10000, n)], pa.decimal128(10, 2)),
            }
        ),
    )
    words = ["alpha", "beta", "gamma", "", "δέλτα", "epsilon", "zeta"]
    s = [words[i] for i in rng.integers(0, len(words), n)]
    smask = rng.random(n) < 0.15
    sv = [None if m else v for v, m in zip(s, smask)]
    b = [bool(x) for x in rng.random(n) < 0.3]
    bv = [None if i % 11 == 0 else v for i, v in enumerate(b)]
    ids = [f"user-{i:05d}" for i in rng.permutation(n)]
    text = [" ".join(words[j] for j in rng.integers(0, len(words), 12)) + f" #{i}" for i in range(n)]
    write(
        "strings",
        pa.table(
            {
                "s": pa.array(sv, pa.string()),
                "large": pa.array(sv, pa.large_string()),
                "view": pa.array(sv, pa.string_view()),
                "dict": pa.array(sv, pa.string()).dictionary_encode(),
                "ids": pa.array(ids),
                "text": pa.array(text),
                "flag": pa.array(bv, pa.bool_()),
            }
        ),
    )
    base = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    ts = [base + dt.timedelta(seconds=int(x)) for x in rng.integers(0, 86400 * 30, n)]
    write(
        "temporal",
        pa.table(
            {
                "ts_utc": pa.array(ts, pa.timestamp("us", tz="UTC")),
                "ts_naive": pa.array([t.replace(tzinfo=None) for t in ts], pa.timestamp("ms")),
                "day": pa.array([t.date() for t in ts], pa.date32()),
                "blob": pa.array([bytes([i % 7]) * (i % 5) if i % 9 else None for i in range(n)], pa.binary()),
                "tags": pa.array([[i, i + 1] if i % 4 else None for i in range(n)], pa.list_(pa.int64())),
            }
        ),
    )
    write("empty", pa.table({"x": pa.array([], pa.float64()), "s": pa.array([], pa.string())}))


if __name__ == "__main__":
    main()
