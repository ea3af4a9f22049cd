//! The collector and retention (`mlops_core::gc`, `Registry::expire`): the
//! acceptance scenarios 1-4 and 8 of the versioning study, on a folder and
//! on S3 when `MLOPS_TEST_S3_URL` is set, and a seeded property test of
//! 1,000 interleavings of writers and collectors; search hits of expired
//! versions.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use mlops_core::clock::ManualClock;
use mlops_core::gc::{GcReason, DEFAULT_GRACE};
use mlops_core::registry::{AssetRef, Kind, Registry, Retention};
use mlops_core::runs::{RunOptions, RunStatus, StartRun};
use mlops_core::store::Hash;
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
const DAY: Duration = Duration::from_secs(86_400);

fn registry(s: &TestStore) -> (Registry, ManualClock) {
    let clock = ManualClock::starting_now();
    let r = Registry::open(&s.url)
        .unwrap()
        .with_principal("ops")
        .with_clock(Arc::new(clock.clone()));
    (r, clock)
}

/// The blobs in the store.
fn blobs(r: &Registry) -> BTreeSet<String> {
    r.store()
        .list_objects("blobs")
        .unwrap()
        .into_iter()
        .map(|o| o.path.rsplit('/').next().unwrap().to_string())
        .collect()
}

/// A version's manifest and chunks.
fn named_by(r: &Registry, kind: Kind, name: &str, v: u64) -> BTreeSet<String> {
    let a = r.asset(kind, name).unwrap();
    let content = &a.versions[v as usize - 1].content;
    let mut out: BTreeSet<String> = r
        .store()
        .manifest(content)
        .unwrap()
        .chunks
        .into_iter()
        .map(|(h, _)| h.to_string())
        .collect();
    out.insert(content.to_string());
    out
}

/// The size of each blob.
fn sizes(r: &Registry) -> std::collections::HashMap<String, u64> {
    r.store()
        .list_objects("blobs")
        .unwrap()
        .into_iter()
        .map(|o| (o.path.rsplit('/').next().unwrap().to_string(), o.size))
        .collect()
}

fn big(s: &TestStore) -> usize {
    if s.url.contains("://") {
        16 << 20
    } else {
        64 << 20
    }
}

#[test]
fn in_flight_upload_survives_gc() {
    for s in stores("gc-inflight") {
        let (r, clock) = registry(&s);
        let content = bytes(1, big(&s));
        let staged = r.stage_content(content.as_slice()).unwrap();
        let before = blobs(&r);
        assert!(before.len() > 10, "{} chunks", before.len());
        // Grace 0 without the unsafe flag: refused, nothing deleted.
        assert!(matches!(
            r.gc_plan(Duration::ZERO, false),
            Err(Error::InvalidInput(_))
        ));
        clock.advance(Duration::from_secs(600));
        let plan = r.gc_plan(HOUR, false).unwrap();
        assert_eq!((plan.count, plan.bytes), (0, 0));
        assert_eq!(r.gc_apply(&plan).unwrap().count, 0);
        assert_eq!(blobs(&r), before);
        let v = r
            .commit_staged(Kind::Model, "big", staged, "", json!({}))
            .unwrap();
        assert_eq!(v, 1);
        assert_eq!(r.get(Kind::Model, "big", "1").unwrap(), content);
        r.verify(Kind::Model, "big").unwrap();
        let f = r.fsck().unwrap();
        assert_eq!((f.orphans.len(), f.missing.len()), (0, 0));
    }
}

#[test]
fn exact_reclamation_after_keep_last() {
    for s in stores("gc-exact") {
        let (r, clock) = registry(&s);
        let size = big(&s);
        let mut content = bytes(2, size);
        let mut versions = Vec::new();
        for i in 0..5u64 {
            if i > 0 {
                // 1 MiB changed in a new place each time.
                let at = (i as usize) * size / 6;
                content[at..at + (1 << 20)].copy_from_slice(&bytes(100 + i, 1 << 20));
            }
            r.add_version(Kind::Dataset, "big", content.as_slice(), "", json!({}))
                .unwrap();
            versions.push(content.clone());
        }
        r.set_alias(Kind::Dataset, "big", "production", 2).unwrap();
        let rule = Retention {
            keep_last: Some(2),
            keep_within: None,
        };
        assert_eq!(r.expire(Kind::Dataset, "big", &rule).unwrap(), vec![1, 3]);
        // The unique bytes of v1 and v3: their blobs no kept version names.
        let kept: BTreeSet<String> = [2, 4, 5]
            .iter()
            .flat_map(|&v| named_by(&r, Kind::Dataset, "big", v))
            .collect();
        let gone: BTreeSet<String> = [1, 3]
            .iter()
            .flat_map(|&v| named_by(&r, Kind::Dataset, "big", v))
            .filter(|h| !kept.contains(h))
            .collect();
        let sz = sizes(&r);
        let want: u64 = gone.iter().map(|h| sz[h]).sum();
        // About 2 MiB changed around each of v2 and v4 (plus a chunk either side).
        assert!(want > (1 << 20) && want < (6 << 20), "{want}");
        // Within the grace: nothing.
        assert_eq!(r.gc_plan(DEFAULT_GRACE, false).unwrap().count, 0);
        clock.advance(DEFAULT_GRACE + HOUR);
        let objects = blobs(&r);
        let plan = r.gc_plan(DEFAULT_GRACE, false).unwrap();
        assert_eq!(plan.bytes, want);
        assert_eq!(plan.count, gone.len() as u64);
        assert!(plan.items.iter().all(|i| i.reason == GcReason::ExpiredOnly));
        assert_eq!(blobs(&r), objects, "a plan deletes nothing");
        let done = r.gc_apply(&plan).unwrap();
        assert_eq!((done.count, done.bytes), (plan.count, plan.bytes));
        for (v, want) in [(2u64, &versions[1]), (4, &versions[3]), (5, &versions[4])] {
            assert_eq!(&r.get(Kind::Dataset, "big", &v.to_string()).unwrap(), want);
        }
        assert_eq!(
            r.get(Kind::Dataset, "big", "production").unwrap(),
            versions[1]
        );
        assert!(matches!(
            r.get(Kind::Dataset, "big", "1"),
            Err(Error::Expired(_))
        ));
        // Expired versions' content is not checked (it may be collected).
        assert_eq!(r.verify(Kind::Dataset, "big").unwrap(), 7);
        let f = r.fsck().unwrap();
        assert_eq!((f.orphans.len(), f.missing.len()), (0, 0));
    }
}

#[test]
fn dedup_race_keeps_or_fails_closed() {
    for s in stores("gc-dedup") {
        let (r, clock) = registry(&s);
        let x = bytes(3, 600_000);
        r.add_version(Kind::Model, "m", x.as_slice(), "", json!({}))
            .unwrap();
        r.add_version(Kind::Model, "m", &b"other"[..], "", json!({}))
            .unwrap();
        let rule = Retention {
            keep_last: Some(1),
            keep_within: None,
        };
        assert_eq!(r.expire(Kind::Model, "m", &rule).unwrap(), vec![1]);
        clock.advance(DEFAULT_GRACE + HOUR);
        // Session S deduplicates every blob of the expired v1.
        let staged = r.stage_content(x.as_slice()).unwrap();
        let v1: BTreeSet<String> = named_by(&r, Kind::Model, "m", 1);
        let hits: BTreeSet<String> = staged.deduplicated.iter().map(|h| h.to_string()).collect();
        assert_eq!(hits, v1);
        // Its lease is live: the collector keeps them.
        let plan = r.gc_plan(DEFAULT_GRACE, false).unwrap();
        assert!(plan
            .items
            .iter()
            .all(|i| !staged.deduplicated.contains(&i.hash)));
        r.gc_apply(&plan).unwrap();
        // The lease lapses: a plan lists them, apply deletes and puts them
        // back once it sees the lease.
        clock.advance(HOUR);
        let plan = r.gc_plan(DEFAULT_GRACE, false).unwrap();
        let listed: Vec<&Hash> = plan.items.iter().map(|i| &i.hash).collect();
        assert!(staged.deduplicated.iter().all(|h| listed.contains(&h)));
        let done = r.gc_apply(&plan).unwrap();
        assert_eq!(done.count, 0);
        // The lease, lapsed but there, still keeps them.
        assert!(done.skipped.iter().all(|(_, why)| why == "referenced"));
        let v = r
            .commit_staged(Kind::Model, "m", staged, "", json!({}))
            .unwrap();
        assert_eq!(r.get(Kind::Model, "m", &v.to_string()).unwrap(), x);
        assert!(r.fsck().unwrap().missing.is_empty());

        // A writer that stalls past the lease's cleanup fails closed.
        let y = bytes(4, 300_000);
        r.add_version(Kind::Model, "n", y.as_slice(), "", json!({}))
            .unwrap();
        r.add_version(Kind::Model, "n", &b"n2"[..], "", json!({}))
            .unwrap();
        r.expire(Kind::Model, "n", &rule).unwrap();
        let named_n = named_by(&r, Kind::Model, "n", 1);
        clock.advance(DEFAULT_GRACE + HOUR);
        let staged = r.stage_content(y.as_slice()).unwrap();
        clock.advance(DEFAULT_GRACE + DAY);
        // The first apply removes the stale lease (and puts back what it named).
        let first = r
            .gc_apply(&r.gc_plan(DEFAULT_GRACE, false).unwrap())
            .unwrap();
        assert!(first.skipped.iter().any(|(_, why)| why == "referenced"));
        let second = r
            .gc_apply(&r.gc_plan(DEFAULT_GRACE, false).unwrap())
            .unwrap();
        assert_eq!(second.count as usize, named_n.len(), "{second:?}");
        let err = r
            .commit_staged(Kind::Model, "n", staged, "", json!({}))
            .unwrap_err();
        assert!(matches!(err, Error::Integrity(_)), "{err}");
        assert_eq!(r.asset(Kind::Model, "n").unwrap().versions.len(), 2);
        assert!(r.fsck().unwrap().missing.is_empty());
    }
}

#[test]
fn tags_do_not_leak() {
    for s in stores("gc-tags") {
        let (r, clock) = registry(&s);
        for i in 0..20u64 {
            r.add_version(
                Kind::Model,
                "m",
                bytes(10 + i, 400_000).as_slice(),
                "",
                json!({}),
            )
            .unwrap();
            if i == 0 {
                r.set_tag(Kind::Model, "m", 1, "release", Some("first"))
                    .unwrap();
            }
        }
        let rule = Retention {
            keep_last: Some(3),
            keep_within: None,
        };
        assert_eq!(
            r.expire(Kind::Model, "m", &rule).unwrap(),
            (2..=17).collect::<Vec<_>>()
        );
        clock.advance(DEFAULT_GRACE + HOUR);
        let plan = r.gc_plan(DEFAULT_GRACE, false).unwrap();
        let done = r.gc_apply(&plan).unwrap();
        assert_eq!((done.count, done.bytes), (plan.count, plan.bytes));
        let want: BTreeSet<String> = [1, 18, 19, 20]
            .iter()
            .flat_map(|&v| named_by(&r, Kind::Model, "m", v))
            .collect();
        assert_eq!(blobs(&r), want);
        let f = r.fsck().unwrap();
        assert_eq!((f.orphans.len(), f.missing.len()), (0, 0));
        assert_eq!(r.get(Kind::Model, "m", "1").unwrap(), bytes(10, 400_000));
    }
}

#[test]
fn retention_expires_and_history_shows_it() {
    for s in stores("gc-retention") {
        let (r, clock) = registry(&s);
        for i in 0..8u64 {
            r.add_version(
                Kind::Dataset,
                "d",
                format!("rows {i}").as_bytes(),
                "",
                json!({}),
            )
            .unwrap();
            clock.advance(DAY);
        }
        r.add_version(Kind::Model, "p", &b"w"[..], "", json!({}))
            .unwrap();
        r.set_alias(Kind::Dataset, "d", "production", 2).unwrap();
        r.record_lineage(
            &AssetRef {
                kind: Kind::Model,
                name: "p".into(),
                version: 1,
            },
            &[AssetRef {
                kind: Kind::Dataset,
                name: "d".into(),
                version: 3,
            }],
            None,
            None,
        )
        .unwrap();
        r.pin(Kind::Dataset, "d", 5, true).unwrap();
        clock.advance(60 * DAY);
        let rule = Retention {
            keep_last: Some(3),
            keep_within: Some(30 * DAY),
        };
        let who = r
            .clone()
            .with_principal("retention-bot")
            .with_reason("quarterly cleanup");
        assert_eq!(who.expire(Kind::Dataset, "d", &rule).unwrap(), vec![1, 4]);
        // Expired, never NotFound: by number, through get and get_to.
        for v in ["1", "v4"] {
            assert!(matches!(
                r.version(Kind::Dataset, "d", v),
                Err(Error::Expired(_))
            ));
            assert!(matches!(
                r.get(Kind::Dataset, "d", v),
                Err(Error::Expired(_))
            ));
        }
        let msg = r.get(Kind::Dataset, "d", "1").unwrap_err().to_string();
        assert!(
            msg.contains("retention-bot") && msg.contains("keep_last=3 keep_within=30d"),
            "{msg}"
        );
        assert_eq!(r.get(Kind::Dataset, "d", "production").unwrap(), b"rows 1");
        assert_eq!(r.get(Kind::Dataset, "d", "3").unwrap(), b"rows 2");
        assert_eq!(r.get(Kind::Dataset, "d", "5").unwrap(), b"rows 4");
        assert!(matches!(
            r.get(Kind::Dataset, "d", "9"),
            Err(Error::NotFound(_))
        ));
        // An alias cannot move to an expired version.
        assert!(matches!(
            r.set_alias(Kind::Dataset, "d", "staging", 1),
            Err(Error::Expired(_))
        ));
        let h = r.history(Kind::Dataset, "d").unwrap();
        let e = h.iter().find(|e| e.action.as_str() == "expire").unwrap();
        assert_eq!(e.principal, "retention-bot");
        assert_eq!(e.reason.as_deref(), Some("quarterly cleanup"));
        assert_eq!(
            e.detail(),
            "expired v1, v4 (keep_last=3 keep_within=30d)  (reason: quarterly cleanup)"
        );
        let a = r.asset(Kind::Dataset, "d").unwrap();
        assert_eq!(a.expired.keys().copied().collect::<Vec<_>>(), vec![1, 4]);
        assert_eq!(a.expired[&1].principal, "retention-bot");
        // Expiring again expires nothing more and writes nothing.
        let events = a.events;
        assert!(r.expire(Kind::Dataset, "d", &rule).unwrap().is_empty());
        assert_eq!(r.asset(Kind::Dataset, "d").unwrap().events, events);
        // No rule: refused.
        assert!(matches!(
            r.expire(Kind::Dataset, "d", &Retention::default()),
            Err(Error::InvalidInput(_))
        ));
    }
}

#[test]
fn expire_is_checked_by_the_access_policy() {
    let r = Registry::open("memory://").unwrap().with_principal("admin");
    for i in 0..3u64 {
        r.add_version(Kind::Model, "m", format!("w{i}").as_bytes(), "", json!({}))
            .unwrap();
    }
    r.grant("admin", mlops_core::governance::Role::Admin, "*")
        .unwrap();
    r.grant("dev", mlops_core::governance::Role::Writer, "*")
        .unwrap();
    let rule = Retention {
        keep_last: Some(1),
        keep_within: None,
    };
    let dev = r.clone().with_principal("dev");
    assert!(matches!(
        dev.expire(Kind::Model, "m", &rule),
        Err(Error::PermissionDenied(_))
    ));
    dev.pin(Kind::Model, "m", 1, true).unwrap();
    assert_eq!(r.expire(Kind::Model, "m", &rule).unwrap(), vec![2]);
}

/// Search hits say whether retention expired their version (`expired`, a
/// filter field too), also for a search that read the asset before the
/// expiry; the asset names who expired it and by which rule.
#[test]
fn search_hits_say_which_versions_expired() {
    for s in stores("gc-search") {
        let (r, _clock) = registry(&s);
        for i in 0..3u64 {
            r.add_version(Kind::Model, "m", format!("w{i}").as_bytes(), "", json!({}))
                .unwrap();
        }
        r.set_alias(Kind::Model, "m", "production", 1).unwrap();
        let flags = |q: &str| -> Vec<(u64, bool)> {
            r.search(q, false)
                .unwrap()
                .iter()
                .map(|h| {
                    (
                        h["version"].as_u64().unwrap(),
                        h["expired"].as_bool().unwrap(),
                    )
                })
                .collect()
        };
        assert_eq!(flags("name = 'm'"), [(1, false), (2, false), (3, false)]);
        assert!(flags("expired = true").is_empty());
        let rule = Retention {
            keep_last: Some(1),
            keep_within: None,
        };
        let bot = r.clone().with_principal("retention-bot");
        assert_eq!(bot.expire(Kind::Model, "m", &rule).unwrap(), vec![2]);
        assert_eq!(flags("name = 'm'"), [(1, false), (2, true), (3, false)]);
        assert_eq!(flags("expired = true"), [(2, true)]);
        assert_eq!(flags("expired = false"), [(1, false), (3, false)]);
        assert_eq!(flags("not expired = true and version > 1"), [(3, false)]);
        let page = r.search_page("expired = true", false, 10, None).unwrap();
        assert_eq!(page.hits.len(), 1);
        assert_eq!(
            (
                page.hits[0]["version"].clone(),
                page.hits[0]["expired"].clone()
            ),
            (json!(2), json!(true))
        );
        r.pin(Kind::Model, "m", 3, true).unwrap();
        let a = r.asset(Kind::Model, "m").unwrap();
        let e = &a.expired[&2];
        assert_eq!(
            (e.principal.as_str(), e.policy.as_str(), e.seq),
            ("retention-bot", "keep_last=1", 5)
        );
        assert_eq!(a.pinned.iter().copied().collect::<Vec<_>>(), [3]);
    }
}

/// 1,000 seeded interleavings of writers (store content, deduplicate,
/// commit; a run logging artifacts, with a collector run inside it between
/// its put and its event), retention and collectors (plan, apply, stopped
/// midway) over a moving clock: no committed version or logged artifact is
/// ever lost, and past the grace orphans are 0 and plan bytes equal apply
/// bytes.
#[test]
fn interleavings_lose_nothing() {
    let mut failed_closed = 0;
    let mut artifacts_failed_closed = 0;
    let mut restored = 0;
    let mut deleted = 0u64;
    let deleted_inside = Arc::new(std::sync::atomic::AtomicU64::new(0));
    for seed in 0..1_000u64 {
        let clock = RaceClock::starting_now();
        let r = Registry::open("memory://")
            .unwrap()
            .with_clock(Arc::new(clock.clone()));
        let mut rng = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        // A small pool of contents, so writers deduplicate often.
        let pool: Vec<Vec<u8>> = (0..4).map(|i| bytes(seed * 8 + i, 150_000)).collect();
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<std::path::PathBuf> = pool
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let p = dir.path().join(format!("c{i}"));
                std::fs::write(&p, b).unwrap();
                p
            })
            .collect();
        let run = r
            .start_run(StartRun {
                options: RunOptions {
                    compact_on_end: false,
                    ..Default::default()
                },
                ..Default::default()
            })
            .unwrap();
        // (artifact path, pool index) of every artifact logged.
        let mut logged: Vec<(String, usize)> = Vec::new();
        let mut tries = 0;
        let mut staged = Vec::new();
        let mut committed: Vec<(u64, usize)> = Vec::new();
        let mut plans = Vec::new();
        let trace = std::env::var("GC_TRACE").is_ok_and(|t| t == seed.to_string());
        for _ in 0..12 {
            let op = next(9);
            if trace {
                eprintln!(
                    "op {op} staged {} committed {committed:?} plans {}",
                    staged.len(),
                    plans.len()
                );
            }
            match op {
                0 | 1 => {
                    let c = next(pool.len() as u64) as usize;
                    staged.push((r.stage_content(pool[c].as_slice()).unwrap(), c));
                }
                2 if !staged.is_empty() => {
                    let (s, c) = staged.remove(next(staged.len() as u64) as usize);
                    match r.commit_staged(Kind::Model, "m", s, "", json!({})) {
                        Ok(v) => committed.push((v, c)),
                        Err(Error::Integrity(_)) => failed_closed += 1,
                        Err(e) => panic!("seed {seed}: {e}"),
                    }
                }
                3 if !committed.is_empty() => {
                    let rule = Retention {
                        keep_last: Some(1 + next(2)),
                        keep_within: None,
                    };
                    r.expire(Kind::Model, "m", &rule).unwrap();
                }
                4 => clock.time.advance(Duration::from_secs(next(3 * 86_400))),
                7 | 8 => {
                    let c = next(pool.len() as u64) as usize;
                    if next(2) == 0 {
                        // A collector inside the writer: between its put
                        // (perhaps a deduplication hit) and its event.
                        let (gc, count) = (r.clone(), deleted_inside.clone());
                        let stop = (next(2) == 0).then(|| next(4) as usize);
                        clock.arm(move || {
                            let plan = gc.gc_plan(HOUR, false).unwrap();
                            let done = match stop {
                                Some(k) => gc.gc_apply_stopping_after(&plan, k),
                                None => gc.gc_apply(&plan),
                            };
                            count.fetch_add(
                                done.unwrap().count,
                                std::sync::atomic::Ordering::SeqCst,
                            );
                        });
                    }
                    tries += 1;
                    let path = format!("a{tries}");
                    match run.log_artifact(&files[c], Some(&path)) {
                        Ok(()) => logged.push((path, c)),
                        Err(Error::Integrity(_)) => artifacts_failed_closed += 1,
                        Err(e) => panic!("seed {seed}: {e}"),
                    }
                    assert!(clock.fired(), "seed {seed}: the writer read no clock");
                }
                5 => plans.push(r.gc_plan(HOUR, false).unwrap()),
                _ if !plans.is_empty() => {
                    let plan = plans.remove(0);
                    let done = if next(2) == 0 {
                        r.gc_apply(&plan).unwrap()
                    } else {
                        r.gc_apply_stopping_after(&plan, next(4) as usize).unwrap()
                    };
                    restored += done
                        .skipped
                        .iter()
                        .filter(|(_, w)| w == "restored" || w == "referenced")
                        .count();
                    deleted += done.count;
                }
                _ => {}
            }
            // Every committed, unexpired version reads back verified.
            for &(v, c) in &committed {
                match r.get(Kind::Model, "m", &v.to_string()) {
                    Ok(b) => assert_eq!(b, pool[c], "seed {seed}: v{v}"),
                    Err(Error::Expired(_)) => {}
                    Err(e) => panic!("seed {seed}: v{v}: {e}"),
                }
            }
            check_artifacts(&r, run.id(), &logged, &pool, seed);
            let f = r.fsck().unwrap();
            assert!(f.missing.is_empty(), "seed {seed}: {:?}", f.missing);
        }
        run.end(RunStatus::Finished, None).unwrap();
        for (s, c) in staged.drain(..) {
            match r.commit_staged(Kind::Model, "m", s, "", json!({})) {
                Ok(v) => committed.push((v, c)),
                Err(Error::Integrity(_)) => failed_closed += 1,
                Err(e) => panic!("seed {seed}: {e}"),
            }
        }
        // Past the grace (and the leases' cleanup): everything unreferenced goes.
        clock.time.advance(2 * DAY);
        deleted += r.gc_apply(&r.gc_plan(HOUR, false).unwrap()).unwrap().count;
        let plan = r.gc_plan(HOUR, false).unwrap();
        let done = r.gc_apply(&plan).unwrap();
        assert_eq!(
            (done.count, done.bytes),
            (plan.count, plan.bytes),
            "seed {seed}"
        );
        let f = r.fsck().unwrap();
        let expired_left = f.orphans.len();
        assert_eq!(expired_left, 0, "seed {seed}: orphans {:?}", f.orphans);
        assert!(f.missing.is_empty(), "seed {seed}: {:?}", f.missing);
        for &(v, c) in &committed {
            match r.get(Kind::Model, "m", &v.to_string()) {
                Ok(b) => assert_eq!(b, pool[c], "seed {seed}: v{v}"),
                Err(Error::Expired(_)) => {}
                Err(e) => panic!("seed {seed}: v{v}: {e}"),
            }
        }
        check_artifacts(&r, run.id(), &logged, &pool, seed);
    }
    // The runs did exercise the collector, and the race inside the writer.
    let inside = deleted_inside.load(std::sync::atomic::Ordering::SeqCst);
    eprintln!(
        "deleted {deleted} (+{inside} inside a writer), restored {restored}, \
         failed closed {failed_closed} versions, {artifacts_failed_closed} artifacts"
    );
    assert!(deleted > 100, "{deleted}");
    assert!(
        restored > 0 && failed_closed > 0,
        "{restored} {failed_closed}"
    );
    assert!(
        inside > 0 && artifacts_failed_closed > 0,
        "{inside} {artifacts_failed_closed}"
    );
}

/// Every artifact the run logged reads back verified, as it was.
fn check_artifacts(
    r: &Registry,
    id: &str,
    logged: &[(String, usize)],
    pool: &[Vec<u8>],
    seed: u64,
) {
    let info = r.run(id).unwrap();
    assert_eq!(info.artifacts.len(), logged.len(), "seed {seed}");
    for (path, c) in logged {
        let a = info.artifacts.iter().find(|a| &a.path == path).unwrap();
        let mut back = Vec::new();
        r.store()
            .get_content(&a.content, &mut back)
            .unwrap_or_else(|e| panic!("seed {seed}: artifact {path}: {e}"));
        assert!(back == pool[*c], "seed {seed}: artifact {path}");
    }
}

/// A folder added as a tree (pages, packs, a chunked large file): the
/// collector follows what its root and pages name, and not the files' own
/// hashes in the pages; once v1 expires it frees exactly the objects only
/// v1 names, and v2 checks out byte for byte.
#[test]
fn trees_are_collected_by_what_their_pages_name() {
    for s in stores("gc-trees") {
        let (r, clock) = registry(&s);
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("images");
        std::fs::create_dir_all(src.join("a")).unwrap();
        for i in 0..300u64 {
            let len = 1_000 + (i as usize * 37) % 4_000;
            std::fs::write(src.join("a").join(format!("f{i:03}.bin")), bytes(i, len)).unwrap();
        }
        std::fs::write(src.join("big.bin"), bytes(1_000, 5 << 20)).unwrap();
        r.add_dir(Kind::Dataset, "images", &src, "v1", json!({}))
            .unwrap();
        std::fs::write(src.join("a").join("f007.bin"), b"changed").unwrap();
        std::fs::write(src.join("big.bin"), bytes(2_000, 5 << 20)).unwrap();
        r.add_dir(Kind::Dataset, "images", &src, "v2", json!({}))
            .unwrap();

        let a = r.asset(Kind::Dataset, "images").unwrap();
        let refs = |v: usize| -> BTreeSet<String> {
            mlops_core::tree::referenced_objects(r.store(), &a.versions[v].content)
                .unwrap()
                .into_iter()
                .map(|h| h.to_string())
                .collect()
        };
        let (v1, v2) = (refs(0), refs(1));
        // Everything in the store is named, nothing named is missing.
        let f = r.fsck().unwrap();
        assert!(
            f.ok() && f.missing.is_empty() && f.orphans.is_empty(),
            "{}: {f:?}",
            s.url
        );
        assert_eq!(blobs(&r), &v1 | &v2);
        assert_eq!(r.gc_plan(Duration::ZERO, true).unwrap().count, 0);

        // v1 expires: what only v1 names goes, once past the grace.
        r.expire(
            Kind::Dataset,
            "images",
            &Retention {
                keep_last: Some(1),
                keep_within: None,
            },
        )
        .unwrap();
        clock.advance(DEFAULT_GRACE + HOUR);
        let plan = r.gc_plan(DEFAULT_GRACE, false).unwrap();
        let planned: BTreeSet<String> = plan.items.iter().map(|i| i.hash.to_string()).collect();
        assert_eq!(planned, &v1 - &v2, "{}", s.url);
        assert!(plan.items.iter().all(|i| i.reason == GcReason::ExpiredOnly));
        let sizes = sizes(&r);
        assert_eq!(plan.bytes, planned.iter().map(|h| sizes[h]).sum::<u64>());
        let done = r.gc_apply(&plan).unwrap();
        assert_eq!((done.count, done.bytes), (plan.count, plan.bytes));
        assert_eq!(blobs(&r), v2);
        let f = r.fsck().unwrap();
        assert!(f.ok() && f.orphans.is_empty(), "{f:?}");
        let out = dir.path().join("restored");
        r.checkout(Kind::Dataset, "images", "2", &out).unwrap();
        assert_eq!(std::fs::read(out.join("a/f007.bin")).unwrap(), b"changed");
        assert_eq!(
            std::fs::read(out.join("big.bin")).unwrap(),
            bytes(2_000, 5 << 20)
        );
        assert_eq!(
            std::fs::read(out.join("a/f100.bin")).unwrap(),
            bytes(100, 4_700)
        );
        assert!(matches!(
            r.checkout(Kind::Dataset, "images", "1", dir.path().join("old")),
            Err(Error::Expired(_))
        ));
    }
}

/// A tree reuses the objects of the version before it; one of them gone
/// (collected between the writer's look and its commit) fails the commit
/// closed with `Integrity`, and nothing is committed.
#[test]
fn a_tree_naming_a_collected_pack_is_not_committed() {
    let s = support::folder("gc-tree-race");
    let (r, _) = registry(&s);
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("d");
    std::fs::create_dir_all(&src).unwrap();
    for i in 0..20u64 {
        std::fs::write(src.join(format!("f{i}")), bytes(i, 2_000)).unwrap();
    }
    r.add_dir(Kind::Dataset, "d", &src, "v1", json!({}))
        .unwrap();
    let a = r.asset(Kind::Dataset, "d").unwrap();
    let pack = mlops_core::tree::referenced_objects(r.store(), &a.versions[0].content)
        .unwrap()
        .into_iter()
        .map(|h| h.to_string())
        .find(|h| {
            let bytes = s.raw.get(&format!("blobs/{}/{h}", &h[..2]));
            !bytes.starts_with(b"{")
        })
        .expect("a pack");
    s.raw.delete(&format!("blobs/{}/{pack}", &pack[..2]));
    std::fs::write(src.join("new"), b"one more").unwrap();
    let err = r
        .add_dir(Kind::Dataset, "d", &src, "v2", json!({}))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Integrity(m) if m.contains(&pack)),
        "{err}"
    );
    assert_eq!(r.asset(Kind::Dataset, "d").unwrap().versions.len(), 1);
}
