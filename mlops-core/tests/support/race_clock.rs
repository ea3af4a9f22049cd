//! A clock that runs a collector inside a writer: once armed, the next
//! read of the clock runs the armed closure first. A writer reads its
//! registry's clock between storing its content and appending its event
//! (its guard stamps its lease: see `gc::guard`), so tests put a collector
//! exactly in the deduplication race's window.

use std::sync::{Arc, Mutex};

use mlops_core::clock::{Clock, ManualClock};

/// What runs at the next read.
type Armed = Box<dyn FnOnce() + Send>;

/// A [`ManualClock`] that runs what was armed at its next read.
#[derive(Clone)]
pub struct RaceClock {
    /// The time it shows.
    pub time: ManualClock,
    armed: Arc<Mutex<Option<Armed>>>,
}

impl RaceClock {
    /// A clock at the system's time now, armed with nothing.
    pub fn starting_now() -> Self {
        RaceClock {
            time: ManualClock::starting_now(),
            armed: Arc::new(Mutex::new(None)),
        }
    }

    /// Runs `f` at the next read of the clock.
    pub fn arm(&self, f: impl FnOnce() + Send + 'static) {
        *self.armed.lock().unwrap() = Some(Box::new(f));
    }

    /// Whether what was armed has run (or nothing was).
    pub fn fired(&self) -> bool {
        self.armed.lock().unwrap().is_none()
    }
}

impl std::fmt::Debug for RaceClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RaceClock({})", self.time.now_ms())
    }
}

impl Clock for RaceClock {
    fn now_ms(&self) -> u64 {
        // Taken out before it runs: a collector reads the clock too.
        let armed = self.armed.lock().unwrap().take();
        if let Some(f) = armed {
            f();
        }
        self.time.now_ms()
    }

    fn ahead_of_store_ms(&self) -> i64 {
        self.time.ahead_of_store_ms()
    }
}
