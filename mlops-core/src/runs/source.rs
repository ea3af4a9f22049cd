//! Where a run runs: host, process, and the git state of the working
//! directory; and whether a run's process is still alive.

use super::event::Source;

/// This host's name (`/proc/sys/kernel/hostname` on Linux, else the
/// `HOSTNAME` or `COMPUTERNAME` variable, else `unknown`).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The start time of process `pid` in clock ticks since boot (field 22 of
/// `/proc/<pid>/stat`), on Linux.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// The git commit checked out in `dir` and whether tracked files differ
/// from it; `None` outside a repository or without `git`.
pub fn git_state(dir: &std::path::Path) -> Option<(String, bool)> {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = run(&["rev-parse", "HEAD"])?;
    let dirty = run(&["status", "--porcelain", "--untracked-files=no"])?;
    Some((commit, !dirty.is_empty()))
}

/// How long a directory's git state is reused: asking git takes two
/// process starts (milliseconds), which a notebook starting runs in a loop
/// should not pay each time, while a commit made between runs a minute
/// apart is still seen.
const GIT_STATE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// [`git_state`] of `dir`, reused for [`GIT_STATE_TTL`].
fn git_state_cached(dir: &std::path::Path) -> Option<(String, bool)> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::Instant;
    type Cache = HashMap<std::path::PathBuf, (Instant, Option<(String, bool)>)>;
    static CACHE: Mutex<Option<Cache>> = Mutex::new(None);
    let now = Instant::now();
    if let Some((at, state)) = CACHE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_or_insert_with(HashMap::new)
        .get(dir)
    {
        if now.duration_since(*at) < GIT_STATE_TTL {
            return state.clone();
        }
    }
    let state = git_state(dir);
    CACHE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(dir.to_path_buf(), (now, state.clone()));
    state
}

/// This process, with the git state of the current directory and `command`.
pub fn this_process(command: Option<Vec<String>>) -> Source {
    let pid = std::process::id();
    let git = std::env::current_dir()
        .ok()
        .and_then(|d| git_state_cached(&d));
    Source {
        host: host_name(),
        pid,
        pid_start: process_start(pid),
        command,
        git_commit: git.as_ref().map(|g| g.0.clone()),
        git_dirty: git.map(|g| g.1),
    }
}

/// Whether the process `source` names is alive: `Some` only when that can be
/// told from here (the same host, and `/proc` to look in).
pub fn is_alive(source: &Source) -> Option<bool> {
    if source.host != host_name() || !std::path::Path::new("/proc/self/stat").exists() {
        return None;
    }
    match (process_start(source.pid), source.pid_start) {
        (None, _) => Some(false),
        (Some(now), Some(then)) => Some(now == then),
        (Some(_), None) => Some(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_dead_one_is_not() {
        let me = this_process(None);
        if std::path::Path::new("/proc/self/stat").exists() {
            assert_eq!(is_alive(&me), Some(true));
            let mut child = std::process::Command::new("true").spawn().unwrap();
            let pid = child.id();
            let start = process_start(pid);
            child.wait().unwrap();
            let gone = Source {
                pid,
                pid_start: start.or(Some(0)),
                ..me.clone()
            };
            assert_eq!(is_alive(&gone), Some(false));
        }
        let elsewhere = Source {
            host: "another-host.invalid".into(),
            ..me
        };
        assert_eq!(is_alive(&elsewhere), None);
    }
}
