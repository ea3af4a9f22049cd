//! Property tests over package manifests (`mlops-package.json`), the one
//! file of a package that arrives from elsewhere and is parsed before any
//! signature or hash is checked. Random bytes, damaged manifests and random
//! type names never panic and fail only with typed errors; valid manifests
//! written out and parsed back are equal; `check_path` accepts exactly the
//! relative, normal paths.
//!
//! Depths stay small here; the deep inputs that once aborted the process
//! run crash-isolated in `parser_limits.rs`.

use std::collections::BTreeMap;

use mlops_core::error::Error;
use mlops_core::package::{
    check_path, ColumnSpec, FileEntry, Flavor, Manifest, Signature, MAX_TYPE_DEPTH,
};
use proptest::prelude::*;
use serde_json::Value;

/// Whether a parse error is one of the kinds a manifest may fail with.
fn typed(e: &Error) -> bool {
    matches!(e, Error::Integrity(_) | Error::InvalidInput(_))
}

/// A path part: mostly plain names, sometimes the ones `check_path` refuses.
fn part() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-zA-Z0-9_é-]{1,8}(\\.[a-z]{1,4})?",
        1 => prop::sample::select(vec!["", ".", "..", "a\\b", "c:", "n\0l", " "])
            .prop_map(str::to_string),
    ]
}

fn path() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(part(), 1..4)).prop_map(|(abs, parts)| {
        let p = parts.join("/");
        if abs {
            format!("/{p}")
        } else {
            p
        }
    })
}

/// The rule `check_path` implements, written out independently.
fn path_is_normal(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.contains(['\\', ':', '\0'])
        && p.split('/').all(|c| !matches!(c, "" | "." | ".."))
}

fn hash() -> impl Strategy<Value = String> {
    "[0-9a-f]{64}"
}

/// Any JSON value, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop::num::f64::NORMAL.prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arrow_type() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Int64",
        "Float32",
        "Utf8",
        "Boolean",
        "List(Int64)",
        "Timestamp(Nanosecond, None)",
        "Dictionary(Int32, Utf8)",
    ])
    .prop_map(str::to_string)
}

fn column() -> impl Strategy<Value = ColumnSpec> {
    ("[a-z]{1,6}", arrow_type(), any::<bool>()).prop_map(|(name, data_type, nullable)| ColumnSpec {
        name,
        data_type,
        nullable,
        shape: None,
    })
}

/// Columns with distinct names, as a signature must have.
fn columns() -> impl Strategy<Value = Vec<ColumnSpec>> {
    prop::collection::vec(column(), 0..4).prop_map(|cols| {
        let mut seen = std::collections::BTreeSet::new();
        cols.into_iter()
            .filter(|c| seen.insert(c.name.clone()))
            .collect()
    })
}

/// A manifest that `check` accepts.
fn manifest() -> impl Strategy<Value = Manifest> {
    let files = prop::collection::btree_map(
        "[a-z]{1,6}(/[a-z0-9]{1,6}){0,2}\\.[a-z]{1,3}",
        (any::<u64>(), hash()),
        0..5,
    );
    let metrics = prop::collection::btree_map("[a-z_]{1,8}", prop::num::f64::NORMAL, 0..4);
    let params = prop::collection::btree_map("[a-z_]{1,8}", json(), 0..4);
    let signature = prop::option::of((columns(), columns()));
    (
        "\\PC{1,12}",
        "[0-9a-z.-]{1,10}",
        prop::sample::select(vec![Flavor::Onnx, Flavor::Sklearn, Flavor::Pytorch]),
        files,
        metrics,
        params,
        signature,
        prop::collection::vec("\\PC{0,10}", 0..3),
    )
        .prop_filter("a name that is not blank", |t| !t.0.trim().is_empty())
        .prop_map(
            |(name, version, flavor, files, metrics, params, signature, owners)| {
                let mut m = Manifest::new(&name, &version, flavor);
                m.files = files
                    .into_iter()
                    .map(|(path, (size, blake3))| FileEntry { path, size, blake3 })
                    .collect();
                m.metrics = metrics;
                m.params = params;
                m.signature = signature.map(|(inputs, outputs)| Signature {
                    inputs,
                    outputs,
                    input_example: None,
                });
                m.card.owners = owners;
                m
            },
        )
}

/// A damage to a byte string: a flipped bit, a truncation, an inserted or
/// removed byte.
#[derive(Debug, Clone)]
enum Damage {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
    Remove(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(i, b)| Damage::Flip(i, b)),
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Insert(i, b)),
        any::<usize>().prop_map(Damage::Remove),
    ]
}

fn apply(bytes: &mut Vec<u8>, d: &Damage) {
    let n = bytes.len().max(1);
    match *d {
        Damage::Flip(i, b) => {
            if !bytes.is_empty() {
                bytes[i % n] ^= 1 << b;
            }
        }
        Damage::Truncate(i) => bytes.truncate(i % n),
        Damage::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
        Damage::Remove(i) => {
            if !bytes.is_empty() {
                bytes.remove(i % n);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_parse_or_fail_typed(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = Manifest::from_bytes(&bytes) {
            prop_assert!(typed(&e), "{e:?}");
        }
    }

    #[test]
    fn valid_manifests_round_trip(m in manifest()) {
        prop_assert!(m.check().is_ok(), "{:?}", m.check());
        let back = Manifest::from_bytes(&m.to_bytes()).unwrap();
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.to_bytes(), m.to_bytes());
    }

    #[test]
    fn damaged_manifests_fail_typed_or_parse_to_a_checked_manifest(
        m in manifest(),
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let mut bytes = m.to_bytes();
        for d in &damages {
            apply(&mut bytes, d);
        }
        match Manifest::from_bytes(&bytes) {
            Err(e) => prop_assert!(typed(&e), "{e:?}"),
            // A damage that still parses (a changed letter in a name, say)
            // gives a manifest that passes its own checks and writes out
            // and reads back the same; the signature over the bytes is what
            // catches it.
            Ok(got) => {
                prop_assert!(got.check().is_ok());
                prop_assert_eq!(Manifest::from_bytes(&got.to_bytes()).unwrap(), got);
            }
        }
    }

    #[test]
    fn check_path_accepts_exactly_normal_relative_paths(p in path()) {
        prop_assert_eq!(check_path(&p).is_ok(), path_is_normal(&p), "{:?}", p);
        // A manifest listing the path is refused exactly when the path is.
        let mut m = Manifest::new("m", "1", Flavor::Onnx);
        m.files.push(FileEntry { path: p.clone(), size: 1, blake3: "0".repeat(64) });
        let listed = Manifest::from_bytes(&m.to_bytes());
        prop_assert_eq!(listed.is_ok(), path_is_normal(&p), "{:?}", p);
        if let Err(e) = listed {
            prop_assert!(matches!(e, Error::Integrity(_)), "{e:?}");
        }
    }

    #[test]
    fn hashes_must_be_lower_case_hex(h in "[0-9a-fA-FgG]{62,66}") {
        let mut m = Manifest::new("m", "1", Flavor::Onnx);
        m.files.push(FileEntry { path: "w.bin".into(), size: 1, blake3: h.clone() });
        let lower = h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        prop_assert_eq!(m.check().is_ok(), lower, "{}", h);
    }

    #[test]
    fn type_names_from_pieces_parse_or_fail_typed(
        pieces in prop::collection::vec(
            prop::sample::select(vec![
                "List(", "LargeList(", "Struct(", "Map(", "Dictionary(", "FixedSizeList(",
                ")", ", ", "Int64", "Utf8", "\"a\": ", "Timestamp(", "Second", "None",
                "Some(\"UTC\")", "3", "Field { ", " }", "nullable", "(", "[", "<",
            ]),
            0..200,
        )
    ) {
        let ty: String = pieces.concat();
        let c = ColumnSpec { name: "x".into(), data_type: ty.clone(), nullable: true, shape: None };
        match c.arrow_type() {
            Ok(_) => {}
            Err(Error::InvalidInput(m)) => prop_assert!(m.starts_with("column x: "), "{m}"),
            Err(e) => prop_assert!(false, "{ty:?}: {e:?}"),
        }
    }
}

#[test]
fn type_depth_limit_is_exact() {
    let nested = |n: usize| ColumnSpec {
        name: "x".into(),
        data_type: format!("{}Int64{}", "List(".repeat(n), ")".repeat(n)),
        nullable: true,
        shape: None,
    };
    assert!(nested(MAX_TYPE_DEPTH).arrow_type().is_ok());
    let e = nested(MAX_TYPE_DEPTH + 1).arrow_type().unwrap_err();
    assert!(
        e.to_string()
            .contains("type nested too deep at position 324"),
        "{e}"
    );
}

#[test]
fn metrics_that_are_not_finite_are_refused() {
    // JSON has no NaN, but a manifest built in code can hold one.
    let mut m = Manifest::new("m", "1", Flavor::Onnx);
    m.metrics = BTreeMap::from([("auc".to_string(), f64::NAN)]);
    let e = m.check().unwrap_err();
    assert!(
        e.to_string().contains("metric auc is not a finite number"),
        "{e}"
    );
}
