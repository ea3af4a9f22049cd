"""Row-level diffs of data set versions by key (``Registry.diff(..., key=)``)
checked against a pandas merge, the shared vector (also run by the Node
suite), typed errors for bad keys; alias history with reasons, ``aliases``
in hits and filters, and search pages stable under inserts. Local folder and
S3."""

import json
import pathlib
import uuid

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import mlops

VECTOR = pathlib.Path(__file__).resolve().parents[2] / "tests" / "vectors" / "versioning" / "row_diff.json"


def _pandas_diff(old: pd.DataFrame, new: pd.DataFrame, key: str, cols: list) -> dict:
    """The expected diff, computed independently with a pandas outer merge."""
    m = old.merge(new, on=key, how="outer", suffixes=("_a", "_b"), indicator=True)
    both = m[m["_merge"] == "both"]
    cells = {}
    changed = np.zeros(len(both), dtype=bool)
    for c in cols:
        a, b = both[c + "_a"], both[c + "_b"]
        differ = ~((a == b) | (a.isna() & b.isna()))
        cells[c] = int(differ.sum())
        changed |= differ.to_numpy()
    return {
        "added": sorted(m.loc[m["_merge"] == "right_only", key].astype(int)),
        "removed": sorted(m.loc[m["_merge"] == "left_only", key].astype(int)),
        "changed": sorted(both.loc[changed, key].astype(int)),
        "cells": cells,
    }


def _random_versions(n: int, seed: int):
    rng = np.random.default_rng(seed)
    old = pd.DataFrame(
        {
            "id": np.arange(n, dtype=np.int64),
            "x": rng.normal(size=n),
            "y": rng.integers(0, 100, n),
            "s": [f"s{i % 97}" for i in range(n)],
            "z": rng.normal(size=n),
        }
    )
    new = old.copy()
    # Change 3% of rows in one or two columns, drop 1%, add 200, shuffle.
    at = rng.choice(n, size=n * 3 // 100, replace=False)
    new.loc[at[: len(at) // 2], "x"] += 1.0
    new.loc[at[len(at) // 3 :], "y"] += 1
    new.loc[at[::7], "s"] = None
    new = new.drop(index=rng.choice(n, size=n // 100, replace=False))
    extra = pd.DataFrame(
        {
            "id": np.arange(n, n + 200, dtype=np.int64),
            "x": rng.normal(size=200),
            "y": rng.integers(0, 100, 200),
            "s": ["new"] * 200,
            "z": rng.normal(size=200),
        }
    )
    new = pd.concat([new, extra]).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return old, new


def _keys(table: pa.Table, key: str = "id") -> list:
    return sorted(table.column(key).to_pylist())


@pytest.mark.parametrize("seed", [1, 2])
def test_row_diff_agrees_with_a_pandas_merge(tmp_path, seed):
    reg = mlops.Registry(str(tmp_path / "store"))
    old, new = _random_versions(20_000, seed)
    reg.commit_dataset("events", pa.Table.from_pandas(old, preserve_index=False))
    reg.commit_dataset("events", pa.Table.from_pandas(new, preserve_index=False))
    d = reg.diff("events", "1", "2", key=["id"])
    want = _pandas_diff(old, new, "id", ["x", "y", "s", "z"])
    assert isinstance(d, mlops.RowDiff)
    assert _keys(d.added) == want["added"]
    assert _keys(d.removed) == want["removed"]
    assert _keys(d.changed) == want["changed"]
    assert d.changed_cells == want["cells"]
    s = d.summary
    assert (s.added, s.removed, s.changed) == (200, 200, len(want["changed"]))
    assert s.unchanged == 20_000 - 200 - len(want["changed"])
    assert s.rows == [20_000, 20_000]
    # The added rows are whole rows of version 2; the changed rows name their columns.
    assert d.added.column_names == ["id", "x", "y", "s", "z"]
    assert set(d.added.column("s").to_pylist()) == {"new"}
    by_key = dict(zip(d.changed.column("id").to_pylist(), d.changed.column("changed_columns").to_pylist()))
    merged = old.merge(new, on="id", suffixes=("_a", "_b"))
    row = merged[merged["id"] == want["changed"][0]].iloc[0]
    same = [row[c + "_a"] == row[c + "_b"] or (pd.isna(row[c + "_a"]) and pd.isna(row[c + "_b"])) for c in "xysz"]
    expect_cols = [c for c, eq in zip("xysz", same) if not eq]
    assert by_key[want["changed"][0]] == expect_cols
    # A string key works too (the same ids as text).
    reg.commit_dataset("named", pa.table({"k": [str(i) for i in old["id"]], "x": old["x"]}))
    reg.commit_dataset("named", pa.table({"k": [str(i) for i in new["id"]], "x": new["x"]}))
    dn = reg.diff("named", "1", "latest", key="k")
    assert (dn.summary.added, dn.summary.removed, dn.changed_cells["x"]) == (200, 200, want["cells"]["x"])


def test_the_shared_row_diff_vector(tmp_path):
    v = json.loads(VECTOR.read_text())
    reg = mlops.Registry(str(tmp_path / "store"))
    reg.commit_dataset("people", pa.table(v["from"]))
    reg.commit_dataset("people", pa.table(v["to"]))
    d = reg.diff("people", "1", "2", key=v["key"])
    assert d.to_dict() == v["expect"]["summary"]
    assert d.summary.from_version == 1 and d.summary.to_version == 2
    assert _keys(d.added) == v["expect"]["added"]
    assert _keys(d.removed) == v["expect"]["removed"]
    changed = sorted(zip(d.changed.column("id").to_pylist(), d.changed.column("changed_columns").to_pylist()))
    assert [[k, c] for k, c in changed] == v["expect"]["changed"]
    for m in v["moves"]:
        mlops.Registry(str(tmp_path / "store"), principal=m["as"]).alias(
            "dataset", "people", "production", m["version"], reason=m["reason"]
        )
    history = reg.alias_history("dataset", "people", "production")
    got = [{k: h[k] for k in ("version", "principal", "reason", "seq")} for h in history]
    assert got == v["history"]
    assert all(isinstance(h, mlops.AliasMove) and h.time > 0 for h in history)


def test_bad_keys_raise_typed_errors_naming_the_column_and_rows(tmp_path):
    reg = mlops.Registry(str(tmp_path / "store"))
    reg.commit_dataset("k", pa.table({"id": [1, 2, 3], "x": [1, 2, 3]}))
    reg.commit_dataset("k", pa.table({"id": [1, 2, 2], "x": [1, 2, 3]}))
    reg.commit_dataset("k", pa.table({"id": [1, None, 3], "x": [1, 2, 3]}))
    with pytest.raises(mlops.NotFoundError, match="key column 'nope' in dataset 'k' version 1"):
        reg.diff("k", "1", "2", key="nope")
    with pytest.raises(mlops.InvalidInputError, match=r"version 2: \(id=2\) is on rows 1 and 2"):
        reg.diff("k", "1", "2", key="id")
    with pytest.raises(mlops.InvalidInputError, match="key column 'id' of dataset 'k' version 3 is null at row 1"):
        reg.diff("k", "1", "3", key=["id"])
    with pytest.raises(mlops.InvalidInputError, match="key"):
        reg.diff("k", "1", "2", key=[1, 2])
    with pytest.raises(mlops.InvalidInputError, match="at least one key column"):
        reg.diff("k", "1", "2", key=[])
    # Without a key: the statistics diff, as before.
    assert isinstance(reg.diff("k", "1", "2"), mlops.DatasetDiff)


def test_row_diff_and_alias_history_on_s3(s3_bucket):
    url = f"{s3_bucket}/py-{uuid.uuid4().hex}"
    reg = mlops.Registry(url, principal="ana")
    reg.commit_dataset("d", pa.table({"id": [1, 2, 3], "v": ["a", "b", "c"]}))
    reg.commit_dataset("d", pa.table({"id": [3, 2, 4], "v": ["c", "B", "d"]}))
    d = reg.diff("d", "1", "2", key="id")
    assert (d.summary.added, d.summary.removed, d.summary.changed, d.summary.unchanged) == (1, 1, 1, 1)
    assert d.changed.to_pydict() == {"id": [2], "changed_columns": [["v"]]}
    reg.alias("dataset", "d", "production", 2, reason="reviewed")
    [move] = reg.alias_history("dataset", "d", "production")
    assert (move.version, move.principal, move.reason, move.seq) == (2, "ana", "reviewed", 3)
    [hit] = reg.search("aliases = 'production'")
    assert (hit.version, hit.aliases, hit.alias) == (2, ["production"], ["production"])


def test_aliases_in_hits_and_filters(tmp_path):
    reg = mlops.Registry(str(tmp_path / "store"))
    for i in range(3):
        reg.add("model", "m", b"w%d" % i)
    reg.alias("model", "m", "production", 2)
    reg.alias("model", "m", "staging", 2)
    assert [h.version for h in reg.search("aliases = 'production'")] == [2]
    assert [h.version for h in reg.search("aliases != 'production'")] == [1, 3]
    assert [h.version for h in reg.search("aliases is null")] == [1, 3]
    assert [h.aliases for h in reg.search("kind = 'model'")] == [[], ["production", "staging"], []]
    with pytest.raises(mlops.NotFoundError, match="alias 'champion'"):
        reg.alias_history("model", "m", "champion")


def test_pages_return_every_version_once_with_inserts_between_pages(tmp_path):
    reg = mlops.Registry(str(tmp_path / "store"))
    for a in range(10):
        for v in range(100):
            reg.add("model", f"m-{a}", b"%d" % v)
    before = [(h.name, h.version) for h in reg.search("version > 0")]
    assert len(before) == 1000
    seen, token, pages = [], None, 0
    while True:
        page = reg.search("version > 0", limit=128, page_token=token)
        assert isinstance(page, mlops.SearchHits) and len(page) <= 128
        seen += [(h.name, h.version) for h in page]
        pages += 1
        if pages == 2:  # ends in m-2: write before and after the token
            assert seen[-1] == ("m-2", 56)
            reg.add("model", "m-1", b"late")  # before the token: not seen
            reg.add("model", "m-2", b"late")  # the token's asset: seen
            reg.add("model", "m-7", b"late")  # after: seen
            reg.add("model", "m-0a", b"new")  # a new asset before: not seen
        token = page.next_page_token
        if token is None:
            break
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 1002
    assert set(seen) == set(before) | {("m-2", 101), ("m-7", 101)}
    assert reg.search("version > 0").next_page_token is None
    with pytest.raises(mlops.InvalidInputError, match="page_token"):
        reg.search("version > 0", limit=5, page_token="not a token")
