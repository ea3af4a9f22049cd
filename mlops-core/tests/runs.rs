//! Experiment tracking (`mlops_core::runs`): runs, params, tags, metric
//! series at full resolution, their summaries and histories, compaction,
//! links, and what bad input, damage and a killed writer leave behind.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use arrow::array::{Array, AsArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{Float64Type, Int64Type};
use mlops_core::registry::{Kind, Registry};
use mlops_core::runs::{HistoryOptions, RunOptions, RunStatus, StartRun};
use mlops_core::Error;

fn start(r: &Registry, experiment: &str) -> mlops_core::runs::Run {
    r.start_run(StartRun {
        experiment: Some(experiment.into()),
        ..Default::default()
    })
    .unwrap()
}

fn values(b: &RecordBatch) -> Vec<f64> {
    b.column(2).as_primitive::<Float64Type>().values().to_vec()
}

fn steps(b: &RecordBatch) -> Vec<i64> {
    b.column(0).as_primitive::<Int64Type>().values().to_vec()
}

#[test]
fn a_run_keeps_every_point_in_any_step_order_and_summarises_it() {
    let r = Registry::open("memory://").unwrap();
    let run = r
        .start_run(StartRun {
            experiment: Some("churn".into()),
            name: Some("baseline".into()),
            params: Some(serde_json::json!({"lr": 0.01, "model": {"depth": 6}})),
            tags: BTreeMap::from([("team".to_string(), "risk".to_string())]),
            options: RunOptions {
                flush_points: 1000,
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    // Steps out of order, repeated, and non-finite values: all kept.
    let mut expected = Vec::new();
    for i in 0..5000i64 {
        let step = (i * 7919) % 2500; // every step twice, scrambled
        let v = match i {
            10 => f64::NAN,
            20 => f64::INFINITY,
            _ => ((i % 97) as f64).sqrt(),
        };
        run.log(&[("loss", v), ("acc", 1.0 - v / 100.0)], step, None)
            .unwrap();
        expected.push((step, v));
    }
    run.log(&[("loss", 0.5)], 3, Some("subset=val")).unwrap();
    run.end(RunStatus::Finished, None).unwrap();

    let info = r.run(run.id()).unwrap();
    assert_eq!(info.experiment, "churn");
    assert_eq!(info.name.as_deref(), Some("baseline"));
    assert_eq!(info.status, RunStatus::Finished);
    assert_eq!(info.params["lr"], "0.01");
    assert_eq!(info.params["model.depth"], "6");
    assert_eq!(info.tags["team"], "risk");
    assert_eq!(info.points, 10_001);
    assert_eq!(info.segments.len(), 1, "compacted at the end");
    let loss = info.metric("loss", None).unwrap();
    assert_eq!(loss.count, 5000);
    assert_eq!(loss.nans, 1);
    assert_eq!((loss.first_step, loss.last_step), (0, 2499));
    assert_eq!(loss.max, f64::INFINITY);
    assert_eq!(loss.min, 0.0);
    let finite_sum: f64 = expected.iter().map(|e| e.1).filter(|v| !v.is_nan()).sum();
    assert_eq!(loss.sum, finite_sum);
    // The last value is the one at the largest step, logged last there.
    let last = expected.iter().rev().find(|e| e.0 == 2499).unwrap().1;
    assert_eq!(loss.last.to_bits(), last.to_bits());
    assert_eq!(info.metric("loss", Some("subset=val")).unwrap().count, 1);

    let h = r
        .run_history(run.id(), "loss", &HistoryOptions::default())
        .unwrap();
    assert_eq!(h.num_rows(), 5001, "every context's points");
    let train = r
        .run_history(
            run.id(),
            "loss",
            &HistoryOptions {
                context: Some("subset=val".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(values(&train), vec![0.5]);
    let s = steps(&h);
    assert!(s.windows(2).all(|w| w[0] <= w[1]), "ordered by step");
    let mut want: Vec<(i64, u64)> = expected.iter().map(|e| (e.0, e.1.to_bits())).collect();
    want.push((3, 0.5f64.to_bits()));
    want.sort();
    let mut got: Vec<(i64, u64)> = s
        .iter()
        .zip(values(&h))
        .map(|(&s, v)| (s, v.to_bits()))
        .collect();
    got.sort();
    assert_eq!(got, want, "exactly the points logged");
    assert_eq!(r.verify_run(run.id()).unwrap(), 10_001);
}

#[test]
fn downsampled_history_is_first_last_min_max_per_bucket() {
    let r = Registry::open("memory://").unwrap();
    let run = start(&r, "e");
    for step in 0..100_000i64 {
        let v = if step == 54_321 {
            99.0
        } else {
            (step as f64).sin()
        };
        run.log(&[("x", v)], step, None).unwrap();
    }
    run.end(RunStatus::Finished, None).unwrap();
    let d = r
        .run_history(
            run.id(),
            "x",
            &HistoryOptions {
                downsample: Some(250),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        d.num_rows() <= 1000 && d.num_rows() >= 500,
        "{}",
        d.num_rows()
    );
    assert!(steps(&d).contains(&54_321), "the spike is kept");
    assert_eq!(steps(&d)[0], 0);
    assert_eq!(*steps(&d).last().unwrap(), 99_999);
}

#[test]
fn log_table_takes_a_whole_table_and_refuses_a_bad_one_whole() {
    let r = Registry::open("memory://").unwrap();
    let run = start(&r, "e");
    let n = 100_000;
    let table = RecordBatch::try_from_iter([
        (
            "key",
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| ["a", "b"][i % 2]),
            )) as _,
        ),
        (
            "step",
            Arc::new(Int64Array::from_iter_values(0..n as i64)) as _,
        ),
        (
            "value",
            Arc::new(Float64Array::from_iter_values((0..n).map(|i| i as f64))) as _,
        ),
    ])
    .unwrap();
    run.log_table(&table).unwrap();
    let bad = RecordBatch::try_from_iter([
        (
            "key",
            Arc::new(StringArray::from(vec![Some("a"), None])) as _,
        ),
        ("step", Arc::new(Int64Array::from(vec![1, 2])) as _),
        ("value", Arc::new(Float64Array::from(vec![1.0, 2.0])) as _),
    ])
    .unwrap();
    let e = run.log_table(&bad).unwrap_err().to_string();
    assert!(e.contains("'key'") && e.contains("row 1"), "{e}");
    let wrong = RecordBatch::try_from_iter([
        ("key", Arc::new(StringArray::from(vec!["a"])) as _),
        ("step", Arc::new(Float64Array::from(vec![1.0])) as _),
        ("value", Arc::new(Float64Array::from(vec![1.0])) as _),
    ])
    .unwrap();
    let e = run.log_table(&wrong).unwrap_err().to_string();
    assert!(e.contains("'step'") && e.contains("integer"), "{e}");
    let no_value = RecordBatch::try_from_iter([
        ("key", Arc::new(StringArray::from(vec!["a"])) as _),
        ("step", Arc::new(Int64Array::from(vec![1])) as _),
    ])
    .unwrap();
    assert!(run
        .log_table(&no_value)
        .unwrap_err()
        .to_string()
        .contains("'value'"));
    run.end(RunStatus::Finished, None).unwrap();
    let info = r.run(run.id()).unwrap();
    assert_eq!(info.points, n as u64, "the bad tables added nothing");
    assert_eq!(info.metric("a", None).unwrap().count, n as u64 / 2);
}

#[test]
fn params_are_add_only_and_tags_settable() {
    let r = Registry::open("memory://").unwrap();
    let run = start(&r, "e");
    run.log_params(&serde_json::json!({"lr": 0.1, "layers": 3}))
        .unwrap();
    run.log_params(&serde_json::json!({"lr": 0.1})).unwrap(); // same value: fine
    let e = run.log_params(&serde_json::json!({"lr": 0.2})).unwrap_err();
    assert!(matches!(e, Error::Conflict(_)), "{e}");
    assert!(
        e.to_string().contains("'lr'") && e.to_string().contains("0.1"),
        "{e}"
    );
    run.set_tags(&BTreeMap::from([(
        "stage".to_string(),
        Some("dev".to_string()),
    )]))
    .unwrap();
    run.set_tags(&BTreeMap::from([(
        "stage".to_string(),
        Some("prod".to_string()),
    )]))
    .unwrap();
    run.end(RunStatus::Finished, None).unwrap();
    let info = r.run(run.id()).unwrap();
    assert_eq!(info.params.len(), 2);
    assert_eq!(info.params["lr"], "0.1");
    assert_eq!(info.tags["stage"], "prod");
    assert_eq!(
        info.events, 5,
        "start, params, tags × 2, end (no event for the repeated param)"
    );
}

#[test]
fn bad_keys_ids_and_contexts_are_typed_errors() {
    let r = Registry::open("memory://").unwrap();
    let run = start(&r, "e");
    for bad in ["", "a b", "x[0]", "quote'"] {
        let e = run.log(&[(bad, 1.0)], 0, None).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{bad}: {e}");
    }
    for bad in ["train", "=x", "a=", "a=[1]"] {
        let e = run.log(&[("k", 1.0)], 0, Some(bad)).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{bad}: {e}");
    }
    assert!(matches!(
        r.run("0123456789abcdef0123456789abcdef"),
        Err(Error::NotFound(_))
    ));
    assert!(matches!(r.run("../../etc"), Err(Error::InvalidInput(_))));
    let e = r
        .run_history(run.id(), "nope", &HistoryOptions::default())
        .unwrap_err();
    assert!(
        matches!(e, Error::NotFound(_)) && e.to_string().contains("'nope'"),
        "{e}"
    );
    let e = r
        .start_run(StartRun {
            parent: Some("0123456789abcdef0123456789abcdef".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e}");
    let e = r
        .start_run(StartRun {
            experiment: Some("a/b".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e}");
}

#[test]
fn points_are_flushed_on_the_interval_and_on_size_without_an_end() {
    let r = Registry::open("memory://").unwrap();
    let run = r
        .start_run(StartRun {
            options: RunOptions {
                flush_points: 100,
                flush_interval: Duration::from_millis(50),
                compact_on_end: true,
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    for step in 0..1050 {
        run.log(&[("k", step as f64)], step, None).unwrap();
    }
    // Ten full buffers are written by size; the last 50 points by the interval.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let info = r.run(run.id()).unwrap();
        if info.points == 1050 {
            assert!(info.segments.len() >= 11);
            assert_eq!(info.status, RunStatus::Running);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not flushed: {}",
            info.points
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(run); // ends it
}

#[test]
fn dropping_a_run_ends_it_and_an_ended_run_takes_no_writes() {
    let r = Registry::open("memory://").unwrap();
    let id = {
        let run = start(&r, "e");
        run.log(&[("k", 1.0)], 0, None).unwrap();
        run.id().to_string()
    };
    let info = r.run(&id).unwrap();
    assert_eq!(info.status, RunStatus::Finished);
    assert_eq!(info.points, 1);
    let e = r.attach_run(&id, RunOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Conflict(_)), "{e}");
}

#[test]
fn an_ended_run_takes_no_params_tags_links_or_files_and_ends_only_as_a_run_can() {
    let dir = tempfile::tempdir().unwrap();
    let r = Registry::open(dir.path().to_str().unwrap()).unwrap();
    r.add_version(Kind::Dataset, "train", b"rows", "", serde_json::json!({}))
        .unwrap();
    let run = start(&r, "e");
    for status in [RunStatus::Running, RunStatus::Crashed] {
        let e = run.end(status, None).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e}");
        assert!(e.to_string().contains(status.as_str()), "{e}");
    }
    assert!(!run.is_stopped(), "a refused end leaves the run open");
    run.end(RunStatus::Killed, None).unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "hello").unwrap();
    let refused = [
        run.log_params(&serde_json::json!({"lr": 0.1})),
        run.set_tags(&BTreeMap::from([("k".to_string(), Some("v".to_string()))])),
        run.use_asset(Kind::Dataset, "train", 1),
        run.record_output(Kind::Dataset, "train", 1),
        run.log_artifact(&file, None),
    ];
    for e in refused {
        let e = e.unwrap_err();
        assert!(matches!(e, Error::Conflict(_)), "{e}");
    }
    let info = r.run(run.id()).unwrap();
    assert_eq!(info.status, RunStatus::Killed);
    assert!(info.params.is_empty() && info.tags.is_empty());
    assert!(info.inputs.is_empty() && info.outputs.is_empty() && info.artifacts.is_empty());
    let train = r.asset(Kind::Dataset, "train").unwrap();
    assert!(train.inputs.is_empty() && train.used_by.is_empty());
}

#[test]
fn a_second_writer_attached_to_a_run_adds_to_it() {
    let r = Registry::open("memory://").unwrap();
    let run = start(&r, "e");
    run.log(&[("a", 1.0)], 0, None).unwrap();
    {
        let other = r.attach_run(run.id(), RunOptions::default()).unwrap();
        other.log(&[("b", 2.0)], 0, None).unwrap();
        // Dropping an attached writer flushes it and leaves the run running:
        // the run's owner ends it.
    }
    assert_eq!(r.run(run.id()).unwrap().status, RunStatus::Running);
    run.end(RunStatus::Finished, None).unwrap();
    let info = r.run(run.id()).unwrap();
    assert_eq!(info.status, RunStatus::Finished);
    assert_eq!(info.metric("a", None).unwrap().count, 1);
    assert_eq!(info.metric("b", None).unwrap().count, 1);
    assert_eq!(info.segments.len(), 1, "both writers' segments compacted");
}

#[test]
fn nested_runs_inputs_outputs_and_artifacts_link_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let r = Registry::open(dir.path().to_str().unwrap()).unwrap();
    r.add_version(Kind::Dataset, "train", b"rows", "", serde_json::json!({}))
        .unwrap();
    let parent = start(&r, "e");
    let child = r
        .start_run(StartRun {
            experiment: Some("e".into()),
            parent: Some(parent.id().to_string()),
            ..Default::default()
        })
        .unwrap();
    child.use_asset(Kind::Dataset, "train", 1).unwrap();
    let v = r
        .add_version(Kind::Model, "churn", b"weights", "", serde_json::json!({}))
        .unwrap();
    child.record_output(Kind::Model, "churn", v).unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "hello").unwrap();
    child.log_artifact(&file, Some("docs/notes.txt")).unwrap();
    assert!(child.log_artifact(&file, Some("../escape")).is_err());
    child.end(RunStatus::Finished, None).unwrap();
    parent.end(RunStatus::Finished, None).unwrap();

    let info = r.run(child.id()).unwrap();
    assert_eq!(info.parent.as_deref(), Some(parent.id()));
    assert_eq!(info.inputs[0].name, "train");
    assert_eq!(info.outputs[0].name, "churn");
    assert_eq!(info.artifacts[0].path, "docs/notes.txt");
    assert_eq!(info.artifacts[0].size, 5);
    let model = r.asset(Kind::Model, "churn").unwrap();
    assert_eq!(model.inputs.len(), 1);
    assert_eq!(model.inputs[0].other.name, "train");
    assert_eq!(
        model.inputs[0].run.as_deref(),
        Some(child.id()),
        "the model names the run"
    );
    let data = r.asset(Kind::Dataset, "train").unwrap();
    assert_eq!(data.used_by[0].run.as_deref(), Some(child.id()));
    let runs = r.runs(Some("e")).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].id, child.id(), "newest first");
}

#[test]
fn a_damaged_segment_is_caught_by_reads_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let r = Registry::open(dir.path().to_str().unwrap()).unwrap();
    let run = start(&r, "e");
    for step in 0..1000 {
        run.log(&[("k", step as f64)], step, None).unwrap();
    }
    run.end(RunStatus::Finished, None).unwrap();
    let info = r.run(run.id()).unwrap();
    // Damage every blob of the store (the segment's chunk among them).
    let mut damaged = 0;
    for e in walk(&dir.path().join("blobs")) {
        let mut b = std::fs::read(&e).unwrap();
        let mid = b.len() / 2;
        b[mid] ^= 0xff;
        std::fs::write(&e, b).unwrap();
        damaged += 1;
    }
    assert!(damaged > 0);
    let e = r.verify_run(run.id()).unwrap_err();
    assert!(matches!(e, Error::Integrity(_)), "{e}");
    let e = r
        .run_history(run.id(), "k", &HistoryOptions::default())
        .unwrap_err();
    assert!(matches!(e, Error::Integrity(_)), "{e}");
    assert_eq!(info.points, 1000);
    // A damaged event breaks the chain.
    let log = dir.path().join("runs").join(run.id()).join("log");
    let first = walk(&log)
        .into_iter()
        .find(|p| p.ends_with("00000000000000000002.json"))
        .unwrap();
    std::fs::write(&first, b"{\"format\":\"mlops.run\"}").unwrap();
    assert!(r.run(run.id()).is_err());
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

/// The child side of `a_killed_writer_leaves_a_run_that_reads_and_verifies`:
/// logs and flushes, logs more, and dies without ending the run.
#[test]
fn killed_writer_child() {
    let Ok(store) = std::env::var("MLOPS_RUNS_TEST_CHILD_STORE") else {
        return;
    };
    let r = Registry::open(&store).unwrap();
    let run = start(&r, "killed");
    for step in 0..5000 {
        run.log(&[("k", step as f64)], step, None).unwrap();
    }
    run.flush().unwrap();
    println!("RUN {}", run.id());
    for step in 5000..6000 {
        run.log(&[("k", step as f64)], step, None).unwrap();
    }
    std::process::abort();
}

#[test]
fn a_killed_writer_leaves_a_run_that_reads_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "killed_writer_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("MLOPS_RUNS_TEST_CHILD_STORE", dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success(), "the child aborts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let id = stdout
        .lines()
        .find_map(|l| l.split_once("RUN ").map(|(_, id)| id))
        .unwrap_or_else(|| panic!("no run id in {stdout}"))
        .trim()
        .to_string();
    let r = Registry::open(dir.path().to_str().unwrap()).unwrap();
    let info = r.run(&id).unwrap();
    assert_eq!(info.status, RunStatus::Crashed);
    assert!(
        info.points >= 5000,
        "what was flushed is there: {}",
        info.points
    );
    assert_eq!(r.verify_run(&id).unwrap(), info.points);
    let h = r.run_history(&id, "k", &HistoryOptions::default()).unwrap();
    assert_eq!(h.num_rows() as u64, info.points);
}

#[test]
fn runs_from_many_threads_into_one_folder_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    std::thread::scope(|s| {
        for t in 0..8 {
            let url = url.clone();
            s.spawn(move || {
                let r = Registry::open(&url).unwrap();
                for _ in 0..5 {
                    let run = r
                        .start_run(StartRun {
                            experiment: Some("parallel".into()),
                            params: Some(serde_json::json!({"thread": t})),
                            options: RunOptions {
                                flush_points: 300,
                                ..Default::default()
                            },
                            ..Default::default()
                        })
                        .unwrap();
                    for step in 0..1000 {
                        run.log(&[("k", step as f64)], step, None).unwrap();
                    }
                    run.end(RunStatus::Finished, None).unwrap();
                }
            });
        }
    });
    let r = Registry::open(&url).unwrap();
    let runs = r.runs(Some("parallel")).unwrap();
    assert_eq!(runs.len(), 40);
    for run in &runs {
        assert_eq!(run.points, 1000);
        assert_eq!(run.metric("k", None).unwrap().sum, 499_500.0);
        assert_eq!(run.status, RunStatus::Finished);
    }
}

#[test]
fn history_columns_are_step_time_value_context() {
    let r = Registry::open("memory://").unwrap();
    let run = start(&r, "e");
    run.log(&[("k", 1.5)], 7, Some("subset=train")).unwrap();
    run.end(RunStatus::Finished, None).unwrap();
    let h = r
        .run_history(run.id(), "k", &HistoryOptions::default())
        .unwrap();
    let names: Vec<String> = h
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, ["step", "time", "value", "context"]);
    assert_eq!(h.column(3).as_string::<i32>().value(0), "subset=train");
    assert!(h.column(1).is_valid(0));
}

/// The child side of `sigterm_ends_open_runs_killed_with_every_point`:
/// logs points that stay buffered (a long flush interval), then waits.
/// With `MLOPS_RUNS_TEST_SIGTERM_HOST` set, SIGTERM first gets a handler of
/// the "host runtime's" (one that exits 3, as Node's has one of its own),
/// which `take_over_sigterm` replaces.
#[test]
fn sigterm_child() {
    let Ok(store) = std::env::var("MLOPS_RUNS_TEST_SIGTERM_STORE") else {
        return;
    };
    #[cfg(unix)]
    if std::env::var_os("MLOPS_RUNS_TEST_SIGTERM_HOST").is_some() {
        extern "C" fn host(_: libc::c_int) {
            // SAFETY: `_exit` is async-signal-safe.
            unsafe { libc::_exit(3) }
        }
        // SAFETY: installs a handler that only calls `_exit`.
        unsafe { libc::signal(libc::SIGTERM, host as *const () as libc::sighandler_t) };
        mlops_core::runs::take_over_sigterm();
    }
    let r = Registry::open(&store).unwrap();
    let run = r
        .start_run(StartRun {
            options: RunOptions {
                flush_interval: Duration::from_secs(3600),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    for step in 0..3000 {
        run.log(&[("k", step as f64)], step, None).unwrap();
    }
    println!("RUN {}", run.id());
    std::thread::sleep(Duration::from_secs(60));
}

/// Runs `sigterm_child` (with `host`: under a host runtime's handler),
/// sends it SIGTERM, and checks that it died of SIGTERM leaving its run
/// `killed` with every point.
#[cfg(unix)]
fn sigterm_a_writer(host: bool) {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "sigterm_child",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("MLOPS_RUNS_TEST_SIGTERM_STORE", dir.path())
    .stdout(std::process::Stdio::piped());
    if host {
        cmd.env("MLOPS_RUNS_TEST_SIGTERM_HOST", "1");
    }
    let mut child = cmd.spawn().unwrap();
    let mut id = None;
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
        if let Some((_, rest)) = line.unwrap().split_once("RUN ") {
            id = Some(rest.trim().to_string());
            break;
        }
    }
    let id = id.expect("the child printed its run");
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(15),
        "the process still ends by SIGTERM ({status:?})"
    );
    let r = Registry::open(dir.path().to_str().unwrap()).unwrap();
    let info = r.run(&id).unwrap();
    assert_eq!(info.status, RunStatus::Killed);
    assert_eq!(info.points, 3000, "the buffered points were flushed");
    assert_eq!(r.verify_run(&id).unwrap(), 3000);
}

/// Six finished runs: lr in {0.1, 0.01, 0.001} × team in {risk, growth},
/// loss curves whose minimum is lr × 10 (+ 1 for growth), one nested.
fn searchable() -> (Registry, Vec<String>) {
    let r = Registry::open("memory://").unwrap();
    let mut ids = Vec::new();
    for (i, lr) in [0.1, 0.01, 0.001].into_iter().enumerate() {
        for (j, team) in ["risk", "growth"].into_iter().enumerate() {
            let run = r
                .start_run(StartRun {
                    experiment: Some("search".into()),
                    params: Some(serde_json::json!({"lr": lr, "layers": i + 1})),
                    tags: BTreeMap::from([("team".to_string(), team.to_string())]),
                    parent: ids.first().cloned().filter(|_| i == 2 && j == 1),
                    ..Default::default()
                })
                .unwrap();
            let floor = lr * 10.0 + j as f64;
            for step in 0..50 {
                run.log(&[("loss", floor + 1.0 / (step + 1) as f64)], step, None)
                    .unwrap();
            }
            run.end(RunStatus::Finished, None).unwrap();
            ids.push(run.id().to_string());
        }
    }
    (r, ids)
}

#[test]
fn search_runs_with_in_is_null_summaries_order_and_limit() {
    let (r, ids) = searchable();
    let q = "params.lr in (0.1, 0.01) and metrics.loss.min < 1.5 and tags.team = 'risk' \
             order by metrics.loss.min limit 5";
    let hits = r.search_runs(q).unwrap();
    let lrs: Vec<&str> = hits.iter().map(|h| h.params["lr"].as_str()).collect();
    assert_eq!(lrs, ["0.01", "0.1"], "ordered by the smallest loss");
    let nested = r.search_runs("parent is not null").unwrap();
    assert_eq!(nested.len(), 1);
    assert_eq!(nested[0].parent.as_deref(), Some(ids[0].as_str()));
    assert_eq!(r.search_runs("parent is null").unwrap().len(), 5);
    let not_in = r.search_runs("params.layers not in (1, 2)").unwrap();
    assert_eq!(not_in.len(), 2);
    let top = r
        .search_runs("order by metrics.loss.min desc, params.lr limit 2")
        .unwrap();
    assert_eq!(top[0].tags["team"], "growth");
    assert_eq!(top[0].params["lr"], "0.1");
    assert_eq!(r.search_runs("metrics.loss.count = 50").unwrap().len(), 6);
    assert_eq!(
        r.search_runs("metrics.loss < 0.1").unwrap().len(),
        1,
        "metrics.loss is the last value"
    );
    assert_eq!(r.search_runs("").unwrap().len(), 6);
    for (bad, pos) in [
        ("params.lr in 0.1", "position 13"),
        ("params.lr in (0.1,", "position 18"),
        ("order by", "position 8"),
        ("limit -1", "position 6"),
        ("status is nul", "position 10"),
    ] {
        let e = r.search_runs(bad).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{bad}: {e}");
        assert!(e.to_string().contains(pos), "{bad}: {e}");
    }
}

#[test]
fn the_runs_table_has_a_column_per_param_and_summary() {
    let (r, _) = searchable();
    let runs = r.search_runs("order by params.lr, tags.team desc").unwrap();
    let t = mlops_core::runs::runs_table(&runs).unwrap();
    assert_eq!(t.num_rows(), 6);
    let names: Vec<String> = t
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    for c in [
        "id",
        "status",
        "params.lr",
        "params.layers",
        "metrics.loss.min",
        "metrics.loss.count",
    ] {
        assert!(names.contains(&c.to_string()), "{c} in {names:?}");
    }
    let i = t.schema().index_of("metrics.loss.min").unwrap();
    let mins = t.column(i).as_primitive::<Float64Type>().values().to_vec();
    assert!((mins[0] - (0.01 + 0.02)).abs() < 1e-12, "{mins:?}");
    assert!((mins[1] - (1.01 + 0.02)).abs() < 1e-12, "{mins:?}");
}

#[test]
fn comparing_runs_marks_differing_params_and_overlays_curves() {
    let (r, ids) = searchable();
    let c = r.compare_runs(&ids[..2]).unwrap();
    let lr = c.params.iter().find(|p| p.key == "lr").unwrap();
    assert!(!lr.differs, "both runs have lr 0.1");
    assert_eq!(c.metrics[0].series, "loss");
    assert_eq!(c.metrics[0].summaries.len(), 2);
    let html = r.compare_runs_html(&ids[..3]).unwrap();
    assert_eq!(html.matches("<polyline").count(), 3, "one curve per run");
    assert!(
        html.contains("class=\"diff\""),
        "layers differ between the first and third run"
    );
    let e = r.compare_runs(&ids[..1]).unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e}");
}

#[cfg(unix)]
#[test]
fn sigterm_ends_open_runs_killed_with_every_point() {
    sigterm_a_writer(false);
}

#[cfg(unix)]
#[test]
fn take_over_sigterm_replaces_a_host_runtimes_handler() {
    sigterm_a_writer(true);
}

/// The ids `query` finds by folding every run's log: what search answered
/// before the run table, and must still answer.
fn search_by_logs(r: &Registry, query: &str) -> Vec<String> {
    let q: mlops_core::search::Query = query.parse().unwrap();
    let mut hits: Vec<_> = r
        .runs(None)
        .unwrap()
        .into_iter()
        .filter(|run| q.matches(run))
        .collect();
    q.order_and_limit(&mut hits);
    hits.into_iter().map(|h| h.id).collect()
}

#[test]
fn search_through_the_run_table_answers_as_the_logs_do() {
    let dir = tempfile::tempdir().unwrap();
    let r = Registry::open(dir.path().to_str().unwrap()).unwrap();
    let mut open = Vec::new();
    for i in 0..30 {
        let run = r
            .start_run(StartRun {
                experiment: Some(if i % 3 == 0 { "a" } else { "b" }.into()),
                params: Some(serde_json::json!({"lr": 0.1 / (1 + i % 4) as f64, "i": i})),
                tags: BTreeMap::from([("team".to_string(), ["risk", "growth"][i % 2].into())]),
                ..Default::default()
            })
            .unwrap();
        // Series named like statistics of others: `a`, `a.min` and `val.loss`.
        run.log(
            &[
                ("a", i as f64),
                ("a.min", 100.0 - i as f64),
                ("val.loss", 1.0 / (1 + i) as f64),
            ],
            0,
            None,
        )
        .unwrap();
        run.log(&[("val.loss", f64::NAN)], 1, Some("subset=test"))
            .unwrap();
        if i % 7 == 6 {
            open.push(run); // still running: read from its log, never a row
        } else {
            let status = [RunStatus::Finished, RunStatus::Failed][i % 2];
            run.end(status, None).unwrap();
        }
    }
    let queries = [
        "",
        "params.lr in (0.1, 0.05) order by metrics.val.loss.min limit 4",
        "metrics.a.min < 10 and metrics.a.min.last > 95",
        "metrics.a > 20 or tags.team = 'risk' order by params.i desc",
        "status = 'running'",
        "status = 'failed' and experiment = 'a'",
        "metrics.val.loss.count = 1 and metrics.val.loss.nans = 0 order by end_time limit 3",
        "not params.i < 25 order by metrics.a.last_step, params.i limit 2",
        "metrics.missing is null and exit_code is null limit 5",
    ];
    let table = dir.path().join("indexes/runs");
    assert!(!table.exists(), "no table before the first search");
    for pass in 0..2 {
        for q in queries {
            let got: Vec<String> = r
                .search_runs(q)
                .unwrap()
                .into_iter()
                .map(|h| h.id)
                .collect();
            assert_eq!(got, search_by_logs(&r, q), "pass {pass}: {q}");
        }
    }
    assert!(
        table.join("delta.parquet").exists(),
        "the first search wrote the table"
    );
    // A run that ends after the table was made joins it at the next search.
    let late = open.pop().unwrap();
    late.end(RunStatus::Killed, None).unwrap();
    assert_eq!(r.search_runs("status = 'killed'").unwrap()[0].id, late.id());
    // A damaged table, or a row whose run is gone from the store, changes
    // nothing: the logs are the truth.
    std::fs::write(table.join("delta.parquet"), b"PAR1 not a table").unwrap();
    std::fs::write(table.join("base.parquet"), b"").unwrap();
    for q in queries {
        let got: Vec<String> = r
            .search_runs(q)
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(got, search_by_logs(&r, q), "after damage: {q}");
    }
    let gone = search_by_logs(&r, "status = 'finished' limit 1").remove(0);
    std::fs::remove_dir_all(dir.path().join("runs").join(&gone)).unwrap();
    for q in queries {
        let got: Vec<String> = r
            .search_runs(q)
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect();
        assert!(!got.contains(&gone), "{q}");
        assert_eq!(got, search_by_logs(&r, q), "after removal: {q}");
    }
    assert_eq!(r.rebuild_run_table().unwrap(), 26, "ended runs are rows");
    assert_eq!(r.search_runs("").unwrap().len(), 29);
}

#[test]
fn system_metrics_are_off_by_default_and_sampled_under_mlflows_keys_when_on() {
    use mlops_core::runs::{SYSTEM_METRICS_INTERVAL, SYSTEM_METRIC_KEYS};
    let dir = tempfile::tempdir().unwrap();
    let r = Registry::open(dir.path().to_str().unwrap()).unwrap();
    assert!(!RunOptions::default().system_metrics);
    assert_eq!(
        RunOptions::default().system_metrics_interval,
        Duration::from_secs(10)
    );
    assert_eq!(SYSTEM_METRICS_INTERVAL, Duration::from_secs(10));

    // Off: nothing under system/, whatever the interval.
    let off = r
        .start_run(StartRun {
            options: RunOptions {
                system_metrics_interval: Duration::from_millis(10),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    off.log(&[("loss", 1.0)], 0, None).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    off.end(RunStatus::Finished, None).unwrap();
    let info = r.run(off.id()).unwrap();
    assert_eq!(info.points, 1);
    assert!(info.metrics.iter().all(|m| !m.key.starts_with("system/")));

    // On, every 20 ms: wait (bounded) until three samples are in the store.
    let run = r
        .start_run(StartRun {
            options: RunOptions {
                system_metrics: true,
                system_metrics_interval: Duration::from_millis(20),
                flush_interval: Duration::from_millis(20),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        run.flush().unwrap();
        let info = r.run(run.id()).unwrap();
        let n = info
            .metric("system/network_receive_megabytes", None)
            .map_or(0, |m| m.count);
        if n >= 3 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{n} samples");
        std::thread::sleep(Duration::from_millis(20));
    }
    run.log(&[("loss", 0.5)], 0, None).unwrap();
    run.end(RunStatus::Finished, None).unwrap();
    let info = r.run(run.id()).unwrap();
    // The sampler stopped with the run: no point comes after the end.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(r.run(run.id()).unwrap().points, info.points);

    let series = |key: &str| {
        let b = r.run_history(run.id(), key, &Default::default()).unwrap();
        (steps(&b), values(&b))
    };
    let (cpu_steps, cpu) = series("system/cpu_utilization_percentage");
    let n = cpu.len();
    assert!(n >= 3, "{n} samples");
    // MLflow's steps: 0, 1, 2, ... one per sample.
    assert_eq!(cpu_steps, (0..n as i64).collect::<Vec<_>>());
    assert!(cpu.iter().all(|v| (0.0..=100.0).contains(v)), "{cpu:?}");
    let (_, mem) = series("system/system_memory_usage_megabytes");
    let (_, mem_pct) = series("system/system_memory_usage_percentage");
    assert!(mem.iter().all(|&v| v > 0.0), "{mem:?}");
    assert!(
        mem_pct.iter().all(|&v| v > 0.0 && v <= 100.0),
        "{mem_pct:?}"
    );
    let (_, used) = series("system/disk_usage_megabytes");
    let (_, avail) = series("system/disk_available_megabytes");
    let (_, pct) = series("system/disk_usage_percentage");
    for i in 0..n {
        assert!(used[i] >= 0.0 && avail[i] >= 0.0, "{used:?} {avail:?}");
        assert!(used[i] + avail[i] > 0.0, "{used:?} {avail:?}");
        // Rounded to 0.1 MB each, then to 0.1 %.
        let share = used[i] / (used[i] + avail[i]) * 100.0;
        assert!((share - pct[i]).abs() <= 0.1, "{share} vs {}", pct[i]);
    }
    // Network: cumulative from the start, so never negative, never falling
    // (while the machine's interfaces stay up).
    for key in [
        "system/network_receive_megabytes",
        "system/network_transmit_megabytes",
    ] {
        let (s, v) = series(key);
        assert_eq!(s.len(), n, "{key}");
        assert!(v.iter().all(|&x| x >= 0.0), "{key}: {v:?}");
        assert!(v.windows(2).all(|w| w[0] <= w[1]), "{key}: {v:?}");
    }
    for key in SYSTEM_METRIC_KEYS {
        let m = info.metric(key, None).unwrap_or_else(|| panic!("{key}"));
        assert_eq!(m.count, n as u64, "{key}");
        assert_eq!(m.first_step, 0, "{key}");
        assert_eq!(m.last_step, n as i64 - 1, "{key}");
    }
    assert_eq!(info.metric("loss", None).unwrap().count, 1);
    assert_eq!(
        info.metrics
            .iter()
            .filter(|m| m.key.starts_with("system/"))
            .count(),
        SYSTEM_METRIC_KEYS.len()
    );

    // An interval below the shortest is refused, naming the option.
    let e = r
        .start_run(StartRun {
            options: RunOptions {
                system_metrics: true,
                system_metrics_interval: Duration::from_millis(1),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("system_metrics_interval")),
        "{e}"
    );
}

#[test]
fn a_compacted_run_reads_long_and_short_series_alike() {
    let dir = tempfile::tempdir().unwrap();
    let r = Registry::open(dir.path().to_str().unwrap()).unwrap();
    let run = r
        .start_run(StartRun {
            options: RunOptions {
                flush_points: 7_000,
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    // A long series (its own row groups once compacted), short ones
    // around it, and a long one with a context, logged interleaved and with
    // steps out of order.
    for i in 0..40_000i64 {
        let step = (i * 7919) % 40_000;
        run.log(&[("big", step as f64)], step, None).unwrap();
        if i % 400 == 0 {
            run.log(&[("a", i as f64), ("z", -(i as f64))], i, None)
                .unwrap();
        }
        run.log(&[("big", -(step as f64))], step, Some("subset=val"))
            .unwrap();
    }
    run.end(RunStatus::Finished, None).unwrap();
    let info = r.run(run.id()).unwrap();
    assert_eq!(info.segments.len(), 1, "compacted");
    assert_eq!(r.verify_run(run.id()).unwrap(), 80_000 + 200);
    let all = |key: &str, context: Option<&str>| {
        r.run_history(
            run.id(),
            key,
            &HistoryOptions {
                context: context.map(str::to_string),
                downsample: None,
            },
        )
        .unwrap()
    };
    let big = all("big", None);
    assert_eq!(big.num_rows(), 80_000, "both contexts of 'big'");
    let plain = all("big", Some("subset=val"));
    assert_eq!(steps(&plain), (0..40_000).collect::<Vec<_>>());
    assert_eq!(
        values(&plain),
        (0..40_000).map(|s| -(s as f64)).collect::<Vec<_>>()
    );
    let a = all("a", None);
    assert_eq!(steps(&a), (0..100).map(|i| i * 400).collect::<Vec<_>>());
    assert_eq!(values(&all("z", None))[99], -39_600.0);
    // Without a context: the points of both contexts, in (step, time) order.
    let s = steps(&big);
    assert!(s.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(s[0..2], [0, 0]);
}
