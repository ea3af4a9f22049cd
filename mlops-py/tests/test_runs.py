"""Experiment tracking from Python: runs, params, tags, metric series at full
resolution, histories, and what errors, exceptions, signals and killed
processes leave behind."""

import multiprocessing
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import numpy as np
import pyarrow as pa
import pytest

import mlops


def test_a_run_keeps_every_point_and_summarises_it(tmp_path):
    rng = np.random.default_rng(7)
    steps = rng.permutation(np.repeat(np.arange(2000), 2))  # any order, each step twice
    loss = rng.normal(1.0, 0.3, steps.size)
    loss[5] = np.nan
    loss[9] = np.inf
    with mlops.start_run(
        "churn",
        name="baseline",
        params={"lr": 0.01, "model": {"depth": 6}, "layers": [64, 32]},
        tags={"team": "risk"},
        store=str(tmp_path),
        flush_points=1000,
    ) as run:
        for s, v in zip(steps.tolist(), loss.tolist()):
            run.log({"loss": v, "acc": 0.5}, step=s)
        run.log({"loss": 0.25}, step=3, context="subset=val")
    info = run.info()
    assert info.status == "finished"
    assert info.experiment == "churn" and info.name == "baseline"
    assert info.params == {"lr": "0.01", "model.depth": "6", "layers": "[64,32]"}
    assert info.tags == {"team": "risk"}
    assert info.points == 2 * steps.size + 1
    m = info.metrics["loss"]
    finite = loss[~np.isnan(loss)]
    assert m["count"] == steps.size and m["nans"] == 1
    assert m["min"] == finite.min() and m["max"] == np.inf
    assert m["sum"] == pytest.approx(finite.sum(), rel=1e-12)
    assert m["first_step"] == 0 and m["last_step"] == 1999
    # The last value: the one at the largest step, logged last there.
    last_at = np.flatnonzero(steps == 1999)[-1]
    assert m["last"] == loss[last_at]
    assert info.metrics["loss[subset=val]"]["count"] == 1

    h = run.history("loss", context=None)
    assert h.column_names == ["step", "time", "value", "context"]
    assert h.num_rows == steps.size + 1
    got = sorted(zip(h["step"].to_pylist(), [repr(v) for v in h["value"].to_pylist()]))
    want = sorted(list(zip(steps.tolist(), [repr(v) for v in loss.tolist()])) + [(3, repr(0.25))])
    assert got == want, "exactly the points logged"
    assert h["step"].to_numpy().tolist() == sorted(h["step"].to_numpy().tolist())
    val = run.history("loss", context="subset=val")
    assert val["value"].to_pylist() == [0.25]
    reg = mlops.Registry(str(tmp_path))
    assert reg.verify_run(run.id) == info.points
    assert reg.run(run.id) == info


def test_downsampled_history_keeps_each_buckets_extremes():
    reg = mlops.Registry("memory://")
    x = np.sin(np.arange(100_000) / 100.0)
    x[54_321] = 99.0
    with mlops.start_run(store=reg) as run:
        run.log_table(pa.table({"key": ["x"] * x.size, "step": np.arange(x.size), "value": x}))
    d = reg.run_history(run.id, "x", downsample=250)
    assert 500 <= d.num_rows <= 1000
    assert 54_321 in d["step"].to_pylist()
    assert d["step"][0].as_py() == 0 and d["step"][-1].as_py() == 99_999
    assert reg.run_history(run.id, "x", downsample=250).equals(d), "deterministic"


def test_exceptions_and_interrupts_end_a_run_as_failed_or_killed():
    reg = mlops.Registry("memory://")
    with pytest.raises(ZeroDivisionError):
        with mlops.start_run("e", store=reg) as run:
            run.log({"x": 1.0}, step=0)
            raise ZeroDivisionError("a training step failed")
    assert reg.run(run.id).status == "failed"
    assert reg.run(run.id).points == 1
    with pytest.raises(KeyboardInterrupt):
        with mlops.start_run("e", store=reg) as run2:
            raise KeyboardInterrupt
    assert reg.run(run2.id).status == "killed"
    with mlops.start_run("e", store=reg) as run3:
        run3.end("failed")  # ended inside the block: the block's end does nothing more
    assert reg.run(run3.id).status == "failed"


def test_bad_values_keys_and_params_are_typed_errors_that_log_nothing():
    reg = mlops.Registry("memory://")
    with mlops.start_run(store=reg, params={"lr": 0.1}) as run:
        with pytest.raises(mlops.InvalidInputError, match="'acc'"):
            run.log({"loss": 1.0, "acc": "high"}, step=0)
        with pytest.raises(mlops.InvalidInputError, match="key"):
            run.log({"a b": 1.0}, step=0)
        with pytest.raises(mlops.InvalidInputError):
            run.log({1: 1.0}, step=0)
        with pytest.raises(mlops.InvalidInputError, match="context"):
            run.log({"x": 1.0}, step=0, context="train")
        run.log_params({"lr": 0.1})  # the same value again: fine
        with pytest.raises(mlops.ConflictError, match="'lr'"):
            run.log_params({"lr": 0.2})
        with pytest.raises(mlops.InvalidInputError, match="'step'"):
            run.log_table(pa.table({"key": ["a"], "step": [1.5], "value": [1.0]}))
        with pytest.raises(mlops.InvalidInputError, match="row 1"):
            run.log_table(pa.table({"key": ["a", None], "step": [1, 2], "value": [1.0, 2.0]}))
        with pytest.raises(mlops.InvalidInputError, match="downsample"):
            reg.run_history(run.id, "x", downsample=-1)
    assert reg.run(run.id).points == 0, "the bad calls logged nothing"
    with pytest.raises(mlops.NotFoundError):
        reg.run(uuid.uuid4().hex)
    with pytest.raises(mlops.InvalidInputError):
        reg.run("../etc")
    with pytest.raises(mlops.NotFoundError, match="'nope'"):
        reg.run_history(run.id, "nope")
    with pytest.raises(mlops.ConflictError):
        run.log({"x": 1.0}, step=0)


def test_nested_runs_inputs_outputs_and_artifacts(tmp_path):
    reg = mlops.Registry(str(tmp_path / "store"))
    reg.commit_dataset("train", pa.table({"x": [1.0, 2.0]}))
    with mlops.start_run("e", store=reg) as parent:
        with mlops.start_run("e", store=reg, parent=parent) as child:
            child.use_dataset("train", 1)
            v = reg.add("model", "churn", b"weights")
            child.record_output("model", "churn", v)
            notes = tmp_path / "notes.txt"
            notes.write_text("hello")
            child.log_artifact(notes, name="docs/notes.txt")
    info = reg.run(child.id)
    assert info.parent == parent.id
    assert info.inputs == [{"kind": "dataset", "name": "train", "version": 1}]
    assert info.outputs == [{"kind": "model", "name": "churn", "version": 1}]
    assert info.artifacts[0]["path"] == "docs/notes.txt"
    model = reg.asset("model", "churn")
    assert model.inputs[0]["run"] == child.id
    assert [r.id for r in reg.runs("e")] == [child.id, parent.id]


WRITER = textwrap.dedent(
    """
    import sys, time, mlops
    run = mlops.start_run("signals", store=sys.argv[1], flush_interval=0.2)
    for step in range(5000):
        run.log({"k": float(step)}, step=step)
    run.flush()
    print(run.id, flush=True)
    mode = sys.argv[2]
    if mode == "exit":
        sys.exit(0)  # atexit ends the run
    time.sleep(60)
    """
)


def _writer(tmp_path, mode):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    store = str(tmp_path / "store")
    p = subprocess.Popen([sys.executable, str(script), store, mode], stdout=subprocess.PIPE, text=True)
    run_id = p.stdout.readline().strip()
    return p, store, run_id


@pytest.mark.parametrize(
    "mode,sig,status",
    [("exit", None, "finished"), ("wait", signal.SIGTERM, "killed"), ("wait", signal.SIGKILL, "crashed")],
)
def test_how_a_process_ends_is_how_its_run_ends(tmp_path, mode, sig, status):
    p, store, run_id = _writer(tmp_path, mode)
    if sig is not None:
        p.send_signal(sig)
    p.wait(timeout=60)
    reg = mlops.Registry(store)
    info = reg.run(run_id)
    assert info.status == status
    assert info.points == 5000
    assert reg.verify_run(run_id) == 5000
    assert reg.run_history(run_id, "k")["value"].to_pylist() == [float(s) for s in range(5000)]


def _many_runs(args):
    store, worker, n = args
    for r in range(n):
        with mlops.start_run("parallel", store=store, params={"worker": worker, "r": r}) as run:
            for step in range(1000):
                run.log({"k": float(step)}, step=step)
    return worker


@pytest.mark.parametrize("where", ["folder", "s3"])
def test_eight_processes_writing_runs_lose_nothing(tmp_path, where, request):
    # Fewer runs on the S3 stand-in (moto answers each request in Python).
    if where == "folder":
        store, n = str(tmp_path / "store"), 25
    else:
        store, n = request.getfixturevalue("s3_bucket") + f"/runs-{uuid.uuid4().hex}", 5
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(8) as pool:
        assert sorted(pool.map(_many_runs, [(store, w, n) for w in range(8)])) == list(range(8))
    runs = mlops.Registry(store).runs("parallel")
    assert len(runs) == 8 * n
    assert {(r.params["worker"], r.params["r"]) for r in runs} == {(str(w), str(r)) for w in range(8) for r in range(n)}
    for r in runs:
        assert r.status == "finished"
        assert r.points == 1000
        assert r.metrics["k"]["sum"] == 499_500.0


def test_the_module_examples_run():
    import doctest

    import mlops.runs

    assert doctest.testmod(mlops.runs).failed == 0


def _six_runs(reg):
    ids = []
    for i, lr in enumerate([0.1, 0.01, 0.001]):
        for j, team in enumerate(["risk", "growth"]):
            with mlops.start_run("search", store=reg, params={"lr": lr, "layers": i + 1}, tags={"team": team}) as run:
                floor = lr * 10 + j
                for step in range(50):
                    run.log({"loss": floor + 1 / (step + 1)}, step=step)
            ids.append(run.id)
    return ids


def test_export_runs_parquet_writes_the_search_table_and_the_index_rebuilds(tmp_path):
    import pyarrow.parquet as pq

    reg = mlops.Registry(str(tmp_path / "store"))
    _six_runs(reg)
    out = tmp_path / "risk.parquet"
    assert reg.export_runs_parquet(out, "tags.team = 'risk'") == 3
    assert pq.read_table(out).equals(reg.search_runs("tags.team = 'risk'"))
    assert reg.export_runs_parquet(str(out)) == 6
    assert pq.read_table(out)["id"].to_pylist() == reg.search_runs("")["id"].to_pylist()
    assert reg.rebuild_run_table() == 6
    assert (tmp_path / "store" / "indexes" / "runs" / "base.parquet").exists()
    assert reg.search_runs("metrics.loss.min < 0.2")["params.lr"].to_pylist() == ["0.001", "0.01"]
    with pytest.raises(mlops.InvalidInputError, match="position 13"):
        reg.export_runs_parquet(out, "params.lr in 0.1")


def test_search_runs_returns_a_table_of_runs_with_summaries():
    reg = mlops.Registry("memory://")
    _six_runs(reg)
    t = mlops.search_runs(
        "params.lr in (0.1, 0.01) and metrics.loss.min < 1.5 and tags.team = 'risk' order by metrics.loss.min limit 5",
        store=reg,
    )
    assert t["params.lr"].to_pylist() == ["0.01", "0.1"]
    assert t["metrics.loss.min"].to_pylist() == pytest.approx([0.1 + 0.02, 1.0 + 0.02], rel=1e-12)
    assert t["metrics.loss.count"].to_pylist() == [50, 50]
    df = t.to_pandas()
    assert list(df["status"]) == ["finished", "finished"]
    assert reg.search_runs("parent is null").num_rows == 6
    with pytest.raises(mlops.InvalidInputError, match="position 13"):
        reg.search_runs("params.lr in 0.1")


def test_compare_runs_marks_differences_and_draws_curves():
    reg = mlops.Registry("memory://")
    ids = _six_runs(reg)
    c = mlops.compare_runs(ids[:3], store=reg)
    assert [r.id for r in c.runs] == ids[:3]
    assert c.differing_params() == {"layers": ["1", "1", "2"], "lr": ["0.1", "0.1", "0.01"]}
    loss = c.metrics[0]
    assert loss["series"] == "loss"
    assert [s["min"] for s in loss["summaries"]] == pytest.approx([1.02, 2.02, 0.12], rel=1e-12)
    html = c._repr_html_()
    assert html.count("<polyline") == 3
    with pytest.raises(mlops.InvalidInputError, match="2 to 10"):
        mlops.compare_runs(ids[:1], store=reg)


SYSTEM_KEYS = {
    "system/cpu_utilization_percentage",
    "system/system_memory_usage_megabytes",
    "system/system_memory_usage_percentage",
    "system/disk_usage_megabytes",
    "system/disk_available_megabytes",
    "system/disk_usage_percentage",
    "system/network_receive_megabytes",
    "system/network_transmit_megabytes",
}


def test_system_metrics_are_off_by_default_and_mlflows_keys_when_on(tmp_path):
    with mlops.start_run("sys", store=str(tmp_path)) as off:
        off.log({"loss": 1.0}, step=0)
    assert set(off.info().metrics) == {"loss"}

    with mlops.start_run(
        "sys", store=str(tmp_path), system_metrics=True, system_metrics_interval=0.02, flush_interval=0.02
    ) as run:
        # Bounded wait for two samples of every key (no timing assumed).
        for _ in range(3000):
            run.flush()
            counts = {k: v["count"] for k, v in run.info().metrics.items()}
            if all(counts.get(k, 0) >= 2 for k in SYSTEM_KEYS):
                break
            time.sleep(0.02)
    info = run.info()
    assert set(info.metrics) == SYSTEM_KEYS
    n = info.metrics["system/cpu_utilization_percentage"]["count"]
    assert n >= 2
    for k in SYSTEM_KEYS:
        m = info.metrics[k]
        assert (m["count"], m["first_step"], m["last_step"]) == (n, 0, n - 1), k
    cpu = run.history("system/cpu_utilization_percentage")
    assert cpu["step"].to_pylist() == list(range(n))
    assert all(0 <= v <= 100 for v in cpu["value"].to_pylist())
    assert info.metrics["system/system_memory_usage_megabytes"]["min"] > 0
    assert info.metrics["system/network_receive_megabytes"]["min"] >= 0

    with pytest.raises(mlops.InvalidInputError, match="system_metrics_interval"):
        mlops.start_run(store=str(tmp_path), system_metrics=True, system_metrics_interval=0.001)
