//! Crash-isolated cases: a test re-runs its own test binary on itself alone,
//! with [`CHILD_VAR`] naming it, and runs its case there. A case that kills
//! its process (a signal such as `SIGBUS`, an abort on allocation failure)
//! or never returns then fails that one test, rather than taking the whole
//! suite down or stalling it.

#![allow(dead_code)] // each test crate uses its own part

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Set in the child to the name of the test it runs.
pub const CHILD_VAR: &str = "MLOPS_TEST_CHILD";

/// How long a child may run before it is taken as hung and killed (a
/// guard against a case that never returns, not a measure of speed).
pub const HANG_LIMIT: Duration = Duration::from_secs(120);

/// Runs `case` in a child process: in the test `test` (the test function's
/// name) of this binary, re-run alone. In the child, runs `case`; in the
/// parent, requires the child to exit normally and its test to pass, and
/// kills it after [`HANG_LIMIT`].
pub fn isolated(test: &str, case: impl FnOnce()) {
    if std::env::var(CHILD_VAR).as_deref() == Ok(test) {
        case();
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, test)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > HANG_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{test}: the child process never finished; killed after {HANG_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        status.success() && stdout.contains("1 passed"),
        "{test} in a child process: {status} (signal {:?})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        status.signal()
    );
}

/// Caps what this process may do from here on: files it writes at
/// `file_bytes` each (a write past it fails with `EFBIG` instead of the
/// process getting `SIGXFSZ`), and its address space at `memory_bytes` (an
/// allocation past it fails). For use in a child only.
pub fn limit(file_bytes: Option<u64>, memory_bytes: Option<u64>) {
    assert!(
        std::env::var_os(CHILD_VAR).is_some(),
        "limits are for child processes only"
    );
    let set = |resource, bytes: u64| {
        let lim = libc::rlimit {
            rlim_cur: bytes,
            rlim_max: bytes,
        };
        // SAFETY: setrlimit reads a valid rlimit struct.
        assert_eq!(unsafe { libc::setrlimit(resource, &lim) }, 0);
    };
    if let Some(b) = file_bytes {
        // SAFETY: ignoring SIGXFSZ installs no handler.
        unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
        set(libc::RLIMIT_FSIZE, b);
    }
    if let Some(b) = memory_bytes {
        set(libc::RLIMIT_AS, b);
    }
}
