//! Every Arrow type pandas, polars or Parquet produce is profiled, with the
//! values numpy would give; bad input gets typed errors naming the column or
//! file.

use std::sync::Arc;

use arrow::array::*;
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::*;
use mlops_core::profile::{Profile, Scalar, SemanticType, ValueKind};
use mlops_core::Error;

fn profile_one(name: &str, array: ArrayRef) -> Profile {
    let schema = Arc::new(Schema::new(vec![Field::new(
        name,
        array.data_type().clone(),
        true,
    )]));
    let batch = RecordBatch::try_new(schema.clone(), vec![array]).unwrap();
    let mut p = Profile::new(&schema);
    p.update(&batch).unwrap();
    p
}

#[test]
fn integer_and_float_widths_agree() {
    let expect = |p: &Profile| {
        let c = &p.columns()[0];
        assert_eq!((c.count(), c.null_count()), (4, 1), "{}", c.data_type());
        assert_eq!(c.mean(), Some(2.0), "{}", c.data_type());
        assert_eq!(c.variance(), Some(1.0), "{}", c.data_type());
        assert_eq!(c.quantile(0.5), Some(2.0));
        assert_eq!(c.kind(), ValueKind::Numeric);
    };
    let v = [Some(1), None, Some(2), Some(3)];
    expect(&profile_one(
        "a",
        Arc::new(Int8Array::from(v.map(|x| x.map(|x| x as i8)).to_vec())),
    ));
    expect(&profile_one(
        "a",
        Arc::new(Int16Array::from(v.map(|x| x.map(|x| x as i16)).to_vec())),
    ));
    expect(&profile_one("a", Arc::new(Int32Array::from(v.to_vec()))));
    expect(&profile_one(
        "a",
        Arc::new(Int64Array::from(v.map(|x| x.map(|x| x as i64)).to_vec())),
    ));
    expect(&profile_one(
        "a",
        Arc::new(UInt8Array::from(v.map(|x| x.map(|x| x as u8)).to_vec())),
    ));
    expect(&profile_one(
        "a",
        Arc::new(UInt16Array::from(v.map(|x| x.map(|x| x as u16)).to_vec())),
    ));
    expect(&profile_one(
        "a",
        Arc::new(UInt32Array::from(v.map(|x| x.map(|x| x as u32)).to_vec())),
    ));
    expect(&profile_one(
        "a",
        Arc::new(UInt64Array::from(v.map(|x| x.map(|x| x as u64)).to_vec())),
    ));
    expect(&profile_one(
        "a",
        Arc::new(Float32Array::from(v.map(|x| x.map(|x| x as f32)).to_vec())),
    ));
    expect(&profile_one(
        "a",
        Arc::new(Float64Array::from(v.map(|x| x.map(|x| x as f64)).to_vec())),
    ));
    let h: Float16Array = v
        .iter()
        .map(|x| x.map(|x| half::f16::from_f64(x as f64)))
        .collect();
    expect(&profile_one("a", Arc::new(h)));
    let d = Decimal128Array::from(v.map(|x| x.map(|x| x as i128 * 100)).to_vec())
        .with_precision_and_scale(10, 2)
        .unwrap();
    expect(&profile_one("a", Arc::new(d)));
    let d = Decimal256Array::from(
        v.map(|x| x.map(|x| i256::from_i128(x as i128 * 1000)))
            .to_vec(),
    )
    .with_precision_and_scale(40, 3)
    .unwrap();
    expect(&profile_one("a", Arc::new(d)));
}

#[test]
fn integers_keep_exact_min_max() {
    let p = profile_one(
        "a",
        Arc::new(Int64Array::from(vec![i64::MAX, i64::MIN + 1, 0])),
    );
    let c = &p.columns()[0];
    assert_eq!(c.min(), Some(&Scalar::Int(i64::MIN + 1)));
    assert_eq!(c.max(), Some(&Scalar::Int(i64::MAX)));
}

#[test]
fn strings_of_every_layout_agree() {
    let v = vec![Some("b"), None, Some(""), Some("ß€"), Some("b")];
    let check = |p: &Profile| {
        let c = &p.columns()[0];
        assert_eq!((c.count(), c.null_count()), (5, 1), "{}", c.data_type());
        assert_eq!(c.min(), Some(&Scalar::Str("".into())));
        assert_eq!(c.max(), Some(&Scalar::Str("ß€".into())));
        assert_eq!(
            (c.length_min(), c.length_max(), c.length_mean()),
            (Some(0), Some(2), Some(1.0))
        );
        assert_eq!(c.top_k(1)[0].value, Scalar::Str("b".into()));
        assert_eq!(c.top_k(1)[0].count, 2);
        assert!((c.distinct_estimate().unwrap() - 3.0).abs() < 0.01);
        assert_eq!(c.kind(), ValueKind::String);
    };
    check(&profile_one("s", Arc::new(StringArray::from(v.clone()))));
    check(&profile_one(
        "s",
        Arc::new(LargeStringArray::from(v.clone())),
    ));
    check(&profile_one(
        "s",
        Arc::new(StringViewArray::from(v.clone())),
    ));
    let dict: DictionaryArray<Int32Type> = v.iter().copied().collect();
    check(&profile_one("s", Arc::new(dict)));
    let dict: DictionaryArray<UInt8Type> = v.iter().copied().collect();
    check(&profile_one("s", Arc::new(dict)));
}

#[test]
fn dictionary_of_numbers_is_numeric() {
    let keys = Int8Array::from(vec![Some(0), Some(1), None, Some(1)]);
    let values = Arc::new(Float64Array::from(vec![1.5, 2.5]));
    let d = DictionaryArray::try_new(keys, values).unwrap();
    let p = profile_one("d", Arc::new(d));
    let c = &p.columns()[0];
    assert_eq!((c.count(), c.null_count()), (4, 1));
    assert!((c.mean().unwrap() - 13.0 / 6.0).abs() < 1e-12);
}

#[test]
fn booleans_count_trues() {
    let p = profile_one(
        "b",
        Arc::new(BooleanArray::from(vec![
            Some(true),
            None,
            Some(false),
            Some(true),
        ])),
    );
    let c = &p.columns()[0];
    assert_eq!((c.count(), c.null_count(), c.true_count()), (4, 1, 2));
    assert!((c.mean().unwrap() - 2.0 / 3.0).abs() < 1e-15);
    assert!((c.variance().unwrap() - 1.0 / 3.0).abs() < 1e-15);
    assert_eq!(c.semantic_type(), SemanticType::Boolean);
    assert_eq!(c.top_k(1)[0].value, Scalar::Bool(true));
}

#[test]
fn temporal_types_profile_in_their_unit() {
    let cases: Vec<ArrayRef> = vec![
        Arc::new(Date32Array::from(vec![Some(1), None, Some(3)])),
        Arc::new(Date64Array::from(vec![Some(1), None, Some(3)])),
        Arc::new(Time32SecondArray::from(vec![Some(1), None, Some(3)])),
        Arc::new(Time64NanosecondArray::from(vec![Some(1), None, Some(3)])),
        Arc::new(TimestampMillisecondArray::from(vec![
            Some(1),
            None,
            Some(3),
        ])),
        Arc::new(
            TimestampMicrosecondArray::from(vec![Some(1), None, Some(3)]).with_timezone("UTC"),
        ),
        Arc::new(
            TimestampNanosecondArray::from(vec![Some(1), None, Some(3)]).with_timezone("+02:00"),
        ),
        Arc::new(DurationSecondArray::from(vec![Some(1), None, Some(3)])),
    ];
    for a in cases {
        let dt = a.data_type().clone();
        let p = profile_one("t", a);
        let c = &p.columns()[0];
        assert_eq!(c.kind(), ValueKind::Temporal, "{dt}");
        assert_eq!(c.semantic_type(), SemanticType::Datetime);
        assert_eq!((c.count(), c.null_count()), (3, 1), "{dt}");
        assert_eq!(
            (c.min(), c.max()),
            (Some(&Scalar::Int(1)), Some(&Scalar::Int(3))),
            "{dt}"
        );
        assert_eq!(c.mean(), Some(2.0));
    }
}

#[test]
fn binary_and_nested_are_counted() {
    let b = BinaryArray::from(vec![Some(&b"ab"[..]), None, Some(&b"abcd"[..])]);
    let p = profile_one("b", Arc::new(b));
    let c = &p.columns()[0];
    assert_eq!(
        (c.count(), c.null_count(), c.length_mean()),
        (3, 1, Some(3.0))
    );
    assert_eq!(c.semantic_type(), SemanticType::Other);
    let fsb = FixedSizeBinaryArray::try_from_sparse_iter_with_size(
        vec![Some(vec![1u8, 2]), None].into_iter(),
        2,
    )
    .unwrap();
    assert_eq!(profile_one("f", Arc::new(fsb)).columns()[0].null_count(), 1);

    let list = ListArray::new(
        Arc::new(Field::new_list_field(DataType::Int64, true)),
        OffsetBuffer::from_lengths([2, 0, 1]),
        Arc::new(Int64Array::from(vec![1, 2, 3])),
        Some(vec![true, false, true].into()),
    );
    let p = profile_one("l", Arc::new(list));
    let c = &p.columns()[0];
    assert_eq!(
        (c.count(), c.null_count(), c.kind()),
        (3, 1, ValueKind::Nested)
    );
    let s = StructArray::new(
        vec![Field::new("x", DataType::Int32, true)].into(),
        vec![Arc::new(Int32Array::from(vec![1, 2]))],
        Some(vec![true, false].into()),
    );
    let p = profile_one("s", Arc::new(s));
    assert_eq!(p.columns()[0].null_count(), 1);
}

#[test]
fn null_type_and_empty_columns_are_defined() {
    let p = profile_one("n", Arc::new(NullArray::new(3)));
    let c = &p.columns()[0];
    assert_eq!(
        (c.count(), c.null_count(), c.mean(), c.quantile(0.5)),
        (3, 3, None, None)
    );
    assert_eq!(c.histogram(10).unwrap(), None);
    let p = profile_one("e", Arc::new(Float64Array::from(Vec::<f64>::new())));
    assert_eq!(p.columns()[0].count(), 0);
    assert_eq!(p.row_count(), 0);
}

#[test]
fn uint64_beyond_i64_is_an_error_naming_the_column() {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "big",
        DataType::UInt64,
        false,
    )]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(UInt64Array::from(vec![u64::MAX]))],
    )
    .unwrap();
    let mut p = Profile::new(&schema);
    let e = p.update(&batch).unwrap_err();
    assert!(
        matches!(e, Error::Unsupported(ref m) if m.contains("'big'")),
        "{e}"
    );
    // nothing half-applied
    assert_eq!(p.row_count(), 0);
    assert_eq!(p.columns()[0].count(), 0);
}

#[test]
fn batch_of_another_schema_is_refused() {
    let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
    let mut p = Profile::new(&schema);
    let other = Arc::new(Schema::new(vec![Field::new("x", DataType::Utf8, false)]));
    let batch = RecordBatch::try_new(other, vec![Arc::new(StringArray::from(vec!["a"]))]).unwrap();
    let e = p.update(&batch).unwrap_err();
    assert!(
        matches!(e, Error::SchemaMismatch(ref m) if m.contains("'x'")),
        "{e}"
    );
    assert_eq!(e.code(), "SCHEMA_MISMATCH");
}

#[test]
fn histogram_bins_are_capped() {
    use mlops_core::profile::MAX_HISTOGRAM_BINS;
    let p = profile_one("h", Arc::new(Float64Array::from(vec![0.0, 1.0, 2.0])));
    let c = &p.columns()[0];
    // 3 * 10**8 bins used to allocate gigabytes and abort (the Python test
    // tries that many in a child process).
    for bins in [0, MAX_HISTOGRAM_BINS + 1] {
        let e = c.histogram(bins).unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT", "{bins}");
        assert!(e.to_string().contains("bins"), "{e}");
    }
    let h = c.histogram(MAX_HISTOGRAM_BINS).unwrap().unwrap();
    assert_eq!(h.counts.iter().sum::<u64>(), 3);
    assert_eq!(h.edges.len(), MAX_HISTOGRAM_BINS + 1);
}

#[test]
fn histogram_counts_every_finite_value() {
    let p = profile_one(
        "h",
        Arc::new(Float64Array::from(
            (0..100).map(|i| i as f64).collect::<Vec<_>>(),
        )),
    );
    let h = p.columns()[0].histogram(10).unwrap().unwrap();
    assert_eq!(h.counts, vec![10; 10]);
    assert_eq!(h.edges.first(), Some(&0.0));
    assert_eq!(h.edges.last(), Some(&99.0));
    let p = profile_one("c", Arc::new(Float64Array::from(vec![2.0; 5])));
    assert_eq!(
        p.columns()[0].histogram(10).unwrap().unwrap().counts,
        vec![5]
    );
}

#[test]
fn file_errors_name_the_file() {
    let dir = std::env::temp_dir().join(format!("mlops-core-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.parquet");
    let e = mlops_core::profile_path(&missing).unwrap_err();
    assert!(
        matches!(e, Error::NotFound(ref m) if m.contains("missing.parquet")),
        "{e}"
    );

    let corrupt = dir.join("corrupt.parquet");
    std::fs::write(&corrupt, b"PAR1 but not really").unwrap();
    let e = mlops_core::profile_path(&corrupt).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref m) if m.contains("corrupt.parquet")),
        "{e}"
    );

    let e = mlops_core::profile_path(dir.join("x.xlsx")).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref m) if m.contains("x.xlsx")),
        "{e}"
    );

    let csv = dir.join("data.csv");
    std::fs::write(&csv, "a,b\n1,x\n2,y\n3,\n").unwrap();
    let p = mlops_core::profile_path(&csv).unwrap();
    assert_eq!(p.column("a").unwrap().mean(), Some(2.0));
    assert_eq!(p.column("b").unwrap().null_count(), 1);

    let e = mlops_core::io::read_ipc_bytes(b"definitely not arrow".to_vec())
        .err()
        .unwrap();
    assert!(matches!(e, Error::InvalidInput(_)), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn newer_or_corrupt_encodings_are_refused() {
    let p = profile_one("x", Arc::new(Float64Array::from(vec![1.0, 2.0])));
    let mut b = p.to_bytes();
    b[8] = 9;
    let e = Profile::from_bytes(&b).unwrap_err();
    assert!(
        matches!(e, Error::Integrity(ref m) if m.contains("newer")),
        "{e}"
    );
    let good = p.to_bytes();
    for cut in [0, 5, 12, good.len() / 2, good.len() - 1] {
        assert!(
            matches!(Profile::from_bytes(&good[..cut]), Err(Error::Integrity(_))),
            "cut {cut}"
        );
    }
    let mut j = p.to_json_value();
    j["version"] = 3.into();
    let e = Profile::from_json(&j.to_string()).unwrap_err();
    assert!(
        matches!(e, Error::Integrity(ref m) if m.contains("newer")),
        "{e}"
    );
    let e = Profile::from_json("{\"format\": \"something else\"}").unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e}");
}

#[test]
fn parquet_strings_read_as_dictionaries_profile_as_strings() {
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;
    // "few": 7 distinct values and nulls, dictionary-encoded in every page;
    // "many": 30,000 distinct values, which outgrow a small dictionary page
    // and fall back to plain pages, so they are read as plain strings.
    let rows = 30_000;
    let few: StringArray = (0..rows)
        .map(|i| (i % 11 != 0).then(|| format!("v{}", i % 7)))
        .collect();
    let many: StringArray = (0..rows).map(|i| Some(format!("id-{i:06}"))).collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("few", DataType::Utf8, true),
        Field::new("many", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(few), Arc::new(many)]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("strings.parquet");
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(8_000))
        .set_dictionary_page_size_limit(4_096)
        .build();
    let mut w = ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        schema.clone(),
        Some(props),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();

    let parts = mlops_core::io::parquet_partitions(&path, 2, true).unwrap();
    assert_eq!(parts.schema, schema);
    let first = parts
        .readers
        .into_iter()
        .next()
        .unwrap()
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert!(matches!(
        first.column(0).data_type(),
        DataType::Dictionary(..)
    ));
    assert_eq!(first.column(1).data_type(), &DataType::Utf8);

    let from_file = mlops_core::profile_path(&path).unwrap();
    let mut from_batch = Profile::new(&schema);
    from_batch.update(&batch).unwrap();
    for name in ["few", "many"] {
        let (f, b) = (
            from_file.column(name).unwrap(),
            from_batch.column(name).unwrap(),
        );
        assert_eq!(f.data_type(), "Utf8", "{name}");
        assert_eq!(
            (f.count(), f.null_count()),
            (b.count(), b.null_count()),
            "{name}"
        );
        assert_eq!((f.min(), f.max()), (b.min(), b.max()), "{name}");
        let lengths = |c: &mlops_core::profile::ColumnProfile| {
            (c.length_min(), c.length_mean(), c.length_max())
        };
        assert_eq!(lengths(f), lengths(b), "{name}");
        assert_eq!(f.top_k(10), b.top_k(10), "{name}");
    }
    let few = from_file.column("few").unwrap();
    assert_eq!(few.distinct_estimate().map(f64::round), Some(7.0));
    let top = few.top_k(10);
    assert_eq!(top.len(), 7);
    for t in &top {
        let v = t.value.to_string();
        let want = (0..rows)
            .filter(|i| i % 11 != 0 && format!("v{}", i % 7) == v)
            .count();
        assert_eq!(t.count, want as u64, "{v}");
    }
}
