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


@pytest.fixture(scope="session")
def s3_bucket():
    """An S3 bucket URL on a loopback S3-compatible server.

    scripts/test.sh starts one for the whole run and sets MLOPS_TEST_S3_URL
    and the AWS_* variables; run alone, pytest starts its own
    (scripts/s3_test_server.py, moto from .venv) and stops it afterwards.
    """
    url = os.environ.get("MLOPS_TEST_S3_URL")
    if url:
        yield url.rstrip("/")
        return
    server = os.path.join(ROOT, "scripts", "s3_test_server.py")
    proc = subprocess.Popen(
        [sys.executable, server, "--port", "0", "--bucket", "mlops-test"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    assert line.startswith("listening on 127.0.0.1:"), f"S3 test server: {line!r}"
    env = {
        "AWS_ENDPOINT": "http://" + line.rsplit(" ", 1)[1],
        "AWS_ALLOW_HTTP": "true",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield "s3://mlops-test"
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        proc.terminate()
        proc.wait(timeout=30)
