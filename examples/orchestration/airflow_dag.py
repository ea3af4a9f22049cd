"""Airflow 3: validate, then deploy only when the data did not drift.

    AIRFLOW_HOME=$(mktemp -d) airflow db migrate
    AIRFLOW_HOME=... python examples/orchestration/airflow_dag.py

runs the DAG once with `dag.test()` on the demo data: `validate` passes,
the `no_drift` short-circuit returns False on the drifted data, and
`deploy` is skipped. (`pip install mlops[airflow]`.)
"""

import tempfile
from pathlib import Path

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


if __name__ == "__main__":
    from demo_data import write_demo

    paths = write_demo(Path(tempfile.mkdtemp()))
    run = build_dag(paths["drifted"], paths["reference"], paths["suite"]).test()
    for ti in run.get_task_instances():
        print(f"{ti.task_id}: {ti.state}")
