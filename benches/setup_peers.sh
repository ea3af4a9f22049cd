#!/usr/bin/env bash
# Creates the peers' virtualenvs for the benchmarks and fixture scripts:
#   .venv-whylogs    whylogs 1.6.4 (numpy<2, pandas<2.3) for
#                    benches/profile_vs_whylogs.py;
#   .venv-whylogs-spark  whylogs 1.6.4 with pyspark 4.3 (pandas<3: pyspark's
#                    pandas path, which whylogs' Spark profiler uses) for
#                    benches/spark_vs_whylogs.py;
#   .venv-evidently  Evidently 0.7.23 (pandas<3) with SciPy and pyarrow, for
#                    benches/drift_vs_peers.py (its worker
#                    benches/_drift_peer_worker.py runs Evidently and the
#                    hand-written pandas + SciPy baseline) and
#                    tests/fixtures/make_evidently_drift.py;
#   .venv-peers      DVC 3, MLflow 3 and blake3 for benches/registry_vs_peers.py;
#   .venv-ge         Great Expectations 1.x and pandera on pandas 3 (Arrow-backed
#                    strings) for benches/validate_vs_peers.py and
#                    tests/fixtures/make_ge_validation.py.
# Each pins versions the project's .venv does not have, so each lives in a
# virtualenv of its own. Idempotent: once a venv has the right versions it
# does nothing (and needs no network). Not part of the test run.
#
#     benches/setup_peers.sh            # PYTHON=python3.11 to pick the interpreter
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# ensure_venv DIR CHECK PACKAGE...: creates DIR, and installs the packages
# unless CHECK (a Python snippet exiting 0 when the versions are right)
# already passes; then prints CHECK's versions line.
ensure_venv() {
  local dir=$1 check=$2
  shift 2
  if [ ! -x "$dir/bin/python" ]; then
    "$PYTHON" -m venv "$dir"
  fi
  if ! "$dir/bin/python" -c "$check" >/dev/null 2>&1; then
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
  fi
  "$dir/bin/python" -c "$check"
}

# whylogs 1.6.4 needs numpy<2 and pandas<2.3; pyarrow only for
# pandas.read_parquet, <17 keeps a wheel built against numpy 1.
ensure_venv .venv-whylogs 'import whylogs, numpy, pandas, pyarrow
ok = whylogs.__version__ == "1.6.4" and int(numpy.__version__.split(".")[0]) < 2 \
    and tuple(int(x) for x in pandas.__version__.split(".")[:2]) < (2, 3)
print("whylogs", whylogs.__version__, "numpy", numpy.__version__,
      "pandas", pandas.__version__, "pyarrow", pyarrow.__version__)
raise SystemExit(0 if ok else 1)' \
  "whylogs==1.6.4" "numpy<2" "pandas<2.3" "pyarrow<17"

ensure_venv .venv-whylogs-spark 'import whylogs, pyspark, pandas, pyarrow
ok = whylogs.__version__ == "1.6.4" and pyspark.__version__ == "4.3.0" \
    and int(pandas.__version__.split(".")[0]) < 3
print("whylogs", whylogs.__version__, "pyspark", pyspark.__version__,
      "pandas", pandas.__version__, "pyarrow", pyarrow.__version__)
raise SystemExit(0 if ok else 1)' \
  "whylogs==1.6.4" "pyspark==4.3.0" "pandas<3" pyarrow

ensure_venv .venv-evidently 'import evidently, pandas, scipy, pyarrow
ok = evidently.__version__ == "0.7.23" and int(pandas.__version__.split(".")[0]) < 3
print("evidently", evidently.__version__, "pandas", pandas.__version__,
      "scipy", scipy.__version__, "pyarrow", pyarrow.__version__)
raise SystemExit(0 if ok else 1)' \
  "evidently==0.7.23" "pandas<3" scipy pyarrow

ensure_venv .venv-peers 'import dvc, mlflow, blake3
from importlib.metadata import version
ok = version("dvc").startswith("3.") and mlflow.__version__.startswith("3.")
print("dvc", version("dvc"), "mlflow", mlflow.__version__, "blake3", version("blake3"))
raise SystemExit(0 if ok else 1)' \
  "dvc>=3,<4" "mlflow>=3,<4" blake3

ensure_venv .venv-ge 'import great_expectations, pandera, pandas, pyarrow
ok = great_expectations.__version__.startswith("1.") and int(pandas.__version__.split(".")[0]) >= 3
print("great_expectations", great_expectations.__version__, "pandera", pandera.__version__,
      "pandas", pandas.__version__, "pyarrow", pyarrow.__version__)
raise SystemExit(0 if ok else 1)' \
  "great_expectations>=1.5,<2" "pandera>=0.20" "pandas>=3" pyarrow
