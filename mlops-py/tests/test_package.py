"""Model packages from Python: the shared vector, tampering, signing,
archives, signature checks, the registry and MLflow round trips."""

import json
import os
import pathlib
import shutil

import pyarrow as pa
import pytest

import mlops

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VECTOR = os.path.join(ROOT, "tests", "vectors", "package")


def vector_copy(tmp_path):
    dest = tmp_path / "churn"
    shutil.copytree(os.path.join(VECTOR, "churn"), dest)
    return dest


def expected():
    with open(os.path.join(VECTOR, "expected.json"), encoding="utf-8") as f:
        return json.load(f)


def tamper(folder, t):
    path = folder / t["file"]
    if t["op"] == "flip":
        b = bytearray(path.read_bytes())
        b[t["offset"]] ^= 1
        path.write_bytes(bytes(b))
    elif t["op"] == "remove":
        path.unlink()
    else:
        path.write_text(t["content"])


def test_the_shared_vector_verifies_with_the_expected_hashes(tmp_path):
    pkg = mlops.Package.load(vector_copy(tmp_path))
    pkg.verify()
    exp = expected()
    m = pkg.manifest
    assert (m["name"], m["version"], m["flavor"]) == (exp["name"], exp["version"], exp["flavor"])
    assert m["metrics"] == {"auc": 0.91}
    assert [f["path"] for f in m["files"]] == [f["path"] for f in exp["files"]]
    for got, want in zip(m["files"], exp["files"]):
        assert got["size"] == want["size"]
        if "blake3" in want:
            assert got["blake3"] == want["blake3"]


@pytest.mark.parametrize("case", range(len(expected()["tampered"])))
def test_every_tampered_copy_is_refused_naming_the_file(tmp_path, case):
    t = expected()["tampered"][case]
    folder = vector_copy(tmp_path)
    tamper(folder, t)
    with pytest.raises(mlops.IntegrityError, match=t["error_contains"].replace(".", r"\.")):
        mlops.Package.load(folder).verify()


def make_package(tmp_path, name="m"):
    d = tmp_path / name
    d.mkdir()
    (d / "model.pkl").write_bytes(b"weights" * 1000)
    return mlops.Package.build(
        d,
        name="churn",
        version="1.0.0",
        flavor="sklearn",
        metrics={"auc": 0.93},
        params={"C": 1.0},
        signature={
            "inputs": [
                {"name": "age", "type": "Float64", "nullable": False},
                {"name": "plan", "type": "Utf8", "nullable": True},
            ],
            "outputs": [{"name": "churn", "type": "Int64"}],
        },
        lineage={"datasets": ["dataset/churn@3"], "run": "r1", "commit": "abc123"},
        card={"intended_use": "churn scoring", "owners": ["risk-team"]},
    )


def test_build_records_everything_and_catches_a_changed_byte(tmp_path):
    pkg = make_package(tmp_path)
    m = pkg.manifest
    assert m["files"][0]["path"] == "model.pkl" and m["files"][0]["size"] == 7000
    assert m["lineage"]["datasets"] == ["dataset/churn@3"]
    assert m["card"]["owners"] == ["risk-team"]
    pkg.verify()
    p = tmp_path / "m" / "model.pkl"
    b = bytearray(p.read_bytes())
    b[10] ^= 0xFF
    p.write_bytes(bytes(b))
    with pytest.raises(mlops.IntegrityError, match="model.pkl"):
        pkg.verify()
    with pytest.raises(mlops.InvalidInputError, match="caffe"):
        mlops.Package.build(tmp_path, name="x", version="1", flavor="caffe")


def test_build_from_files_and_archives(tmp_path):
    src = tmp_path / "w.bin"
    src.write_bytes(os.urandom(100_000))
    pkg = mlops.Package.build(tmp_path / "pkg", name="m", version="2", flavor="custom", files=[src])
    assert [f["path"] for f in pkg.manifest["files"]] == ["w.bin"]
    pkg.save_archive(tmp_path / "m.tar.zst")
    back = mlops.Package.load(tmp_path / "m.tar.zst")
    back.verify()
    assert back.manifest == pkg.manifest
    assert (pathlib.Path(back.path) / "w.bin").read_bytes() == src.read_bytes()


def test_signing_and_tampering(tmp_path):
    key = tmp_path / "release.key"
    key_id = mlops.generate_key(key)
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"
    pkg = make_package(tmp_path)
    with pytest.raises(mlops.NotFoundError, match="not signed"):
        pkg.verify_signature([str(key) + ".pub"])
    pkg.sign(key)
    assert pkg.verify_signature([str(key) + ".pub"]) == key_id
    other = tmp_path / "other.key"
    mlops.generate_key(other)
    with pytest.raises(mlops.PermissionDeniedError, match=key_id):
        pkg.verify_signature([str(other) + ".pub"])
    # One changed manifest byte (a metric): the package reloaded from it is
    # self-consistent but no longer carries a valid signature.
    mp = tmp_path / "m" / "mlops-package.json"
    mp.write_text(mp.read_text().replace("0.93", "0.99"))
    with pytest.raises(mlops.IntegrityError, match="does not match"):
        mlops.Package.load(tmp_path / "m").verify_signature([str(key) + ".pub"])


def test_signature_validation_reports_every_problem():
    sig = mlops.Signature(
        {
            "inputs": [
                {"name": "age", "type": "Float64", "nullable": False},
                {"name": "plan", "type": "Utf8", "nullable": False},
                {"name": "tenure", "type": "Int64", "nullable": False},
            ]
        }
    )
    data = pa.table({"age": pa.array([41, None, None], pa.int32()), "plan": [1.0, 2.0, 3.0]})
    r = sig.validate(data)
    assert not r["ok"]
    assert r["problems"] == [
        {"kind": "nulls", "column": "age", "count": 2, "first_row": 1},
        {"kind": "type_mismatch", "column": "plan", "expected": "Utf8", "found": "Float64"},
        {"kind": "missing_column", "column": "tenure"},
    ]
    ok = pa.table({"age": [1.0], "plan": ["a"], "tenure": pa.array([3], pa.int64())})
    assert sig.validate(ok) == {"ok": True, "problems": [], "messages": []}
    import pandas as pd

    assert sig.validate(pd.DataFrame({"age": [1.0], "plan": ["a"], "tenure": [3]}))["ok"]


def test_registry_push_and_pull(tmp_path):
    pkg = make_package(tmp_path)
    reg = mlops.Registry(str(tmp_path / "store"))
    assert reg.push_package(pkg, "churn", "first") == 1
    hits = reg.search("metrics.auc > 0.9 and metadata.package.flavor = 'sklearn'")
    assert [h["version"] for h in hits] == [1]
    back = reg.pull_package("churn", "latest", tmp_path / "pulled")
    back.verify()
    assert back.manifest == pkg.manifest
    with pytest.raises(mlops.AlreadyExistsError):
        reg.pull_package("churn", "1", tmp_path / "pulled")


def _train():
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = (X["a"] + 0.5 * X["b"] > 0).astype("int64")
    return X, LogisticRegression().fit(X, y)


def test_mlflow_round_trip_predicts_the_same(tmp_path):
    import mlflow
    import mlflow.pyfunc
    import mlflow.sklearn
    import numpy as np
    from mlflow.models import infer_signature

    X, model = _train()
    src = tmp_path / "mlflow-model"
    mlflow.sklearn.save_model(
        model,
        str(src),
        signature=infer_signature(X, model.predict(X)),
        pip_requirements=["scikit-learn"],
        serialization_format="pickle",
    )
    pkg = mlops.Package.from_mlflow(src, tmp_path / "pkg", name="logreg")
    pkg.verify()
    m = pkg.manifest
    assert m["flavor"] == "sklearn" and m["flavor_version"]
    assert [(c["name"], c["type"]) for c in m["signature"]["inputs"]] == [("a", "Float64"), ("b", "Float64")]
    assert pkg.signature.validate(pa.Table.from_pandas(X))["ok"]

    out = tmp_path / "back"
    pkg.to_mlflow(out)
    loaded = mlflow.pyfunc.load_model(str(out))
    assert np.array_equal(np.asarray(loaded.predict(X)), model.predict(X))

    # A package built by mlops from a bare pickle gets generated flavors.
    import pickle

    pk = tmp_path / "model.pkl"
    pk.write_bytes(pickle.dumps(model))
    native = mlops.Package.build(
        tmp_path / "native",
        name="logreg",
        version="2",
        flavor="sklearn",
        flavor_version=m["flavor_version"],
        signature=pkg.signature,
        files=[pk],
    )
    native.to_mlflow(tmp_path / "native-mlflow")
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "native-mlflow"))
    assert np.array_equal(np.asarray(loaded.predict(X)), model.predict(X))
