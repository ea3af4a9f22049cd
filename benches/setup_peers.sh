#!/usr/bin/env bash
# Creates the peers' virtualenvs for the benchmarks and fixture scripts:
#   .venv-whylogs    whylogs 1.6.4 (numpy<2, pandas<2.3) for
#                    benches/profile_vs_whylogs.py;
#   .venv-evidently  Evidently 0.7.23 (pandas<3) with SciPy, for
#                    benches/drift_vs_peers.py (Evidently and pandas + SciPy)
#                    and tests/fixtures/make_evidently_drift.py.
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
