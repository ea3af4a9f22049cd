//! Runs to and from other trackers: TensorBoard event files (export,
//! import, framing damage) and MLflow tracking stores (an `mlruns` folder
//! and a SQLite database, both made here in MLflow's layout). The Python
//! tests check the same against the real TensorBoard and MLflow.

#![cfg(feature = "interop")]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    Array, AsArray, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::TimestampMicrosecondType;
use arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema, TimeUnit};
use mlops_core::registry::Registry;
use mlops_core::runs::{
    HistoryOptions, ImportMlflow, ImportTensorboard, RunStatus, StartRun, IMPORTED_FROM_TAG,
    MLFLOW_EXPERIMENT_TAG,
};
use mlops_core::Error;

/// (step, time µs, value, context) of a series, ordered.
fn points(r: &Registry, id: &str, key: &str) -> Vec<(i64, i64, f64, Option<String>)> {
    let h = r.run_history(id, key, &HistoryOptions::default()).unwrap();
    let s = h.column(0).as_primitive::<Int64Type>();
    let t = h.column(1).as_primitive::<TimestampMicrosecondType>();
    let v = h.column(2).as_primitive::<Float64Type>();
    let c = h.column(3).as_string::<i32>();
    (0..h.num_rows())
        .map(|i| {
            (
                s.value(i),
                t.value(i),
                v.value(i),
                c.is_valid(i).then(|| c.value(i).to_string()),
            )
        })
        .collect()
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// A finished run with points at given times: loss (no context, repeated
/// and unordered steps, NaN, ±inf, a value beyond f32), acc in two contexts.
fn sample_run(r: &Registry) -> String {
    let run = r
        .start_run(StartRun {
            experiment: Some("tb".into()),
            ..Default::default()
        })
        .unwrap();
    let rows: Vec<(&str, Option<&str>, i64, i64, f64)> = vec![
        ("loss", None, 2, 1_700_000_000_000_002, 0.5),
        ("loss", None, 1, 1_700_000_000_000_001, 1.0 / 3.0),
        ("loss", None, 1, 1_700_000_000_500_000, 0.25),
        ("loss", None, 3, 1_700_000_001_000_000, f64::NAN),
        ("loss", None, 4, 1_700_000_002_000_000, f64::INFINITY),
        ("loss", None, 5, 1_700_000_003_000_000, f64::NEG_INFINITY),
        ("loss", None, 6, 1_700_000_004_123_456, 1e300),
        ("acc", Some("subset=train"), 1, 1_700_000_000_000_000, 0.9),
        ("acc", Some("subset=val"), 1, 1_700_000_000_000_000, 0.8),
        ("acc", Some("subset=val"), -7, 1_700_000_000_000_000, 0.7),
    ];
    let schema = Arc::new(Schema::new(vec![
        Field::new("key", DataType::Utf8, false),
        Field::new("context", DataType::Utf8, true),
        Field::new("step", DataType::Int64, false),
        Field::new(
            "time",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        Field::new("value", DataType::Float64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringArray::from_iter(rows.iter().map(|r| r.1))),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.2))),
            Arc::new(TimestampMicrosecondArray::from_iter_values(
                rows.iter().map(|r| r.3),
            )),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.4))),
        ],
    )
    .unwrap();
    run.log_table(&batch).unwrap();
    run.end(RunStatus::Finished, None).unwrap();
    run.id().to_string()
}

#[test]
fn a_run_exported_to_tensorboard_imports_back_with_f32_values() {
    let r = Registry::open("memory://").unwrap();
    let id = sample_run(&r);
    let dir = tempfile::tempdir().unwrap();
    let files = r.export_run_tensorboard(&id, dir.path()).unwrap();
    let rel: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(dir.path())
                .unwrap()
                .parent()
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(rel, vec!["", "subset=train", "subset=val"]);
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("events.out.tfevents."), "{name}");
    }
    // Exporting again would overwrite: refused, naming the file.
    let e = r.export_run_tensorboard(&id, dir.path()).unwrap_err();
    assert!(matches!(e, Error::AlreadyExists(_)), "{e}");
    assert!(e.to_string().contains("events.out.tfevents."), "{e}");

    let back = r
        .import_tensorboard(
            dir.path(),
            &ImportTensorboard {
                experiment: Some("imported".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let info = r.run(&back).unwrap();
    assert_eq!(info.experiment, "imported");
    assert_eq!(info.status, RunStatus::Finished);
    assert_eq!(
        info.tags[IMPORTED_FROM_TAG],
        format!("tensorboard:{}", dir.path().display())
    );
    for key in ["loss", "acc"] {
        let want = points(&r, &id, key);
        let got = points(&r, &back, key);
        assert_eq!(want.len(), got.len(), "{key}");
        for (w, g) in want.iter().zip(&got) {
            assert_eq!((w.0, w.1, &w.3), (g.0, g.1, &g.3), "{key}");
            // What TensorBoard stores: the nearest 32-bit float.
            assert!(same(w.2 as f32 as f64, g.2), "{key}: {} vs {}", w.2, g.2);
        }
    }
    let loss: Vec<f64> = points(&r, &back, "loss").iter().map(|p| p.2).collect();
    assert_eq!(loss[5], f64::NEG_INFINITY);
    assert_eq!(loss[6], f64::INFINITY, "1e300 is beyond f32: inf");
    assert_eq!(info.start_time, 1_700_000_000_000, "the earliest wall time");
    // The latest wall time: the version event, at the run's own start
    // (now, after the points' made-up times).
    assert_eq!(info.end_time, Some(r.run(&id).unwrap().start_time));
    r.verify_run(&back).unwrap();
}

#[test]
fn a_damaged_event_file_names_the_file_and_offset_and_a_cut_one_reads_to_its_last_record() {
    let r = Registry::open("memory://").unwrap();
    let id = sample_run(&r);
    let dir = tempfile::tempdir().unwrap();
    let files = r.export_run_tensorboard(&id, dir.path()).unwrap();
    let file = &files[0];
    let bytes = std::fs::read(file).unwrap();
    // Record offsets: walk the framing.
    let mut offsets = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        offsets.push(at);
        let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        at += 12 + len + 4;
    }
    assert_eq!(offsets.len(), 1 + 7, "the version event and seven points");

    // A flipped byte in the data of the third record.
    let mut bad = bytes.clone();
    bad[offsets[2] + 14] ^= 0x40;
    let damaged = dir.path().join("damaged.tfevents");
    std::fs::write(&damaged, &bad).unwrap();
    let e = r
        .import_tensorboard(&damaged, &ImportTensorboard::default())
        .unwrap_err();
    assert!(matches!(e, Error::Integrity(_)), "{e}");
    let m = e.to_string();
    assert!(m.contains("damaged.tfevents"), "{m}");
    assert!(m.contains(&format!("byte {}", offsets[2])), "{m}");

    // A writer killed inside the last record: the points before it are read.
    let cut = dir.path().join("cut");
    std::fs::create_dir(&cut).unwrap();
    std::fs::write(
        cut.join("events.out.tfevents.1.cut"),
        &bytes[..bytes.len() - 3],
    )
    .unwrap();
    let back = r
        .import_tensorboard(&cut, &ImportTensorboard::default())
        .unwrap();
    assert_eq!(points(&r, &back, "loss").len(), 6);
    assert_eq!(r.run(&back).unwrap().name.as_deref(), Some("cut"));

    // No event files at all.
    let empty = tempfile::tempdir().unwrap();
    let e = r
        .import_tensorboard(empty.path(), &ImportTensorboard::default())
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e}");
}

#[test]
fn directories_that_are_not_contexts_become_dir_contexts() {
    let r = Registry::open("memory://").unwrap();
    let id = sample_run(&r);
    let out = tempfile::tempdir().unwrap();
    let files = r.export_run_tensorboard(&id, out.path()).unwrap();
    // Keras' layout: train/ and validation/.
    let keras = tempfile::tempdir().unwrap();
    for (sub, f) in [("train", &files[0]), ("validation", &files[2])] {
        std::fs::create_dir(keras.path().join(sub)).unwrap();
        std::fs::copy(f, keras.path().join(sub).join(f.file_name().unwrap())).unwrap();
    }
    let back = r
        .import_tensorboard(keras.path(), &ImportTensorboard::default())
        .unwrap();
    let info = r.run(&back).unwrap();
    let series: Vec<String> = info.metrics.iter().map(|s| s.series()).collect();
    assert_eq!(
        series,
        vec!["loss[dir=train]", "acc[dir=validation]"],
        "{series:?}"
    );
}

// ---- MLflow ----

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// An `mlruns` folder as MLflow's file store lays it out.
fn mlruns(root: &Path) {
    write(
        &root.join("0/meta.yaml"),
        "artifact_location: file:///x/mlruns/0\ncreation_time: 1700000000000\nexperiment_id: '0'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: Default\n",
    );
    write(
        &root.join("7/meta.yaml"),
        "artifact_location: file:///x/mlruns/7\ncreation_time: 1700000000000\nexperiment_id: '7'\nlifecycle_stage: active\nname: churn model\n",
    );
    let run = |exp: &str, id: &str, name: &str, status: u8, stage: &str| {
        write(
            &root.join(format!("{exp}/{id}/meta.yaml")),
            &format!(
                "artifact_uri: file:///x/mlruns/{exp}/{id}/artifacts\nend_time: 1700000009000\nentry_point_name: ''\nexperiment_id: '{exp}'\nlifecycle_stage: {stage}\nrun_id: {id}\nrun_name: {name}\nrun_uuid: {id}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700000001000\nstatus: {status}\ntags: []\nuser_id: ana\n"
            ),
        );
    };
    let a = "0123456789abcdef0123456789abcdef";
    run("7", a, "bold-fox-1", 3, "active");
    write(&root.join(format!("7/{a}/params/lr")), "0.01");
    write(&root.join(format!("7/{a}/params/model/depth")), "6");
    write(
        &root.join(format!("7/{a}/tags/mlflow.runName")),
        "bold-fox-1",
    );
    write(&root.join(format!("7/{a}/tags/mlflow.user")), "ana");
    write(
        &root.join(format!("7/{a}/tags/mlflow.source.git.commit")),
        "abc123",
    );
    write(&root.join(format!("7/{a}/tags/note")), "two\nlines");
    write(
        &root.join(format!("7/{a}/metrics/loss")),
        "1700000001000 0.5 0\n1700000002000 0.1 1\n1700000002500 0.30000000000000004 1\n1700000003000 nan 2\n1700000004000 inf 3\n1700000005000 -inf 4\n",
    );
    write(
        &root.join(format!("7/{a}/metrics/eval/acc")),
        "1700000006000 0.75 10 eval_ds 1a2b\n1700000007000 1e-05\n",
    );
    let b = "fedcba9876543210fedcba9876543210";
    run("0", b, "child", 4, "active");
    write(&root.join(format!("0/{b}/tags/mlflow.parentRunId")), a);
    let deleted = "00000000000000000000000000000000";
    run("0", deleted, "gone", 3, "deleted");
    // MLflow's trash and the model registry's folder are no experiments.
    write(&root.join(".trash/3/meta.yaml"), "name: old\n");
    write(&root.join("models/m/meta.yaml"), "name: m\n");
}

#[test]
fn an_mlruns_folder_imports_every_point_param_and_tag_once() {
    let r = Registry::open("memory://").unwrap();
    let dir = tempfile::tempdir().unwrap();
    mlruns(dir.path());
    let report = r
        .import_mlflow(dir.path().to_str().unwrap(), &ImportMlflow::default())
        .unwrap();
    assert_eq!(report.imported.len(), 2, "{report:?}");
    assert!(report.skipped.is_empty());
    let a = &report.imported["0123456789abcdef0123456789abcdef"];
    let b = &report.imported["fedcba9876543210fedcba9876543210"];
    let info = r.run(a).unwrap();
    assert_eq!(info.experiment, "churn_model");
    assert_eq!(info.tags[MLFLOW_EXPERIMENT_TAG], "churn model");
    assert_eq!(info.name.as_deref(), Some("bold-fox-1"));
    assert_eq!(info.status, RunStatus::Finished);
    assert_eq!(info.start_time, 1_700_000_001_000);
    assert_eq!(info.end_time, Some(1_700_000_009_000));
    assert_eq!(info.source.git_commit.as_deref(), Some("abc123"));
    assert_eq!(
        info.params,
        BTreeMap::from([
            ("lr".to_string(), "0.01".to_string()),
            ("model/depth".to_string(), "6".to_string()),
        ])
    );
    assert_eq!(info.tags["mlflow.user"], "ana");
    assert_eq!(info.tags["note"], "two\nlines");
    assert_eq!(
        info.tags[IMPORTED_FROM_TAG],
        "mlflow:0123456789abcdef0123456789abcdef"
    );
    let loss = points(&r, a, "loss");
    let want = [
        (0, 1_700_000_001_000_000, 0.5),
        (1, 1_700_000_002_000_000, 0.1),
        (1, 1_700_000_002_500_000, 0.30000000000000004),
        (2, 1_700_000_003_000_000, f64::NAN),
        (3, 1_700_000_004_000_000, f64::INFINITY),
        (4, 1_700_000_005_000_000, f64::NEG_INFINITY),
    ];
    assert_eq!(loss.len(), want.len());
    for (g, w) in loss.iter().zip(want) {
        assert_eq!((g.0, g.1, &g.3), (w.0, w.1, &None));
        assert!(same(g.2, w.2), "{} vs {}", g.2, w.2);
    }
    let acc = points(&r, a, "eval/acc");
    assert_eq!(
        acc.iter().map(|p| (p.0, p.2)).collect::<Vec<_>>(),
        vec![(0, 1e-5), (10, 0.75)]
    );
    let child = r.run(b).unwrap();
    assert_eq!(child.experiment, "Default");
    assert_eq!(child.status, RunStatus::Failed);
    assert_eq!(child.parent.as_deref(), Some(a.as_str()));
    assert_eq!(
        r.runs(None).unwrap().len(),
        2,
        "the deleted run is left out"
    );
    // Run ids sort by the MLflow start time.
    assert!(
        a.starts_with(&format!("{:012x}", 1_700_000_001_000u64)),
        "{a}"
    );

    // Again: nothing new.
    let again = r
        .import_mlflow(
            &format!("file://{}", dir.path().display()),
            &ImportMlflow::default(),
        )
        .unwrap();
    assert!(again.imported.is_empty());
    assert_eq!(again.skipped, report.imported);
    assert_eq!(r.runs(None).unwrap().len(), 2);
}

#[test]
fn bad_mlflow_input_names_the_file_and_run() {
    let r = Registry::open("memory://").unwrap();
    let dir = tempfile::tempdir().unwrap();
    mlruns(dir.path());
    let a = "0123456789abcdef0123456789abcdef";
    let metric = dir.path().join(format!("7/{a}/metrics/loss"));
    std::fs::write(&metric, "1700000001000 zero 0\n").unwrap();
    let e = r
        .import_mlflow(dir.path().to_str().unwrap(), &ImportMlflow::default())
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e}");
    let m = e.to_string();
    assert!(
        m.contains(a) && m.contains("metrics/loss") && m.contains("line 1"),
        "{m}"
    );
    // A key MLflow allows and this store does not (a space).
    std::fs::remove_file(&metric).unwrap();
    write(
        &dir.path().join(format!("7/{a}/metrics/my loss")),
        "1 0.5 0\n",
    );
    let e = r
        .import_mlflow(dir.path().to_str().unwrap(), &ImportMlflow::default())
        .unwrap_err();
    assert!(e.to_string().contains("my loss"), "{e}");
    assert!(
        r.runs(None).unwrap().is_empty(),
        "nothing of a failed run is written"
    );

    let none = tempfile::tempdir().unwrap();
    let e = r
        .import_mlflow(none.path().to_str().unwrap(), &ImportMlflow::default())
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e}");
    let text = none.path().join("x.txt");
    std::fs::write(&text, "hello").unwrap();
    let e = r
        .import_mlflow(text.to_str().unwrap(), &ImportMlflow::default())
        .unwrap_err();
    assert!(e.to_string().contains("neither an mlruns folder"), "{e}");
}

/// A SQLite database with MLflow's tracking tables (the columns read).
fn tracking_db(path: &Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(
        "CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name VARCHAR(256) NOT NULL, artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT);
         CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250), source_type VARCHAR(20), source_name VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9), start_time BIGINT, end_time BIGINT, source_version VARCHAR(50), lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200), experiment_id INTEGER, deleted_time BIGINT);
         CREATE TABLE params (key VARCHAR(250), value VARCHAR(8000), run_uuid VARCHAR(32));
         CREATE TABLE tags (key VARCHAR(250), value VARCHAR(8000), run_uuid VARCHAR(32));
         CREATE TABLE metrics (key VARCHAR(250), value FLOAT NOT NULL, timestamp BIGINT, run_uuid VARCHAR(32), step BIGINT NOT NULL, is_nan BOOLEAN NOT NULL);
         CREATE TABLE latest_metrics (key VARCHAR(250), value FLOAT NOT NULL, timestamp BIGINT, step BIGINT NOT NULL, is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32));
         INSERT INTO experiments VALUES (0, 'Default', '', 'active', 1, 1), (1, 'old', '', 'deleted', 1, 1);
         INSERT INTO runs VALUES ('11111111111111111111111111111111', 'sql-run', 'LOCAL', '', '', 'ana', 'KILLED', 1700000001000, 1700000002000, '', 'active', '', 0, NULL);
         INSERT INTO runs VALUES ('22222222222222222222222222222222', 'live', 'LOCAL', '', '', 'ana', 'RUNNING', 1700000003000, NULL, '', 'active', '', 0, NULL);
         INSERT INTO runs VALUES ('33333333333333333333333333333333', 'in-old', 'LOCAL', '', '', 'ana', 'FINISHED', 1700000003000, NULL, '', 'active', '', 1, NULL);
         INSERT INTO params VALUES ('lr', '0.1', '11111111111111111111111111111111');
         INSERT INTO tags VALUES ('mlflow.runName', 'sql-run', '11111111111111111111111111111111');
         INSERT INTO metrics VALUES ('loss', 0.5, 1700000001000, '11111111111111111111111111111111', 0, 0);
         INSERT INTO metrics VALUES ('loss', 0.0, 1700000001100, '11111111111111111111111111111111', 1, 1);
         INSERT INTO metrics VALUES ('loss', 1.7976931348623157e308, 1700000001200, '11111111111111111111111111111111', 2, 0);
         INSERT INTO metrics VALUES ('loss', -1.7976931348623157e308, 1700000001300, '11111111111111111111111111111111', 3, 0);
         INSERT INTO metrics VALUES ('loss', 0.1, 1700000001400, '11111111111111111111111111111111', 3, 0);",
    )
    .unwrap();
}

#[test]
fn a_sqlite_tracking_database_imports_with_nan_and_inf_restored() {
    let r = Registry::open("memory://").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mlflow.db");
    tracking_db(&db);
    let uri = format!("sqlite:///{}", db.display());
    let report = r.import_mlflow(&uri, &ImportMlflow::default()).unwrap();
    assert_eq!(report.imported.len(), 2, "{report:?}");
    let killed = r
        .run(&report.imported["11111111111111111111111111111111"])
        .unwrap();
    assert_eq!(killed.status, RunStatus::Killed);
    assert_eq!(killed.name.as_deref(), Some("sql-run"));
    assert_eq!(killed.params["lr"], "0.1");
    assert_eq!(killed.end_time, Some(1_700_000_002_000));
    let loss = points(&r, &killed.id, "loss");
    let values: Vec<f64> = loss.iter().map(|p| p.2).collect();
    assert_eq!(values[0], 0.5);
    assert!(values[1].is_nan());
    assert_eq!(values[2], f64::INFINITY);
    assert_eq!(values[3], f64::NEG_INFINITY);
    assert_eq!(values[4], 0.1);
    assert_eq!(loss[1].1, 1_700_000_001_100_000);
    let live = r
        .run(&report.imported["22222222222222222222222222222222"])
        .unwrap();
    assert_eq!(live.status, RunStatus::Running, "MLflow has it running");
    assert_eq!(live.end_time, None);
    // The path alone reads the same database; everything is there already.
    let again = r
        .import_mlflow(db.to_str().unwrap(), &ImportMlflow::default())
        .unwrap();
    assert!(again.imported.is_empty());
    assert_eq!(again.skipped.len(), 2);

    // A database without MLflow's tables names the table.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER);")
        .unwrap();
    let e = r
        .import_mlflow(
            &format!("sqlite:///{}", other.display()),
            &ImportMlflow::default(),
        )
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e}");
    assert!(e.to_string().contains("table experiments"), "{e}");
}
