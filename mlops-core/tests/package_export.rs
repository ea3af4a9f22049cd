//! Package exports to model servers' layouts: what each target writes, the
//! checks made first (files, signature) and every refusal, each typed.
//! The layouts are served or parsed by the servers' own tools in the
//! Python tests (mlops-py/tests/test_export.py).

use std::path::{Path, PathBuf};

use arrow::datatypes::DataType;
use mlops_core::package::export::{numeric_version, ExportOptions, ExportTarget, Sidecar};
use mlops_core::package::onnx::{
    DimValue, Dimension, GraphProto, ModelProto, TensorShapeProto, TensorTypeProto, TypeProto,
    ValueInfoProto,
};
use mlops_core::package::{sign, ColumnSpec, Flavor, KeyPair, Manifest, Package, Signature};
use mlops_core::Error;
use prost::Message;
use serde_json::{json, Value};

fn signature() -> Signature {
    Signature {
        inputs: vec![
            ColumnSpec::new("age", &DataType::Float64, false),
            ColumnSpec::new("visits", &DataType::Int32, false),
            ColumnSpec::new("small", &DataType::UInt8, false),
            ColumnSpec::new("ratio", &DataType::Float32, true),
            ColumnSpec::new("active", &DataType::Boolean, false),
            ColumnSpec::new("plan", &DataType::Utf8, true),
            ColumnSpec::new("region", &DataType::LargeUtf8, false),
        ],
        outputs: vec![ColumnSpec::new("churn", &DataType::Int64, false)],
        input_example: None,
    }
}

/// A signed package of `flavor` in `dir/name`, with the key that signed it.
fn signed(dir: &Path, name: &str, flavor: Flavor) -> (Package, KeyPair) {
    let src = dir.join(name);
    std::fs::create_dir_all(src.join("extra")).unwrap();
    std::fs::write(src.join("model.pkl"), b"pickled estimator").unwrap();
    std::fs::write(src.join("extra/notes.txt"), b"notes").unwrap();
    let mut m = Manifest::new("churn", "1.4.2", flavor);
    m.flavor_version = Some("1.9.1".into());
    m.signature = Some(signature());
    if flavor == Flavor::Custom {
        std::fs::write(src.join("loader.py"), b"def load(path): ...\n").unwrap();
        m.requirements.entry_point = Some("loader:load".into());
    }
    let pkg = Package::build(&src, m).unwrap();
    let key = KeyPair::generate().unwrap();
    sign::sign(&pkg, &key).unwrap();
    (pkg, key)
}

fn trusting(key: &KeyPair) -> ExportOptions {
    ExportOptions {
        trusted: vec![key.public()],
        ..Default::default()
    }
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// The folders beside `out` (a failed export leaves no staging folder).
fn siblings(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn targets_have_words() {
    for t in ExportTarget::ALL {
        assert_eq!(t.as_str().parse::<ExportTarget>().unwrap(), t);
        assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
    }
    let e = "torchserve"
        .parse::<ExportTarget>()
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "invalid input: unknown export target 'torchserve' (expected mlserver, kserve, triton or tfserving)"
    );
}

#[test]
fn mlserver_declares_the_signature_and_carries_the_package() {
    let t = tempfile::tempdir().unwrap();
    let (pkg, key) = signed(t.path(), "pkg", Flavor::Sklearn);
    let out = t.path().join("serve");
    let side = pkg
        .export(ExportTarget::Mlserver, &out, &trusting(&key))
        .unwrap();
    let settings = read_json(&out.join("churn/model-settings.json"));
    assert_eq!(settings["name"], "churn");
    assert_eq!(
        settings["implementation"],
        "mlops.serving.mlserver.PackageRuntime"
    );
    assert_eq!(settings["platform"], "mlops-sklearn");
    assert_eq!(settings["versions"], json!(["sklearn/1.9.1"]));
    assert_eq!(
        settings["parameters"],
        json!({"uri": "./package", "version": "1.4.2", "content_type": "pd",
               "extra": {"flavor": "sklearn", "signature_check": true}})
    );
    let inputs: Vec<(String, String)> = settings["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert_eq!(i["shape"], json!([-1]));
            (
                i["name"].as_str().unwrap().into(),
                i["datatype"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expect = [
        ("age", "FP64"),
        ("visits", "INT32"),
        ("small", "UINT8"),
        ("ratio", "FP32"),
        ("active", "BOOL"),
        ("plan", "BYTES"),
        ("region", "BYTES"),
    ];
    assert_eq!(
        inputs,
        expect
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        settings["inputs"][5]["parameters"],
        json!({"arrow_type": "Utf8", "nullable": true, "content_type": "str"})
    );
    assert_eq!(
        settings["inputs"][0]["parameters"],
        json!({"arrow_type": "Float64", "nullable": false})
    );
    assert_eq!(
        settings["outputs"],
        json!([{"name": "churn", "datatype": "INT64", "shape": [-1],
                "parameters": {"arrow_type": "Int64", "nullable": false}}])
    );
    // The copy is the package, signature and all.
    let copy = Package::load(out.join("churn/package")).unwrap();
    assert_eq!(copy.manifest_bytes(), pkg.manifest_bytes());
    assert_eq!(
        sign::verify_signature(&copy, &[key.public()]).unwrap(),
        key.public().id()
    );
    // The sidecar, returned and written.
    let written: Sidecar =
        serde_json::from_value(read_json(&out.join("churn/mlops.json"))).unwrap();
    assert_eq!(written, side);
    assert_eq!(side.target, ExportTarget::Mlserver);
    assert_eq!(
        (side.name.as_str(), side.version.as_str()),
        ("churn", "1.4.2")
    );
    assert_eq!(side.flavor, Flavor::Sklearn);
    assert_eq!(
        side.manifest_blake3,
        blake3::hash(pkg.manifest_bytes()).to_hex().to_string()
    );
    assert_eq!(side.signed_by, Some(key.public().id()));
    assert_eq!(side.numeric_version, None);
    // No server settings: host and ports are the user's.
    assert!(!out.join("settings.json").exists());
    assert_eq!(siblings(&out), ["pkg", "serve"]);
}

#[test]
fn kserve_adds_an_inference_service() {
    let t = tempfile::tempdir().unwrap();
    let (pkg, key) = signed(t.path(), "pkg", Flavor::Xgboost);
    let out = t.path().join("kserve");
    pkg.export(ExportTarget::Kserve, &out, &trusting(&key))
        .unwrap();
    assert!(out.join("churn/model-settings.json").is_file());
    let text = std::fs::read_to_string(out.join("inferenceservice.yaml")).unwrap();
    let doc: Value = yaml_serde::from_str(&text).unwrap();
    assert_eq!(doc["apiVersion"], "serving.kserve.io/v1beta1");
    assert_eq!(doc["kind"], "InferenceService");
    assert_eq!(doc["metadata"]["name"], "churn");
    let model = &doc["spec"]["predictor"]["model"];
    assert_eq!(model["protocolVersion"], "v2");
    assert_eq!(model["runtime"], "mlops-mlserver");
    assert_eq!(model["modelFormat"]["name"], "mlops-package");
    assert_eq!(model["storageUri"], "s3://YOUR-BUCKET/PATH/TO/EXPORT");
    assert_eq!(
        doc["metadata"]["annotations"]["mlops.dev/signed-by"],
        key.public().id()
    );
    assert_eq!(read_json(&out.join("churn/mlops.json"))["target"], "kserve");
}

fn onnx_package(dir: &Path, key: &KeyPair) -> Package {
    let tensor = |name: &str, elem_type, dims: Vec<DimValue>| ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto {
                elem_type,
                shape: Some(TensorShapeProto {
                    dim: dims
                        .into_iter()
                        .map(|d| Dimension { value: Some(d) })
                        .collect(),
                }),
            }),
        }),
    };
    let model = ModelProto {
        graph: Some(GraphProto {
            initializer: vec![],
            input: vec![tensor(
                "x",
                1,
                vec![DimValue::DimParam("N".into()), DimValue::DimValue(4)],
            )],
            output: vec![
                tensor("label", 7, vec![DimValue::DimParam("N".into())]),
                tensor(
                    "probabilities",
                    1,
                    vec![DimValue::DimParam("N".into()), DimValue::DimValue(3)],
                ),
            ],
        }),
    };
    let src = dir.join("onnx-pkg");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("iris.onnx"), model.encode_to_vec()).unwrap();
    // No signature in the manifest: the export reads the graph's.
    let pkg = Package::build(&src, Manifest::new("iris", "3", Flavor::Onnx)).unwrap();
    sign::sign(&pkg, key).unwrap();
    pkg
}

#[test]
fn triton_serves_onnx_natively_and_batches_on_the_dynamic_dimension() {
    let t = tempfile::tempdir().unwrap();
    let key = KeyPair::generate().unwrap();
    let pkg = onnx_package(t.path(), &key);
    let out = t.path().join("triton");
    let side = pkg
        .export(ExportTarget::Triton, &out, &trusting(&key))
        .unwrap();
    assert_eq!(side.numeric_version, Some(3));
    let config = std::fs::read_to_string(out.join("iris/config.pbtxt")).unwrap();
    assert_eq!(
        config,
        r#"name: "iris"
platform: "onnxruntime_onnx"
max_batch_size: 64
input [
  {
    name: "x"
    data_type: TYPE_FP32
    dims: [ 4 ]
  }
]
output [
  {
    name: "label"
    data_type: TYPE_INT64
    dims: [ 1 ]
    reshape: { shape: [ ] }
  },
  {
    name: "probabilities"
    data_type: TYPE_FP32
    dims: [ 3 ]
  }
]
version_policy: { specific: { versions: [ 3 ] } }
parameters: { key: "mlops_package_version" value: { string_value: "3" } }
"#
    );
    assert_eq!(
        std::fs::read(out.join("iris/3/model.onnx")).unwrap(),
        std::fs::read(pkg.path_of("iris.onnx")).unwrap()
    );
}

#[test]
fn triton_serves_tabular_flavors_through_the_python_backend() {
    let t = tempfile::tempdir().unwrap();
    for (i, flavor) in [
        Flavor::Sklearn,
        Flavor::Xgboost,
        Flavor::Lightgbm,
        Flavor::Custom,
    ]
    .into_iter()
    .enumerate()
    {
        let (pkg, key) = signed(t.path(), &format!("pkg{i}"), flavor);
        let out = t.path().join(format!("triton{i}"));
        let side = pkg
            .export(ExportTarget::Triton, &out, &trusting(&key))
            .unwrap();
        // 1.4.2 -> 1_004_002: later versions sort higher.
        assert_eq!(side.numeric_version, Some(1_004_002));
        let config = std::fs::read_to_string(out.join("churn/config.pbtxt")).unwrap();
        assert!(
            config.contains("backend: \"python\"\nmax_batch_size: 64\n"),
            "{config}"
        );
        assert!(
            config.contains("    name: \"plan\"\n    data_type: TYPE_STRING\n    dims: [ 1 ]\n")
        );
        assert!(config.contains("    name: \"active\"\n    data_type: TYPE_BOOL\n"));
        assert!(config.contains("dynamic_batching { }\n"));
        let model_py = std::fs::read_to_string(out.join("churn/1004002/model.py")).unwrap();
        assert!(model_py.contains("class TritonPythonModel"));
        Package::load(out.join("churn/1004002/package"))
            .unwrap()
            .verify()
            .unwrap();
    }
    // An explicit version wins.
    let (pkg, key) = signed(t.path(), "pkg-v", Flavor::Sklearn);
    let opts = ExportOptions {
        version: Some(12),
        ..trusting(&key)
    };
    pkg.export(ExportTarget::Triton, t.path().join("v12"), &opts)
        .unwrap();
    assert!(t.path().join("v12/churn/12/model.py").is_file());
}

#[test]
fn tfserving_lays_out_a_saved_model_and_refuses_anything_else() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("tf");
    std::fs::create_dir_all(src.join("variables")).unwrap();
    std::fs::create_dir_all(src.join("assets")).unwrap();
    std::fs::write(src.join("saved_model.pb"), b"graph").unwrap();
    std::fs::write(src.join("fingerprint.pb"), b"fp").unwrap();
    std::fs::write(src.join("variables/variables.index"), b"idx").unwrap();
    std::fs::write(
        src.join("variables/variables.data-00000-of-00001"),
        b"weights",
    )
    .unwrap();
    std::fs::write(src.join("assets/vocab.txt"), b"a\nb\n").unwrap();
    std::fs::write(src.join("README.md"), b"not part of the SavedModel").unwrap();
    let pkg = Package::build(&src, Manifest::new("ranker", "2.0.1", Flavor::Custom)).unwrap();
    let key = KeyPair::generate().unwrap();
    sign::sign(&pkg, &key).unwrap();
    let out = t.path().join("tfs");
    let side = pkg
        .export(ExportTarget::Tfserving, &out, &trusting(&key))
        .unwrap();
    assert_eq!(side.numeric_version, Some(2_000_001));
    let v = out.join("ranker/2000001");
    for f in [
        "saved_model.pb",
        "fingerprint.pb",
        "variables/variables.index",
        "variables/variables.data-00000-of-00001",
        "assets/vocab.txt",
    ] {
        assert_eq!(
            std::fs::read(v.join(f)).unwrap(),
            std::fs::read(src.join(f)).unwrap(),
            "{f}"
        );
    }
    assert!(!v.join("README.md").exists());
    assert!(out.join("ranker/mlops.json").is_file());
    // A sklearn package is no SavedModel: refused naming target and flavor.
    let (sk, key) = signed(t.path(), "sk", Flavor::Sklearn);
    let err = sk
        .export(
            ExportTarget::Tfserving,
            t.path().join("no"),
            &trusting(&key),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported(m) if m.contains("export target tfserving") && m.contains("flavor sklearn") && m.contains("saved_model.pb")),
        "{err}"
    );
    assert!(!t.path().join("no").exists());
}

#[test]
fn a_target_that_cannot_hold_the_flavor_is_a_typed_refusal_naming_both() {
    let t = tempfile::tempdir().unwrap();
    let key = KeyPair::generate().unwrap();
    let onnx = onnx_package(t.path(), &key);
    for target in [ExportTarget::Mlserver, ExportTarget::Kserve] {
        let err = onnx
            .export(target, t.path().join("no"), &trusting(&key))
            .unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported(m) if m.contains(&format!("export target {target}")) && m.contains("flavor onnx")),
            "{err}"
        );
    }
    let (torch, key) = signed(t.path(), "torch", Flavor::Pytorch);
    let err = torch
        .export(ExportTarget::Triton, t.path().join("no"), &trusting(&key))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported(m) if m.contains("export target triton") && m.contains("flavor pytorch")),
        "{err}"
    );
    assert!(!t.path().join("no").exists());
}

#[test]
fn unsigned_untrusted_and_tampered_packages_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("unsigned");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("model.pkl"), b"pickle").unwrap();
    let mut m = Manifest::new("churn", "1", Flavor::Sklearn);
    m.signature = Some(signature());
    let unsigned = Package::build(&src, m).unwrap();
    let out = t.path().join("out");
    let key = KeyPair::generate().unwrap();
    // Unsigned: refused, with or without trusted keys, unless allowed.
    for opts in [ExportOptions::default(), trusting(&key)] {
        let err = unsigned
            .export(ExportTarget::Mlserver, &out, &opts)
            .unwrap_err();
        assert!(
            matches!(&err, Error::PermissionDenied(m) if m.contains("not signed") && m.contains("allow_unsigned")),
            "{err}"
        );
    }
    let allowed = ExportOptions {
        allow_unsigned: true,
        ..Default::default()
    };
    let side = unsigned
        .export(ExportTarget::Mlserver, &out, &allowed)
        .unwrap();
    assert_eq!(side.signed_by, None);

    // Signed, but no trusted keys: refused unless allowed.
    let (pkg, key) = signed(t.path(), "signed", Flavor::Sklearn);
    let err = pkg
        .export(
            ExportTarget::Mlserver,
            t.path().join("a"),
            &ExportOptions::default(),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied(m) if m.contains("no trusted keys")),
        "{err}"
    );
    // Signed by a key that is not trusted: refused, even when unsigned exports are allowed.
    let other = KeyPair::generate().unwrap();
    let opts = ExportOptions {
        trusted: vec![other.public()],
        allow_unsigned: true,
        version: None,
    };
    let err = pkg
        .export(ExportTarget::Mlserver, t.path().join("b"), &opts)
        .unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied(m) if m.contains(&key.public().id())),
        "{err}"
    );

    // Tampered: refused whatever the options, naming the file, nothing written.
    let p = pkg.path_of("model.pkl");
    std::fs::write(&p, b"pickled estimatoR").unwrap();
    for opts in [trusting(&key), allowed.clone()] {
        let err = pkg
            .export(ExportTarget::Triton, t.path().join("c"), &opts)
            .unwrap_err();
        assert!(
            matches!(&err, Error::Integrity(m) if m.contains("model.pkl")),
            "{err}"
        );
    }
    // A changed manifest breaks the signature.
    let tampered = Package::load(pkg.root()).unwrap();
    let mp = pkg.path_of("mlops-package.json");
    let text = std::fs::read_to_string(&mp)
        .unwrap()
        .replace("1.4.2", "1.4.3");
    std::fs::write(&mp, text).unwrap();
    let err = Package::load(pkg.root())
        .unwrap()
        .export(ExportTarget::Mlserver, t.path().join("d"), &trusting(&key))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Integrity(m) if m.contains("does not match")),
        "{err}"
    );
    drop(tampered);
    for f in ["a", "b", "c", "d"] {
        assert!(!t.path().join(f).exists(), "{f}");
    }
    assert!(!siblings(&out)
        .iter()
        .any(|s| s.starts_with(".mlops-export-")));
}

#[test]
fn an_existing_out_is_refused_unless_empty_and_a_package_needs_a_signature() {
    let t = tempfile::tempdir().unwrap();
    let (pkg, key) = signed(t.path(), "pkg", Flavor::Lightgbm);
    let out: PathBuf = t.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), b"mine").unwrap();
    let err = pkg
        .export(ExportTarget::Mlserver, &out, &trusting(&key))
        .unwrap_err();
    assert!(
        matches!(&err, Error::AlreadyExists(m) if m.contains("not empty")),
        "{err}"
    );
    assert_eq!(std::fs::read(out.join("keep.txt")).unwrap(), b"mine");
    // An empty folder is filled.
    let empty = t.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    pkg.export(ExportTarget::Mlserver, &empty, &trusting(&key))
        .unwrap();
    assert!(empty.join("churn/model-settings.json").is_file());

    // MLServer declares inputs from the signature: a package without one is refused.
    let src = t.path().join("nosig");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("model.pkl"), b"pickle").unwrap();
    let bare = Package::build(&src, Manifest::new("bare", "1", Flavor::Sklearn)).unwrap();
    sign::sign(&bare, &key).unwrap();
    let err = bare
        .export(ExportTarget::Mlserver, t.path().join("x"), &trusting(&key))
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("package bare has no signature")),
        "{err}"
    );
    // A custom package without an entry point cannot be loaded by the runtime.
    let src = t.path().join("noentry");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("model.bin"), b"w").unwrap();
    let mut m = Manifest::new("noentry", "1", Flavor::Custom);
    m.signature = Some(signature());
    let custom = Package::build(&src, m).unwrap();
    let err = custom
        .export(
            ExportTarget::Mlserver,
            t.path().join("y"),
            &ExportOptions {
                allow_unsigned: true,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("entry_point")),
        "{err}"
    );
    // Triton needs a numeric version: a free-form one without an explicit number is refused.
    assert!(numeric_version("2024-06-rc1").is_err());
}
