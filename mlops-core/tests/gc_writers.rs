//! The deduplication race for every class of writer (issue 19): a writer
//! finds its content already stored, as old garbage (planted from the same
//! write on a scratch store, then aged past the grace period), and a
//! collector deletes that garbage between the writer's put and its event.
//! The collector runs inside a clock the writer reads between the two (its
//! guard stamps its lease with it; see `gc::guard`): the first read after
//! the clock is armed plans and applies with the default grace.
//!
//! A writer a caller drives (artifacts, logged models, data sets of parts,
//! gate reports, monitors being created) fails closed with `Integrity`,
//! commits nothing, and writes the next time; a writer that runs on its own
//! (a run's flusher, a monitor's) stores the content again and commits. In
//! every case nothing committed names a missing blob. On a folder, and on
//! S3 when `MLOPS_TEST_S3_URL` is set.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arrow::array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, RecordBatchIterator, StringArray,
    TimestampMillisecondArray,
};
use mlops_core::gc::DEFAULT_GRACE;
use mlops_core::monitor::NewMonitor;
use mlops_core::package::{Flavor, Manifest, Package};
use mlops_core::registry::{Kind, Registry};
use mlops_core::runs::{RunOptions, RunStatus, StartRun};
use mlops_core::Error;
use serde_json::json;

#[path = "support/data.rs"]
mod data;
#[path = "support/race_clock.rs"]
mod race_clock;
use data::seeded_bytes as bytes;
#[path = "support/stores.rs"]
mod support;
use race_clock::RaceClock;
use support::{stores, TestStore};

const HOUR: Duration = Duration::from_secs(3_600);

/// A store, a writer on it reading a [`RaceClock`], and what was planted
/// and collected.
struct Race {
    url: String,
    r: Registry,
    clock: RaceClock,
    planted: BTreeSet<String>,
    deleted: Arc<Mutex<BTreeSet<String>>>,
}

impl Race {
    fn new(s: &TestStore) -> Self {
        let clock = RaceClock::starting_now();
        let r = Registry::open(&s.url)
            .unwrap()
            .with_principal("writer")
            .with_clock(Arc::new(clock.clone()));
        Race {
            url: s.url.clone(),
            r,
            clock,
            planted: BTreeSet::new(),
            deleted: Arc::new(Mutex::new(BTreeSet::new())),
        }
    }

    /// Stores every blob of `scratch` here as garbage (no event names it)
    /// and ages everything past the grace period.
    fn plant(&mut self, scratch: &Registry) {
        for o in scratch.store().list_objects("blobs").unwrap() {
            let h = o.path.rsplit('/').next().unwrap();
            let bytes = scratch.store().get_blob(h).unwrap();
            self.r.store().put_blob(&bytes).unwrap();
            self.planted.insert(h.to_string());
        }
        assert!(!self.planted.is_empty());
        self.clock.time.advance(DEFAULT_GRACE + HOUR);
    }

    /// Arms the collector (another process: its own registry on the store,
    /// the same time): plan and apply with the default grace, recording
    /// what it deleted. Its plan keeps to the planted garbage: the blobs
    /// the writer stored anew are as old as the planted ones by the moved
    /// clock, but would be young by a real one, and deleting them too
    /// would fail the write whatever its guard covers.
    fn arm(&self) {
        let gc = Registry::open(&self.url)
            .unwrap()
            .with_principal("collector")
            .with_clock(Arc::new(self.clock.time.clone()));
        let deleted = self.deleted.clone();
        let planted = self.planted.clone();
        self.clock.arm(move || {
            let mut plan = gc.gc_plan(DEFAULT_GRACE, false).unwrap();
            plan.items.retain(|i| planted.contains(i.hash.as_str()));
            plan.count = plan.items.len() as u64;
            plan.bytes = plan.items.iter().map(|i| i.bytes).sum();
            let done = gc.gc_apply(&plan).unwrap();
            let kept: BTreeSet<String> = done.skipped.iter().map(|(h, _)| h.to_string()).collect();
            deleted.lock().unwrap().extend(
                plan.items
                    .iter()
                    .map(|i| i.hash.to_string())
                    .filter(|h| !kept.contains(h)),
            );
        });
    }

    /// Whether the armed collector ran.
    fn collected(&self) -> bool {
        self.clock.fired() && !self.deleted.lock().unwrap().is_empty()
    }

    /// Checks that the collector deleted a planted blob that an event of
    /// `log` names (followed: a manifest's chunks, a list's files), so the
    /// writer did deduplicate against garbage the collector then removed;
    /// and that nothing any event names is missing.
    fn check_raced(&self, log: &str) {
        let mut stack: Vec<String> = Vec::new();
        for e in self.r.store().read_log(log).unwrap() {
            let v: serde_json::Value = serde_json::from_slice(&e.bytes).unwrap();
            stack.extend(
                mlops_core::gc::refs::tokens(&v)
                    .into_iter()
                    .map(|t| t.hash.to_string()),
            );
        }
        let mut named: BTreeSet<String> = BTreeSet::new();
        while let Some(h) = stack.pop() {
            if !named.insert(h.clone()) {
                continue;
            }
            if let Ok(bytes) = self.r.store().get_blob(&h) {
                let refs = mlops_core::gc::references(self.r.store(), &bytes).unwrap();
                stack.extend(refs.into_iter().map(|x| x.hash.to_string()));
            }
        }
        let deleted = self.deleted.lock().unwrap();
        let raced: Vec<&String> = named
            .iter()
            .filter(|h| self.planted.contains(*h) && deleted.contains(*h))
            .collect();
        assert!(
            !raced.is_empty(),
            "{}: no blob of the last event of {log} was planted and then collected",
            self.url
        );
        let f = self.r.fsck().unwrap();
        assert!(f.missing.is_empty(), "{}: {:?}", self.url, f.missing);
    }
}

fn is_integrity(e: &Error) -> bool {
    matches!(e, Error::Integrity(m) if m.contains("was collected before"))
}

fn start(r: &Registry) -> mlops_core::runs::Run {
    r.start_run(StartRun {
        experiment: Some("e".into()),
        options: RunOptions {
            compact_on_end: false,
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn a_run_artifact_whose_blob_is_collected_is_not_logged() {
    for s in stores("gcw-artifact") {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("model.bin");
        let content = bytes(7, 700_000);
        std::fs::write(&file, &content).unwrap();
        let scratch = Registry::open("memory://").unwrap();
        let run = start(&scratch);
        run.log_artifact(&file, None).unwrap();
        run.end(RunStatus::Finished, None).unwrap();

        let mut race = Race::new(&s);
        race.plant(&scratch);
        let run = start(&race.r);
        race.arm();
        let err = run.log_artifact(&file, None).unwrap_err();
        assert!(is_integrity(&err), "{}: {err}", s.url);
        assert!(race.collected());
        assert!(race.r.run(run.id()).unwrap().artifacts.is_empty());
        // Logged again: stored anew, and it reads back.
        run.log_artifact(&file, None).unwrap();
        race.check_raced(&format!("runs/{}/log", run.id()));
        let a = &race.r.run(run.id()).unwrap().artifacts[0];
        let mut back = Vec::new();
        race.r.store().get_content(&a.content, &mut back).unwrap();
        assert_eq!(back, content);
        run.end(RunStatus::Finished, None).unwrap();
        race.r.verify_run(run.id()).unwrap();
    }
}

/// 1,000 points with their times given, so the segment is the same bytes
/// on every store.
fn points() -> RecordBatch {
    let n = 1_000;
    RecordBatch::try_from_iter([
        (
            "key",
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| ["loss", "acc"][i % 2]),
            )) as ArrayRef,
        ),
        (
            "step",
            Arc::new(Int64Array::from_iter_values(0..n as i64)) as _,
        ),
        (
            "value",
            Arc::new(Float64Array::from_iter_values(
                (0..n).map(|i| i as f64 / 7.0),
            )) as _,
        ),
        (
            "time",
            Arc::new(Int64Array::from_iter_values(
                (0..n as i64).map(|i| 1_800_000_000_000_000 + i),
            )) as _,
        ),
    ])
    .unwrap()
}

#[test]
fn a_run_flush_whose_segment_is_collected_stores_it_again() {
    for s in stores("gcw-segment") {
        let scratch = Registry::open("memory://").unwrap();
        let run = start(&scratch);
        run.log_table(&points()).unwrap();
        run.end(RunStatus::Finished, None).unwrap();

        let mut race = Race::new(&s);
        race.plant(&scratch);
        let run = start(&race.r);
        run.log_table(&points()).unwrap();
        race.arm();
        // The flusher meets the race, and writes the segment again.
        run.flush().unwrap();
        assert!(race.collected());
        race.check_raced(&format!("runs/{}/log", run.id()));
        run.end(RunStatus::Finished, None).unwrap();
        assert_eq!(race.r.verify_run(run.id()).unwrap(), 1_000);
    }
}

/// A package of two files; another `version` has the same files under
/// another manifest.
fn package(dir: &std::path::Path, version: &str) -> Package {
    std::fs::create_dir_all(dir.join("weights")).unwrap();
    std::fs::write(dir.join("weights/w.bin"), bytes(11, 900_000)).unwrap();
    std::fs::write(dir.join("model.pkl"), b"pickle").unwrap();
    Package::build(dir, Manifest::new("m", version, Flavor::Sklearn)).unwrap()
}

#[test]
fn a_logged_model_whose_files_are_collected_is_not_registered() {
    for s in stores("gcw-model") {
        let dir = tempfile::tempdir().unwrap();
        // The files were pushed before in another package (since
        // expired and collected but for its file contents).
        let scratch = Registry::open("memory://").unwrap();
        let before = package(&dir.path().join("before"), "0.9.0");
        scratch.push_package(&before, "churn", "").unwrap();
        let pkg = package(&dir.path().join("pkg"), "1.0.0");

        let mut race = Race::new(&s);
        race.plant(&scratch);
        let run = start(&race.r);
        race.arm();
        let err = run.log_model(&pkg, "churn", "").unwrap_err();
        assert!(is_integrity(&err), "{}: {err}", s.url);
        assert!(race.collected());
        assert!(matches!(
            race.r.asset(Kind::Model, "churn"),
            Err(Error::NotFound(_))
        ));
        assert!(race.r.run(run.id()).unwrap().outputs.is_empty());
        assert_eq!(run.log_model(&pkg, "churn", "").unwrap(), 1);
        race.check_raced("assets/model/churn/log");
        let back = race
            .r
            .pull_package("churn", "1", dir.path().join("pulled"))
            .unwrap();
        assert_eq!(back.manifest(), pkg.manifest());
        run.end(RunStatus::Finished, None).unwrap();
    }
}

fn table(start: i64, n: i64) -> RecordBatch {
    let id = Int64Array::from((start..start + n).collect::<Vec<_>>());
    let x: Float64Array = (start..start + n).map(|i| Some(i as f64 * 0.5)).collect();
    RecordBatch::try_from_iter([("id", Arc::new(id) as _), ("x", Arc::new(x) as _)]).unwrap()
}

fn reader(b: RecordBatch) -> impl arrow::record_batch::RecordBatchReader {
    let schema = b.schema();
    RecordBatchIterator::new(vec![Ok(b)], schema)
}

#[test]
fn a_data_set_of_parts_whose_part_is_collected_is_not_committed() {
    for s in stores("gcw-parts") {
        let scratch = Registry::open("memory://").unwrap();
        for (a, n) in [(0, 5_000), (5_000, 3_000)] {
            scratch
                .write_dataset_part("events", reader(table(a, n)))
                .unwrap();
        }
        let mut race = Race::new(&s);
        race.plant(&scratch);
        // The workers' parts deduplicate against the garbage.
        let parts: Vec<_> = [(0, 5_000), (5_000, 3_000)]
            .into_iter()
            .map(|(a, n)| {
                race.r
                    .write_dataset_part("events", reader(table(a, n)))
                    .unwrap()
            })
            .collect();
        race.arm();
        let err = race
            .r
            .commit_dataset_parts("events", &parts, "", json!({}))
            .unwrap_err();
        assert!(is_integrity(&err), "{}: {err}", s.url);
        assert!(race.collected());
        assert!(matches!(
            race.r.asset(Kind::Dataset, "events"),
            Err(Error::NotFound(_))
        ));
        // The workers write their parts again; the driver commits.
        let parts: Vec<_> = [(0, 5_000), (5_000, 3_000)]
            .into_iter()
            .map(|(a, n)| {
                race.r
                    .write_dataset_part("events", reader(table(a, n)))
                    .unwrap()
            })
            .collect();
        let v = race
            .r
            .commit_dataset_parts("events", &parts, "", json!({}))
            .unwrap();
        race.check_raced("assets/dataset/events/log");
        let (_, batches) = race.r.read_dataset("events", &v.to_string(), None).unwrap();
        assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 8_000);
    }
}

#[test]
fn a_gate_report_whose_blob_is_collected_is_not_recorded() {
    for s in stores("gcw-gate") {
        let metrics = std::collections::BTreeMap::from([("auc".to_string(), 0.91)]);
        let report = mlops_core::validate::gate(&metrics, None, &["auc >= 0.9"]).unwrap();
        let scratch = Registry::open("memory://").unwrap();
        scratch
            .add_version(Kind::Model, "m", b"weights", "", json!({}))
            .unwrap();
        scratch.record_gate(Kind::Model, "m", 1, &report).unwrap();

        let mut race = Race::new(&s);
        race.r
            .add_version(Kind::Model, "m", b"weights", "", json!({}))
            .unwrap();
        race.plant(&scratch);
        race.arm();
        let err = race
            .r
            .record_gate(Kind::Model, "m", 1, &report)
            .unwrap_err();
        assert!(is_integrity(&err), "{}: {err}", s.url);
        assert!(race.collected());
        assert!(race.r.asset(Kind::Model, "m").unwrap().gates.is_empty());
        race.r.record_gate(Kind::Model, "m", 1, &report).unwrap();
        race.check_raced("assets/model/m/log");
        assert!(race.r.asset(Kind::Model, "m").unwrap().gates[&1].passed);
    }
}

/// Traffic at 2026-11-02 00:00 UTC and after: `n` rows a minute apart.
fn traffic(n: i64) -> RecordBatch {
    let t0 = 1_793_577_600_000i64;
    RecordBatch::try_from_iter([
        (
            "t",
            Arc::new(
                TimestampMillisecondArray::from_iter_values((0..n).map(|i| t0 + i * 60_000))
                    .with_timezone("UTC"),
            ) as ArrayRef,
        ),
        (
            "x",
            Arc::new(Float64Array::from_iter_values(
                (0..n).map(|i| (i % 17) as f64),
            )) as _,
        ),
    ])
    .unwrap()
}

#[test]
fn a_monitor_whose_reference_blobs_are_collected_is_not_created() {
    for s in stores("gcw-monitor") {
        let new = NewMonitor {
            reference: Some(("ref".into(), "1".into())),
            timestamp: "t".into(),
            ..Default::default()
        };
        let scratch = Registry::open("memory://").unwrap();
        scratch
            .commit_dataset("ref", reader(traffic(500)), "", json!({}))
            .unwrap();
        scratch.create_monitor("mon", &new).unwrap();

        let mut race = Race::new(&s);
        race.r
            .commit_dataset("ref", reader(traffic(500)), "", json!({}))
            .unwrap();
        race.plant(&scratch);
        race.arm();
        let err = race.r.create_monitor("mon", &new).unwrap_err();
        assert!(is_integrity(&err), "{}: {err}", s.url);
        assert!(race.collected());
        assert!(matches!(
            race.r.monitor_state("mon"),
            Err(Error::NotFound(_))
        ));
        race.r.create_monitor("mon", &new).unwrap();
        race.check_raced("monitors/mon/log");
    }
}

#[test]
fn a_monitor_flush_whose_profile_is_collected_stores_it_again() {
    for s in stores("gcw-monitor-data") {
        let new = NewMonitor {
            timestamp: "t".into(),
            ..Default::default()
        };
        let at = Some(1_793_577_600_000 + 2 * 3_600_000);
        let scratch = Registry::open("memory://").unwrap();
        let mon = scratch.create_monitor("mon", &new).unwrap();
        mon.set_clock(at);
        mon.log(&traffic(50)).unwrap();
        mon.flush().unwrap();

        let mut race = Race::new(&s);
        let mon = race.r.create_monitor("mon", &new).unwrap();
        mon.set_clock(at);
        race.plant(&scratch);
        // The first batch fixes the schema (an event of its own).
        assert_eq!(mon.log(&traffic(50)).unwrap(), 50);
        race.arm();
        mon.flush().unwrap();
        assert!(race.collected());
        race.check_raced("monitors/mon/log");
        let state = race.r.monitor_state("mon").unwrap();
        let rows: u64 = state.windows.values().map(|w| w.rows).sum();
        assert_eq!(rows, 50);
    }
}
