"""Runs to and from other trackers, against the real packages: event files
written by TensorBoard's own writer are imported, an exported run is read
back by TensorBoard's own reader, and runs written by the real MLflow client
to a file store (``mlruns``) and to a SQLite store are imported with every
param, tag and point.

TensorBoard stores scalars as 32-bit floats: values are compared as
``np.float32(v)``; wall times survive to the microsecond.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary import Writer
from tensorboard.summary.writer.event_file_writer import EventFileWriter

import mlops


def _points(reg: mlops.Registry, run_id: str, key: str) -> list[tuple[int, int, float, str | None]]:
    """(step, time in µs, value, context) of a series, in (step, time) order."""
    t = reg.run_history(run_id, key)
    times = t.column("time").cast(pa.int64()).to_pylist()
    return list(
        zip(t.column("step").to_pylist(), times, t.column("value").to_pylist(), t.column("context").to_pylist())
    )


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_event_files_written_by_tensorboard_import_with_steps_times_and_values(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    # tensorboard.summary.Writer: the tensor form (a 0-d float tensor of the scalars plugin).
    w = Writer(str(logs))
    loss = [
        (0, 1700000000.25, 0.5),
        (1, 1700000001.5, 1 / 3),
        (1, 1700000001.75, 0.2),
        (2, 1700000002.000001, math.inf),
    ]
    for step, wall, v in loss:
        w.add_scalar("train/loss", v, step, wall_time=wall)
    w.close()
    # EventFileWriter with simple_value: the classic form (tf.compat.v1, PyTorch), in a context's folder.
    ew = EventFileWriter(str(logs / "subset=val"))
    acc = [(5, 1700000003.0, 0.75), (-3, 1700000004.123456, math.nan)]
    for step, wall, v in acc:
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="acc", simple_value=v)])
        ew.add_event(event_pb2.Event(wall_time=wall, step=step, summary=summary))
    ew.close()

    reg = mlops.Registry(str(tmp_path / "store"))
    run_id = reg.import_tensorboard(logs, experiment="tb", tags={"source": "keras"})
    info = reg.run(run_id)
    assert info.experiment == "tb" and info.status == "finished"
    assert info.tags["source"] == "keras"
    assert info.tags["mlops.imported_from"] == f"tensorboard:{logs}"
    got = _points(reg, run_id, "train/loss")
    want = sorted((s, round(wall * 1e6), float(np.float32(v)), None) for s, wall, v in loss)
    assert [g[:2] for g in got] == [w[:2] for w in want]
    assert all(_same(g[2], w[2]) for g, w in zip(got, want)), (got, want)
    assert all(g[3] is None for g in got)
    got = _points(reg, run_id, "acc")
    want = sorted((s, round(wall * 1e6), float(np.float32(v)), "subset=val") for s, wall, v in acc)
    assert [(g[0], g[1], g[3]) for g in got] == [(w[0], w[1], w[3]) for w in want]
    assert all(_same(g[2], w[2]) for g, w in zip(got, want)), (got, want)
    assert reg.verify_run(run_id) == 6


def test_an_exported_run_reads_back_in_tensorboards_own_reader(tmp_path: Path) -> None:
    reg = mlops.Registry(str(tmp_path / "store"))
    rows = [
        ("loss", None, 3, 1_700_000_003_000_000, 0.1),
        ("loss", None, 1, 1_700_000_001_000_000, 1 / 3),
        ("loss", None, 2, 1_700_000_002_654_321, math.nan),
        ("loss", None, 4, 1_700_000_004_000_000, -math.inf),
        ("acc", "subset=train", 1, 1_700_000_001_000_001, 0.9),
        ("acc", "subset=val", 1, 1_700_000_001_000_002, 0.8),
    ]
    with mlops.start_run("tb", store=reg) as run:
        run.log_table(
            pa.table(
                {
                    "key": [r[0] for r in rows],
                    "context": [r[1] for r in rows],
                    "step": [r[2] for r in rows],
                    "time": pa.array([r[3] for r in rows], pa.timestamp("us")),
                    "value": [r[4] for r in rows],
                }
            )
        )
    out = tmp_path / "tb"
    files = reg.export_run_tensorboard(run.id, out)
    assert [Path(f).parent for f in files] == [out, out / "subset=train", out / "subset=val"]
    for folder, key, context in [
        (out, "loss", None),
        (out / "subset=train", "acc", "subset=train"),
        (out / "subset=val", "acc", "subset=val"),
    ]:
        ea = EventAccumulator(str(folder), size_guidance={"scalars": 0})
        ea.Reload()
        assert ea.Tags()["scalars"] == [key]
        events = ea.Scalars(key)
        want = sorted((r[2], r[3], r[4]) for r in rows if r[0] == key and r[1] == context)
        assert [e.step for e in events] == [w[0] for w in want]
        assert [round(e.wall_time * 1e6) for e in events] == [w[1] for w in want]
        assert all(_same(e.value, float(np.float32(w[2]))) for e, w in zip(events, want))
    # The same files import back to the same points (as 32-bit floats).
    back = reg.import_tensorboard(out)
    for key in ("loss", "acc"):
        a, b = _points(reg, run.id, key), _points(reg, back, key)
        assert [(p[0], p[1], p[3]) for p in a] == [(p[0], p[1], p[3]) for p in b]
        assert all(_same(float(np.float32(p[2])), q[2]) for p, q in zip(a, b))


def test_a_damaged_event_file_is_an_integrity_error_naming_file_and_offset(tmp_path: Path) -> None:
    w = Writer(str(tmp_path / "logs"))
    for step in range(3):
        w.add_scalar("loss", 1.0 / (step + 1), step)
    w.close()
    (path,) = (tmp_path / "logs").iterdir()
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # the last record's data checksum
    path.write_bytes(bytes(data))
    reg = mlops.Registry("memory://")
    with pytest.raises(mlops.IntegrityError, match=rf"{path.name}: the record at byte \d+ is damaged"):
        reg.import_tensorboard(path)


def _mlflow_runs(client: MlflowClient) -> dict[str, str]:
    """Writes two runs (one nested, one failed) with the real MLflow client;
    returns their ids by name."""
    exp = client.create_experiment("churn model")
    parent = client.create_run(exp, run_name="parent", tags={"team": "risk"})
    pid = parent.info.run_id
    values = [0.5, 1 / 3, math.nan, math.inf, -math.inf, 1e-300, -0.0, 0.1]
    metrics = [Metric("loss", v, 1_700_000_000_000 + 10 * i, i // 2) for i, v in enumerate(values)]
    metrics += [Metric("eval/acc", 0.9 - i / 100, 1_700_000_100_000 + i, 10 * i) for i in range(50)]
    client.log_batch(
        pid,
        metrics=metrics,
        params=[Param("lr", "0.01"), Param("model/depth", "6"), Param("note", "a b\nc")],
        tags=[RunTag("stage", "dev")],
    )
    client.set_terminated(pid, "FINISHED", end_time=1_700_000_200_000)
    child = client.create_run(exp, run_name="child", tags={"mlflow.parentRunId": pid})
    client.log_metric(child.info.run_id, "loss", 2.5, timestamp=1_700_000_300_000, step=7)
    client.set_terminated(child.info.run_id, "FAILED")
    return {"parent": pid, "child": child.info.run_id}


@pytest.mark.parametrize("kind", ["mlruns", "sqlite"])
def test_mlflow_runs_import_with_every_param_tag_and_point(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if kind == "mlruns":
        # MLflow 3 keeps its file store in maintenance mode behind this switch.
        monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
        uri = f"file:{tmp_path / 'mlruns'}"
        source = str(tmp_path / "mlruns")
    else:
        uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
        source = uri
    client = MlflowClient(tracking_uri=uri)
    ids = _mlflow_runs(client)
    reg = mlops.Registry(str(tmp_path / "store"))
    report = reg.import_mlflow(source)
    assert set(report["imported"]) == set(ids.values()) and report["skipped"] == {}
    for name, mid in ids.items():
        theirs = client.get_run(mid)
        ours = reg.run(report["imported"][mid])
        assert ours.name == name
        assert ours.experiment == "churn_model"
        assert ours.params == theirs.data.params
        assert {k: v for k, v in ours.tags.items() if not k.startswith("mlops.")} == theirs.data.tags
        assert ours.tags["mlops.imported_from"] == f"mlflow:{mid}"
        assert ours.tags["mlops.mlflow_experiment"] == "churn model"
        assert ours.status == theirs.info.status.lower()
        assert ours.start_time == theirs.info.start_time
        assert ours.end_time == theirs.info.end_time
        for key in theirs.data.metrics:
            history = client.get_metric_history(mid, key)
            want = sorted((m.step, m.timestamp * 1000, m.value) for m in history)
            got = _points(reg, ours.id, key)
            assert [(g[0], g[1]) for g in got] == [(w[0], w[1]) for w in want]
            for g, w in zip(got, want):
                # MLflow's SQL store hands ±inf back as ±f64::MAX; the import restores ±inf.
                logged = math.copysign(math.inf, w[2]) if abs(w[2]) == 1.7976931348623157e308 else w[2]
                assert _same(g[2], logged), (key, g, w)
                assert math.copysign(1, g[2]) == math.copysign(1, logged)
    parent = reg.run(report["imported"][ids["parent"]])
    child = reg.run(report["imported"][ids["child"]])
    assert child.parent == parent.id
    loss = [p[2] for p in _points(reg, parent.id, "loss")]
    assert math.isnan(loss[2]) and loss[3] == math.inf and loss[4] == -math.inf
    # Importing again skips every run.
    again = reg.import_mlflow(source)
    assert again["imported"] == {} and again["skipped"] == report["imported"]
    assert len(reg.runs()) == 2
