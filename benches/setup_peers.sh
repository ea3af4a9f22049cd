#!/usr/bin/env bash
# Creates .venv-whylogs with whylogs 1.6.4 for the peer benchmark
# (benches/profile_vs_whylogs.py). whylogs 1.6.4 needs numpy<2 and
# pandas<2.3, which the project's .venv does not have, so it lives in a
# virtualenv of its own. Idempotent: once the venv has the right versions it
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
if "$VENV/bin/python" -c "$CHECK" >/dev/null 2>&1; then
  "$VENV/bin/python" -c "$CHECK"
  exit 0
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# pyarrow only for pandas.read_parquet; <17 keeps a wheel built against numpy 1.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  "whylogs==1.6.4" "numpy<2" "pandas<2.3" "pyarrow<17"
"$VENV/bin/python" -c "$CHECK"
