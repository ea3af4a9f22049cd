"""Keyed profiles from Python: the daily profiles (here made from
per-partition states, as mlops.spark makes them) saved under their dates
merge into the profile of the days chosen without the data."""

import pyarrow as pa
import pytest

import mlops


def day(d):
    return pa.table(
        {"x": [float(d * 100 + i) for i in range(100)], "s": [["a", "b", "c"][(d + i) % 3] for i in range(100)]}
    )


def test_the_last_days_merge_from_their_saved_profiles(tmp_path):
    reg = mlops.Registry(str(tmp_path / "store"), principal="ana")
    spec = mlops.Spec.profile()
    for d in range(1, 8):
        states = []
        for part, rows in enumerate((day(d).slice(0, 40), day(d).slice(40))):
            acc = mlops.Accumulator(spec, part)
            acc.update(rows)
            states.append(acc.to_bytes())
        reg.save_profile("orders", f"2026-12-0{d}", mlops.Accumulator.merge(spec, states).finish())
    assert reg.profile_keys("orders") == [f"2026-12-0{d}" for d in range(1, 8)]
    week = reg.merge_profiles("orders", [f"2026-12-0{d}" for d in range(3, 8)])
    want = mlops.profile(pa.concat_tables([day(d) for d in range(3, 8)]))
    assert week.row_count == want.row_count == 500
    assert (week["x"].min, week["x"].max, week["s"].count) == (want["x"].min, want["x"].max, want["s"].count)
    assert week["x"].mean == pytest.approx(want["x"].mean, rel=1e-12)
    assert reg.load_profile("orders", "2026-12-02")["x"].mean == 249.5
    assert reg.asset("profile", "orders").versions[0].metadata["key"] == "2026-12-01"


def test_missing_and_repeated_keys_are_refused(tmp_path):
    reg = mlops.Registry(str(tmp_path / "store"))
    reg.save_profile("orders", "a", mlops.profile(day(1)))
    with pytest.raises(mlops.NotFoundError, match="'b'"):
        reg.merge_profiles("orders", ["a", "b"])
    with pytest.raises(mlops.InvalidInputError, match="twice"):
        reg.merge_profiles("orders", ["a", "a"])
    with pytest.raises(mlops.InvalidInputError, match="printable"):
        reg.save_profile("orders", "", mlops.profile(day(1)))
