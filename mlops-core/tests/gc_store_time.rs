//! The collector counts its grace period in the store's time (research on
//! versioning, §3.2; `gc::store_time`): "now" is the `last_modified` of a
//! marker it writes, so a collector on a machine whose clock is days fast
//! deletes nothing early, and one whose clock is slow still deletes what
//! the store says is old. Its markers are removed when it is done, and one
//! a killed collector left is removed by the next apply once an hour old.
//! On a folder, and on S3 when `MLOPS_TEST_S3_URL` is set.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use mlops_core::clock::{Clock, SystemClock};
use mlops_core::gc::GcReason;
use mlops_core::registry::Registry;

#[path = "support/stores.rs"]
mod support;
use support::stores;

const HOUR: Duration = Duration::from_secs(3_600);
const DAY: Duration = Duration::from_secs(86_400);

/// The clock of a machine that is `0` milliseconds off the true time: the
/// machine's own clock (so it claims no lead over the store), but wrong.
#[derive(Debug)]
struct Skewed(i64);

impl Clock for Skewed {
    fn now_ms(&self) -> u64 {
        (SystemClock.now_ms() as i64 + self.0) as u64
    }

    fn ahead_of_store_ms(&self) -> i64 {
        0
    }
}

fn collector(url: &str, skew: i64) -> Registry {
    Registry::open(url)
        .unwrap()
        .with_principal("collector")
        .with_clock(Arc::new(Skewed(skew)))
}

/// The collectors' markers in the store.
fn markers(r: &Registry) -> Vec<String> {
    r.store()
        .list_objects("_gc")
        .unwrap()
        .into_iter()
        .map(|o| o.path)
        .filter(|p| p.starts_with("_gc/t0-"))
        .collect()
}

#[test]
fn a_fast_clock_deletes_nothing_early() {
    for s in stores("gct-fast") {
        let fast = collector(&s.url, 3 * DAY.as_millis() as i64);
        fast.store().put_blob(b"garbage written just now").unwrap();
        // By its own clock the blob is 3 days old, past a 1-day grace; by
        // the store's it was written seconds ago.
        let plan = fast.gc_plan(DAY, false).unwrap();
        assert_eq!((plan.count, plan.bytes), (0, 0), "{}", s.url);
        let now = SystemClock.now_ms();
        assert!(
            plan.created.abs_diff(now) < 10 * 60_000,
            "{}: the plan is dated {} by the store, {now} by the system",
            s.url,
            plan.created
        );
        assert_eq!(fast.gc_apply(&plan).unwrap().count, 0);
        assert!(markers(&fast).is_empty(), "{}", s.url);
        // With no grace (unsafe) the store's time still says it is there
        // to take.
        let plan = fast.gc_plan(Duration::ZERO, true).unwrap();
        assert_eq!(plan.count, 1, "{}", s.url);
        assert_eq!(fast.gc_apply(&plan).unwrap().count, 1);
        assert!(markers(&fast).is_empty(), "{}", s.url);
    }
}

/// Sets the store's `last_modified` of a folder's object (its file's mtime).
fn age(root: &std::path::Path, key: &str, by: Duration) {
    std::fs::File::options()
        .write(true)
        .open(root.join(key))
        .unwrap()
        .set_modified(SystemTime::now() - by)
        .unwrap();
}

#[test]
fn a_slow_clock_deletes_what_the_store_says_is_old() {
    let s = support::folder("gct-slow");
    let support::Raw::Folder(root) = &s.raw else {
        unreachable!("a folder store")
    };
    let slow = collector(&s.url, -3 * DAY.as_millis() as i64);
    let old = slow
        .store()
        .put_blob(b"garbage from four days ago")
        .unwrap();
    let young = slow.store().put_blob(b"garbage from an hour ago").unwrap();
    age(root, &format!("blobs/{}/{old}", &old[..2]), 4 * DAY);
    age(root, &format!("blobs/{}/{young}", &young[..2]), HOUR);
    // By its own clock the old blob was written a day in the future; by
    // the store's it is 4 days old, past a 2-day grace.
    let plan = slow.gc_plan(2 * DAY, false).unwrap();
    let planned: Vec<_> = plan
        .items
        .iter()
        .map(|i| (i.hash.clone(), i.reason))
        .collect();
    assert_eq!(planned, vec![(old.clone(), GcReason::NeverReferenced)]);
    let done = slow.gc_apply(&plan).unwrap();
    assert_eq!((done.count, done.bytes), (plan.count, plan.bytes));
    assert!(!slow.store().has_blob(&old).unwrap());
    assert!(slow.store().has_blob(&young).unwrap());
}

#[test]
fn a_killed_collectors_marker_goes_after_an_hour() {
    let s = support::folder("gct-marker");
    let support::Raw::Folder(root) = &s.raw else {
        unreachable!("a folder store")
    };
    let r = collector(&s.url, 0);
    r.add_version(
        mlops_core::registry::Kind::Model,
        "m",
        b"weights",
        "",
        serde_json::json!({}),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("_gc")).unwrap();
    for (name, by) in [("t0-killed", 2 * HOUR), ("t0-running", Duration::ZERO)] {
        std::fs::write(root.join("_gc").join(name), b"{}").unwrap();
        age(root, &format!("_gc/{name}"), by);
    }
    // A writer reads the markers as no tombstones.
    r.add_version(
        mlops_core::registry::Kind::Model,
        "m",
        b"weights 2",
        "",
        serde_json::json!({}),
    )
    .unwrap();
    let plan = r.gc_plan(HOUR, false).unwrap();
    assert_eq!(plan.count, 0);
    r.gc_apply(&plan).unwrap();
    assert_eq!(markers(&r), vec!["_gc/t0-running".to_string()]);
    assert!(r.fsck().unwrap().ok());
}
