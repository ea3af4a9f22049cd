"""mlops.Spec and mlops.Accumulator (the partial states under the Spark,
Dask and Ray adapters) from Python: states of partitions merge, in any
order, into the single-machine profile and validation; what is refused is
refused with the typed error."""

import pickle

import pyarrow as pa
import pytest
from distributed_parity import assert_same_profile, assert_same_validation, suite, table

import mlops
from mlops import checks


def partition_states(spec, data, parts):
    bounds = [p * data.num_rows // parts for p in range(parts + 1)]
    out = []
    for p in range(parts):
        acc = mlops.Accumulator(spec, p)
        acc.update(data.slice(bounds[p], bounds[p + 1] - bounds[p]))
        out.append(acc.to_bytes())
    return out


@pytest.mark.parametrize("parts", [1, 2, 7, 32])
def test_partition_states_merge_into_the_single_machine_profile_in_any_order(parts):
    data = table()
    spec = mlops.Spec.profile()
    states = partition_states(spec, data, parts)
    want = mlops.profile(data)
    assert_same_profile(mlops.Accumulator.merge(spec, states).finish(), want, data)
    assert_same_profile(mlops.Accumulator.merge(spec, states[::-1]).finish(), want, data)


@pytest.mark.parametrize("parts", [1, 2, 7, 32])
def test_partition_states_merge_into_the_single_machine_validation(parts):
    data = table()
    spec = mlops.Spec.validation(suite())
    got = mlops.Accumulator.merge(spec, partition_states(spec, data, parts)).finish()
    assert isinstance(got, mlops.ValidationResult)
    assert_same_validation(got, mlops.validate(data, suite()))


def test_split_states_merge_per_column_and_combine():
    data = table()
    spec = mlops.Spec.profile(["s", "x"])
    by_key = {}
    for b in partition_states(spec, data, 5):
        for key, state in mlops.Accumulator.from_bytes(spec, b).split():
            by_key.setdefault(key, []).append(state)
    assert sorted(by_key) == [0, 1]
    merged = [mlops.Accumulator.merge(spec, s).to_bytes() for s in by_key.values()]
    acc = mlops.Accumulator.combine(spec, merged)
    assert (acc.rows, acc.partitions, acc.keys) == (data.num_rows, [(0, 4)], [0, 1])
    p = acc.finish()
    assert p.columns == ["s", "x"]
    with pytest.raises(mlops.InvalidInputError, match="consumed"):
        acc.finish()


def test_specs_pickle_by_their_bytes():
    spec = mlops.Spec.validation(suite(), now=1.7e9)
    again = pickle.loads(pickle.dumps(spec))
    assert (again.hash, again.kind) == (spec.hash, "validation")
    assert mlops.Spec.from_bytes(spec.to_bytes()).hash == spec.hash


def test_refusals_are_typed_and_name_what_is_wrong():
    data = table(100)
    spec = mlops.Spec.profile()
    a, b = partition_states(spec, data, 2)
    with pytest.raises(mlops.InvalidInputError, match="partition 0 is in two"):
        mlops.Accumulator.merge(spec, [a, b, a])
    other = mlops.Spec.profile(["x"])
    with pytest.raises(mlops.InvalidInputError, match=other.hash):
        mlops.Accumulator.merge(other, [a])
    damaged = bytearray(a)
    damaged[len(a) // 2] ^= 1
    with pytest.raises(mlops.IntegrityError, match="damaged"):
        mlops.Accumulator.from_bytes(spec, bytes(damaged))
    newer = bytearray(a)
    newer[8] = 9
    with pytest.raises(mlops.IntegrityError, match="version 9"):
        mlops.Accumulator.from_bytes(spec, bytes(newer))
    with pytest.raises(mlops.UnsupportedError, match=r"checks\[0\] \(quantile_between\).*quantile"):
        mlops.Spec.validation(mlops.Suite("q", [checks.quantile_between("x", 0.9, 0, 1)]))
    acc = mlops.Accumulator(mlops.Spec.profile(["nope"]), 0)
    with pytest.raises(mlops.SchemaMismatchError, match="'nope'"):
        acc.update(data)


def test_no_rows_anywhere_needs_the_schema():
    spec = mlops.Spec.profile()
    empty = [mlops.Accumulator(spec, p).to_bytes() for p in range(3)]
    with pytest.raises(mlops.InvalidInputError, match="schema"):
        mlops.Accumulator.combine(spec, empty).finish()
    p = mlops.Accumulator.combine(spec, empty).finish(pa.schema([("x", pa.float64())]))
    assert (p.row_count, p.columns) == (0, ["x"])
