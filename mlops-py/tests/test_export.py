"""Package exports, checked by the servers' own code: MLServer serves the
exported repository on loopback (one server for the session, four models:
sklearn, xgboost, lightgbm and custom packages) and answers V2 requests with
the models' own predictions, or 422 listing every problem; Triton's
``config.pbtxt`` parses with tritonclient's ``model_config_pb2``; the KServe
YAML parses with PyYAML; the TF Serving layout is asserted. Refusals are
typed errors.

MLServer and tritonclient pin versions of fastapi and protobuf that differ
from the main environment's, so they live in their own virtual environment,
``.venv-serving`` at the repository root (``scripts/setup.sh`` creates it;
``MLOPS_SERVING_VENV`` points elsewhere): MLServer runs from it as a
subprocess, and the Triton checks run in its Python.
"""

import json
import os
import pathlib
import pickle
import shutil
import socket
import subprocess
import textwrap
import time
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import pytest
import yaml

import mlops

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVING = pathlib.Path(os.environ.get("MLOPS_SERVING_VENV", ROOT / ".venv-serving"))
SERVING_PYTHON = SERVING / "bin" / "python"

NUMERIC = ["age", "visits"]
SIGNATURE_IN = [
    {"name": "age", "type": "Float64", "nullable": False},
    {"name": "visits", "type": "Int64", "nullable": False},
    {"name": "plan", "type": "Utf8", "nullable": False},
]


def serving_python():
    assert SERVING_PYTHON.exists(), f"{SERVING_PYTHON} is missing: run scripts/setup.sh (it creates .venv-serving)"
    return str(SERVING_PYTHON)


def frame(n=200, seed=7):
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 80, n).round(1)
    visits = rng.integers(0, 40, n).astype(np.int64)
    plan = rng.choice(["basic", "pro", "team"], n)
    churn = ((age < 35) & (visits < 15) | (plan == "basic") & (visits < 5)).astype(np.int64)
    return pd.DataFrame({"age": age, "visits": visits, "plan": pd.array(plan, dtype=object)}), churn


CUSTOM_MODEL = """\
class Model:
    def predict(self, frame):
        return {
            "score": (frame["age"] * 2.0 + frame["visits"]).to_numpy(),
            "tier": frame["plan"].astype(str).str.upper().to_numpy(dtype=object),
        }


def load(path):
    return Model()
"""


def custom_package(d, name, version):
    """A custom-flavor package in the new folder ``d``: CUSTOM_MODEL through
    its entry point, over SIGNATURE_IN, with outputs score and tier."""
    d.mkdir()
    (d / "custom_model.py").write_text(CUSTOM_MODEL)
    sig = {
        "inputs": SIGNATURE_IN,
        "outputs": [
            {"name": "score", "type": "Float64", "nullable": False},
            {"name": "tier", "type": "Utf8", "nullable": False},
        ],
    }
    return mlops.Package.build(
        d, name=name, version=version, flavor="custom", signature=sig, requirements={"entry_point": "custom_model:load"}
    )


def build_packages(root, key):
    """Four signed packages (sklearn, xgboost, lightgbm, custom) and each
    model's own predictions for the test frame, by output name."""
    import lightgbm
    import xgboost
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = frame()
    test, _ = frame(25, seed=11)
    out = {}

    d = root / "src-sk"
    d.mkdir()
    pipe = Pipeline(
        [
            ("prep", ColumnTransformer([("num", "passthrough", NUMERIC), ("cat", OneHotEncoder(), ["plan"])])),
            ("clf", LogisticRegression(max_iter=1000)),
        ]
    ).fit(X, y)
    with open(d / "model.pkl", "wb") as f:
        pickle.dump(pipe, f)
    sig = {"inputs": SIGNATURE_IN, "outputs": [{"name": "churn", "type": "Int64", "nullable": False}]}
    pkg = mlops.Package.build(d, name="churn-sk", version="1.0.0", flavor="sklearn", signature=sig)
    out["churn-sk"] = (pkg, {"churn": pipe.predict(test).tolist()})

    num = X[["age", "visits"]]
    num_sig_in = SIGNATURE_IN[:2]
    d = root / "src-xgb"
    d.mkdir()
    clf = xgboost.XGBClassifier(n_estimators=20, max_depth=3).fit(num, y)
    clf.get_booster().save_model(str(d / "model.json"))
    booster = xgboost.Booster()
    booster.load_model(str(d / "model.json"))
    sig = {"inputs": num_sig_in, "outputs": [{"name": "score", "type": "Float32", "nullable": False}]}
    pkg = mlops.Package.build(d, name="churn-xgb", version="1.0.0", flavor="xgboost", signature=sig)
    want = booster.predict(xgboost.DMatrix(test[["age", "visits"]])).astype(np.float32)
    out["churn-xgb"] = (pkg, {"score": want.tolist()})

    d = root / "src-lgb"
    d.mkdir()
    reg = lightgbm.LGBMRegressor(n_estimators=20, verbose=-1).fit(num, y.astype(float))
    reg.booster_.save_model(str(d / "model.txt"))
    lgb = lightgbm.Booster(model_file=str(d / "model.txt"))
    sig = {"inputs": num_sig_in, "outputs": [{"name": "score", "type": "Float64", "nullable": False}]}
    pkg = mlops.Package.build(d, name="churn-lgb", version="1.0.0", flavor="lightgbm", signature=sig)
    out["churn-lgb"] = (pkg, {"score": lgb.predict(test[["age", "visits"]]).tolist()})

    pkg = custom_package(root / "src-custom", "churn-custom", "1.0.0")
    out["churn-custom"] = (
        pkg,
        {"score": (test["age"] * 2.0 + test["visits"]).tolist(), "tier": test["plan"].str.upper().tolist()},
    )
    for p, _ in out.values():
        p.sign(key)
    return out, test


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Server:
    def __init__(self, url, packages, test, repo, log):
        self.url, self.packages, self.test, self.repo, self.log = url, packages, test, repo, log


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One MLServer for the module, serving the four exports from one repository."""
    python = serving_python()
    root = tmp_path_factory.mktemp("serving")
    key = root / "release.key"
    mlops.generate_key(key)
    packages, test = build_packages(root, key)
    repo = root / "repo"
    repo.mkdir()
    for name, (pkg, _) in packages.items():
        side = pkg.export(repo / name, "mlserver", trusted=[str(key) + ".pub"])
        assert side["signed_by"] is not None
    http_port, grpc_port = free_port(), free_port()
    (repo / "settings.json").write_text(
        json.dumps(
            {
                "host": "127.0.0.1",
                "http_port": http_port,
                "grpc_port": grpc_port,
                "metrics_endpoint": None,
                "debug": False,
            }
        )
    )
    log = open(root / "mlserver.log", "w")
    mlserver = str(pathlib.Path(python).parent / "mlserver")
    proc = subprocess.Popen([mlserver, "start", str(repo)], cwd=root, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 120
        pending = set(packages)
        while pending:
            assert proc.poll() is None, (root / "mlserver.log").read_text()
            assert time.monotonic() < deadline, (root / "mlserver.log").read_text()
            for name in list(pending):
                try:
                    status, _ = http("GET", f"{url}/v2/models/{name}/ready")
                except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
                    status = None
                if status == 200:
                    pending.discard(name)
            time.sleep(0.2)
        yield Server(url, packages, test, repo, root / "mlserver.log")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def v2_inputs(df, columns):
    kinds = {"age": "FP64", "visits": "INT64", "plan": "BYTES"}
    return [
        {"name": c, "datatype": kinds[c], "shape": [len(df)], "data": df[c].tolist()}
        for c in columns
        if c in df.columns
    ]


def problems_of(body):
    """The problems of a 422 body: MLServer prefixes the message with the
    exception's class when the model runs in a worker process."""
    text = body["error"]
    return json.loads(text[text.index("{") :])["problems"]


@pytest.mark.parametrize("name", ["churn-sk", "churn-xgb", "churn-lgb", "churn-custom"])
def test_mlserver_answers_with_the_models_own_predictions(server, name):
    pkg, want = server.packages[name]
    columns = [c["name"] for c in pkg.signature.inputs]
    status, body = http("POST", f"{server.url}/v2/models/{name}/infer", {"inputs": v2_inputs(server.test, columns)})
    assert status == 200, (body, server.log.read_text()[-3000:])
    got = {o["name"]: o for o in body["outputs"]}
    assert list(got) == [c["name"] for c in pkg.signature.outputs]
    for out in pkg.signature.outputs:
        o = got[out["name"]]
        assert o["shape"] == [len(server.test)]
        if out["type"] == "Float32":
            assert o["datatype"] == "FP32"
            assert np.array(o["data"], dtype=np.float32).tolist() == want[out["name"]]
        else:
            assert o["data"] == want[out["name"]]
    assert body["model_name"] == name and body["model_version"] == "1.0.0"


def test_mlserver_metadata_lists_the_signature(server):
    status, meta = http("GET", f"{server.url}/v2/models/churn-sk")
    assert status == 200
    assert meta["name"] == "churn-sk"
    assert meta["platform"] == "mlops-sklearn"
    assert [(i["name"], i["datatype"], i["shape"]) for i in meta["inputs"]] == [
        ("age", "FP64", [-1]),
        ("visits", "INT64", [-1]),
        ("plan", "BYTES", [-1]),
    ]
    # The V2 metadata round-trips to the package's signature.
    assert [
        {"name": i["name"], "type": i["parameters"]["arrow_type"], "nullable": i["parameters"]["nullable"]}
        for i in meta["inputs"]
    ] == SIGNATURE_IN
    assert meta["outputs"] == [
        {
            "name": "churn",
            "datatype": "INT64",
            "shape": [-1],
            "parameters": {"arrow_type": "Int64", "nullable": False},
        }
    ]


def test_a_bad_request_is_a_422_listing_every_problem(server):
    url = f"{server.url}/v2/models/churn-custom/infer"
    bad = {
        "inputs": [
            # A null where the signature forbids it.
            {"name": "age", "datatype": "FP64", "shape": [3], "data": [41.0, None, 30.5]},
            # A number where text is declared: a type mismatch, not a coercion.
            {"name": "plan", "datatype": "INT64", "shape": [3], "data": [1, 2, 3]},
            # visits is missing.
        ]
    }
    status, body = http("POST", url, bad)
    assert status == 422, body
    assert [(p["kind"], p["column"]) for p in problems_of(body)] == [
        ("nulls", "age"),
        ("missing_column", "visits"),
        ("type_mismatch", "plan"),
    ]
    msgs = [p["message"] for p in problems_of(body)]
    assert msgs[0] == "column age is not nullable but holds 1 null(s), the first at row 1"
    assert msgs[2] == "column plan is Int64, expected Utf8"
    # A value its datatype cannot hold, and a narrowing (Float64 is not Int64).
    bad = {
        "inputs": [
            {"name": "age", "datatype": "FP64", "shape": [2], "data": ["forty", 30.0]},
            {"name": "visits", "datatype": "FP64", "shape": [2], "data": [1.5, 2.0]},
            {"name": "plan", "datatype": "BYTES", "shape": [2], "data": ["pro", "team"]},
        ]
    }
    status, body = http("POST", url, bad)
    assert status == 422, body
    assert [(p["kind"], p["column"]) for p in problems_of(body)] == [
        ("bad_value", "age"),
        ("type_mismatch", "visits"),
    ]
    # Columns of different lengths: one problem, not a missing column each.
    bad["inputs"][0] = {"name": "age", "datatype": "FP64", "shape": [3], "data": [1.0, 2.0, 3.0]}
    status, body = http("POST", url, bad)
    assert status == 422, body
    assert [p["kind"] for p in problems_of(body)] == ["length_mismatch"]
    assert problems_of(body)[0]["message"] == "columns have different lengths: [2, 3]"
    # A widening is no problem: INT32 visits for an Int64 column.
    df = server.test.head(3)
    inputs = v2_inputs(df, ["age", "visits", "plan"])
    inputs[1]["datatype"] = "INT32"
    status, body = http("POST", url, {"inputs": inputs})
    assert status == 200, body
    assert body["outputs"][0]["data"] == (df["age"] * 2.0 + df["visits"]).tolist()


def test_import_mlops_does_not_import_mlserver():
    code = "import sys, mlops, mlops.serving; print('mlserver' in sys.modules)"
    out = subprocess.run([serving_python(), "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def signed_sklearn(tmp_path, name="churn", flavor="sklearn"):
    d = tmp_path / f"src-{name}"
    d.mkdir()
    (d / "model.pkl").write_bytes(b"not a real pickle: layouts only")
    sig = {"inputs": SIGNATURE_IN, "outputs": [{"name": "churn", "type": "Int64", "nullable": False}]}
    pkg = mlops.Package.build(d, name=name, version="1.4.2", flavor=flavor, signature=sig)
    key = tmp_path / f"{name}.key"
    key_id = mlops.generate_key(key)
    pkg.sign(key)
    return pkg, str(key) + ".pub", key_id


TRITON_CHECK = textwrap.dedent(
    """
    import json, sys
    from google.protobuf import text_format
    from tritonclient.grpc import model_config_pb2
    out = []
    for path in sys.argv[1:]:
        text = open(path).read()
        try:
            c = text_format.Parse(text, model_config_pb2.ModelConfig())
        except text_format.ParseError as e:
            out.append({"error": str(e)})
            continue
        out.append({
            "name": c.name, "platform": c.platform, "backend": c.backend, "max_batch_size": c.max_batch_size,
            "inputs": [(t.name, model_config_pb2.DataType.Name(t.data_type), list(t.dims)) for t in c.input],
            "outputs": [(t.name, model_config_pb2.DataType.Name(t.data_type), list(t.dims)) for t in c.output],
            "versions": list(c.version_policy.specific.versions),
            "dynamic_batching": c.HasField("dynamic_batching"),
        })
    print(json.dumps(out))
    """
)


def test_triton_configs_parse_with_tritons_schema(tmp_path):
    pkg, pub, _ = signed_sklearn(tmp_path)
    pkg.export(tmp_path / "t-sk", "triton", trusted=[pub])
    onnx_src = tmp_path / "src-onnx"
    onnx_src.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "package" / "linear.onnx", onnx_src / "linear.onnx")
    onnx = mlops.Package.build(onnx_src, name="linear", version="2", flavor="onnx")
    side = onnx.export(tmp_path / "t-onnx", "triton", allow_unsigned=True)
    assert side["numeric_version"] == 2 and side["signed_by"] is None
    assert (tmp_path / "t-onnx" / "linear" / "2" / "model.onnx").read_bytes() == (onnx_src / "linear.onnx").read_bytes()
    assert (tmp_path / "t-sk" / "churn" / "1004002" / "model.py").is_file()
    mlops.Package.load(tmp_path / "t-sk" / "churn" / "1004002" / "package").verify()
    bad = tmp_path / "bad.pbtxt"
    bad.write_text((tmp_path / "t-sk" / "churn" / "config.pbtxt").read_text().replace("TYPE_FP64", "TYPE_FLOAT64", 1))
    paths = [tmp_path / "t-sk" / "churn" / "config.pbtxt", tmp_path / "t-onnx" / "linear" / "config.pbtxt", bad]
    out = subprocess.run(
        [serving_python(), "-c", TRITON_CHECK, *map(str, paths)], capture_output=True, text=True, check=True
    )
    sk, lin, rejected = json.loads(out.stdout)
    assert sk == {
        "name": "churn",
        "platform": "",
        "backend": "python",
        "max_batch_size": 64,
        "inputs": [["age", "TYPE_FP64", [1]], ["visits", "TYPE_INT64", [1]], ["plan", "TYPE_STRING", [1]]],
        "outputs": [["churn", "TYPE_INT64", [1]]],
        "versions": [1004002],
        "dynamic_batching": True,
    }
    assert lin["platform"] == "onnxruntime_onnx" and lin["versions"] == [2]
    sig = mlops.Signature.from_onnx(onnx_src / "linear.onnx")
    assert [i[0] for i in lin["inputs"]] == [c["name"] for c in sig.inputs]
    assert [o[0] for o in lin["outputs"]] == [c["name"] for c in sig.outputs]
    assert "TYPE_FLOAT64" in rejected["error"]


TRITON_RUN = textwrap.dedent(
    """
    import json, sys, types
    import numpy as np

    class TritonError(Exception):
        def __init__(self, message):
            self.message = message

    class Tensor:
        def __init__(self, name, array):
            self.name, self.array = name, array
        def as_numpy(self):
            return self.array

    class InferenceResponse:
        def __init__(self, output_tensors, error=None):
            self.output_tensors, self.error = output_tensors, error

    class Request:
        def __init__(self, tensors):
            self.tensors = {t.name: t for t in tensors}

    pb = types.ModuleType("triton_python_backend_utils")
    pb.TritonError, pb.Tensor, pb.InferenceResponse = TritonError, Tensor, InferenceResponse
    pb.get_input_tensor_by_name = lambda request, name: request.tensors.get(name)
    sys.modules["triton_python_backend_utils"] = pb

    repo, version = sys.argv[1], sys.argv[2]
    sys.path.insert(0, f"{repo}/{version}")
    import model
    m = model.TritonPythonModel()
    m.initialize({"model_repository": repo, "model_version": version})
    good = Request([
        Tensor("age", np.array([[30.0], [50.0]])),
        Tensor("visits", np.array([[3], [9]], dtype=np.int64)),
        Tensor("plan", np.array([[b"pro"], [b"team"]], dtype=object)),
    ])
    bad = Request([Tensor("age", np.array([[1], [2]], dtype=np.int64))])
    out = []
    for r in m.execute([good, bad]):
        if r.error is not None:
            out.append({"error": json.loads(r.error.message)})
        else:
            out.append({
                t.name: [x.decode() if isinstance(x, bytes) else x for x in t.array.reshape(-1).tolist()]
                for t in r.output_tensors
            })
    print(json.dumps(out))
    """
)


def test_the_triton_python_backend_model_checks_and_predicts(tmp_path):
    """model.py runs against a stand-in of Triton's triton_python_backend_utils
    (the server itself ships as a container)."""
    pkg = custom_package(tmp_path / "src", "custom", "3")
    pkg.export(tmp_path / "t", "triton", allow_unsigned=True)
    out = subprocess.run(
        [serving_python(), "-c", TRITON_RUN, str(tmp_path / "t" / "custom"), "3"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    good, bad = json.loads(out.stdout)
    assert good == {"score": [63.0, 109.0], "tier": ["PRO", "TEAM"]}
    assert [(p["kind"], p["column"]) for p in bad["error"]["problems"]] == [
        ("type_mismatch", "age"),
        ("missing_column", "visits"),
        ("missing_column", "plan"),
    ]


def test_kserve_yaml_and_tfserving_layout(tmp_path):
    pkg, pub, key_id = signed_sklearn(tmp_path, name="churn")
    side = pkg.export(tmp_path / "ks", "kserve", trusted=[pub])
    doc = yaml.safe_load((tmp_path / "ks" / "inferenceservice.yaml").read_text())
    assert doc["apiVersion"] == "serving.kserve.io/v1beta1"
    assert doc["kind"] == "InferenceService"
    assert doc["metadata"]["name"] == "churn"
    assert doc["metadata"]["annotations"]["mlops.dev/manifest-blake3"] == side["manifest_blake3"]
    assert doc["spec"]["predictor"]["model"] == {
        "modelFormat": {"name": "mlops-package", "version": "1"},
        "protocolVersion": "v2",
        "runtime": "mlops-mlserver",
        "storageUri": "s3://YOUR-BUCKET/PATH/TO/EXPORT",
    }
    assert json.loads((tmp_path / "ks" / "churn" / "mlops.json").read_text()) == side
    assert side["signed_by"] == key_id

    src = tmp_path / "tf"
    (src / "variables").mkdir(parents=True)
    (src / "saved_model.pb").write_bytes(b"graph")
    (src / "variables" / "variables.index").write_bytes(b"index")
    (src / "variables" / "variables.data-00000-of-00001").write_bytes(b"weights")
    tf = mlops.Package.build(src, name="ranker", version="5", flavor="custom")
    tf.export(tmp_path / "tfs", "tfserving", allow_unsigned=True)
    got = sorted(str(p.relative_to(tmp_path / "tfs")) for p in (tmp_path / "tfs").rglob("*") if p.is_file())
    assert got == [
        "ranker/5/saved_model.pb",
        "ranker/5/variables/variables.data-00000-of-00001",
        "ranker/5/variables/variables.index",
        "ranker/mlops.json",
    ]


def test_refusals_are_typed(tmp_path):
    pkg, pub, _ = signed_sklearn(tmp_path)
    with pytest.raises(mlops.PermissionDeniedError, match="no trusted keys"):
        pkg.export(tmp_path / "a", "mlserver")
    unholdable = "export target tfserving cannot hold package churn of flavor sklearn"
    with pytest.raises(mlops.UnsupportedError, match=unholdable):
        pkg.export(tmp_path / "a", "tfserving", trusted=[pub])
    with pytest.raises(mlops.InvalidInputError, match="unknown export target 'torchserve'"):
        pkg.export(tmp_path / "a", "torchserve", trusted=[pub])
    pkg.export(tmp_path / "a", "mlserver", trusted=[pub])
    with pytest.raises(mlops.AlreadyExistsError, match="not empty"):
        pkg.export(tmp_path / "a", "mlserver", trusted=[pub])
    other = tmp_path / "other.key"
    mlops.generate_key(other)
    with pytest.raises(mlops.PermissionDeniedError, match="not among"):
        pkg.export(tmp_path / "b", "mlserver", trusted=[str(other) + ".pub"], allow_unsigned=True)
    unsigned = mlops.Package.build(
        tmp_path / "u",
        name="u",
        version="1",
        flavor="sklearn",
        files=[pathlib.Path(pkg.path) / "model.pkl"],
        signature={"inputs": SIGNATURE_IN, "outputs": [{"name": "y", "type": "Int64"}]},
    )
    with pytest.raises(mlops.PermissionDeniedError, match="not signed"):
        unsigned.export(tmp_path / "c", "mlserver", trusted=[pub])
    assert unsigned.export(tmp_path / "c", "mlserver", allow_unsigned=True)["signed_by"] is None
    p = pathlib.Path(pkg.path) / "model.pkl"
    p.write_bytes(p.read_bytes() + b"!")
    for kwargs in ({"trusted": [pub]}, {"allow_unsigned": True}):
        with pytest.raises(mlops.IntegrityError, match="model.pkl"):
            pkg.export(tmp_path / "d", "triton", **kwargs)
    assert not (tmp_path / "b").exists() and not (tmp_path / "d").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mlops-export-")]
