//! Data set versions written from a cluster: parts written by separate
//! handles on one store (as workers would) and committed as one version
//! read back whole, with the merged profile; a bad receipt leaves no version.

use std::sync::Arc;

use arrow::array::{Float64Array, Int64Array, RecordBatch, RecordBatchIterator};
use arrow::compute::concat_batches;
use mlops_core::dataset::DatasetPart;
use mlops_core::registry::{Kind, Registry};
use mlops_core::Error;

fn part(start: i64, n: i64) -> RecordBatch {
    let id = Int64Array::from((start..start + n).collect::<Vec<_>>());
    let x: Float64Array = (start..start + n).map(|i| Some(i as f64 * 0.5)).collect();
    RecordBatch::try_from_iter([("id", Arc::new(id) as _), ("x", Arc::new(x) as _)]).unwrap()
}

fn reader(b: RecordBatch) -> impl arrow::record_batch::RecordBatchReader {
    let schema = b.schema();
    RecordBatchIterator::new(vec![Ok(b)], schema)
}

fn store() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("store").to_string_lossy().into_owned();
    (dir, url)
}

#[path = "support/stores.rs"]
mod stores;

#[test]
fn parts_written_by_workers_commit_as_one_version_read_back_whole() {
    // On a folder, and on each cloud test server scripts/test.sh starts (S3,
    // Azure, GCS): where the Spark, Dask and Ray adapters' workers write.
    for s in stores::stores("parts") {
        parts_commit_and_read_back(&s.url);
    }
}

fn parts_commit_and_read_back(url: &str) {
    let url = url.to_string();
    // Each "worker" opens the store itself and sends back a receipt as bytes.
    let receipts: Vec<Vec<u8>> = [(0, 100), (100, 50), (150, 0), (150, 75)]
        .into_iter()
        .map(|(s, n)| {
            let worker = Registry::open(&url).unwrap();
            worker
                .write_dataset_part("events", reader(part(s, n)))
                .unwrap()
                .to_bytes()
        })
        .collect();
    let parts: Vec<DatasetPart> = receipts
        .iter()
        .map(|b| DatasetPart::from_bytes(b).unwrap())
        .collect();
    let driver = Registry::open(&url).unwrap();
    let v = driver
        .commit_dataset_parts("events", &parts, "from the cluster", serde_json::json!({}))
        .unwrap();
    assert_eq!(v, 1);
    let (schema, batches) = driver.read_dataset("events", "latest", None).unwrap();
    let got = concat_batches(&schema, &batches).unwrap();
    let want = concat_batches(
        &part(0, 0).schema(),
        &[part(0, 100), part(100, 50), part(150, 75)],
    )
    .unwrap();
    assert_eq!(got, want);
    let info = driver
        .version(Kind::Dataset, "events", "1")
        .unwrap()
        .dataset
        .unwrap();
    assert_eq!((info.rows, info.format.as_str()), (225, "parquet-parts"));
    let p = driver.dataset_profile("events", "1").unwrap();
    assert_eq!(
        (p.row_count(), p.column("x").unwrap().mean()),
        (225, Some(56.0))
    );
    // One column, and the parts one by one.
    let (_, xs) = driver.read_dataset("events", "1", Some(&["x"])).unwrap();
    assert_eq!(xs.iter().map(|b| b.num_columns()).max(), Some(1));
    let listed = driver.dataset_parts("events", "1").unwrap();
    assert_eq!(listed, parts);
    let (_, one) = driver.read_dataset_part(&listed[1], None).unwrap();
    assert_eq!(one.iter().map(|b| b.num_rows()).sum::<usize>(), 50);
}

#[test]
fn a_bad_receipt_is_refused_naming_the_part_and_leaves_no_version() {
    let (_d, url) = store();
    let (_d2, other_url) = store();
    let r = Registry::open(&url).unwrap();
    let good = r.write_dataset_part("events", reader(part(0, 10))).unwrap();
    // A part written to another store.
    let elsewhere = Registry::open(&other_url)
        .unwrap()
        .write_dataset_part("events", reader(part(10, 10)))
        .unwrap();
    let err = r
        .commit_dataset_parts(
            "events",
            &[good.clone(), elsewhere],
            "",
            serde_json::json!({}),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotFound(m) if m.starts_with("parts[1]")),
        "{err}"
    );
    // A receipt whose size was changed.
    let mut lying = good.clone();
    lying.size += 1;
    let err = r
        .commit_dataset_parts("events", &[good.clone(), lying], "", serde_json::json!({}))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Integrity(m) if m.starts_with("parts[1]")),
        "{err}"
    );
    // A part of other columns.
    let b = RecordBatch::try_from_iter([("y", Arc::new(Int64Array::from(vec![1])) as _)]).unwrap();
    let odd = r.write_dataset_part("events", reader(b)).unwrap();
    let err = r
        .commit_dataset_parts("events", &[good.clone(), odd], "", serde_json::json!({}))
        .unwrap_err();
    assert!(
        matches!(&err, Error::SchemaMismatch(m) if m.contains("parts[1]")),
        "{err}"
    );
    let err = r
        .commit_dataset_parts("events", &[], "", serde_json::json!({}))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    // None of them wrote a version.
    assert!(matches!(
        r.asset(Kind::Dataset, "events"),
        Err(Error::NotFound(_))
    ));
    assert!(DatasetPart::from_bytes(b"{\"content\": 1}").is_err());
}

#[test]
fn verify_reads_every_part_and_a_damaged_part_is_not_served() {
    let (_d, url) = store();
    let r = Registry::open(&url).unwrap();
    let parts: Vec<DatasetPart> = [(0, 100), (100, 100)]
        .into_iter()
        .map(|(s, n)| r.write_dataset_part("events", reader(part(s, n))).unwrap())
        .collect();
    r.commit_dataset_parts("events", &parts, "", serde_json::json!({}))
        .unwrap();
    assert!(r.verify(Kind::Dataset, "events").is_ok());
    // Damage one chunk of the second part (chunks are files named by their hash).
    let root = std::path::Path::new(&url);
    let chunk = r.store().manifest(&parts[1].content).unwrap().chunks[0]
        .0
        .to_string();
    let path = walk(root)
        .into_iter()
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&chunk))
        })
        .expect("the chunk's file");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    std::fs::write(&path, bytes).unwrap();
    let err = r.verify(Kind::Dataset, "events").unwrap_err();
    assert!(
        matches!(&err, Error::Integrity(m) if m.contains("parts[1]")),
        "{err}"
    );
    let err = r.read_dataset("events", "1", None).unwrap_err();
    assert!(matches!(err, Error::Integrity(_)), "{err}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
