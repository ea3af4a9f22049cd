//! The rolling profile of a guard without a monitor: observed batches are
//! queued (a reference to their buffers, no copy) and a thread of the guard
//! folds them into one mergeable [`Profile`], so a request never waits for
//! the profiling. The queue is bounded: when [`QUEUE_BATCHES`] batches wait,
//! the caller folds its own batch (the queue stays bounded, the rows are
//! not lost).

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};

use arrow::array::RecordBatch;

use crate::error::{Error, Result};
use crate::profile::Profile;

/// Batches that may wait for the guard's thread.
pub const QUEUE_BATCHES: usize = 1024;

/// What the guard's thread is asked to do.
enum Msg {
    /// Fold a batch.
    Batch(RecordBatch),
    /// Answer once everything queued before is folded.
    Flush(SyncSender<()>),
}

/// The profile so far, and what the thread failed at (apart, so that a
/// request checking for a failure never waits for a fold).
#[derive(Default)]
struct State {
    profile: Mutex<Option<Profile>>,
    failed: Mutex<Option<Error>>,
}

impl State {
    /// Folds `batch` into the profile (made from its schema when there is none).
    fn fold(&self, batch: &RecordBatch) -> Result<()> {
        let mut p = lock(&self.profile);
        p.get_or_insert_with(|| Profile::new(batch.schema_ref()))
            .update(batch)
    }

    /// Takes what the thread failed at.
    fn failed(&self) -> Option<Error> {
        lock(&self.failed).take()
    }
}

/// The queue, the thread and the profile they share.
pub(super) struct Rolling {
    tx: Option<SyncSender<Msg>>,
    state: Arc<State>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Rolling {
    /// Starts the guard's thread.
    pub(super) fn start() -> Result<Self> {
        let (tx, rx) = mpsc::sync_channel(QUEUE_BATCHES);
        let state = Arc::new(State::default());
        let shared = state.clone();
        let thread = std::thread::Builder::new()
            .name("mlops-guard".into())
            .spawn(move || run(rx, shared))
            .map_err(|e| Error::io("starting the guard's profile thread", e))?;
        Ok(Self {
            tx: Some(tx),
            state,
            thread: Some(thread),
        })
    }

    /// Queues `batch`, or folds it here when the queue is full; reports
    /// what the thread failed at since the last call.
    pub(super) fn push(&self, batch: RecordBatch) -> Result<()> {
        if let Some(e) = self.state.failed() {
            return Err(e);
        }
        let tx = self.tx.as_ref().expect("open until dropped");
        match tx.try_send(Msg::Batch(batch)) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(Msg::Batch(b))) => self.state.fold(&b),
            Err(_) => Err(Error::InvalidInput(
                "the guard's profile thread has ended".into(),
            )),
        }
    }

    /// Waits until every queued batch is folded; reports what the thread
    /// failed at since the last call.
    pub(super) fn flush(&self) -> Result<()> {
        let (done, wait) = mpsc::sync_channel(1);
        let tx = self.tx.as_ref().expect("open until dropped");
        if tx.send(Msg::Flush(done)).is_ok() {
            let _ = wait.recv();
        }
        self.state.failed().map_or(Ok(()), Err)
    }

    /// The profile so far.
    pub(super) fn profile(&self) -> Option<Profile> {
        lock(&self.state.profile).clone()
    }
}

impl Drop for Rolling {
    fn drop(&mut self) {
        // Closing the queue ends the thread once it has folded the rest.
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The guard's thread: folds batches until the queue closes; a failure is
/// kept for the next call to report.
fn run(rx: Receiver<Msg>, state: Arc<State>) {
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Batch(b) => {
                if let Err(e) = state.fold(&b) {
                    lock(&state.failed).get_or_insert(e);
                }
            }
            Msg::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
}
