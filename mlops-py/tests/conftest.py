import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED_GEN = os.path.join(ROOT, "..", "shared", "workloads", "gen_tabular.py")
VENDORED_GEN = os.path.join(ROOT, "scripts", "gen_tabular.py")


@pytest.fixture(scope="session")
def workload(tmp_path_factory):
    """The shared workload (100k rows) as a Parquet path."""
    gen = SHARED_GEN if os.path.exists(SHARED_GEN) else VENDORED_GEN
    out = tmp_path_factory.mktemp("workload") / "ref.parquet"
    subprocess.run([sys.executable, gen, "--rows", "100000", "--out", str(out)], check=True)
    return str(out)
