"""`import mlops` imports no orchestrator; each adapter imports its own."""

import subprocess
import sys

ORCHESTRATORS = ("dagster", "airflow", "kfp", "hera")


def imported(code: str) -> list:
    code = code.replace("SUITE", "{'name': 's', 'checks': [{'check': 'not_null', 'column': 'x'}]}")
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {ORCHESTRATORS!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return eval(out.stdout)


def test_import_mlops_imports_no_orchestrator():
    assert imported("import mlops") == []
    code = "import mlops\nprint(sorted(m for m in ('mlops.dagster', 'mlops.airflow', 'mlops.kfp') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", "import sys\n" + code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_each_adapter_imports_its_orchestrator_when_used_and_only_it():
    # The adapters import their orchestrator when a helper is called.
    assert imported("import mlops.dagster, mlops.airflow, mlops.kfp") == []
    assert imported("import mlops.dagster\nmlops.dagster.checks('orders', SUITE)") == ["dagster"]
    assert imported("import mlops.kfp\nmlops.kfp.drift_component()") == ["kfp"]
    assert imported("import mlops.airflow\nmlops.airflow.validate_task(SUITE)") == ["airflow"]
