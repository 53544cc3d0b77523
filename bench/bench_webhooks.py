"""Webhook delivery speed against a baseline measured in the same run (issue #13's targets).

    python bench/bench_webhooks.py [--n 1000] [--rounds 3] [--database postgresql|sqlite]
                                   [--answer-ms 0]

Prints, e.g. (2 CPUs shared with another engineer's test runs):
    machine: 2 CPUs, load average 5.4 before the run
    round 1
      bare loop: 1000 POSTs in 0.22 s (4606/s); CPU per POST: client 145 us, receiver 20 us
      1 worker : 1000 in 0.39 s (2541/s) = 0.55x the bare loop (target >= 0.5); CPU per
        notification: workers 240 us, receiver 30 us, PostgreSQL 70 us; 0.87 CPUs busy
      4 workers: 1000 in 0.39 s (2572/s) = 1.01x one worker (target >= 2); CPU per
        notification: workers 340 us, receiver 30 us, PostgreSQL 50 us; 1.08 CPUs busy
    ...
    1 worker / bare loop: 0.53-0.55x over 3 rounds (median 0.54x)
    4 workers / 1 worker: 0.90-1.87x over 3 rounds (median 1.01x); the CPU-bound ceiling
        on 2 CPUs (all CPU time per notification, every CPU ours) is 1.61-3.02x one worker
    latency commit -> receipt, 1 worker, one notification per transaction: p50 2 ms, p99 7 ms

The receiver is a separate process (an asyncio HTTP/1.1 server answering 200 and logging
each webhook-id with its arrival time; any number of connections at once). The baseline
posts the same 1,000 bodies, one after the other, with the same HTTP client the worker uses
(backend.core.outbound.Outbound), and neither signs nor touches a database. The workers are real
`schedlink worker` processes leasing from the webhook outbox; each run starts with the
workers idle, then 1,000 notifications are committed at once and the clock runs until the
receiver has them all.

CPU time is read from /proc (Linux): the bench's own for the bare loop, the worker and
receiver processes', and the PostgreSQL server processes serving the run's database. Several
workers can only beat one worker by what the machine's CPUs leave over: on 2 CPUs, where one
worker and its receiver already keep about one CPU busy, 2x is the ceiling, and another
process's load lowers it further. `--answer-ms 5` makes the receiver answer each POST 5 ms
later, as a host app's server over a network does: the run is then bound by waiting, not by
CPU, and shows how workers scale where CPUs are not the limit (the bare loop waits too).
Nothing is asserted (a loaded machine must not fail a build).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def serve_receiver(port: int, log_path: str, answer_ms: float = 0.0) -> None:
    """The receiver process: 200 for every POST, 'webhook-id arrival' lines in log_path.

    It stands in for the host apps' servers, which run on other machines: here it shares the
    CPUs with the workers, so it is kept cheap (one asyncio loop reading HTTP/1.1 requests on
    kept-alive connections, no thread per connection) so as to measure the workers, not it."""
    import asyncio
    import re

    log = open(log_path, "a", buffering=1)  # noqa: SIM115 - lives as long as the process
    length = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
    webhook_id = re.compile(rb"\r\nwebhook-id:[ \t]*([^\r]*)", re.IGNORECASE)
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    loop = None

    class Receiver(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport, self.buffer = transport, b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
                head = self.buffer[:end]
                size = length.search(head)
                total = end + 4 + (int(size.group(1)) if size else 0)
                if len(self.buffer) < total:
                    return  # the rest of the body is on its way
                self.buffer = self.buffer[total:]
                found = webhook_id.search(head)
                name = found.group(1).decode("latin-1") if found else "-"
                log.write(f"{name} {time.time():.6f}\n")
                if answer_ms:  # one request at a time per connection: answers stay in order
                    loop.call_later(answer_ms / 1000, self.transport.write, answer)
                else:
                    self.transport.write(answer)

    async def main() -> None:
        nonlocal loop
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Receiver, "127.0.0.1", port)
        await server.serve_forever()

    asyncio.run(main())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its threads) so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ReceiverProcess:
    def __init__(self, workdir: Path, answer_ms: float = 0.0):
        from webhook_receiver import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.log_path = workdir / "received.log"
        self.log_path.touch()
        self.process = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--receiver",
                str(self.port),
                str(self.log_path),
                "--answer-ms",
                str(answer_ms),
            ]
        )
        deadline = time.monotonic() + 30  # until it listens
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

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


class PostgresCPU:
    """CPU of the server processes serving one database (our workers' connections)."""

    def __init__(self, database_url: str):
        self.enabled = database_url.startswith("postgresql")
        self.database_url = database_url
        self.start: dict[int, float] = {}

    def _pids(self) -> list[int]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [r[0] for r in rows]

    def begin(self) -> None:
        if self.enabled:
            self.start = {pid: cpu_seconds(pid) for pid in self._pids()}

    def used(self) -> float:
        if not self.enabled:
            return 0.0
        return sum(cpu_seconds(pid) - self.start.get(pid, 0.0) for pid in self._pids())


def bare_loop(url: str, bodies: list[bytes]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for POSTing every body once."""
    from backend.core.outbound import Outbound

    outbound = Outbound(["127.0.0.1"], timeout=10)
    headers = {"Content-Type": "application/json", "webhook-id": "bare"}
    started, cpu = time.perf_counter(), time.process_time()
    for body in bodies:
        response = outbound.request("POST", url, headers=headers, body=body, max_body=65536)
        assert response.status == 200
    return time.perf_counter() - started, time.process_time() - cpu


def wait_idle(processes, timeout: float = 120) -> None:
    """Until every process has finished starting (imports, migrations) and sits idle: on a
    busy machine that takes longer than any fixed pause, and a worker still starting would
    both miss the run and take CPU from the others."""
    deadline = time.monotonic() + timeout
    before = [cpu_seconds(p.pid) for p in processes]
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = [cpu_seconds(p.pid) for p in processes]
        if all(b - a < 0.02 for a, b in zip(before, now, strict=True)):
            return
        before = now
    raise SystemExit("the workers did not settle")


def _poll(database_url: str) -> float:
    """PostgreSQL wakes idle workers on commit (NOTIFY), so they need not look often: as
    deployed, once a second. SQLite workers can only poll."""
    return 1.0 if database_url.startswith("postgresql") else 0.05


def run_workers(database_url: str, workdir: Path, receiver, count: int, n: int) -> dict:
    """Wall time from the commit of n notifications until the receiver has them all, with
    `count` idle workers waiting; and the CPU the workers, receiver and database used."""
    from webhook_load import Load, start_worker, stop_worker

    load = Load(database_url, receiver.url)
    base = receiver.count()
    workers = [
        start_worker(database_url, workdir / f"w{count}-{i}", poll=_poll(database_url))
        for i in range(count)
    ]
    postgres = PostgresCPU(database_url)
    try:
        wait_idle(workers)
        load.commit_many(4 * count, per_transaction=1)  # warm-up: every worker is up
        base = receiver.wait_for(base + 1 + 4 * count) and receiver.count()
        wait_idle(workers)
        base = receiver.count()
        load.commit_many(n, per_transaction=n)
        started = time.time()  # the commit is done: from here on it is the workers' time
        # CPU counted from here too (an idle worker that polls would count while we commit).
        worker_cpu = sum(cpu_seconds(w.pid) for w in workers)
        receiver_cpu = receiver.cpu()
        postgres.begin()
        finished = receiver.wait_for(base + n)
        return {
            "wall": finished - started,
            "workers": sum(cpu_seconds(w.pid) for w in workers) - worker_cpu,
            "receiver": receiver.cpu() - receiver_cpu,
            "postgres": postgres.used(),
        }
    finally:
        for worker in workers:
            stop_worker(worker)
        load.close()


def latency(database_url: str, workdir: Path, receiver, samples: int) -> list[float]:
    from webhook_load import Load, start_worker, stop_worker

    load = Load(database_url, receiver.url)
    worker = start_worker(database_url, workdir / "latency", poll=_poll(database_url))
    try:
        wait_idle([worker])
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


def _us(seconds: float, n: int) -> str:
    return f"{seconds * 1e6 / n:.0f} us"


def _cpu(run: dict, n: int) -> str:
    parts = [f"workers {_us(run['workers'], n)}", f"receiver {_us(run['receiver'], n)}"]
    if run["postgres"]:
        parts.append(f"PostgreSQL {_us(run['postgres'], n)}")
    # How many CPUs the run kept busy: what a busy machine left it shows here.
    busy = (run["workers"] + run["receiver"] + run["postgres"]) / run["wall"]
    return "CPU per notification: " + ", ".join(parts) + f"; {busy:.2f} CPUs busy"


def _spread(name: str, values: list[float]) -> str:
    return (
        f"{name}: {min(values):.2f}-{max(values):.2f}x over {len(values)} rounds"
        f" (median {statistics.median(values):.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--answer-ms", type=float, default=0.0)
    parser.add_argument("--receiver", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        serve_receiver(int(args.receiver[0]), args.receiver[1], args.answer_ms)
        return
    os.environ.setdefault("SE_OFFLINE", "true")
    from webhook_load import Load

    n = args.n
    cpus = len(os.sched_getaffinity(0))
    print(f"machine: {cpus} CPUs, load average {os.getloadavg()[0]:.1f} before the run")
    if args.answer_ms:
        print(f"the receiver answers each POST {args.answer_ms:g} ms after it arrived")
    with tempfile.TemporaryDirectory() as tmp, database(args.database) as new_db:
        workdir = Path(tmp)
        receiver = ReceiverProcess(workdir, args.answer_ms)
        try:
            sample = Load(new_db("bodies"), receiver.url)
            bodies = [json.dumps(sample.body(i), separators=(",", ":")).encode() for i in range(n)]
            sample.close()
            bare_loop(receiver.url, bodies[:50])  # warm-up
            single, scaled, ceiling = [], [], []
            for round_ in range(1, args.rounds + 1):
                print(f"round {round_}")
                received = receiver.cpu()
                bare, bare_cpu = bare_loop(receiver.url, bodies)
                print(
                    f"  bare loop: {n} POSTs in {bare:.2f} s ({n / bare:.0f}/s); CPU per POST:"
                    f" client {_us(bare_cpu, n)}, receiver {_us(receiver.cpu() - received, n)}"
                )
                one = run_workers(new_db(f"one{round_}"), workdir, receiver, 1, n)
                single.append(bare / one["wall"])
                print(
                    f"  1 worker : {n} in {one['wall']:.2f} s ({n / one['wall']:.0f}/s)"
                    f" = {single[-1]:.2f}x the bare loop (target >= 0.5); {_cpu(one, n)}"
                )
                four = run_workers(new_db(f"four{round_}"), workdir, receiver, 4, n)
                scaled.append(one["wall"] / four["wall"])
                print(
                    f"  4 workers: {n} in {four['wall']:.2f} s ({n / four['wall']:.0f}/s)"
                    f" = {scaled[-1]:.2f}x one worker (target >= 2); {_cpu(four, n)}"
                )
                # If all it needs were CPU time, every CPU busy: how much faster than one worker.
                per_notification = (four["workers"] + four["receiver"] + four["postgres"]) / n
                ceiling.append(one["wall"] / (n * per_notification / cpus))
            print(_spread("1 worker / bare loop", single))
            print(
                _spread("4 workers / 1 worker", scaled)
                + f"; the CPU-bound ceiling on {cpus} CPUs (all CPU time per notification,"
                f" every CPU ours) is {min(ceiling):.2f}-{max(ceiling):.2f}x one worker"
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
