"""Helpers the benchmark scripts and their workers share: the workload files,
running a worker for its JSON line, and reading the process's memory. Only
the standard library, so workers in the peers' virtualenvs import it too."""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BENCHES = os.path.join(ROOT, "benches")
# The shared generator, with a verbatim copy in scripts/ for clones that have
# no shared/ folder beside them.
GENERATORS = [
    os.path.join(ROOT, "..", "shared", "workloads", "gen_tabular.py"),
    os.path.join(ROOT, "scripts", "gen_tabular.py"),
]


def workload(rows, name="ref", seed=42, shift="none"):
    """benches/data/<name>_<rows>.parquet, made by gen_tabular.py if missing."""
    path = os.path.join(BENCHES, "data", f"{name}_{rows}.parquet")
    if not os.path.exists(path):
        gen = next((g for g in GENERATORS if os.path.exists(g)), None)
        if gen is None:
            sys.exit(f"no workload generator: expected {GENERATORS[0]}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        print(f"generating {os.path.relpath(path, ROOT)} with {os.path.relpath(gen, ROOT)} ...", flush=True)
        tmp = path + ".tmp.parquet"
        subprocess.run([sys.executable, gen, "--rows", str(rows), "--seed", str(seed), "--shift", shift,
                        "--out", tmp], check=True)
        os.replace(tmp, path)
    return path


def big_file(mib):
    """benches/data/big_<mib>.bin: `mib` MiB of random bytes, made if missing."""
    path = os.path.join(BENCHES, "data", f"big_{mib}.bin")
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "wb") as f:
            for _ in range(mib):
                f.write(os.urandom(1 << 20))
        os.replace(path + ".tmp", path)
    return path


def timed(cmd, cwd=None, env=None):
    """Seconds a command takes to run (its output discarded); exits on failure."""
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def run_json(cmd):
    """Runs a worker and returns the JSON of its last output line; exits on failure."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def status_mb(key):
    """A memory figure of this process from /proc/self/status (VmHWM, VmRSS) in MiB, or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def maxrss_mb():
    """getrusage's peak RSS in MiB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mb():
    """The peak RSS in MiB: VmHWM where there is one (a child's ru_maxrss on
    Linux starts from the peak of the parent it was spawned from), else
    ru_maxrss."""
    hwm = status_mb("VmHWM")
    return hwm if hwm is not None else maxrss_mb()


def report(results, targets, name):
    """Prints `results` one per line and the `targets` line, and writes them
    to benches/results/<name>.json."""
    width = max(map(len, results)) + 2
    for k, v in results.items():
        print(f"{k:<{width}} {v:.3f}" if isinstance(v, float) else f"{k:<{width}} {v}")
    print(f"targets: {targets}")
    os.makedirs(os.path.join(ROOT, "benches", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "benches", "results", f"{name}.json"), "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")


def cpu_snapshot():
    """(busy seconds of the whole machine or None, this process's and its
    waited-for children's CPU seconds, wall time)."""
    busy = None
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        busy = (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait
    except (OSError, ValueError):
        pass
    t = os.times()
    return busy, t.user + t.system + t.children_user + t.children_system, time.perf_counter()


def other_load(start, end, cpus):
    """The share of the machine's CPU capacity used by other processes
    between two snapshots: 0 is quiet, 1 is every core busy elsewhere."""
    if start[0] is None or end[0] is None:
        return None
    other = (end[0] - start[0]) - (end[1] - start[1])
    return max(0.0, other / ((end[2] - start[2]) * (cpus or 1)))
