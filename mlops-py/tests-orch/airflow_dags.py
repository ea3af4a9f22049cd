"""The DAGs test_airflow.py runs. Airflow 3's dag.test() runs a DAG that its
DAG bundle holds, so this file is the dags folder's one DAG file there
(test_airflow.py copies it in); it reads the demo's paths from
$MLOPS_AIRFLOW_PATHS."""

import json
import os
import sys

sys.path.insert(0, os.environ["MLOPS_EXAMPLES"])

from airflow.sdk import DAG, get_current_context, task  # noqa: E402
from airflow_dag import build_dag  # noqa: E402

import mlops.airflow  # noqa: E402

paths = json.loads(open(os.environ["MLOPS_AIRFLOW_PATHS"]).read())

drifted = build_dag(paths["drifted"], paths["reference"], paths["suite"], dag_id="drifted")
clean = build_dag(paths["current"], paths["reference"], paths["suite"], dag_id="clean")

# A failed validation, a drift verdict, and a task that records both.
with DAG("broken", schedule=None) as broken:
    checked = mlops.airflow.validate_task(paths["suite"])(paths["broken"])

    @task
    def drift() -> dict:
        return mlops.airflow.drift(paths["reference"], paths["drifted"])

    @task(trigger_rule="all_done")
    def record(drift_verdict: dict) -> None:
        validation = get_current_context()["ti"].xcom_pull(task_ids="validate", key="verdict")
        with open(paths["record"], "w") as f:
            json.dump({"validate": validation, "drift": drift_verdict}, f)

    @task
    def deploy() -> str:
        return "deployed"

    checked >> deploy()
    record(drift())
