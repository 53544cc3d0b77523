"""Booking page throughput against a bare endpoint on the same server, same run (issue #5).

    .venv/bin/python bench/bench_booking_page.py [--duration 5] [--rounds 2] [--workers 4]
        [--real-time]

`--real-time` also loads the page of a real-time scheduling link (`POST
/v1/real_time_scheduling`, issue 20: the same page, offering an availability query's slots
over the same 14 days) and prints its ratio to hello against the same target.

Target (issue 27; issue #5 asked 40 %): the booking page GET for a host with 150 events in the
next 14 days, served by the production server, reaches >= 50% of the requests per second of a
bare "hello" endpoint (`GET /healthz`) on the same server in the same run; its p99 latency at
32 concurrent clients is printed. The page must offer times: 500 events (the default until
issue 27) cover every 30-minute slot of the 14 days, so it measured an empty page; with 150
the page offers a few dozen slots, and the bench says how many (and warns at none).

What it does: starts the real production server (`schedlink serve`: gunicorn gthread workers,
SQLite in a temporary directory, no job worker), makes a host with the real CLI, seeds 150
events through the API (weekdays of the next 14 days, inside the host's 09:00-17:00), creates a
link, then loads `/healthz` and the link's page in turn with 32 concurrent clients on
persistent connections (several processes of threads, `http.client`), alternating the order
each round so both see the same machine load. Then it profiles the page in-process (cProfile
over `app.test_client()`) and prints where the time goes.

Prints, e.g. (2 busy CPUs):
    hello (/healthz)  :   3295.3 req/s   p50     5.4 ms   p99    75.0 ms   (...)
    booking page      :    242.4 req/s   p50   123.8 ms   p99   342.7 ms   (...)
    page/hello ratio = 0.074 (target >= 0.50)
    server CPU per request: hello 0.39 ms, booking page 4.92 ms (CPU-time ratio 0.080); ...
    booking page p99 at 32 concurrent clients = 342.7 ms
then the in-process profile. The server-CPU-per-request line (gunicorn master + workers, from
/proc) is the steadiest number on a shared machine; req/s moves with whatever else runs.
Nothing is asserted and the exit status is 0 (a loaded machine must not fail a build); failed
requests are counted and reported.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import multiprocessing
import os
import pstats
import random
import statistics
import sys
import tempfile
import threading
import time
from array import array
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))

import requests  # noqa: E402
from live_server import SECRET_KEY, LiveServer, page_fields, path_of  # noqa: E402

HOST_TZ = "Europe/London"
EVENTS = 150
WINDOW_DAYS = 14


# --- seeding -------------------------------------------------------------------------------------


def event_bodies(now: datetime, count: int = EVENTS, seed: int = 5) -> list[dict]:
    """`count` (150) events on the weekdays of the next 14 days, inside 09:00-17:00 host time,
    15 to 60 minutes long on a 5-minute grid (overlaps happen, as in real calendars)."""
    rng = random.Random(seed)
    tz = ZoneInfo(HOST_TZ)
    today = now.astimezone(tz).date()
    days = [today + timedelta(days=d) for d in range(WINDOW_DAYS)]
    weekdays = [d for d in days if d.weekday() < 5]
    bodies = []
    for i in range(count):
        day = rng.choice(weekdays)
        minutes = rng.choice([15, 15, 30, 30, 30, 45, 60])
        start_minute = 9 * 60 + 5 * rng.randrange((8 * 60 - minutes) // 5 + 1)
        start = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=start_minute)
        end = start + timedelta(minutes=minutes)
        bodies.append(
            {
                "event_id": f"bench-{i}",
                "summary": f"Meeting {i}",
                "start": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "tzid": HOST_TZ,
            }
        )
    return bodies


def seed(server: LiveServer, events: int) -> str:
    """Host (real CLI), the events (API), one link; returns the booking page path."""
    host = server.create_host_with_cli("bench-host@example.com", tzid=HOST_TZ)
    calendars = requests.get(f"{server.url}/v1/calendars", headers=host.headers, timeout=30)
    calendar_id = calendars.json()["calendars"][0]["calendar_id"]
    url = f"{server.url}/v1/calendars/{calendar_id}/events"
    local = threading.local()

    def post(body):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        response = local.session.post(url, json=body, headers=host.headers, timeout=30)
        if response.status_code != 202:
            raise RuntimeError(f"event upsert failed: {response.status_code} {response.text}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(post, event_bodies(datetime.now(UTC), events)))
    link = requests.post(
        f"{server.url}/v1/scheduling_links",
        json={"contact": {"name": "Ada Lovelace", "email": "ada@example.com", "tzid": HOST_TZ}},
        headers=host.headers,
        timeout=30,
    )
    link.raise_for_status()
    return path_of(link.json()["scheduling_link"]["url"])


def seed_real_time(server: LiveServer) -> str:
    """A real-time scheduling link for the seeded host: its weekdays of the next 14 days,
    08:00-18:00 UTC, 30-minute slots; returns its page's path."""
    host_key = server.cli("create-api-key", "bench-host@example.com").strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {host_key}"}
    me = requests.get(f"{server.url}/v1/userinfo", headers=headers, timeout=30).json()
    calendars = requests.get(f"{server.url}/v1/calendars", headers=headers, timeout=30).json()
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    periods = []
    for k in range(1, WINDOW_DAYS + 1):
        d = day + timedelta(days=k)
        if d.weekday() < 5:
            start, end = d + timedelta(hours=8), d + timedelta(hours=18)
            periods.append(
                {"start": f"{start:%Y-%m-%dT%H:%M:%SZ}", "end": f"{end:%Y-%m-%dT%H:%M:%SZ}"}
            )
    body = {
        "oauth": {"redirect_uri": "https://app.example.com/oauth"},
        "event": {"event_id": "bench", "summary": "Bench interview", "tzid": HOST_TZ},
        "availability": {
            "participants": [{"members": [{"sub": me["sub"]}], "required": "all"}],
            "required_duration": {"minutes": 30},
            "query_periods": periods,
        },
        "target_calendars": [
            {"sub": me["sub"], "calendar_id": calendars["calendars"][0]["calendar_id"]}
        ],
        "tzid": HOST_TZ,
    }
    made = requests.post(
        f"{server.url}/v1/real_time_scheduling", json=body, headers=headers, timeout=30
    )
    made.raise_for_status()
    return path_of(made.json()["real_time_scheduling"]["url"])


# --- load ----------------------------------------------------------------------------------------


def _client_process(port, path, threads, start_at, duration, conn):
    """One load-generating process: `threads` clients, each with one persistent connection,
    requesting `path` back to back from start_at for `duration` seconds."""
    latencies = array("d")
    totals = {"errors": 0, "finished": start_at, "bytes": 0}
    cpu0 = time.process_time()
    lock = threading.Lock()

    def client():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.connect()
        mine, errors, size = array("d"), 0, 0
        while time.time() < start_at:
            time.sleep(0.001)
        end = start_at + duration
        while time.time() < end:
            t0 = time.perf_counter()
            try:
                c.request("GET", path)
                response = c.getresponse()
                body = response.read()
                if response.status != 200:
                    errors += 1
                    continue
                size = len(body)
            except (OSError, http.client.HTTPException):
                errors += 1
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append(time.perf_counter() - t0)
        c.close()
        with lock:
            latencies.extend(mine)
            totals["errors"] += errors
            totals["finished"] = max(totals["finished"], time.time())
            totals["bytes"] = size or totals["bytes"]

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    totals["cpu"] = time.process_time() - cpu0
    conn.send((latencies.tobytes(), totals))
    conn.close()


def server_cpu_seconds(master_pid: int) -> float | None:
    """User+system CPU of the gunicorn master and its live workers (Linux /proc), or None."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, found = 0, False
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == master_pid or int(fields[1]) == master_pid:
            total += int(fields[11]) + int(fields[12])
            found = True
    return total / tick if found else None


def load(port: int, path: str, clients: int, procs: int, duration: float, master_pid: int) -> dict:
    ctx = multiprocessing.get_context("fork")
    server_cpu0 = server_cpu_seconds(master_pid)
    start_at = time.time() + 0.5
    pipes, children = [], []
    for i in range(procs):
        share = clients // procs + (1 if i < clients % procs else 0)
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(
            target=_client_process, args=(port, path, share, start_at, duration, send)
        )
        child.start()
        pipes.append(receive)
        children.append(child)
    latencies, errors, finished, size, client_cpu = array("d"), 0, start_at, 0, 0.0
    for receive in pipes:
        raw, totals = receive.recv()
        chunk = array("d")
        chunk.frombytes(raw)
        latencies.extend(chunk)
        errors += totals["errors"]
        finished = max(finished, totals["finished"])
        size = totals["bytes"] or size
        client_cpu += totals["cpu"]
    for child in children:
        child.join()
    server_cpu1 = server_cpu_seconds(master_pid)
    return {
        "client_cpu": client_cpu,
        "server_cpu": None if server_cpu0 is None else server_cpu1 - server_cpu0,
        "count": len(latencies),
        "elapsed": finished - start_at,
        "latencies": latencies,
        "errors": errors,
        "bytes": size,
    }


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(runs: list[dict]) -> dict:
    count = sum(r["count"] for r in runs)
    elapsed = sum(r["elapsed"] for r in runs)
    lat = [x for r in runs for x in r["latencies"]]
    server_cpu = [r["server_cpu"] for r in runs]
    return {
        "client_cores": sum(r["client_cpu"] for r in runs) / elapsed if elapsed else 0.0,
        "server_cores": None if None in server_cpu else sum(server_cpu) / elapsed,
        "server_ms": None if None in server_cpu else sum(server_cpu) / count * 1000,
        "rps": count / elapsed if elapsed else 0.0,
        "per_round": [r["count"] / r["elapsed"] for r in runs],
        "p50": percentile(lat, 0.50) * 1000,
        "p99": percentile(lat, 0.99) * 1000,
        "errors": sum(r["errors"] for r in runs),
        "count": count,
        "bytes": runs[-1]["bytes"],
    }


# --- profile -------------------------------------------------------------------------------------


def _package(filename: str) -> str:
    if filename.startswith("<frozen") or filename == "~":
        return "python (builtins, C)"
    path = Path(filename)
    parts = path.parts
    if "templates" in parts and path.suffix == ".html":
        return "templates (compiled Jinja)"
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    if str(path).startswith(str(ROOT / "backend")):
        return f"backend/{path.name}"
    return "python stdlib"


def profile_in_process(database_url: str, instance: Path, path: str, n: int) -> None:
    from backend import create_app

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": SECRET_KEY,
            "BASE_URL": "http://127.0.0.1",
        }
    )
    client = app.test_client()

    def per_request_ms(url: str, repeat: int) -> tuple[float, float]:
        """(wall, CPU) milliseconds per request; CPU time is what to trust on a busy machine."""
        for _ in range(5):
            client.get(url)
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(repeat):
            response = client.get(url)
        if response.status_code != 200:
            print(f"warning: GET {url} answered {response.status_code} in-process")
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        return wall / repeat * 1000, cpu / repeat * 1000

    hello_wall, hello_cpu = per_request_ms("/healthz", 500)
    page_wall, page_cpu = per_request_ms(path, max(20, n // 4))
    slots = len(page_fields(client.get(path).get_data(as_text=True))["starts"])
    print(
        f"\nin-process (Flask test client, no server), CPU ms/request: /healthz {hello_cpu:.2f}, "
        f"booking page {page_cpu:.2f} ({slots} slots offered) -> ratio {hello_cpu / page_cpu:.3f}"
        f"  [wall: {hello_wall:.2f} / {page_wall:.2f}]"
    )

    # The default (wall-clock) timer: a CPU-time timer is a syscall per call and distorts more.
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt

    by_package: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        by_package[_package(filename)] += tt
    print(f"\nprofile of {n} booking page GETs: {total / n * 1000:.2f} ms/request under cProfile")
    print("own time by package/module:")
    for name, tt in sorted(by_package.items(), key=lambda kv: -kv[1])[:14]:
        print(f"  {tt / total:6.1%}  {name}")

    def label(key) -> str:
        filename, line, name = key
        if filename == "~":
            return name
        rel = filename
        for base in (str(ROOT) + "/", ".venv/lib/"):
            if base in rel:
                rel = rel.split(base, 1)[1]
        rel = rel.split("site-packages/", 1)[-1]
        return f"{rel}:{line}({name})"

    rows = stats.stats.items()
    print("\ntop functions by cumulative time (project code and templates):")
    own = [
        (ct, nc, key)
        for key, (_cc, nc, _tt, ct, _c) in rows
        if key[0].startswith(str(ROOT / "backend"))
    ]
    for ct, nc, key in sorted(own, reverse=True)[:22]:
        print(f"  {ct / total:6.1%}  {ct / n * 1000:7.2f} ms/req  {nc / n:8.1f}/req  {label(key)}")
    print("\ntop functions by own time (everything):")
    for key, (_cc, nc, tt, _ct, _c) in sorted(rows, key=lambda kv: -kv[1][2])[:22]:
        print(f"  {tt / total:6.1%}  {tt / n * 1000:7.2f} ms/req  {nc / n:8.1f}/req  {label(key)}")
    app.extensions["schedlink.engine"].dispose()


# --- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per endpoint/round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--events", type=int, default=EVENTS, help=f"events to seed ({EVENTS})")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--procs", type=int, default=2, help="load-generating processes")
    parser.add_argument("--profile-requests", type=int, default=200)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--real-time", action="store_true", help="also a real-time page")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="schedlink-bench-") as tmp:
        workdir = Path(tmp)
        database_url = f"sqlite:///{workdir / 'schedlink.db'}"
        server = LiveServer(database_url, workdir, workers=args.workers)
        try:
            server.start()
            t0 = time.perf_counter()
            path = seed(server, args.events)
            seeded = time.perf_counter() - t0
            first = requests.get(server.url + path, timeout=30)
            first.raise_for_status()
            slots = len(page_fields(first.text)["starts"])
            print(
                f"schedlink serve: {args.workers} gunicorn gthread workers x 4 threads, SQLite; "
                f"{os.cpu_count()} CPUs; {args.clients} clients in {args.procs} processes"
            )
            print(
                f"seeded {args.events} events in {seeded:.1f} s; the page offers {slots} slots "
                f"({len(first.content) / 1024:.0f} KiB)"
            )
            if not slots:
                print("WARNING: the page offers no times; this measures an empty page")
            endpoints = {"hello (/healthz)": "/healthz", "booking page": path}
            if args.real_time:
                endpoints["real-time page"] = seed_real_time(server)
                rts = requests.get(server.url + endpoints["real-time page"], timeout=30)
                rts.raise_for_status()
                print(f"the real-time page offers {len(page_fields(rts.text)['starts'])} slots")
            for target in endpoints.values():  # warm every worker
                load(server.port, target, args.clients, args.procs, 1.0, server.process.pid)
            runs: dict[str, list[dict]] = {name: [] for name in endpoints}
            for r in range(args.rounds):
                order = list(endpoints.items())
                for name, target in order if r % 2 == 0 else order[::-1]:
                    runs[name].append(
                        load(
                            server.port,
                            target,
                            args.clients,
                            args.procs,
                            args.duration,
                            server.process.pid,
                        )
                    )
        finally:
            server.stop()

        results = {name: summary(rs) for name, rs in runs.items()}
        print()
        for name, s in results.items():
            rounds = ", ".join(f"{x:.0f}" for x in s["per_round"])
            print(
                f"{name:<18}: {s['rps']:8.1f} req/s   p50 {s['p50']:7.1f} ms   "
                f"p99 {s['p99']:7.1f} ms   ({s['count']} requests, {s['errors']} errors; "
                f"rounds: {rounds})"
            )
        hello, page = results["hello (/healthz)"], results["booking page"]
        ratio = page["rps"] / hello["rps"] if hello["rps"] else float("nan")
        print(f"page/hello ratio = {ratio:.3f} (target >= 0.50)")
        if hello["server_ms"] is not None:
            cpu_ratio = hello["server_ms"] / page["server_ms"]
            print(
                f"server CPU per request: hello {hello['server_ms']:.2f} ms, booking page "
                f"{page['server_ms']:.2f} ms (CPU-time ratio {cpu_ratio:.3f});"
                f" cores busy: server {hello['server_cores']:.2f} / {page['server_cores']:.2f}, "
                f"load generator {hello['client_cores']:.2f} / {page['client_cores']:.2f}"
            )
        print(f"booking page p99 at {args.clients} concurrent clients = {page['p99']:.1f} ms")
        if "real-time page" in results:
            rts = results["real-time page"]
            rts_ratio = rts["rps"] / hello["rps"] if hello["rps"] else float("nan")
            print(f"real-time page/hello ratio = {rts_ratio:.3f} (target >= 0.50)")
            if hello["server_ms"] is not None and rts["server_ms"]:
                print(
                    f"server CPU per request: real-time page {rts['server_ms']:.2f} ms "
                    f"(CPU-time ratio {hello['server_ms'] / rts['server_ms']:.3f})"
                )
        spread = statistics.pstdev(page["per_round"]) / max(page["rps"], 1e-9)
        print(f"(round-to-round spread of the page's req/s: {spread:.0%})")
        errors = sum(r["errors"] for r in results.values())

        if not args.no_profile:
            profile_in_process(database_url, workdir / "instance", path, args.profile_requests)
    if errors:
        print(f"\nWARNING: {errors} requests failed; the numbers above are not reliable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
