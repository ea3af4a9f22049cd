"""Data handed over in memory is validated where it enters; bad arguments
and bad tables raise mlops errors (which `except ValueError` also catches)."""

import subprocess
import sys

import pyarrow as pa
import pytest

import mlops
from mlops import checks


def invalid_utf8_table() -> pa.Table:
    # pyarrow does not validate a view of binary data as strings: this is a
    # `string` column holding b"\xff", handed over as it is.
    bad = pa.array([b"ok", b"\xff"], pa.binary()).view(pa.string())
    return pa.table({"id": pa.array([1, 2]), "name": bad})


def assert_names_column(excinfo, column="name"):
    assert f"column '{column}'" in str(excinfo.value)


def test_invalid_utf8_is_refused_by_profile():
    with pytest.raises(mlops.InvalidInputError) as e:
        mlops.profile(invalid_utf8_table())
    assert_names_column(e)
    # A record batch (the `__arrow_c_array__` path) too.
    with pytest.raises(mlops.InvalidInputError) as e:
        mlops.profile(invalid_utf8_table().to_batches()[0])
    assert_names_column(e)


def test_invalid_utf8_is_refused_by_validate():
    suite = mlops.Suite("s", [checks.not_null("name")])
    with pytest.raises(mlops.InvalidInputError) as e:
        mlops.validate(invalid_utf8_table(), suite)
    assert_names_column(e)


def test_invalid_utf8_is_refused_by_drift():
    good = pa.table({"id": pa.array([1, 2]), "name": pa.array(["ok", "x"])})
    with pytest.raises(mlops.InvalidInputError) as e:
        mlops.drift(good, invalid_utf8_table())
    assert_names_column(e)


def test_invalid_utf8_is_refused_by_commit_dataset():
    r = mlops.Registry("memory://")
    with pytest.raises(mlops.InvalidInputError) as e:
        r.commit_dataset("d", invalid_utf8_table())
    assert_names_column(e)
    with pytest.raises(mlops.NotFoundError):
        r.read_dataset("d")


def test_invalid_utf8_nested_in_a_list_is_refused():
    inner = pa.array([b"a", b"\xfe"], pa.binary()).view(pa.string())
    tags = pa.ListArray.from_arrays(pa.array([0, 1, 2], pa.int32()), inner)
    with pytest.raises(mlops.InvalidInputError) as e:
        mlops.profile(pa.table({"tags": tags}))
    assert_names_column(e, "tags")


def test_invalid_input_and_schema_mismatch_are_value_errors():
    assert issubclass(mlops.InvalidInputError, ValueError)
    assert issubclass(mlops.InvalidInputError, mlops.MlopsError)
    assert issubclass(mlops.SchemaMismatchError, ValueError)
    assert issubclass(mlops.SchemaMismatchError, mlops.MlopsError)
    assert not issubclass(mlops.NotFoundError, ValueError)
    # Raised by the engine, caught as SciPy's and pandas' callers catch theirs.
    with pytest.raises(ValueError) as e:
        mlops.stats.ks_2samp([1.0, float("nan")], [1.0, 2.0])
    assert type(e.value) is mlops.InvalidInputError
    assert e.value.__module__ == "mlops"
    try:
        mlops.profile(invalid_utf8_table())
    except ValueError as caught:
        assert isinstance(caught, mlops.MlopsError)
    else:
        pytest.fail("not raised")


def test_duplicate_column_names_are_a_schema_mismatch():
    t = pa.table([pa.array([1, 2]), pa.array([None, None], pa.int64())], names=["x", "x"])
    with pytest.raises(mlops.SchemaMismatchError, match="'x'"):
        mlops.profile(t)
    with pytest.raises(mlops.SchemaMismatchError, match="'x'"):
        mlops.validate(t, mlops.Suite("s", [checks.not_null("x")]))
    with pytest.raises(mlops.SchemaMismatchError, match="'x'"):
        mlops.drift(t, t)
    with pytest.raises(mlops.SchemaMismatchError, match="'x'"):
        mlops.Registry("memory://").commit_dataset("d", t)


def test_a_union_column_is_unsupported_at_commit():
    u = pa.UnionArray.from_sparse(pa.array([0, 1], pa.int8()), [pa.array([1, 2]), pa.array(["a", "b"])])
    r = mlops.Registry("memory://")
    with pytest.raises(mlops.UnsupportedError, match="'u'"):
        r.commit_dataset("d", pa.table({"u": u}))


def test_histogram_bins_out_of_range_are_invalid_input():
    c = mlops.profile(pa.table({"x": [0.0, 1.0, 2.0]}))["x"]
    for bins in [0, 100_001, 10**30, -1]:
        with pytest.raises(mlops.InvalidInputError, match="bins"):
            c.histogram(bins)
    with pytest.raises(mlops.InvalidInputError, match="k"):
        c.top(10**30)
    edges, counts = c.histogram(100_000)
    assert (len(edges), sum(counts)) == (100_001, 3)


def test_a_huge_histogram_is_refused_in_a_child_process():
    # 3 * 10**8 bins aborted the process on allocation: run it apart.
    code = (
        "import mlops, pyarrow as pa\n"
        "c = mlops.profile(pa.table({'x': [0.0, 1.0, 2.0]}))['x']\n"
        "try:\n"
        "    c.histogram(3 * 10**8)\n"
        "except mlops.InvalidInputError as e:\n"
        "    print('refused:', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("refused:") and "100000" in out.stdout


@pytest.mark.parametrize(
    "meta, where, why",
    [
        ({"a": {"b": float("nan")}}, 'metadata["a"]["b"]', "nan is not a JSON number"),
        ({"xs": [1, float("-inf")]}, 'metadata["xs"][1]', "-inf is not a JSON number"),
        ({1: "one"}, "metadata", "key 1 is not a str"),
        ({"n": 2**70}, 'metadata["n"]', f"{2**70} does not fit a 64-bit integer"),
        ({"s": {1, 2}}, 'metadata["s"]', "a set is not JSON"),
    ],
)
def test_metadata_that_json_cannot_hold_is_refused_naming_the_field(meta, where, why):
    r = mlops.Registry("memory://")
    with pytest.raises(mlops.InvalidInputError) as e:
        r.add("model", "m", b"x", metadata=meta)
    assert f"{where}: {why}" in str(e.value)
    with pytest.raises(mlops.NotFoundError):
        r.asset("model", "m")


def test_metadata_nested_too_deep_is_refused():
    deep = {}
    inner = deep
    for _ in range(200):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(mlops.InvalidInputError, match="nested deeper than 128 levels"):
        mlops.Registry("memory://").add("model", "m", b"x", metadata=deep)


def test_metadata_round_trips_every_json_type():
    r = mlops.Registry("memory://")
    meta = {"f": 0.5, "i": -3, "u": 2**63, "b": True, "n": None, "s": "é", "l": [1, (2, 3)]}
    r.add("model", "m", b"x", metadata=meta)
    got = r.version("model", "m", "latest")["metadata"]
    assert got == {**meta, "l": [1, [2, 3]]}
