"""mlops.kfp: the components compile to IR with Metrics and HTML outputs
and a dsl.If, and run with kfp.local's SubprocessRunner (no cluster, no
Docker) giving the CLI's figures in their Metrics artifacts."""

import os
import sys
from pathlib import Path

import pytest
import yaml
from kfp import compiler, local
from kfp_pipeline import drift_op, gate, validate_op


@pytest.fixture(scope="module", autouse=True)
def local_runner(tmp_path_factory):
    # The components run in this Python (its venv's bin first on PATH).
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path_factory.mktemp("kfp")))


def test_the_pipeline_compiles_with_metrics_html_and_a_condition(tmp_path):
    path = tmp_path / "pipeline.yaml"
    compiler.Compiler().compile(gate, str(path))
    text = path.read_text()
    ir = yaml.safe_load(text)
    components = ir["components"]
    for name in ("comp-mlops-validate", "comp-mlops-drift"):
        arts = components[name]["outputDefinitions"]["artifacts"]
        assert arts["metrics"]["artifactType"]["schemaTitle"] == "system.Metrics"
        assert arts["report"]["artifactType"]["schemaTitle"] == "system.HTML"
    params = components["comp-mlops-drift"]["outputDefinitions"]["parameters"]
    assert params["passed"]["parameterType"] == "BOOLEAN"
    assert params["share_drifted"]["parameterType"] == "NUMBER_DOUBLE"
    tasks = ir["root"]["dag"]["tasks"]
    condition = next(t for t in tasks.values() if "triggerPolicy" in t)
    assert "mlops-drift" in condition["triggerPolicy"]["condition"]
    assert condition["triggerPolicy"]["condition"].endswith("== true")
    assert "system.Metrics" in text and "system.HTML" in text


def test_validation_runs_locally_with_the_clis_figures(demo, golden):
    task = validate_op(data=demo["broken"], suite=demo["suite"])
    want = golden["validate_broken"]
    assert task.outputs["passed"] is False
    assert task.outputs["failed_errors"] == want["failed_errors"]
    assert task.outputs["failed_warnings"] == want["failed_warnings"]
    metrics = task.outputs["metrics"].metadata
    for key in ("rows", "evaluated", "successful", "failed_errors", "failed_warnings", "success_percent"):
        assert metrics[key] == want[key], key
    assert metrics["passed"] == 0.0
    html = Path(task.outputs["report"].path).read_text()
    assert html.startswith("<!DOCTYPE html>") and "amount_range" in html


def test_drift_runs_locally_with_the_clis_figures(demo, golden):
    task = drift_op(reference=demo["reference"], current=demo["drifted"])
    want = golden["drift_drifted"]
    assert task.outputs["passed"] is False and task.outputs["drifted"] is True
    assert task.outputs["share_drifted"] == want["share_drifted"]
    metrics = task.outputs["metrics"].metadata
    for key in ("share_drifted", "drifted_columns", "tested_columns", "skipped_columns"):
        assert metrics[key] == want[key], key
    assert Path(task.outputs["report"].path).read_text().startswith("<!DOCTYPE html>")
    clean = drift_op(reference=demo["reference"], current=demo["current"], options='{"drift_share": 0.5}')
    assert clean.outputs["passed"] is True
    assert clean.outputs["share_drifted"] == golden["drift_current"]["share_drifted"]
