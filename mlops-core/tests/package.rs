//! Model packages: the shared vector, tampering, archives (including
//! malicious ones), signing, ONNX inference, MLflow folders and the registry.
//! Cases that used to kill or stall the process (a file truncated while it
//! is hashed, archive and file bombs, FIFOs) run in a child process.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use mlops_core::package::{
    archive, mlflow, onnx, sign, Flavor, KeyPair, Manifest, Package, PublicKey,
};
use mlops_core::registry::Registry;
use mlops_core::Error;
use serde_json::Value;

#[path = "support/child.rs"]
mod child;
#[path = "support/data.rs"]
mod data;
use data::copy_dir;

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/package")
}

fn vector_copy(tmp: &Path) -> PathBuf {
    let d = tmp.join("churn");
    copy_dir(&vector_dir().join("churn"), &d);
    d
}

fn expected() -> Value {
    serde_json::from_slice(&std::fs::read(vector_dir().join("expected.json")).unwrap()).unwrap()
}

fn integrity(e: &Error, needle: &str) -> bool {
    matches!(e, Error::Integrity(m) if m.contains(needle))
}

/// `r` is an integrity error whose message holds `needle`.
#[track_caller]
fn refused<T: std::fmt::Debug>(r: mlops_core::Result<T>, needle: &str) {
    let err = r.unwrap_err();
    assert!(integrity(&err, needle), "{err}");
}

/// Each column's name and data type.
fn typed_names(columns: &[mlops_core::package::ColumnSpec]) -> Vec<(&str, &str)> {
    columns
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str()))
        .collect()
}

fn small_package(dir: &Path) -> Package {
    std::fs::create_dir_all(dir.join("weights")).unwrap();
    std::fs::write(dir.join("weights/w.bin"), vec![5u8; 10_000]).unwrap();
    std::fs::write(dir.join("model.pkl"), b"pickle").unwrap();
    let mut m = Manifest::new("m", "1.0.0", Flavor::Sklearn);
    m.metrics.insert("auc".into(), 0.93);
    Package::build(dir, m).unwrap()
}

#[test]
fn vector_loads_verifies_and_has_the_expected_hashes() {
    let t = tempfile::tempdir().unwrap();
    let pkg = Package::load(vector_copy(t.path())).unwrap();
    pkg.verify().unwrap();
    let exp = expected();
    let m = pkg.manifest();
    assert_eq!(m.name, exp["name"]);
    assert_eq!(m.version, exp["version"]);
    assert_eq!(m.flavor.as_str(), exp["flavor"]);
    assert_eq!(m.metrics["auc"], 0.91);
    let files = exp["files"].as_array().unwrap();
    assert_eq!(m.files.len(), files.len());
    for (f, e) in m.files.iter().zip(files) {
        assert_eq!(f.path, e["path"]);
        assert_eq!(f.size, e["size"].as_u64().unwrap());
        let bytes = std::fs::read(pkg.path_of(&f.path)).unwrap();
        assert_eq!(f.blake3, blake3::hash(&bytes).to_hex().to_string());
        if let Some(h) = e.get("blake3") {
            assert_eq!(f.blake3, h.as_str().unwrap());
        }
    }
}

/// Applies one `tampered` entry of the vector to a package folder.
fn tamper(dir: &Path, t: &Value) {
    let file = dir.join(t["file"].as_str().unwrap());
    match t["op"].as_str().unwrap() {
        "flip" => {
            let mut b = std::fs::read(&file).unwrap();
            b[t["offset"].as_u64().unwrap() as usize] ^= 1;
            std::fs::write(&file, b).unwrap();
        }
        "remove" => std::fs::remove_file(&file).unwrap(),
        "add" => std::fs::write(&file, t["content"].as_str().unwrap()).unwrap(),
        op => panic!("unknown op {op}"),
    }
}

#[test]
fn every_tampered_copy_of_the_vector_is_refused_naming_the_file() {
    for t in expected()["tampered"].as_array().unwrap() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = vector_copy(tmp.path());
        tamper(&dir, t);
        let needle = t["error_contains"].as_str().unwrap();
        let err = Package::load(&dir).and_then(|p| p.verify()).unwrap_err();
        assert!(integrity(&err, needle), "{t}: {err}");
    }
}

#[test]
fn a_manifest_changed_after_loading_is_found() {
    let t = tempfile::tempdir().unwrap();
    let pkg = small_package(t.path());
    let mp = pkg.path_of("mlops-package.json");
    let text = std::fs::read_to_string(&mp)
        .unwrap()
        .replace("0.93", "0.99");
    std::fs::write(&mp, text).unwrap();
    refused(pkg.verify(), "mlops-package.json");
}

#[test]
fn a_same_size_change_and_a_size_change_are_both_named() {
    let t = tempfile::tempdir().unwrap();
    let pkg = small_package(t.path());
    std::fs::write(t.path().join("model.pkl"), b"pickle!").unwrap();
    let err = pkg.verify().unwrap_err();
    assert!(
        integrity(&err, "model.pkl has 7 bytes, the manifest says 6"),
        "{err}"
    );
    std::fs::write(t.path().join("model.pkl"), b"pickla").unwrap();
    refused(pkg.verify(), "model.pkl has BLAKE3");
}

#[test]
fn newer_or_unknown_manifests_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let pkg = small_package(t.path());
    let text = String::from_utf8(pkg.manifest_bytes().to_vec()).unwrap();
    let newer = text.replace("\"v\": 1", "\"v\": 2");
    refused(Manifest::from_bytes(newer.as_bytes()), "version 2 is newer");
    let unknown = text.replacen("{", "{\n  \"surprise\": true,", 1);
    refused(Manifest::from_bytes(unknown.as_bytes()), "surprise");
    let nested = text.replace("\"lineage\": {", "\"lineage\": {\"extra\": 1,");
    refused(Manifest::from_bytes(nested.as_bytes()), "extra");
    let escape = text.replace("\"model.pkl\"", "\"../model.pkl\"");
    refused(Manifest::from_bytes(escape.as_bytes()), "../model.pkl");
}

#[test]
fn build_refuses_symlinks_and_removes_a_stale_signature() {
    let t = tempfile::tempdir().unwrap();
    let pkg = small_package(t.path());
    let key = KeyPair::generate().unwrap();
    sign::sign(&pkg, &key).unwrap();
    assert!(pkg.path_of("mlops-package.sig").exists());
    let pkg = Package::build(t.path(), pkg.manifest().clone()).unwrap();
    assert!(!pkg.path_of("mlops-package.sig").exists());
    std::os::unix::fs::symlink("/etc/hostname", t.path().join("link")).unwrap();
    let err = Package::build(t.path(), pkg.manifest().clone()).unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput(ref m) if m.contains("link")),
        "{err}"
    );
}

#[test]
fn archives_round_trip_byte_for_byte_and_deterministically() {
    let t = tempfile::tempdir().unwrap();
    let pkg = small_package(&t.path().join("src"));
    let (a, b) = (t.path().join("a.tar.zst"), t.path().join("b.tar.zst"));
    pkg.save_archive(&a).unwrap();
    pkg.save_archive(&b).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let back = archive::unpack(&a, t.path().join("out")).unwrap();
    assert_eq!(back.manifest_bytes(), pkg.manifest_bytes());
    assert_eq!(
        std::fs::read(back.path_of("weights/w.bin")).unwrap(),
        vec![5u8; 10_000]
    );
    use std::os::unix::fs::PermissionsExt;
    for f in [a.clone(), pkg.path_of("mlops-package.json")] {
        assert_eq!(
            std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }
    let loaded = Package::load(&a).unwrap();
    loaded.verify().unwrap();
    let err = archive::unpack(&a, t.path().join("out")).unwrap_err();
    assert!(matches!(err, Error::AlreadyExists(_)), "{err}");
}

/// Builds a `.tar.zst` by hand, one raw header at a time, after a manifest
/// listing the `listed` entries (with the data of their first occurrence).
/// One entry of a hand-made archive: its path, type, bytes and link target.
type Entry<'a> = (&'a [u8], tar::EntryType, &'a [u8], Option<&'a str>);

fn malicious(path: &Path, entries: &[Entry<'_>], listed: &[&str]) {
    let f = std::fs::File::create(path).unwrap();
    let mut b = tar::Builder::new(zstd::stream::write::Encoder::new(f, 1).unwrap());
    // A valid manifest first, so what is refused is the entry under test.
    let mut m = Manifest::new("evil", "1", Flavor::Custom);
    m.files = listed
        .iter()
        .map(|p| {
            let data = entries.iter().find(|e| e.0 == p.as_bytes()).unwrap().2;
            mlops_core::package::FileEntry {
                path: p.to_string(),
                size: data.len() as u64,
                blake3: blake3::hash(data).to_hex().to_string(),
            }
        })
        .collect();
    let bytes = m.to_bytes();
    let mut h = tar::Header::new_gnu();
    h.set_path("mlops-package.json").unwrap();
    h.set_size(bytes.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append(&h, &bytes[..]).unwrap();
    for (name, kind, data, link) in entries {
        let mut h = tar::Header::new_gnu();
        let raw = &mut h.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name);
        h.set_entry_type(*kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        if let Some(l) = link {
            h.set_link_name_literal(l.as_bytes()).unwrap();
        }
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap();
}

#[test]
fn malicious_archives_are_refused_and_leave_nothing_behind() {
    use tar::EntryType::*;
    let cases: Vec<(&str, Vec<Entry<'_>>, &str)> = vec![
        (
            "absolute",
            vec![(b"/tmp/evil", Regular, b"x", None)],
            "absolute",
        ),
        ("dotdot", vec![(b"../evil", Regular, b"x", None)], "'..'"),
        (
            "inner-dotdot",
            vec![(b"a/../../evil", Regular, b"x", None)],
            "'..'",
        ),
        (
            "symlink",
            vec![(b"link", Symlink, b"", Some("/etc/passwd"))],
            "symbolic link",
        ),
        (
            "symlink-inside",
            vec![(b"link", Symlink, b"", Some("model.bin"))],
            "symbolic link",
        ),
        (
            "hardlink",
            vec![(b"hard", Link, b"", Some("../../etc/passwd"))],
            "hard link",
        ),
        (
            "duplicate",
            vec![
                (b"a.bin", Regular, b"x", None),
                (b"a.bin", Regular, b"y", None),
            ],
            "appears twice",
        ),
        (
            "fifo",
            vec![(b"pipe", Fifo, b"", None)],
            "not a regular file",
        ),
        (
            "device",
            vec![(b"dev", Char, b"", None)],
            "not a regular file",
        ),
        // Well-formed but unlisted: refused by the verification before the rename.
        (
            "unlisted",
            vec![(b"extra.bin", Regular, b"x", None)],
            "extra.bin",
        ),
    ];
    for (name, entries, needle) in cases {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("evil.tar.zst");
        let listed: &[&str] = if name == "duplicate" { &["a.bin"] } else { &[] };
        malicious(&a, &entries, listed);
        let dest = t.path().join("out");
        let err = archive::unpack(&a, &dest).unwrap_err();
        assert!(integrity(&err, needle), "{name}: {err}");
        assert!(!dest.exists(), "{name}: destination written");
        let left: Vec<_> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("evil.tar.zst")],
            "{name}: temp left"
        );
        assert!(!Path::new("/tmp/evil").exists());
    }
}

#[test]
fn an_archive_without_a_manifest_or_not_zstd_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("empty.tar.zst");
    let f = std::fs::File::create(&a).unwrap();
    tar::Builder::new(zstd::stream::write::Encoder::new(f, 1).unwrap())
        .into_inner()
        .unwrap()
        .finish()
        .unwrap();
    refused(
        archive::unpack(&a, t.path().join("o")),
        "holds no mlops-package.json",
    );
    std::fs::write(t.path().join("junk.tar.zst"), b"not zstd at all").unwrap();
    refused(
        archive::unpack(t.path().join("junk.tar.zst"), t.path().join("o")),
        "unreadable",
    );
}

#[test]
fn keys_save_with_owner_only_permissions_and_load_back() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    let k = KeyPair::generate().unwrap();
    let p = t.path().join("k");
    k.save(&p).unwrap();
    let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(KeyPair::load(&p).unwrap().public(), k.public());
    assert_eq!(
        PublicKey::load(t.path().join("k.pub")).unwrap().id(),
        k.public().id()
    );
    assert!(matches!(k.save(&p).unwrap_err(), Error::AlreadyExists(_)));
    // A public key file is not a secret key file.
    assert!(matches!(
        KeyPair::load(t.path().join("k.pub")).unwrap_err(),
        Error::InvalidInput(_)
    ));
}

#[test]
fn signatures_catch_every_tampering() {
    let t = tempfile::tempdir().unwrap();
    let key = KeyPair::generate().unwrap();
    let trusted = [key.public()];
    let fresh = |name: &str| {
        let d = t.path().join(name);
        let pkg = small_package(&d);
        sign::sign(&pkg, &key).unwrap();
        (d, pkg)
    };

    let (_, pkg) = fresh("ok");
    assert_eq!(
        sign::verify_signature(&pkg, &trusted).unwrap(),
        key.public().id()
    );

    // One byte of a file.
    let (d, pkg) = fresh("file");
    let mut w = std::fs::read(d.join("weights/w.bin")).unwrap();
    w[5000] ^= 0x80;
    std::fs::write(d.join("weights/w.bin"), w).unwrap();
    refused(sign::verify_signature(&pkg, &trusted), "weights/w.bin");

    // One byte of the manifest (a metric), signature unchanged: caught even
    // when the package is loaded afresh from the changed manifest.
    let (d, _) = fresh("manifest");
    let mp = d.join("mlops-package.json");
    let text = std::fs::read_to_string(&mp)
        .unwrap()
        .replace("0.93", "0.99");
    std::fs::write(&mp, text).unwrap();
    let pkg = Package::load(&d).unwrap();
    pkg.verify().unwrap(); // still self-consistent...
    let err = sign::verify_signature(&pkg, &trusted).unwrap_err();
    assert!(
        integrity(&err, "does not match mlops-package.json"),
        "{err}"
    ); // ...but not signed

    // One byte of the signature.
    let (d, pkg) = fresh("sig");
    let sp = d.join("mlops-package.sig");
    let s: Value = serde_json::from_slice(&std::fs::read(&sp).unwrap()).unwrap();
    let mut sig = s["signature"].as_str().unwrap().to_string();
    let c = if sig.starts_with('A') { "B" } else { "A" };
    sig.replace_range(0..1, c);
    let mut s2 = s.clone();
    s2["signature"] = Value::String(sig);
    std::fs::write(&sp, serde_json::to_vec(&s2).unwrap()).unwrap();
    refused(sign::verify_signature(&pkg, &trusted), "does not match");

    // No signature; an untrusted key.
    let d = t.path().join("unsigned");
    let pkg = small_package(&d);
    let err = sign::verify_signature(&pkg, &trusted).unwrap_err();
    assert!(
        matches!(err, Error::NotFound(ref m) if m.contains("not signed")),
        "{err}"
    );
    let (_, pkg) = fresh("untrusted");
    let other = KeyPair::generate().unwrap();
    let err = sign::verify_signature(&pkg, &[other.public()]).unwrap_err();
    assert!(
        matches!(err, Error::PermissionDenied(ref m) if m.contains(&key.public().id())),
        "{err}"
    );
}

#[test]
fn a_signed_archive_still_verifies() {
    let t = tempfile::tempdir().unwrap();
    let pkg = small_package(&t.path().join("src"));
    let key = KeyPair::generate().unwrap();
    sign::sign(&pkg, &key).unwrap();
    pkg.save_archive(t.path().join("p.tar.zst")).unwrap();
    let back = Package::load(t.path().join("p.tar.zst")).unwrap();
    sign::verify_signature(&back, &[key.public()]).unwrap();
}

fn onnx_tensor(name: &str, elem: i32, dims: Vec<onnx::DimValue>) -> onnx::ValueInfoProto {
    onnx::ValueInfoProto {
        name: name.into(),
        r#type: Some(onnx::TypeProto {
            tensor_type: Some(onnx::TensorTypeProto {
                elem_type: elem,
                shape: Some(onnx::TensorShapeProto {
                    dim: dims
                        .into_iter()
                        .map(|d| onnx::Dimension { value: Some(d) })
                        .collect(),
                }),
            }),
        }),
    }
}

#[test]
fn onnx_signature_inference_skips_initializers_and_keeps_shapes() {
    use mlops_core::package::Dim;
    use onnx::DimValue::*;
    use prost::Message;
    let model = onnx::ModelProto {
        graph: Some(onnx::GraphProto {
            initializer: vec![onnx::TensorProto {
                name: "coef".into(),
            }],
            input: vec![
                onnx_tensor("float_input", 1, vec![DimParam("N".into()), DimValue(4)]),
                onnx_tensor("coef", 1, vec![DimValue(4)]),
                onnx_tensor("ids", 7, vec![DimParam("N".into())]),
            ],
            output: vec![
                onnx_tensor("label", 8, vec![DimParam("N".into())]),
                onnx_tensor("probabilities", 11, vec![DimParam("N".into()), DimValue(3)]),
            ],
        }),
    };
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("model.onnx");
    std::fs::write(&p, model.encode_to_vec()).unwrap();
    let sig = onnx::infer_signature_file(&p).unwrap();
    assert_eq!(
        typed_names(&sig.inputs),
        [("float_input", "Float32"), ("ids", "Int64")]
    );
    assert_eq!(
        sig.inputs[0].shape,
        Some(vec![Dim::Named("N".into()), Dim::Fixed(4)])
    );
    assert_eq!(
        typed_names(&sig.outputs),
        [("label", "Utf8"), ("probabilities", "Float64")]
    );
    // The inferred signature is valid in a manifest and survives JSON.
    let mut m = Manifest::new("onnx", "1", Flavor::Onnx);
    m.signature = Some(sig.clone());
    assert_eq!(
        Manifest::from_bytes(&m.to_bytes()).unwrap().signature,
        Some(sig)
    );
    // Complex numbers have no Arrow type; garbage is not a model.
    let bad = onnx::ModelProto {
        graph: Some(onnx::GraphProto {
            initializer: vec![],
            input: vec![onnx_tensor("z", 14, vec![])],
            output: vec![],
        }),
    };
    assert!(
        matches!(onnx::infer_signature(&bad.encode_to_vec()), Err(Error::Unsupported(ref m)) if m.contains("z"))
    );
    assert!(matches!(
        onnx::infer_signature(b"\xff\xff\xff"),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn signature_validation_counts_nulls_across_batches() {
    use arrow::array::{Float64Array, RecordBatch};
    use arrow::datatypes::{DataType, Field, Schema};
    use mlops_core::package::{ColumnSpec, Problem, Signature};
    use std::sync::Arc;
    let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Float64, true)]));
    let b = |v: Vec<Option<f64>>| {
        RecordBatch::try_new(schema.clone(), vec![Arc::new(Float64Array::from(v))]).unwrap()
    };
    let sig = Signature {
        inputs: vec![ColumnSpec::new("x", &DataType::Float64, false)],
        ..Default::default()
    };
    let r = sig.validate_batches(
        &schema,
        &[
            b(vec![Some(1.0), Some(2.0)]),
            b(vec![Some(3.0), None, None]),
        ],
    );
    assert_eq!(
        r.problems,
        vec![Problem::Nulls {
            column: "x".into(),
            count: 2,
            first_row: 3
        }]
    );
    assert!(
        matches!(r.into_result(), Err(Error::SchemaMismatch(ref m)) if m.contains("first at row 3"))
    );
    let nullable = Signature {
        inputs: vec![ColumnSpec::new("x", &DataType::Float64, true)],
        ..Default::default()
    };
    assert!(nullable.validate(&b(vec![None])).ok());
}

fn blob_count(root: &Path) -> usize {
    fn walk(p: &Path) -> usize {
        std::fs::read_dir(p)
            .map(|d| {
                d.map(|e| {
                    let e = e.unwrap();
                    if e.file_type().unwrap().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
            })
            .unwrap_or(0)
    }
    walk(&root.join("blobs"))
}

/// Pseudo-random bytes that do not compress or repeat (so chunking sees
/// real boundaries).
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn push_and_pull_dedup_a_fine_tuned_model_and_keep_signatures() {
    let t = tempfile::tempdir().unwrap();
    let store = t.path().join("store");
    let reg = Registry::open(store.to_str().unwrap()).unwrap();
    let src = t.path().join("v1");
    std::fs::create_dir_all(&src).unwrap();
    let mut weights = noise(8 << 20, 7);
    std::fs::write(src.join("weights.bin"), &weights).unwrap();
    let mut m = Manifest::new("llm", "1", Flavor::Pytorch);
    m.metrics.insert("auc".into(), 0.95);
    let v1 = Package::build(&src, m.clone()).unwrap();
    let key = KeyPair::generate().unwrap();
    sign::sign(&v1, &key).unwrap();
    assert_eq!(reg.push_package(&v1, "llm", "first").unwrap(), 1);
    let before = blob_count(&store);

    // Fine-tune: 1% of the bytes change, in one region.
    let n = weights.len();
    for b in &mut weights[n / 2..n / 2 + n / 100] {
        *b = b.wrapping_add(1);
    }
    let src2 = t.path().join("v2");
    std::fs::create_dir_all(&src2).unwrap();
    std::fs::write(src2.join("weights.bin"), &weights).unwrap();
    m.version = "2".into();
    m.metrics.insert("auc".into(), 0.85);
    let v2 = Package::build(&src2, m).unwrap();
    assert_eq!(reg.push_package(&v2, "llm", "fine-tuned").unwrap(), 2);
    // New blobs: the chunks around the change, the file's chunk manifest,
    // and the stored package document (one chunk and its manifest). The
    // other ~30 chunks of the file are shared with version 1.
    let new_chunks = blob_count(&store) - before - 3;
    assert!(
        (1..=2).contains(&new_chunks),
        "{new_chunks} new chunks of {}",
        before - 3
    );

    let found = reg.search("metrics.auc > 0.9", false).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["version"], 1);
    let meta = reg
        .version(mlops_core::registry::Kind::Model, "llm", "1")
        .unwrap()
        .metadata;
    assert_eq!(meta["package"]["flavor"], "pytorch");
    assert_eq!(meta["package"]["signed"], true);

    let p1 = reg
        .pull_package("llm", "1", t.path().join("pulled1"))
        .unwrap();
    assert_eq!(
        sign::verify_signature(&p1, &[key.public()]).unwrap(),
        key.public().id()
    );
    let p2 = reg
        .pull_package("llm", "latest", t.path().join("pulled2"))
        .unwrap();
    assert_eq!(std::fs::read(p2.path_of("weights.bin")).unwrap(), weights);
    let err = reg
        .pull_package("llm", "1", t.path().join("pulled1"))
        .unwrap_err();
    assert!(matches!(err, Error::AlreadyExists(_)), "{err}");

    // A tampered package is not pushed.
    std::fs::write(src2.join("weights.bin"), b"tampered").unwrap();
    refused(reg.push_package(&v2, "llm", "x"), "weights.bin");

    // A model version that is not a package is refused on pull.
    reg.add_version(
        mlops_core::registry::Kind::Model,
        "raw",
        b"just bytes",
        "",
        serde_json::json!({}),
    )
    .unwrap();
    let err = reg
        .pull_package("raw", "1", t.path().join("raw"))
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput(ref m) if m.contains("not a package")),
        "{err}"
    );
    assert!(!t.path().join("raw").exists());
}

const MLMODEL: &str = r#"artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.2
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.2
mlflow_version: 2.17.0
model_size_bytes: 6
model_uuid: 0a1b2c
run_id: 4f2e9d
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "sepal_length", "required": true}, {"type":
    "long", "name": "petals", "required": false}, {"type": "string", "name": "site", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
  params: null
utc_time_created: '2024-06-01 10:00:00.000000'
"#;

#[test]
fn mlflow_folders_convert_both_ways() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("mlflow-model");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("MLmodel"), MLMODEL).unwrap();
    std::fs::write(src.join("model.pkl"), b"pickle").unwrap();
    std::fs::write(
        src.join("requirements.txt"),
        "mlflow==2.17.0\nscikit-learn==1.5.2\n",
    )
    .unwrap();
    std::fs::write(
        src.join("input_example.json"),
        r#"{"columns": ["sepal_length", "petals", "site"], "data": [[5.1, 3, "a"]]}"#,
    )
    .unwrap();
    let pkg = mlflow::from_mlflow(&src, t.path().join("pkg"), Some("iris"), None).unwrap();
    pkg.verify().unwrap();
    let m = pkg.manifest();
    assert_eq!(
        (m.name.as_str(), m.version.as_str(), m.flavor),
        ("iris", "1", Flavor::Sklearn)
    );
    assert_eq!(m.flavor_version.as_deref(), Some("1.5.2"));
    assert_eq!(m.lineage.run.as_deref(), Some("4f2e9d"));
    assert_eq!(
        m.requirements.python,
        vec!["mlflow==2.17.0", "scikit-learn==1.5.2"]
    );
    let sig = m.signature.as_ref().unwrap();
    let cols: Vec<_> = sig
        .inputs
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str(), c.nullable))
        .collect();
    assert_eq!(
        cols,
        vec![
            ("sepal_length", "Float64", false),
            ("petals", "Int64", true),
            ("site", "Utf8", false)
        ]
    );
    assert_eq!(sig.outputs[0].name, "output");
    assert_eq!(
        sig.input_example,
        Some(serde_json::json!([{"sepal_length": 5.1, "petals": 3, "site": "a"}]))
    );

    let out = t.path().join("back");
    mlflow::to_mlflow(&pkg, &out).unwrap();
    let back: Value =
        yaml_serde::from_str(&std::fs::read_to_string(out.join("MLmodel")).unwrap()).unwrap();
    assert_eq!(
        back["flavors"]["sklearn"]["serialization_format"],
        "cloudpickle"
    );
    let inputs: Value =
        serde_json::from_str(back["signature"]["inputs"].as_str().unwrap()).unwrap();
    assert_eq!(
        inputs[1],
        serde_json::json!({"name": "petals", "type": "long", "required": false})
    );
    assert!(out.join("model.pkl").is_file() && !out.join("mlops-package.json").exists());

    // A package built by mlops gets generated flavors.
    let native = t.path().join("native");
    std::fs::create_dir_all(&native).unwrap();
    std::fs::write(native.join("clf.pkl"), b"pickle").unwrap();
    let mut nm = Manifest::new("clf", "3", Flavor::Sklearn);
    nm.flavor_version = Some("1.5.2".into());
    nm.signature = m.signature.clone();
    let npkg = Package::build(&native, nm).unwrap();
    mlflow::to_mlflow(&npkg, t.path().join("native-mlflow")).unwrap();
    let gen: Value = yaml_serde::from_str(
        &std::fs::read_to_string(t.path().join("native-mlflow/MLmodel")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        gen["flavors"]["python_function"]["loader_module"],
        "mlflow.sklearn"
    );
    assert_eq!(gen["flavors"]["sklearn"]["pickled_model"], "clf.pkl");
    assert_eq!(gen["flavors"]["sklearn"]["serialization_format"], "pickle");

    let onnx_pkg = Package::build(&native, Manifest::new("clf", "3", Flavor::Onnx)).unwrap();
    let err = mlflow::to_mlflow(&onnx_pkg, t.path().join("no")).unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err}");
    let err =
        mlflow::from_mlflow(t.path().join("native"), t.path().join("x"), None, None).unwrap_err();
    assert!(
        matches!(err, Error::NotFound(ref m) if m.contains("MLmodel")),
        "{err}"
    );
}

#[test]
fn onnx_signature_of_a_file_written_by_the_onnx_package() {
    use mlops_core::package::Dim;
    // tests/fixtures/make_onnx_model.py (onnx 1.23.2) wrote it; W and B are
    // initializers listed among the inputs.
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/package/linear.onnx");
    let sig = onnx::infer_signature_file(&p).unwrap();
    let cols = |c: &[mlops_core::package::ColumnSpec]| {
        c.iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.data_type.clone(),
                    c.shape.clone().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let n = || Dim::Named("N".into());
    assert_eq!(
        cols(&sig.inputs),
        vec![
            ("X".into(), "Float32".into(), vec![n(), Dim::Fixed(4)]),
            ("ids".into(), "Utf8".into(), vec![Dim::Unknown]),
        ]
    );
    assert_eq!(
        cols(&sig.outputs),
        vec![
            ("Y".into(), "Float32".into(), vec![n(), Dim::Fixed(3)]),
            ("Label".into(), "Int64".into(), vec![n(), Dim::Fixed(1)]),
            ("ids_out".into(), "Utf8".into(), vec![Dim::Unknown]),
        ]
    );
}

/// The name of the calling test function, for [`child::isolated`].
macro_rules! this_test {
    () => {{
        fn f() {}
        let name = std::any::type_name_of_val(&f);
        let name = name.strip_suffix("::f").unwrap();
        name.rsplit("::").next().unwrap()
    }};
}

#[test]
fn a_file_truncated_while_it_is_verified_is_an_error_not_a_signal() {
    child::isolated(this_test!(), || {
        const SIZE: u64 = 96 << 20;
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("p");
        std::fs::create_dir(&dir).unwrap();
        let w = dir.join("weights.bin");
        // Sparse: reads of holes cost no disk.
        std::fs::File::create(&w).unwrap().set_len(SIZE).unwrap();
        let pkg = Package::build(&dir, Manifest::new("m", "1", Flavor::Custom)).unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&w).unwrap();
        let (mut ok, mut refused) = (0, 0);
        for round in 0..24u64 {
            f.set_len(SIZE).unwrap();
            std::thread::scope(|s| {
                let verifying = s.spawn(|| pkg.verify());
                // Truncate at a different moment of each verification.
                std::thread::sleep(std::time::Duration::from_millis(round * 7 % 90));
                f.set_len(SIZE / 3).unwrap();
                match verifying.join().unwrap() {
                    Ok(()) => ok += 1,
                    Err(e) if integrity(&e, "weights.bin") => refused += 1,
                    Err(e) => panic!("round {round}: {e}"),
                }
            });
        }
        assert_eq!(ok + refused, 24);
        assert!(refused > 0, "no verification saw the truncation");
    });
}

/// A `.tar.zst` of the manifest of an empty package, then `entries` (name,
/// size, type), each of `size` zero bytes: a few KB for a GiB.
fn zero_bomb(path: &Path, listed: &[(&str, u64)], entries: &[(&str, u64, tar::EntryType)]) {
    let f = std::fs::File::create(path).unwrap();
    let mut b = tar::Builder::new(zstd::stream::write::Encoder::new(f, 3).unwrap());
    let mut m = Manifest::new("bomb", "1", Flavor::Custom);
    m.files = listed
        .iter()
        .map(|(p, size)| mlops_core::package::FileEntry {
            path: p.to_string(),
            size: *size,
            blake3: "0".repeat(64),
        })
        .collect();
    let bytes = m.to_bytes();
    let mut h = tar::Header::new_gnu();
    h.set_size(bytes.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, "mlops-package.json", &bytes[..])
        .unwrap();
    for (name, size, kind) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_size(*size);
        h.set_mode(0o644);
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        b.append(&h, std::io::repeat(0).take(*size)).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap();
}

/// A case of the archive limits: its name, the files the manifest lists
/// (path, size), the entries the archive holds (path, size, type), and the
/// error expected.
type LimitCase<'a> = (
    &'a str,
    Vec<(&'a str, u64)>,
    Vec<(&'a str, u64, tar::EntryType)>,
    &'a str,
);

#[test]
fn archive_entries_are_checked_against_the_manifest_before_a_byte_is_written() {
    child::isolated(this_test!(), || {
        use tar::EntryType::{GNULongName, Regular};
        const GIB: u64 = 1 << 30;
        let t = tempfile::tempdir().unwrap();
        let cases: Vec<LimitCase<'_>> = vec![
            (
                "unlisted",
                vec![],
                vec![("big.bin", GIB, Regular)],
                "entry 'big.bin' is not listed in mlops-package.json",
            ),
            (
                "larger than declared",
                vec![("w.bin", 10)],
                vec![("w.bin", GIB, Regular)],
                "entry 'w.bin' has 1073741824 bytes, mlops-package.json says 10",
            ),
            (
                "tar records past the budget",
                vec![],
                vec![("././@LongLink", 200 << 20, GNULongName)],
                "expands to more than its manifest declares",
            ),
        ];
        let mut archives = Vec::new();
        for (name, listed, entries, _) in &cases {
            let a = t.path().join(format!("{}.tar.zst", name.replace(' ', "-")));
            zero_bomb(&a, listed, entries);
            assert!(std::fs::metadata(&a).unwrap().len() < 200_000, "{name}");
            archives.push(a);
        }
        // From here on no file may grow past 1 MiB (a write past it fails),
        // and the process may not map more than 3 GiB.
        child::limit(Some(1 << 20), Some(3 << 30));
        for ((name, _, _, needle), a) in cases.iter().zip(&archives) {
            let dest = t.path().join("out");
            let err = archive::unpack(a, &dest).unwrap_err();
            assert!(integrity(&err, needle), "{name}: {err}");
            assert!(!dest.exists(), "{name}");
        }
        // The manifest must come first.
        let a = t.path().join("late.tar.zst");
        let f = std::fs::File::create(&a).unwrap();
        let mut b = tar::Builder::new(zstd::stream::write::Encoder::new(f, 1).unwrap());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        b.append_data(&mut h, "w.bin", &b"x"[..]).unwrap();
        let bytes = Manifest::new("m", "1", Flavor::Custom).to_bytes();
        h.set_size(bytes.len() as u64);
        b.append_data(&mut h, "mlops-package.json", &bytes[..])
            .unwrap();
        b.into_inner().unwrap().finish().unwrap();
        let err = archive::unpack(&a, t.path().join("out")).unwrap_err();
        assert!(
            integrity(&err, "entry 'w.bin' comes before mlops-package.json"),
            "{err}"
        );
    });
}

#[test]
fn keys_profiles_and_references_are_read_only_from_small_regular_files() {
    child::isolated(this_test!(), || {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("key.fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Reading /dev/zero to the end would exhaust this cap.
        child::limit(None, Some(3 << 30));
        let refused = |e: Error, path: &Path, why: &str| {
            assert!(
                matches!(&e, Error::InvalidInput(m)
                    if m.contains(&path.display().to_string()) && m.contains(why)),
                "{e}"
            );
        };
        let zero = Path::new("/dev/zero");
        refused(
            PublicKey::load(zero).unwrap_err(),
            zero,
            "not a regular file",
        );
        refused(KeyPair::load(zero).unwrap_err(), zero, "not a regular file");
        refused(
            PublicKey::load(&fifo).unwrap_err(),
            &fifo,
            "not a regular file",
        );
        refused(
            mlops_core::small_file::read_profile(&fifo).unwrap_err(),
            &fifo,
            "not a regular file",
        );
        refused(
            mlops_core::small_file::read_profile(zero).unwrap_err(),
            zero,
            "not a regular file",
        );
        // A suite's distribution reference.
        for reference in [zero, fifo.as_path()] {
            let suite = mlops_core::validate::Suite::from_json(&format!(
                r#"{{"checks": [{{"check": "distribution", "column": "x", "reference": "{}"}}]}}"#,
                reference.display()
            ))
            .unwrap();
            let x: arrow::array::Float64Array = (0..100).map(|i| Some(i as f64)).collect();
            let batch =
                arrow::array::RecordBatch::try_from_iter([("x", std::sync::Arc::new(x) as _)])
                    .unwrap();
            let err = mlops_core::validate::validate_batches(
                &suite,
                &[batch],
                &mlops_core::validate::ValidateOptions::default(),
            )
            .unwrap_err();
            refused(err, reference, "not a regular file");
        }
        // A regular file larger than any key file.
        let big = t.path().join("big.pub");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(1 << 30)
            .unwrap();
        refused(
            PublicKey::load(&big).unwrap_err(),
            &big,
            "larger than 65536 bytes",
        );
    });
}

#[test]
fn a_garbage_public_key_is_invalid_input_naming_the_file() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("garbage.pub");
    std::fs::write(&p, noise(300, 3)).unwrap();
    let err = PublicKey::load(&p).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("garbage.pub") && m.contains("not UTF-8")),
        "{err}"
    );
    std::fs::write(&p, b"mlops-ed25519-public-key\n!!!!\n").unwrap();
    let err = PublicKey::load(&p).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("garbage.pub")),
        "{err}"
    );
}

#[test]
fn upper_case_hashes_are_refused_by_the_manifest_check_as_by_verify() {
    let t = tempfile::tempdir().unwrap();
    let pkg = small_package(t.path());
    let text = String::from_utf8(pkg.manifest_bytes().to_vec()).unwrap();
    let hash = &pkg.manifest().file("model.pkl").unwrap().blake3;
    let upper = text.replace(hash.as_str(), &hash.to_uppercase());
    assert_ne!(upper, text);
    let err = Manifest::from_bytes(upper.as_bytes()).unwrap_err();
    assert!(
        integrity(&err, "file model.pkl has blake3") && integrity(&err, "64 lower-case hex digits"),
        "{err}"
    );
    // The package on disk with that manifest: refused when opened, not
    // only when verified.
    std::fs::write(t.path().join("mlops-package.json"), upper).unwrap();
    refused(Package::load(t.path()), "file model.pkl has blake3");
}

/// A push through a registry carrying a reason records it with the version,
/// and a pull of that version gives the same manifest.
#[test]
fn push_package_records_the_reason_and_pull_package_returns_it() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("model.pkl"), b"weights").unwrap();
    let pkg = Package::build(&src, Manifest::new("churn", "1.0.0", Flavor::Sklearn)).unwrap();
    let reg = Registry::open("memory://").unwrap();
    let v = reg
        .clone()
        .with_reason("quarterly refit")
        .push_package(&pkg, "churn", "first")
        .unwrap();
    assert_eq!(v, 1);
    let h = reg
        .history(mlops_core::registry::Kind::Model, "churn")
        .unwrap();
    assert_eq!(h[0].reason.as_deref(), Some("quarterly refit"));
    assert_eq!(h[0].event["message"], "first");
    let back = reg
        .pull_package("churn", "1", t.path().join("out"))
        .unwrap();
    assert_eq!(back.manifest(), pkg.manifest());
    assert_eq!(
        std::fs::read(t.path().join("out/model.pkl")).unwrap(),
        b"weights"
    );
}
