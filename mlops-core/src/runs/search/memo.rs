//! The runs a page of search results shows, remembered by the bytes of
//! their logs: every hit of a page is read from its log again (a stale
//! run-table row must never make a run match), and folding an ended run's
//! log is mostly parsing its metrics event (~40 KB for 200 series), the
//! same bytes page after page. The log is still read and checked as a hash
//! chain on every call, exactly as [`Registry::run`] does; only the fold of
//! the same events is not done again.
//!
//! Keyed by the run's id, its event count and the hash of its last event
//! (which names every event before it), so an entry can only answer for
//! the same events; only ended runs are kept (a running run's status
//! depends on whether its process is alive, not on its log alone). At most
//! [`ENTRIES`] runs, the least recently used dropped first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::{Error, Result};
use crate::registry::Registry;
use crate::runs::fold::{fold, RunInfo};
use crate::runs::id::run_log;
use crate::runs::index::is_final;
use crate::store::Hash;

/// Runs kept: a few pages of 100 (a run of 200 series is ~50 KB folded).
const ENTRIES: usize = 2048;

/// (run id, events, hash of the last event).
type Key = (String, u64, Hash);

#[derive(Default)]
struct Memo {
    runs: HashMap<Key, (u64, Arc<RunInfo>)>,
    clock: u64,
}

fn memo() -> &'static Mutex<Memo> {
    static MEMO: OnceLock<Mutex<Memo>> = OnceLock::new();
    MEMO.get_or_init(Default::default)
}

impl Registry {
    /// [`Registry::run`], without folding again the events of an ended
    /// run already folded (see the module docs).
    pub(crate) fn run_memo(&self, id: &str) -> Result<RunInfo> {
        let log = run_log(id)?;
        let events = self.store().read_log(&log)?;
        let Some(last) = events.last() else {
            return Err(Error::NotFound(format!("run {id}")));
        };
        let key: Key = (id.to_string(), events.len() as u64, last.hash());
        {
            let mut m = memo().lock().unwrap_or_else(|p| p.into_inner());
            m.clock += 1;
            let now = m.clock;
            if let Some((used, run)) = m.runs.get_mut(&key) {
                *used = now;
                return Ok(RunInfo::clone(run));
            }
        }
        let run = fold(id, &events)?;
        if is_final(&run) {
            let mut m = memo().lock().unwrap_or_else(|p| p.into_inner());
            if m.runs.len() >= ENTRIES {
                // Drop the older half: one scan per ENTRIES / 2 insertions.
                let mut used: Vec<u64> = m.runs.values().map(|(u, _)| *u).collect();
                used.sort_unstable();
                let cut = used[used.len() / 2];
                m.runs.retain(|_, (u, _)| *u > cut);
            }
            let now = m.clock;
            m.runs.insert(key, (now, Arc::new(run.clone())));
        }
        Ok(run)
    }
}

#[cfg(test)]
mod tests {
    use crate::registry::Registry;
    use crate::runs::{RunStatus, StartRun};

    #[test]
    fn a_remembered_run_is_refolded_once_its_log_grows() {
        let r = Registry::open("memory://").unwrap();
        let run = r.start_run(StartRun::default()).unwrap();
        run.log(&[("loss", 0.5)], 0, None).unwrap();
        // Running: not kept, and read as the log says.
        assert_eq!(r.run_memo(run.id()).unwrap().status, RunStatus::Running);
        let attached = r.attach_run(run.id(), Default::default()).unwrap();
        run.end(RunStatus::Finished, None).unwrap();
        let first = r.run_memo(run.id()).unwrap();
        assert_eq!(first, r.run(run.id()).unwrap());
        assert_eq!(r.run_memo(run.id()).unwrap(), first);
        // A late write by an attached process: the log grew, so it is
        // folded again.
        let late = [("late".to_string(), Some("yes".to_string()))].into();
        attached.set_tags(&late).unwrap();
        let after = r.run_memo(run.id()).unwrap();
        assert_eq!(after.tags.get("late").map(String::as_str), Some("yes"));
        assert_eq!(after, r.run(run.id()).unwrap());
        assert!(matches!(
            r.run_memo("0000000000000000000000000000"),
            Err(crate::Error::NotFound(_)) | Err(crate::Error::InvalidInput(_))
        ));
    }
}
