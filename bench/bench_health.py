"""/healthz and /readyz latency on the real server (issue 27: each answers in <= 50 ms).

    .venv/bin/python bench/bench_health.py [--requests 200] [--postgres]

Starts `schedlink serve` (2 gunicorn workers and the job worker, SQLite or a fresh
PostgreSQL database), waits until /readyz is 200 (the worker's first heartbeat), then asks
each endpoint `--requests` times in a row on one connection and prints p50/p95/p99.
Nothing is asserted (a loaded machine must not fail a build).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))

import requests  # noqa: E402
from live_server import LiveServer, fresh_pg_database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = (
            stack.enter_context(fresh_pg_database())
            if args.postgres
            else f"sqlite:///{workdir / 'schedlink.db'}"
        )
        server = LiveServer(url, workdir, workers=2, job_worker=True, quiet_access_log=True)
        server.start()
        stack.callback(server.stop)
        deadline = time.monotonic() + 60
        while requests.get(f"{server.url}/readyz", timeout=10).status_code != 200:
            if time.monotonic() > deadline:
                print("the server never became ready")
                return 0
            time.sleep(0.2)
        with requests.Session() as session:
            for path in ("/healthz", "/readyz"):
                latencies = []
                for _ in range(args.requests):
                    start = time.perf_counter()
                    session.get(f"{server.url}{path}", timeout=10)
                    latencies.append((time.perf_counter() - start) * 1000)
                latencies.sort()
                p50, p95, p99 = (
                    latencies[int(q * (len(latencies) - 1))] for q in (0.5, 0.95, 0.99)
                )
                print(f"{path:9} p50 {p50:5.1f} ms   p95 {p95:5.1f} ms   p99 {p99:5.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
