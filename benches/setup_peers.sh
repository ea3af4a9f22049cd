#!/usr/bin/env bash
# Creates the peers' virtualenvs for the benchmarks and fixture scripts:
#   .venv-whylogs    whylogs 1.6.4 (numpy<2, pandas<2.3) for
#                    benches/profile_vs_whylogs.py;
#   .venv-evidently  Evidently 0.7.23 (pandas<3) with SciPy and pyarrow, for
#                    benches/drift_vs_peers.py (its worker
#                    benches/_drift_peer_worker.py runs Evidently and the
#                    hand-written pandas + SciPy baseline) and
#                    tests/fixtures/make_evidently_drift.py;
#   .venv-peers      DVC 3, MLflow 3 and blake3 for benches/registry_vs_peers.py.
# Each pins versions the project's .venv does not have, so each lives in a
# virtualenv of its own. Idempotent: once a venv has the right versions it
# does nothing (and needs no network). Not part of the test run.
#
#     benches/setup_peers.sh            # PYTHON=python3.11 to pick the interpreter
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv-whylogs
CHECK='import whylogs, numpy, pandas, pyarrow
ok = whylogs.__version__ == "1.6.4" and int(numpy.__version__.split(".")[0]) < 2 \
    and tuple(int(x) for x in pandas.__version__.split(".")[:2]) < (2, 3)
print("whylogs", whylogs.__version__, "numpy", numpy.__version__,
      "pandas", pandas.__version__, "pyarrow", pyarrow.__version__)
raise SystemExit(0 if ok else 1)'

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "$CHECK" >/dev/null 2>&1; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  # pyarrow only for pandas.read_parquet; <17 keeps a wheel built against numpy 1.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "whylogs==1.6.4" "numpy<2" "pandas<2.3" "pyarrow<17"
fi
"$VENV/bin/python" -c "$CHECK"

EVENV=.venv-evidently
ECHECK='import evidently, pandas, scipy, pyarrow
ok = evidently.__version__ == "0.7.23" and int(pandas.__version__.split(".")[0]) < 3
print("evidently", evidently.__version__, "pandas", pandas.__version__,
      "scipy", scipy.__version__, "pyarrow", pyarrow.__version__)
raise SystemExit(0 if ok else 1)'
if [ ! -x "$EVENV/bin/python" ]; then
  "$PYTHON" -m venv "$EVENV"
fi
if ! "$EVENV/bin/python" -c "$ECHECK" >/dev/null 2>&1; then
  "$EVENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$EVENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "evidently==0.7.23" "pandas<3" scipy pyarrow
fi
"$EVENV/bin/python" -c "$ECHECK"

# .venv-peers: DVC 3, MLflow 3 and the blake3 package (the b3sum floor) for
# benches/registry_vs_peers.py.
PVENV=.venv-peers
PCHECK='import dvc, mlflow, blake3
from importlib.metadata import version
ok = version("dvc").startswith("3.") and mlflow.__version__.startswith("3.")
print("dvc", version("dvc"), "mlflow", mlflow.__version__, "blake3", version("blake3"))
raise SystemExit(0 if ok else 1)'
if [ ! -x "$PVENV/bin/python" ]; then
  "$PYTHON" -m venv "$PVENV"
fi
if ! "$PVENV/bin/python" -c "$PCHECK" >/dev/null 2>&1; then
  "$PVENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$PVENV/bin/python" -m pip install --quiet --disable-pip-version-check "dvc>=3,<4" "mlflow>=3,<4" blake3
fi
"$PVENV/bin/python" -c "$PCHECK"
