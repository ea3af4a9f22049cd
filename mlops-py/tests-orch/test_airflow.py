"""mlops.airflow with dag.test() on SQLite in a temporary AIRFLOW_HOME:
validation fails its task (downstream upstream_failed), the drift
short-circuit skips deploy, and the XCom verdicts are the CLI's."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import EXAMPLES

# Airflow reads its home and settings when first imported.
HOME = Path(tempfile.mkdtemp(prefix="mlops-airflow-"))
os.environ["AIRFLOW_HOME"] = str(HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(HOME / "dags")
os.environ["MLOPS_EXAMPLES"] = str(EXAMPLES)
os.environ["MLOPS_AIRFLOW_PATHS"] = str(HOME / "paths.json")


@pytest.fixture(scope="module")
def dags(demo):
    """The DAGs of airflow_dags.py, which the dags folder holds, after
    `airflow db migrate`."""
    (HOME / "dags").mkdir()
    shutil.copy(Path(__file__).with_name("airflow_dags.py"), HOME / "dags" / "mlops_dags.py")
    (HOME / "paths.json").write_text(json.dumps({**demo, "record": str(HOME / "record.json")}))
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True)
    spec = importlib.util.spec_from_file_location("mlops_dags", HOME / "dags" / "mlops_dags.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    shutil.rmtree(HOME, ignore_errors=True)


def states(run) -> dict:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def test_drift_skips_deploy(dags):
    run = dags.drifted.test()
    assert states(run) == {"validate": "success", "no_drift": "success", "deploy": "skipped"}


def test_clean_data_deploys(dags):
    run = dags.clean.test()
    assert states(run) == {"validate": "success", "no_drift": "success", "deploy": "success"}


def test_a_failed_check_fails_the_task_and_the_verdicts_are_the_clis(dags, golden):
    run = dags.broken.test()
    assert states(run) == {"validate": "failed", "deploy": "upstream_failed", "drift": "success", "record": "success"}
    got = json.loads((HOME / "record.json").read_text())
    assert got["validate"].pop("failed_checks") == ["amount_range"]
    assert got["validate"] == golden["validate_broken"]
    assert set(got["drift"].pop("drifted_column_names")) == {"amount", "country", "quantity"}
    assert got["drift"] == golden["drift_drifted"]


def test_the_helpers_outside_a_task_return_the_verdicts(demo, golden):
    import mlops.airflow

    assert mlops.airflow.drift_gate(demo["reference"], demo["current"]) is True
    assert mlops.airflow.drift_gate(demo["reference"], demo["drifted"]) is False
    v = mlops.airflow.validate(demo["current"], demo["suite"])
    assert v == {**golden["validate_current"], "failed_checks": []}
