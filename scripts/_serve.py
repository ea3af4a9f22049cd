"""What the loopback test servers (s3_test_server.py, gcs_test_server.py)
share: announce the port in the line scripts/test.sh waits for, serve until
SIGTERM or SIGINT, then shut down cleanly."""

import signal
import sys
import threading


def serve_until_signalled(port, shutdown):
    """Print `listening on 127.0.0.1:<port>`, wait for SIGTERM/SIGINT, call
    `shutdown()` and exit 0."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"listening on 127.0.0.1:{port}", flush=True)
    stop.wait()
    shutdown()
    sys.exit(0)
