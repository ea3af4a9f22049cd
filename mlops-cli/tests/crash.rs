//! Crashes: `mlops` processes killed with SIGKILL at random moments during
//! commits leave the registry readable and consistent, and the next writer
//! carries on.
//!
//! Rounds of four writers each start a commit (three add a version of a
//! 1 MiB file, one moves an alias) and are killed after a random, seeded
//! delay. The delay's bound adapts to how long commits take on this machine
//! and store, so that kills land before, during and after the commit point
//! (the create-only put of the event) rather than all before or all after:
//! rounds go on until at least `KILLED` writers died by the signal and
//! `COMPLETED` finished. Then:
//! - the log folds (its numbering has no gap, its hash chain verifies),
//!   versions are 1..N, and no attempt is in it twice;
//! - every version's content reads back verified and is the content of the
//!   attempt its message names; every finished attempt is the version it
//!   printed; a killed attempt is in the log or not, never half;
//! - every finished alias move is in the alias's history;
//! - a new writer adds version N + 1 and reads it back.
//!
//! It runs on a local folder, and on S3 when the test command provides a
//! server (see `mlops-core/tests/support/stores.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mlops_core::registry::{Kind, Registry};

mod common;
use common::succeeded;

#[path = "../../mlops-core/tests/support/stores.rs"]
mod support;
use support::{folder, s3, s3_url};

const SEED: u64 = 0x6d6c_6f70_7321;
const WRITERS: usize = 4;
const FILE_BYTES: usize = 1 << 20;
const MAX_ROUNDS: usize = 300;

fn mlops(store: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlops"));
    c.args(["--store", store]);
    c
}

/// `mlops add model crashy <file> -m <message>`.
fn add_crashy(store: &str, file: &std::path::Path, message: &str) -> Command {
    let mut c = mlops(store);
    c.args([
        "add",
        "model",
        "crashy",
        file.to_str().unwrap(),
        "-m",
        message,
    ]);
    c
}

/// xorshift64: the same seed, the same bytes and the same kill moments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The content of attempt `(round, writer)`: distinct for every attempt.
fn content(round: usize, writer: usize) -> Vec<u8> {
    let mut rng =
        Rng(SEED ^ (((round as u64) << 8) | (writer as u64 + 1)).wrapping_mul(0x9e37_79b9) | 1);
    let mut out = Vec::with_capacity(FILE_BYTES);
    while out.len() < FILE_BYTES {
        out.extend_from_slice(&rng.next().to_le_bytes());
    }
    out
}

/// Files under `dir` (0 if it is not a folder) whose name passes `pick`.
fn walk_count(dir: &std::path::Path, pick: &dyn Fn(&str) -> bool) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk_count(&e.path(), pick)
            } else {
                usize::from(pick(&e.file_name().to_string_lossy()))
            }
        })
        .sum()
}

/// What happened to one writer.
enum Outcome {
    /// It finished and printed this version (for an add).
    Done(Option<u64>),
    /// SIGKILL got it first.
    Killed,
}

#[test]
fn writers_killed_mid_commit_leave_a_consistent_registry() {
    crash_rounds(&folder("crash").url, 150, 100);
    if let Some(bucket) = s3_url() {
        crash_rounds(&s3("crash", &bucket).url, 30, 20);
    }
}

fn crash_rounds(store: &str, want_killed: usize, want_done: usize) {
    let work = std::env::temp_dir().join(format!(
        "mlops-crash-{}-{}",
        std::process::id(),
        store.len()
    ));
    std::fs::create_dir_all(&work).unwrap();
    // Version 1, unkilled: the alias writers point at it. Its duration is
    // the first guess at how long a commit takes.
    let first = work.join("first.bin");
    std::fs::write(&first, content(usize::MAX, 0)).unwrap();
    let started = Instant::now();
    let out = add_crashy(store, &first, "first").output().unwrap();
    succeeded(&out);
    let mut bound_us = (started.elapsed().as_micros() as u64 * 3 / 2).max(1_000);

    let mut rng = Rng(SEED);
    let (mut killed, mut done) = (0, 0);
    let mut added: BTreeMap<u64, String> = BTreeMap::new(); // version -> attempt, finished adds
    let mut alias_moves = 0;
    let mut rounds = 0;
    while killed < want_killed || done < want_done {
        assert!(
            rounds < MAX_ROUNDS,
            "{store}: after {rounds} rounds only {killed} writers were killed and {done} finished"
        );
        // Uniform over the last four fifths of the bound: the first fifth
        // is mostly process start-up.
        let delays: Vec<u64> = (0..WRITERS)
            .map(|_| bound_us / 5 + rng.next() % (bound_us - bound_us / 5))
            .collect();
        let handles: Vec<_> = delays
            .into_iter()
            .enumerate()
            .map(|(w, delay)| {
                let store = store.to_string();
                let attempt = format!("r{rounds}-w{w}");
                let mut cmd = mlops(&store);
                if w == WRITERS - 1 {
                    cmd.args(["alias", "model", "crashy", "production", "1"]);
                } else {
                    let file = work.join(format!("{attempt}.bin"));
                    std::fs::write(&file, content(rounds, w)).unwrap();
                    cmd.args(["add", "model", "crashy", file.to_str().unwrap(), "-m"])
                        .arg(&attempt);
                }
                std::thread::spawn(move || {
                    let mut child = cmd
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .spawn()
                        .unwrap();
                    std::thread::sleep(Duration::from_micros(delay));
                    // SIGKILL; a no-op if it has already exited.
                    child.kill().unwrap();
                    let out = child.wait_with_output().unwrap();
                    let outcome = if out.status.signal() == Some(9) {
                        Outcome::Killed
                    } else {
                        assert!(
                            out.status.success(),
                            "{store}: {attempt} failed: {}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                        let printed = String::from_utf8(out.stdout).unwrap();
                        Outcome::Done(printed.trim().parse().ok())
                    };
                    (attempt, w == WRITERS - 1, outcome)
                })
            })
            .collect();
        let mut killed_now = 0;
        for h in handles {
            match h.join().unwrap() {
                (_, _, Outcome::Killed) => killed_now += 1,
                (_, true, Outcome::Done(_)) => {
                    alias_moves += 1;
                    done += 1;
                }
                (attempt, false, Outcome::Done(v)) => {
                    let v = v.unwrap_or_else(|| panic!("{attempt} printed no version"));
                    assert!(added.insert(v, attempt).is_none(), "version {v} twice");
                    done += 1;
                }
            }
        }
        killed += killed_now;
        // Steer the kills into the commits: later if all died, sooner if
        // none did.
        if killed_now == WRITERS {
            bound_us = bound_us * 3 / 2;
        } else if killed_now == 0 {
            bound_us = (bound_us * 2 / 3).max(1_000);
        }
        rounds += 1;
    }

    // The store alone: the fold checks numbering and hash chain.
    let r = Registry::open(store).unwrap();
    let a = r.asset(Kind::Model, "crashy").unwrap();
    let n = a.versions.len() as u64;
    let mut seen = BTreeSet::new();
    for v in &a.versions {
        assert!(
            seen.insert(v.message.clone()),
            "{store}: {} twice",
            v.message
        );
        let mut got = Vec::new();
        r.store().get_content(&v.content, &mut got).unwrap();
        let expected = if v.message == "first" {
            content(usize::MAX, 0)
        } else {
            let (round, w) = v.message[1..].split_once("-w").unwrap();
            content(round.parse().unwrap(), w.parse().unwrap())
        };
        assert!(got == expected, "{store}: version {} content", v.version);
    }
    for (v, attempt) in &added {
        assert_eq!(&a.versions[*v as usize - 1].message, attempt, "{store}");
    }
    let history = &a.aliases.get("production").map_or(0, Vec::len);
    assert!(*history >= alias_moves, "{store}: alias moves lost");
    // Attempts that were killed after their event was written are in the
    // log; those killed before are not.
    let killed_after_commit = n as usize - 1 - added.len();
    // Files a killed writer was staging (object_store's local store writes
    // `<name>#<n>` and links it into place): kills that hit a write.
    let staged = walk_count(std::path::Path::new(store), &|name| name.contains('#'));
    eprintln!(
        "{store}: {rounds} rounds, {killed} killed ({killed_after_commit} after their event \
         was written, {staged} in the middle of writing a file), {done} finished, {n} versions"
    );

    // The next writer carries on.
    let next = work.join("next.bin");
    std::fs::write(&next, b"after the crashes").unwrap();
    let out = add_crashy(store, &next, "next").output().unwrap();
    succeeded(&out);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        (n + 1).to_string()
    );
    assert_eq!(
        r.get(Kind::Model, "crashy", "latest").unwrap(),
        b"after the crashes"
    );
    // Whatever indexes the killed writers left (a head behind the log, a
    // missing version index) agree with the log as far as they go.
    let out = mlops(store)
        .args(["verify", "model", "crashy"])
        .output()
        .unwrap();
    succeeded(&out);
    let _ = std::fs::remove_dir_all(&work);
}
