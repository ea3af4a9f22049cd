//! Data entering the engine: CSV batch sizes bounded by a memory budget,
//! typed errors naming the file whatever batch a fault is in, empty IPC
//! files, invalid Arrow data in IPC bytes, and duplicate column names
//! refused wherever a table enters.

use std::io::Write;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BinaryArray, Int64Array, RecordBatch, RecordBatchIterator, StringArray,
};
use arrow::datatypes::{DataType, Field, Schema};
use mlops_core::io::{csv_batch_rows, read_ipc_bytes, read_path, BATCH_ROWS, CSV_BATCH_CELLS};

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("mlops-inputs-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// The batches of a reader, or the first error as a core error.
fn batches(r: mlops_core::io::BoxReader) -> mlops_core::Result<Vec<RecordBatch>> {
    r.map(|b| b.map_err(mlops_core::Error::from)).collect()
}

#[test]
fn csv_batch_rows_shrink_with_the_column_count() {
    assert_eq!(csv_batch_rows(1), BATCH_ROWS);
    assert_eq!(csv_batch_rows(64), BATCH_ROWS);
    assert_eq!(csv_batch_rows(1000), CSV_BATCH_CELLS / 1000);
    assert_eq!(csv_batch_rows(10_000), 419);
    assert_eq!(csv_batch_rows(CSV_BATCH_CELLS * 2), 1);
    assert_eq!(csv_batch_rows(0), BATCH_ROWS);
}

#[test]
fn a_wide_csv_is_read_in_smaller_batches() {
    // 1,000 columns × 5,000 rows: 4,194 rows per batch, so two batches
    // (one batch of 65,536 rows × 1,000 columns of offsets before).
    let columns = 1000;
    let path = tmp("wide-rows.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let header: Vec<String> = (0..columns).map(|c| format!("c{c}")).collect();
    writeln!(f, "{}", header.join(",")).unwrap();
    let row = vec!["1"; columns].join(",");
    for _ in 0..5000 {
        writeln!(f, "{row}").unwrap();
    }
    drop(f);
    let b = batches(read_path(&path).unwrap()).unwrap();
    let rows: Vec<usize> = b.iter().map(|b| b.num_rows()).collect();
    assert_eq!(rows, vec![4194, 806]);
}

/// How much address space a child may take (`ulimit -v`, in KiB): 4 GiB,
/// room for the test binary, its threads and malloc's arenas, and far less
/// than the 10 GB the wide CSV once took, so that regression fails the
/// child on any machine instead of passing where memory is plentiful.
const CHILD_ADDRESS_SPACE_KIB: u64 = 4 << 20;

/// Runs test `name` of this binary again in a child process, with
/// `MLOPS_INPUTS_CHILD` set and its address space capped: a case that could
/// exhaust memory kills the child (failing the test), not the whole suite.
fn in_child(name: &str) {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {CHILD_ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(std::env::current_exe().unwrap())
        .args([name, "--exact", "--test-threads=1"])
        .env("MLOPS_INPUTS_CHILD", name)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {name}: {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether this process is the child running test `name`.
fn is_child(name: &str) -> bool {
    std::env::var("MLOPS_INPUTS_CHILD").as_deref() == Ok(name)
}

#[test]
fn a_csv_of_ten_thousand_columns_and_one_row_profiles() {
    const NAME: &str = "a_csv_of_ten_thousand_columns_and_one_row_profiles";
    if !is_child(NAME) {
        return in_child(NAME);
    }
    // 105 KB that used to take 10 GB: the decoder's offsets for 65,536 rows.
    let columns = 10_000;
    let path = tmp("wide.csv");
    let header: Vec<String> = (0..columns).map(|c| format!("c{c}")).collect();
    let row: Vec<String> = (0..columns).map(|c| c.to_string()).collect();
    std::fs::write(&path, format!("{}\n{}\n", header.join(","), row.join(","))).unwrap();
    let p = mlops_core::profile_path(&path).unwrap();
    assert_eq!(p.row_count(), 1);
    assert_eq!(p.columns().len(), columns);
    let last = p.column("c9999").unwrap();
    assert_eq!((last.count(), last.mean()), (1, Some(9999.0)));
}

#[test]
fn a_csv_fault_is_invalid_input_naming_the_file_and_line_in_any_batch() {
    // Within the rows read to infer the schema: found while opening.
    let early = tmp("early.csv");
    std::fs::write(&early, "x\n1\n2\n1,2\n3\n").unwrap();
    let e = match read_path(&early) {
        Err(e) => e,
        Ok(r) => batches(r).unwrap_err(),
    };
    assert_eq!(e.code(), "INVALID_INPUT", "{e}");
    assert!(e.to_string().contains("early.csv"), "{e}");
    // Past them (and past the first batch): found while reading batches.
    let late = tmp("late.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&late).unwrap());
    writeln!(f, "x").unwrap();
    for i in 0..mlops_core::io::CSV_INFER_ROWS + 10 {
        writeln!(f, "{i}").unwrap();
    }
    writeln!(f, "1,2").unwrap();
    drop(f);
    let e = batches(read_path(&late).unwrap()).unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT", "{e}");
    let msg = e.to_string();
    assert!(msg.contains("late.csv"), "{msg}");
    assert!(msg.contains("line"), "{msg}");
    // The same through the profile.
    let e = mlops_core::profile_path(&late).unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT", "{e}");
}

#[test]
fn an_empty_arrow_file_is_invalid_input_naming_the_file() {
    for name in ["empty.arrow", "empty.arrows", "empty.feather"] {
        let path = tmp(name);
        std::fs::write(&path, b"").unwrap();
        let e = read_path(&path).err().expect("refused");
        assert_eq!(e.code(), "INVALID_INPUT", "{e}");
        let msg = e.to_string();
        assert!(msg.contains(name) && msg.contains("empty"), "{msg}");
    }
    let path = tmp("text.arrow");
    std::fs::write(&path, b"not an arrow file at all").unwrap();
    let e = read_path(&path).err().expect("refused");
    assert!(e.to_string().contains("not an Arrow IPC file"), "{e}");
    let e = read_ipc_bytes(Vec::new()).err().expect("refused");
    assert_eq!(e.code(), "INVALID_INPUT", "{e}");
}

/// Arrow IPC stream bytes of `batch`.
fn ipc(batch: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut out, &batch.schema()).unwrap();
    w.write(batch).unwrap();
    w.finish().unwrap();
    drop(w);
    out
}

/// IPC bytes whose `Utf8` column `s` holds `\xff` (invalid UTF-8): a
/// marker value written as a string, then one of its bytes overwritten.
fn invalid_utf8_ipc() -> Vec<u8> {
    const MARK: &[u8] = b"mlops-marker-value";
    let good = RecordBatch::try_from_iter([(
        "s",
        Arc::new(StringArray::from(vec![
            "a",
            std::str::from_utf8(MARK).unwrap(),
        ])) as ArrayRef,
    )])
    .unwrap();
    let mut bytes = ipc(&good);
    let at = bytes
        .windows(MARK.len())
        .position(|w| w == MARK)
        .expect("the marker is in the bytes");
    bytes[at] = 0xff;
    bytes
}

#[test]
fn invalid_utf8_in_ipc_bytes_is_invalid_input_naming_the_column() {
    let bytes = invalid_utf8_ipc();
    let e = batches(read_ipc_bytes(bytes.clone()).unwrap()).unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT", "{e}");
    assert!(e.to_string().contains("column 's'"), "{e}");
    let e = mlops_core::profile(read_ipc_bytes(bytes).unwrap()).unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT", "{e}");
}

#[test]
fn invalid_utf8_in_memory_is_refused_by_the_validating_reader() {
    // What the C data interface hands over: a string array never validated.
    let data = BinaryArray::from(vec![&b"ok"[..], &b"\xff"[..]]).into_data();
    let data = unsafe {
        data.into_builder()
            .data_type(DataType::Utf8)
            .build_unchecked()
    };
    let strings = arrow::array::make_array(data);
    let list = arrow::array::ListArray::new(
        Arc::new(Field::new_list_field(DataType::Utf8, true)),
        arrow::buffer::OffsetBuffer::from_lengths([2]),
        strings,
        None,
    );
    let batch = RecordBatch::try_from_iter([
        ("n", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
        ("tags", Arc::new(list) as ArrayRef),
    ])
    .unwrap();
    let schema = batch.schema();
    let r = mlops_core::table::validated(RecordBatchIterator::new(vec![Ok(batch)], schema));
    let e = mlops_core::profile(r).unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT", "{e}");
    assert!(e.to_string().contains("column 'tags'"), "{e}");
}

fn duplicated() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("x", DataType::Int64, true),
        Field::new("x", DataType::Int64, true),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(vec![1, 2])),
            Arc::new(Int64Array::from(vec![None, None])),
        ],
    )
    .unwrap()
}

fn one(b: RecordBatch) -> impl arrow::record_batch::RecordBatchReader {
    let schema = b.schema();
    RecordBatchIterator::new(vec![Ok(b)], schema)
}

fn assert_duplicate(e: mlops_core::Error) {
    assert_eq!(e.code(), "SCHEMA_MISMATCH", "{e}");
    assert!(e.to_string().contains("'x'"), "{e}");
}

#[test]
fn duplicate_column_names_are_refused_wherever_a_table_enters() {
    // The second `x` is all null: a not-null check on `x` used to pass.
    assert_duplicate(mlops_core::profile(one(duplicated())).unwrap_err());
    let suite = mlops_core::validate::Suite::from_yaml(
        "name: s\nchecks:\n  - check: not_null\n    column: x\n",
    )
    .unwrap();
    let opts = mlops_core::validate::ValidateOptions::default();
    assert_duplicate(mlops_core::validate::validate(&suite, one(duplicated()), &opts).unwrap_err());
    assert_duplicate(
        mlops_core::validate::validate_batches(&suite, &[duplicated()], &opts).unwrap_err(),
    );
    let d = mlops_core::drift::DriftOptions::default();
    assert_duplicate(mlops_core::drift::drift(&[duplicated()], &[duplicated()], &d).unwrap_err());
    // From a file: a CSV header naming `x` twice.
    let path = tmp("dup.csv");
    std::fs::write(&path, "x,x\n1,\n2,\n").unwrap();
    assert_duplicate(mlops_core::profile_path(&path).unwrap_err());
    assert_duplicate(mlops_core::validate::validate_path(&suite, &path, &opts).unwrap_err());
    assert_eq!(duplicated().column(1).null_count(), 2);
}
