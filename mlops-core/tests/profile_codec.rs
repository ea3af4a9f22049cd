//! The profile encodings: a damaged binary profile is refused (every
//! single-bit flip), version 1 files still read, huge finite values
//! round-trip through JSON and bytes with the right moments, and profile
//! files are read only from regular files of bounded size.

use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::*;
use mlops_core::profile::{Profile, MAX_PROFILE_FILE_BYTES};
use mlops_core::Error;

fn profile_of(columns: Vec<(&str, ArrayRef)>) -> Profile {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    let mut p = Profile::new(&schema);
    p.update(&batch).unwrap();
    p
}

fn small_profile() -> Profile {
    profile_of(vec![
        (
            "x",
            Arc::new(Float64Array::from(vec![Some(1.5), None, Some(-2.0)])),
        ),
        ("s", Arc::new(StringArray::from(vec!["a", "b", "a"]))),
    ])
}

#[test]
fn every_single_bit_flip_is_refused_or_harmless() {
    let bytes = small_profile().to_bytes();
    let mut refused = 0;
    for bit in 0..bytes.len() * 8 {
        let mut b = bytes.clone();
        b[bit / 8] ^= 1 << (bit % 8);
        let got = std::panic::catch_unwind(|| Profile::from_bytes(&b))
            .unwrap_or_else(|_| panic!("decoding with bit {bit} flipped panicked"));
        match got {
            Err(Error::Integrity(_)) => refused += 1,
            Err(e) => panic!("bit {bit}: not an integrity error: {e:?}"),
            Ok(p) => assert_eq!(p.to_bytes(), bytes, "bit {bit} changed the profile"),
        }
    }
    // The hash covers every byte: no flip goes unnoticed.
    assert_eq!(refused, bytes.len() * 8);
}

#[test]
fn version_1_files_without_a_hash_still_read() {
    let p = small_profile();
    let v2 = p.to_bytes();
    assert_eq!(u16::from_le_bytes([v2[8], v2[9]]), 2);
    let mut v1 = v2[..v2.len() - 32].to_vec();
    v1[8..10].copy_from_slice(&1u16.to_le_bytes());
    let back = Profile::from_bytes(&v1).unwrap();
    assert_eq!(back.to_bytes(), v2);
    // A version 2 file cut short of its hash is refused.
    let e = Profile::from_bytes(&v2[..v2.len() - 1]).unwrap_err();
    assert!(matches!(e, Error::Integrity(_)), "{e:?}");
}

#[test]
fn huge_finite_values_round_trip_with_their_moments() {
    let big = 1.7e308;
    let p = profile_of(vec![
        (
            "both",
            Arc::new(Float64Array::from(vec![big, -big, big, -big])),
        ),
        ("same", Arc::new(Float64Array::from(vec![big; 4]))),
        ("neg", Arc::new(Float64Array::from(vec![-big; 4]))),
    ]);
    let check = |p: &Profile, how: &str| {
        let both = p.column("both").unwrap();
        assert_eq!(both.mean(), Some(0.0), "{how}");
        // The true variance, 4/3 · 1.7e308², is past f64::MAX.
        assert_eq!(both.variance(), Some(f64::INFINITY), "{how}");
        let same = p.column("same").unwrap();
        assert_eq!(same.mean(), Some(big), "{how}");
        assert_eq!(same.variance(), Some(0.0), "{how}");
        let neg = p.column("neg").unwrap();
        assert_eq!(neg.mean(), Some(-big), "{how}");
        assert_eq!(neg.variance(), Some(0.0), "{how}");
    };
    check(&p, "profiled");
    let json = p.to_json();
    let back = Profile::from_json(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    check(&back, "from JSON");
    assert_eq!(back.to_json(), json);
    let back = Profile::from_bytes(&p.to_bytes()).unwrap();
    check(&back, "from bytes");
    // Merged halves agree with the whole.
    let a = profile_of(vec![("x", Arc::new(Float64Array::from(vec![big, big])))]);
    let b = profile_of(vec![("x", Arc::new(Float64Array::from(vec![-big])))]);
    let m = a.merge(&b).unwrap();
    let x = m.column("x").unwrap();
    assert!((x.mean().unwrap() - big / 3.0).abs() <= 1e-15 * big);
    assert_eq!(x.variance(), Some(f64::INFINITY));
}

#[test]
fn profile_files_are_read_only_when_regular_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let p = small_profile();
    let bin = dir.path().join("p.bin");
    std::fs::write(&bin, p.to_bytes()).unwrap();
    assert_eq!(Profile::read_path(&bin).unwrap().to_bytes(), p.to_bytes());
    let json = dir.path().join("p.json");
    std::fs::write(&json, p.to_json()).unwrap();
    assert_eq!(Profile::read_path(&json).unwrap().to_json(), p.to_json());

    let e = Profile::read_path("/dev/zero").unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("/dev/zero") && m.contains("regular")),
        "{e:?}"
    );
    let e = Profile::read_path(dir.path()).unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    // A sparse file past the cap is refused before a byte is read.
    let huge = dir.path().join("huge.bin");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(MAX_PROFILE_FILE_BYTES + 1).unwrap();
    let e = Profile::read_path(&huge).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("larger")),
        "{e:?}"
    );
    // A damaged file names itself.
    let mut b = p.to_bytes();
    b[20] ^= 4;
    std::fs::write(&bin, b).unwrap();
    let e = Profile::read_path(&bin).unwrap_err();
    assert!(
        matches!(&e, Error::Integrity(m) if m.contains("p.bin") && m.contains("hash")),
        "{e:?}"
    );
}

/// Version 1 files carry no hash, so their decoder must itself survive any
/// damage: random flips, cuts, inserted bytes and 8-byte windows set to
/// huge counts (a length that claims 2^60 entries must not be allocated).
mod version_1_damage {
    use super::*;
    use proptest::prelude::*;

    fn v1_bytes() -> Vec<u8> {
        let v2 = small_profile().to_bytes();
        let mut v1 = v2[..v2.len() - 32].to_vec();
        v1[8..10].copy_from_slice(&1u16.to_le_bytes());
        v1
    }

    #[derive(Debug, Clone)]
    enum Damage {
        Flip(usize, u8),
        Cut(usize),
        Insert(usize, u8),
        Word(usize, u64),
    }

    fn damage() -> impl Strategy<Value = Damage> {
        prop_oneof![
            (any::<usize>(), 0u8..8).prop_map(|(i, b)| Damage::Flip(i, b)),
            any::<usize>().prop_map(Damage::Cut),
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Insert(i, b)),
            (
                any::<usize>(),
                prop::sample::select(vec![u64::MAX, 1 << 60, 1 << 40, u32::MAX as u64, 0])
            )
                .prop_map(|(i, w)| Damage::Word(i, w)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        #[test]
        fn damaged_version_1_files_decode_or_fail_typed(
            damages in prop::collection::vec(damage(), 1..4)
        ) {
            let mut b = v1_bytes();
            for d in &damages {
                let n = b.len();
                match *d {
                    Damage::Flip(i, bit) => b[i % n] ^= 1 << bit,
                    Damage::Cut(i) => b.truncate(i % n),
                    Damage::Insert(i, x) => b.insert(i % (n + 1), x),
                    Damage::Word(i, w) => {
                        if n >= 8 {
                            let at = i % (n - 7);
                            b[at..at + 8].copy_from_slice(&w.to_le_bytes());
                        }
                    }
                }
                if b.is_empty() {
                    break;
                }
            }
            let got = std::panic::catch_unwind(|| Profile::from_bytes(&b));
            prop_assert!(got.is_ok(), "decoding panicked after {damages:?}");
            match got.unwrap() {
                Ok(p) => {
                    // What decodes re-encodes and decodes to the same profile.
                    let again = Profile::from_bytes(&p.to_bytes()).unwrap();
                    prop_assert_eq!(again.to_bytes(), p.to_bytes());
                }
                Err(e) => prop_assert!(matches!(e, Error::Integrity(_)), "{e:?}"),
            }
        }
    }
}

/// The case the property test above found: a count word inside the
/// distinct-count sketch's bytes set to 2^60. The sketch library read it,
/// but wrote back bytes it could not read again.
#[test]
fn a_damaged_sketch_that_decodes_also_round_trips() {
    let v2 = small_profile().to_bytes();
    let mut b = v2[..v2.len() - 32].to_vec();
    b[8..10].copy_from_slice(&1u16.to_le_bytes());
    let at = (9_661_777_972_406_822_628u64 % (b.len() as u64 - 7)) as usize;
    b[at..at + 8].copy_from_slice(&(1u64 << 60).to_le_bytes());
    match Profile::from_bytes(&b) {
        Err(e) => assert!(matches!(e, Error::Integrity(_)), "{e:?}"),
        Ok(p) => {
            let again = Profile::from_bytes(&p.to_bytes());
            assert!(again.is_ok(), "at {at}: {again:?}");
        }
    }
}
