//! The time the registry and the collector read: the system's, or a
//! clock a test moves ([`ManualClock`]).
//!
//! Retention (`keep_within`), the time written in events and write leases
//! read "now" through a [`Clock`], so a test can add 60 days without
//! waiting for them. The collector's grace period counts in the store's
//! own time, moved by as much as a test's clock stands ahead of the
//! system's ([`Clock::ahead_of_store_ms`]).
//!
//! ```
//! use mlops_core::clock::{Clock, ManualClock};
//! let c = ManualClock::new(1_000);
//! c.advance(std::time::Duration::from_secs(2));
//! assert_eq!(c.now_ms(), 3_000);
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A source of "now", in Unix milliseconds.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in Unix milliseconds.
    fn now_ms(&self) -> u64;

    /// How far this clock runs ahead of the stores' own time (behind when
    /// negative), in milliseconds. The collector takes "now" from the store
    /// it collects (the `last_modified` of a marker it writes there: see
    /// `crate::gc`) and adds this. The system's clock says 0: the store's
    /// time is the truth, whatever this machine's clock says. Any other
    /// clock says, by default, how far it stands from the system's, so a
    /// test that moves a [`ManualClock`] a week ahead moves the collector a
    /// week past the store's time too.
    fn ahead_of_store_ms(&self) -> i64 {
        self.now_ms() as i64 - SystemClock.now_ms() as i64
    }
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    fn ahead_of_store_ms(&self) -> i64 {
        0
    }
}

/// A clock that stands still until moved; clones share one time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock showing `now_ms`.
    pub fn new(now_ms: u64) -> Self {
        ManualClock(Arc::new(AtomicU64::new(now_ms)))
    }

    /// A clock showing the system's time now (then standing still).
    pub fn starting_now() -> Self {
        Self::new(SystemClock.now_ms())
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: std::time::Duration) {
        self.0.fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }

    /// Sets the clock to `now_ms`.
    pub fn set(&self, now_ms: u64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The clock a registry uses unless told otherwise.
pub fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// Parses a duration as users write it: a number and a unit, `ms`, `s`,
/// `m`, `h`, `d` or `w` (`7d`, `90m`, `1h`); a bare number is seconds.
///
/// ```
/// use mlops_core::clock::parse_duration;
/// assert_eq!(parse_duration("7d").unwrap().as_secs(), 7 * 86_400);
/// assert_eq!(parse_duration("90m").unwrap().as_secs(), 5_400);
/// assert!(parse_duration("soon").is_err());
/// ```
pub fn parse_duration(text: &str) -> crate::Result<std::time::Duration> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let bad = || {
        crate::Error::InvalidInput(format!(
            "duration '{text}': write a whole number and a unit (ms, s, m, h, d, w), e.g. 7d"
        ))
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let ms = match unit.trim() {
        "ms" => 1,
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return Err(bad()),
    };
    n.checked_mul(ms)
        .map(std::time::Duration::from_millis)
        .ok_or_else(bad)
}
