//! System metrics: a thread that samples the machine every
//! [`RunOptions::system_metrics_interval`] and logs the figures to the run
//! under MLflow's names (see [`SYSTEM_METRIC_KEYS`]) through the run's
//! buffer, like any other points. It is stopped and joined before the run's
//! last flush, so an ended run has every sample taken.
//!
//! Sampling never fails the run: a figure that cannot be read is left out
//! of that sample, a sampler thread that cannot start leaves the run
//! without system metrics, and a sample that cannot be logged (the run has
//! ended) stops the thread. Points logged by the sampler never take a flush
//! failure meant for the run's caller.
//!
//! [`RunOptions::system_metrics_interval`]: super::RunOptions::system_metrics_interval

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Weak;
use std::thread::JoinHandle;
use std::time::Duration;

use super::writer::Shared;

/// How often system metrics are sampled unless a run says otherwise
/// (MLflow's default).
pub const SYSTEM_METRICS_INTERVAL: Duration = Duration::from_secs(10);

/// The shortest sampling interval a run accepts.
pub const MIN_SYSTEM_METRICS_INTERVAL: Duration = Duration::from_millis(10);

/// The keys a run's system metrics are logged under: MLflow's names and
/// units (`mlflow/system_metrics/metrics/*.py`), so runs read the same in
/// both tools.
///
/// | key | value |
/// |---|---|
/// | `system/cpu_utilization_percentage` | CPU use of the whole machine over the interval, 0 to 100 (all cores together, as `psutil.cpu_percent()`) |
/// | `system/system_memory_usage_megabytes` | memory in use (total minus available), in MB (10⁶ bytes) |
/// | `system/system_memory_usage_percentage` | the same as a share of the total, 0 to 100 |
/// | `system/disk_usage_megabytes` | space used on the file system, in MB |
/// | `system/disk_available_megabytes` | space free there for unprivileged users, in MB |
/// | `system/disk_usage_percentage` | used / (used + available) × 100, as `psutil.disk_usage` |
/// | `system/network_receive_megabytes` | bytes received by every interface since sampling started, in MB (cumulative) |
/// | `system/network_transmit_megabytes` | bytes sent likewise |
///
/// As in MLflow, samples are logged at steps 0, 1, 2, ... (the sample at
/// step `n` is taken `n + 1` intervals after the run starts), the CPU,
/// memory and disk figures are rounded to one decimal, and the network
/// figures count from the start. The file system is that of the store's
/// folder for a local store, else that of the current directory (MLflow
/// reads the root file system).
///
/// ```
/// use std::time::Duration;
/// use mlops_core::registry::Registry;
/// use mlops_core::runs::{RunOptions, RunStatus, StartRun, SYSTEM_METRIC_KEYS};
/// let r = Registry::open("memory://").unwrap();
/// let run = r
///     .start_run(StartRun {
///         options: RunOptions {
///             system_metrics: true,
///             system_metrics_interval: Duration::from_millis(20),
///             ..Default::default()
///         },
///         ..Default::default()
///     })
///     .unwrap();
/// // Training here; meanwhile a sample every 20 ms (10 s by default).
/// for _ in 0..3000 {
///     run.flush().unwrap();
///     if r.run(run.id()).unwrap().metric(SYSTEM_METRIC_KEYS[0], None).is_some() {
///         break;
///     }
///     std::thread::sleep(Duration::from_millis(20));
/// }
/// run.end(RunStatus::Finished, None).unwrap();
/// let info = r.run(run.id()).unwrap();
/// for key in SYSTEM_METRIC_KEYS {
///     assert_eq!(info.metric(key, None).unwrap().first_step, 0);
/// }
/// ```
pub const SYSTEM_METRIC_KEYS: [&str; 8] = [
    CPU,
    MEMORY_MB,
    MEMORY_PERCENT,
    DISK_USED_MB,
    DISK_AVAILABLE_MB,
    DISK_PERCENT,
    NETWORK_RECEIVE_MB,
    NETWORK_TRANSMIT_MB,
];

const CPU: &str = "system/cpu_utilization_percentage";
const MEMORY_MB: &str = "system/system_memory_usage_megabytes";
const MEMORY_PERCENT: &str = "system/system_memory_usage_percentage";
const DISK_USED_MB: &str = "system/disk_usage_megabytes";
const DISK_AVAILABLE_MB: &str = "system/disk_available_megabytes";
const DISK_PERCENT: &str = "system/disk_usage_percentage";
const NETWORK_RECEIVE_MB: &str = "system/network_receive_megabytes";
const NETWORK_TRANSMIT_MB: &str = "system/network_transmit_megabytes";

/// A running sampler; [`Sampler::stop`] ends it.
#[derive(Debug)]
pub(crate) struct Sampler {
    /// Dropping it wakes the thread and tells it to leave.
    stop: Sender<()>,
    thread: JoinHandle<()>,
}

impl Sampler {
    /// Starts sampling every `interval` into `run`, the disk figures for
    /// the file system holding `disk`. `None` when the thread cannot be
    /// started (the run goes on without system metrics).
    pub(crate) fn start(run: Weak<Shared>, interval: Duration, disk: PathBuf) -> Option<Sampler> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("mlops-run-system".into())
            .spawn(move || {
                let mut probe = Probe::new(disk);
                let mut step = 0i64;
                // Any message or a closed channel means stop.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    let sample = probe.sample();
                    let Some(shared) = run.upgrade() else { return };
                    if !shared.log_system(&sample, step) {
                        return;
                    }
                    step += 1;
                }
            })
            .ok()?;
        Some(Sampler { stop, thread })
    }

    /// Stops the thread and waits for it (a sample being logged is logged).
    pub(crate) fn stop(self) {
        drop(self.stop);
        // A panic in the sampler stays there: the run goes on.
        let _ = self.thread.join();
    }
}

/// What the sampler keeps between samples.
struct Probe {
    system: sysinfo::System,
    networks: sysinfo::Networks,
    /// Bytes received and sent by every interface when sampling started.
    network_start: (u64, u64),
    disk: PathBuf,
}

impl Probe {
    fn new(disk: PathBuf) -> Probe {
        let mut system = sysinfo::System::new();
        // The first reading is the baseline of the first interval's CPU use.
        system.refresh_cpu_usage();
        let networks = sysinfo::Networks::new_with_refreshed_list();
        let network_start = network_totals(&networks);
        Probe {
            system,
            networks,
            network_start,
            disk,
        }
    }

    /// One sample: (key, value) for every figure that could be read.
    fn sample(&mut self) -> Vec<(&'static str, f64)> {
        let mut out = Vec::with_capacity(SYSTEM_METRIC_KEYS.len());
        self.system.refresh_cpu_usage();
        let cpu = f64::from(self.system.global_cpu_usage());
        if cpu.is_finite() {
            out.push((CPU, round1(cpu.clamp(0.0, 100.0))));
        }
        self.system.refresh_memory();
        let total = self.system.total_memory();
        if total > 0 {
            let used = self.system.used_memory().min(total);
            out.push((MEMORY_MB, round1(mb(used))));
            out.push((MEMORY_PERCENT, round1(used as f64 / total as f64 * 100.0)));
        }
        if let Some((used, available)) = disk_usage(&self.disk) {
            out.push((DISK_USED_MB, round1(mb(used))));
            out.push((DISK_AVAILABLE_MB, round1(mb(available))));
            if used + available > 0 {
                let share = used as f64 / (used + available) as f64 * 100.0;
                out.push((DISK_PERCENT, round1(share)));
            }
        }
        self.networks.refresh(true);
        let (received, sent) = network_totals(&self.networks);
        // An interface that went away takes its counts with it: never below 0.
        out.push((
            NETWORK_RECEIVE_MB,
            mb(received.saturating_sub(self.network_start.0)),
        ));
        out.push((
            NETWORK_TRANSMIT_MB,
            mb(sent.saturating_sub(self.network_start.1)),
        ));
        out
    }
}

/// Bytes received and sent by every interface since it came up.
fn network_totals(networks: &sysinfo::Networks) -> (u64, u64) {
    networks.list().values().fold((0u64, 0u64), |(r, s), n| {
        (
            r.saturating_add(n.total_received()),
            s.saturating_add(n.total_transmitted()),
        )
    })
}

/// Bytes in use and bytes free for unprivileged users on the file system
/// holding `path` (`psutil.disk_usage`'s `used` and `free`).
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // statvfs's field types differ between Unixes
fn disk_usage(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut s = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `c` is a NUL-terminated path and `s` is a writable statvfs.
    if unsafe { libc::statvfs(c.as_ptr(), s.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled `s`.
    let s = unsafe { s.assume_init() };
    let block = s.f_frsize as u64;
    let used = (s.f_blocks as u64).saturating_sub(s.f_bfree as u64);
    Some((
        used.saturating_mul(block),
        (s.f_bavail as u64).saturating_mul(block),
    ))
}

/// Bytes in use and bytes free on the disk mounted closest above `path`.
#[cfg(not(unix))]
fn disk_usage(path: &Path) -> Option<(u64, u64)> {
    let path = path.canonicalize().ok()?;
    let disks = sysinfo::Disks::new_with_refreshed_list();
    let disk = disks
        .list()
        .iter()
        .filter(|d| path.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len())?;
    let available = disk.available_space();
    Some((disk.total_space().saturating_sub(available), available))
}

/// Where the disk figures are read: the store's folder for a local store,
/// else the current directory.
pub(crate) fn disk_path(store_root: Option<&Path>) -> PathBuf {
    match store_root {
        Some(root) => root.to_path_buf(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    }
}

/// Bytes in MB (10⁶ bytes, as MLflow).
fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// Rounded to one decimal, as MLflow's monitors do.
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
