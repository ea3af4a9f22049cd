//! The registry's change feed for Python: `Registry.changes`,
//! `Registry.feed_cursor`, `Registry.watch` (a `Watch` iterator) and
//! `Registry.dispatch`. The engine decides everything; this converts the
//! arguments (seconds as floats, paths) and waits with the GIL released in
//! short slices, so Ctrl-C stops a watch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mlops_core::registry::{Cursor, FeedEvent as CoreEvent, Watch};
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;

use crate::convert::FeedEvent;
use crate::error::to_py;

/// How long one wait with the GIL released may last before signals
/// (Ctrl-C) are checked.
const SIGNAL_SLICE: Duration = Duration::from_millis(200);

/// Seconds as a duration; negative or not finite is `InvalidInput`.
pub(crate) fn seconds(v: Option<f64>, name: &str) -> PyResult<Option<Duration>> {
    v.map(|s| {
        Duration::try_from_secs_f64(s).map_err(|_| {
            to_py(mlops_core::Error::InvalidInput(format!(
                "option '{name}': {s} is not a number of seconds >= 0"
            )))
        })
    })
    .transpose()
}

/// The events as Python `FeedEvent`s.
pub(crate) fn events(py: Python<'_>, events: &[CoreEvent]) -> PyResult<Vec<FeedEvent>> {
    events.iter().map(|e| FeedEvent::of(py, e)).collect()
}

/// A watch of a registry's change feed; see `mlops.Registry.watch`.
#[pyclass(name = "Watch", module = "mlops", frozen)]
pub struct PyWatch {
    inner: Mutex<Watch>,
    /// Iteration stops after this long without an event (`None`: never).
    timeout: Option<Duration>,
    /// Set by `close()`: no more events.
    closed: AtomicBool,
}

impl PyWatch {
    pub(crate) fn new(w: Watch, timeout: Option<Duration>) -> Self {
        Self {
            inner: Mutex::new(w),
            timeout,
            closed: AtomicBool::new(false),
        }
    }
}

#[pymethods]
impl PyWatch {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The next event; `StopIteration` after `timeout` seconds without one.
    fn __next__(&self, py: Python<'_>) -> PyResult<FeedEvent> {
        match self.next(py, self.timeout.map(|t| t.as_secs_f64()))? {
            Some(e) => Ok(e),
            None => Err(PyStopIteration::new_err(())),
        }
    }

    /// The next event, waiting up to `timeout` seconds (`None`: without
    /// end); `None` when none came in time.
    #[pyo3(signature = (timeout = None))]
    fn next(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<FeedEvent>> {
        let timeout = seconds(timeout, "timeout")?;
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if self.closed.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let slice = match deadline {
                Some(d) => d
                    .saturating_duration_since(Instant::now())
                    .min(SIGNAL_SLICE),
                None => SIGNAL_SLICE,
            };
            let got = py
                .detach(|| {
                    let mut w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
                    w.next_event(Some(slice))
                })
                .map_err(to_py)?;
            if let Some(e) = got {
                return FeedEvent::of(py, &e).map(Some);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(None);
            }
            py.check_signals()?;
        }
    }

    /// Ends the watch: iteration stops and `next` returns `None` (a wait
    /// in another thread ends within a fraction of a second).
    fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    /// The cursor after the last event returned (text to save and give
    /// back as `since`).
    #[getter]
    fn cursor(&self) -> String {
        let w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        w.cursor().to_string()
    }

    /// Whether new events are found by file notifications (a local folder)
    /// rather than by polling.
    #[getter]
    fn notified(&self) -> bool {
        let w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        w.notified()
    }

    fn __repr__(&self) -> String {
        let w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        format!("{w:?}")
    }
}

/// A watch from `since`, else the cursor in `cursor_file`, else now, read
/// every `poll` where it polls: what `Registry.watch` and `Registry.dispatch`
/// both start from.
pub(crate) fn open(
    r: &mlops_core::registry::Registry,
    since: Option<&str>,
    cursor_file: Option<&std::path::Path>,
    poll: Option<Duration>,
) -> mlops_core::Result<Watch> {
    let mut w = r.watch_from(since, cursor_file)?;
    if let Some(p) = poll {
        w.set_poll_interval(p)?;
    }
    Ok(w)
}

/// Parses a cursor's text (`"start"` for the first event of every log).
pub(crate) fn cursor(text: &str) -> PyResult<Cursor> {
    Cursor::parse(text).map_err(to_py)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyWatch>()?;
    m.add("CURSOR_START", mlops_core::registry::CURSOR_START)?;
    m.add(
        "WATCH_POLL_INTERVAL",
        mlops_core::registry::WATCH_POLL_INTERVAL.as_secs_f64(),
    )?;
    Ok(())
}
