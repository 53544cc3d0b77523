"""Webhook delivery speed against a baseline measured in the same run (issue #13's targets).

    python bench/bench_webhooks.py [--n 1000] [--database postgresql|sqlite]

Prints, e.g.:
    bare loop: 1000 POSTs in 1.90 s (526/s)
    1 worker : 1000 notifications in 2.60 s (385/s) = 0.73x the bare loop (target >= 0.5)
    4 workers: 1000 notifications in 1.10 s (909/s) = 2.4x one worker (target >= 2)
    latency commit -> receipt, 1 worker, one notification per transaction: p50 31 ms, p99 60 ms

The receiver is a separate process (a threaded http.server answering 200 and logging each
webhook-id with its arrival time). The baseline posts the same 1,000 bodies, one after the
other, with the same HTTP client the worker uses (backend.outbound.Outbound). The workers are
real `schedlink worker` processes leasing from the webhook outbox; each run starts with the
workers idle, then 1,000 notifications are committed at once and the clock runs until the
receiver has them all. Nothing is asserted (a loaded machine must not fail a build).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def serve_receiver(port: int, log_path: str) -> None:
    """The receiver process: 200 for everything; 'webhook-id arrival' lines in log_path."""
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 - lives as long as the process

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            log.write(f"{self.headers.get('webhook-id', '-')} {time.time():.6f}\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


class ReceiverProcess:
    def __init__(self, workdir: Path):
        from webhook_receiver import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.log_path = workdir / "received.log"
        self.log_path.touch()
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--receiver", str(self.port), str(self.log_path)]
        )
        time.sleep(0.5)

    def lines(self) -> list[tuple[str, float]]:
        out = []
        for line in self.log_path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                out.append((parts[0], float(parts[1])))
        return out

    def count(self) -> int:
        with open(self.log_path, "rb") as fh:
            return sum(1 for _ in fh)

    def wait_for(self, total: int, timeout: float = 300) -> float:
        deadline = time.monotonic() + timeout
        while self.count() < total:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {self.count()} of {total} arrived")
            time.sleep(0.02)
        return time.time()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def bare_loop(url: str, bodies: list[bytes]) -> float:
    from backend.outbound import Outbound

    outbound = Outbound(["127.0.0.1"], timeout=10)
    headers = {"Content-Type": "application/json", "webhook-id": "bare"}
    started = time.perf_counter()
    for body in bodies:
        response = outbound.request("POST", url, headers=headers, body=body, max_body=65536)
        assert response.status == 200
    return time.perf_counter() - started


def run_workers(database_url: str, workdir: Path, receiver, count: int, n: int) -> float:
    from webhook_load import Load, start_worker, stop_worker

    load = Load(database_url, receiver.url)
    base = receiver.count()
    workers = [start_worker(database_url, workdir / f"w{count}-{i}") for i in range(count)]
    try:
        time.sleep(2.0)
        load.commit_many(4 * count, per_transaction=1)  # warm-up: every worker is up
        base = receiver.wait_for(base + 1 + 4 * count) and receiver.count()
        time.sleep(0.3)
        base = receiver.count()
        load.commit_many(n, per_transaction=n)
        started = time.time()  # the commit is done: from here on it is the workers' time
        finished = receiver.wait_for(base + n)
        return finished - started
    finally:
        for worker in workers:
            stop_worker(worker)
        load.close()


def latency(database_url: str, workdir: Path, receiver, samples: int) -> list[float]:
    from webhook_load import Load, start_worker, stop_worker

    load = Load(database_url, receiver.url)
    worker = start_worker(database_url, workdir / "latency")
    try:
        time.sleep(2.0)
        committed = {}
        for i in range(samples):
            msg_id, at = load.commit_one(i)
            committed[msg_id] = at
            time.sleep(0.01)
        deadline = time.monotonic() + 120
        while True:  # until every committed notification has arrived
            arrived = {mid: at for mid, at in receiver.lines() if mid in committed}
            if len(arrived) == len(committed) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return sorted((arrived[m] - committed[m]) * 1000 for m in arrived)
    finally:
        stop_worker(worker)
        load.close()


@contextlib.contextmanager
def database(kind: str):
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield lambda name: f"sqlite:///{tmp}/{name}.db"
        return
    from live_server import fresh_pg_database

    stack = contextlib.ExitStack()
    with stack:
        yield lambda _name: stack.enter_context(fresh_pg_database())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--receiver", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        serve_receiver(int(args.receiver[0]), args.receiver[1])
        return
    os.environ.setdefault("SE_OFFLINE", "true")
    from webhook_load import Load

    with tempfile.TemporaryDirectory() as tmp, database(args.database) as new_db:
        workdir = Path(tmp)
        receiver = ReceiverProcess(workdir)
        try:
            sample = Load(new_db("bodies"), receiver.url)
            bodies = [
                __import__("json").dumps(sample.body(i), separators=(",", ":")).encode()
                for i in range(args.n)
            ]
            sample.close()
            bare_loop(receiver.url, bodies[:50])  # warm-up
            bare = bare_loop(receiver.url, bodies)
            print(f"bare loop: {args.n} POSTs in {bare:.2f} s ({args.n / bare:.0f}/s)")
            one = run_workers(new_db("one"), workdir, receiver, 1, args.n)
            print(
                f"1 worker : {args.n} notifications in {one:.2f} s ({args.n / one:.0f}/s)"
                f" = {bare / one:.2f}x the bare loop (target >= 0.5)"
            )
            four = run_workers(new_db("four"), workdir, receiver, 4, args.n)
            print(
                f"4 workers: {args.n} notifications in {four:.2f} s ({args.n / four:.0f}/s)"
                f" = {one / four:.2f}x one worker (target >= 2)"
            )
            ms = latency(new_db("latency"), workdir, receiver, args.latency_samples)
            p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
            print(
                f"latency commit -> receipt, 1 worker, one notification per transaction:"
                f" p50 {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms"
            )
        finally:
            receiver.stop()


if __name__ == "__main__":
    main()
