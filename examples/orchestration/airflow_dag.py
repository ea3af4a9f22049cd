"""Airflow 3: validate, then deploy only when the data did not drift.

    export AIRFLOW_HOME=$(mktemp -d) MLOPS_DEMO_DIR=$(mktemp -d)
    export AIRFLOW__CORE__DAGS_FOLDER=examples/orchestration
    airflow db migrate
    python examples/orchestration/airflow_dag.py

runs the DAG once with `dag.test()` on the demo data: `validate` passes,
the `no_drift` short-circuit returns False on the drifted data, and
`deploy` is skipped. Airflow 3 runs only DAGs its DAG bundle holds, hence
the dags folder; with MLOPS_DEMO_DIR set this file is a DAG file whose DAG
reads the demo data written there. (`pip install mlops[airflow]`.)
"""

import os

from airflow.sdk import DAG, task

import mlops.airflow


def build_dag(current: str, reference: str, suite: str, dag_id: str = "mlops_gate") -> DAG:
    """validate (fails on a failed error check) >> no_drift (a short-circuit) >> deploy."""
    with DAG(dag_id, schedule=None) as dag:
        checked = mlops.airflow.validate_task(suite)(current)

        @task.short_circuit
        def no_drift() -> bool:
            return mlops.airflow.drift_gate(reference, current)

        @task
        def deploy() -> str:
            return "deployed"

        checked >> no_drift() >> deploy()
    return dag


if os.environ.get("MLOPS_DEMO_DIR"):
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from demo_data import write_demo

    paths = write_demo(os.environ["MLOPS_DEMO_DIR"])
    dag = build_dag(paths["drifted"], paths["reference"], paths["suite"])

    if __name__ == "__main__":
        for ti in dag.test().get_task_instances():
            print(f"{ti.task_id}: {ti.state}")
