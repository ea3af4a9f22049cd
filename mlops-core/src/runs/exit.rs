//! What a process owes its open runs when SIGTERM ends it: every open run
//! is flushed and ended `killed` (one attached to is flushed), every
//! monitor handle tracked ([`track_at_sigterm`]) is flushed, then the
//! process ends as SIGTERM would have ended it.
//!
//! Done by a thread of the engine's (signal-hook's iterator), not by a
//! handler of the caller's language: a Python handler runs only when the
//! main thread comes back to the interpreter, so a process blocked in a C
//! call (a queue's lock, a socket) would never end, and Node's handler
//! waits for its event loop. The hook is installed when a run starts while
//! SIGTERM has its default action: a program that handles SIGTERM itself
//! (a service's graceful shutdown) keeps its handler and ends its runs
//! itself; one that installs a handler later replaces this one.
//!
//! Node catches SIGTERM from its start with a handler that only stands in
//! for the default action (it restores the terminal, then dies of the
//! signal again); its binding calls [`take_over_sigterm`] while the program
//! has no SIGTERM listener of its own, so Node processes end their runs as
//! Python's do.

use std::sync::{Arc, Mutex, Weak};

use super::writer::Shared;

/// The runs of this process that are open, weakly: a run that is dropped
/// leaves by itself.
static OPEN: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());

/// What else is flushed when SIGTERM ends the process: open monitors.
pub(crate) trait AtSigterm: Send + Sync {
    /// Writes what the handle buffers; failures have nowhere to go.
    fn at_sigterm(&self);
}

/// The other handles flushed at SIGTERM, weakly: a handle that is dropped
/// leaves by itself (and flushes on its drop).
static OTHERS: Mutex<Vec<Weak<dyn AtSigterm>>> = Mutex::new(Vec::new());

/// Tracks `handle` for SIGTERM, and installs the SIGTERM hook on the first
/// call (as a run's start does).
pub(crate) fn track_at_sigterm(handle: Weak<dyn AtSigterm>) {
    let mut others = OTHERS.lock().unwrap_or_else(|p| p.into_inner());
    others.retain(|w| w.strong_count() > 0);
    others.push(handle);
    drop(others);
    hook::install(false);
}

/// Tracks an open run, and installs the SIGTERM hook on the first call.
pub(crate) fn track(run: &Arc<Shared>) {
    let mut open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
    open.retain(|w| w.strong_count() > 0);
    open.push(Arc::downgrade(run));
    drop(open);
    hook::install(false);
}

/// Installs the SIGTERM hook now in place of the handler SIGTERM has, for a
/// runtime whose own handler stands for the default action (Node's: it
/// restores the terminal, then dies of the signal again; the hook's end
/// dies of SIGTERM too, so the process's status is the same). A front-end
/// calls it only while the program has no SIGTERM handler of its own (Node:
/// no `'SIGTERM'` listener). Once the hook is installed, nothing more.
pub fn take_over_sigterm() {
    hook::install(true);
}

/// Flushes the other handles tracked, then finishes every open run as
/// `killed` (flushing runs attached to).
fn finish_all() {
    let others: Vec<std::sync::Arc<dyn AtSigterm>> = OTHERS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    for handle in others {
        handle.at_sigterm();
    }
    let open: Vec<Arc<Shared>> = OPEN
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    for run in open {
        // Nowhere to report a failure: the process is ending.
        let _ = run.finish(super::RunStatus::Killed);
    }
}

#[cfg(unix)]
mod hook {
    use std::sync::Mutex;

    /// Whether the hook is installed.
    static INSTALLED: Mutex<bool> = Mutex::new(false);

    /// Whether SIGTERM has its default action now.
    fn sigterm_is_default() -> bool {
        // SAFETY: a query (no new action); `old` is written by the call.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGTERM, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_DFL
        }
    }

    /// Installs the hook if SIGTERM has its default action, or, with
    /// `replace`, in place of whatever handler it has (which is not chained
    /// to: it is first set back to the default action).
    pub(super) fn install(replace: bool) {
        let mut installed = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
        if *installed {
            return;
        }
        if replace {
            // SAFETY: sets SIGTERM's action to the default one; `action`
            // is fully initialised (zeroed, then its handler and mask).
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = libc::SIG_DFL;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(libc::SIGTERM, &action, std::ptr::null_mut());
            }
        } else if !sigterm_is_default() {
            return;
        }
        let Ok(mut signals) = signal_hook::iterator::Signals::new([libc::SIGTERM]) else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("mlops-runs-sigterm".into())
            .spawn(move || {
                if signals.forever().next().is_some() {
                    super::finish_all();
                    // Then what SIGTERM would have done.
                    let _ = signal_hook::low_level::emulate_default_handler(libc::SIGTERM);
                }
            });
        *installed = spawned.is_ok();
    }
}

#[cfg(not(unix))]
mod hook {
    /// No SIGTERM to hook.
    pub(super) fn install(_replace: bool) {}
}
