"""How far one machine goes (issue 27): a closed-loop load of invitees and API clients against
1 and 2 `schedlink serve` nodes sharing one PostgreSQL (rate limits in Redis), each node with
its own job worker, and against one SQLite node.

    .venv/bin/python bench/bench_capacity.py --quick      # a few minutes
    .venv/bin/python bench/bench_capacity.py              # longer steps, steadier numbers

Needs the `bench` extra (matplotlib, for the chart): `pip install -e '.[bench]'`.

Clients (no think time; each waits for its answer before the next request):
- invitees (3 in 4): the booking page `GET /b/<token>`, the page again in their own zone
  (`?tz=America/New_York`, which recomputes the offer: the availability an invitee sees),
  then `POST /b/<token>` for one of the offered times (303 booked, or 409 when another
  client took it first — expected, not an error);
- API clients (1 in 4): `POST /v1/availability` for a week, `GET /v1/events` for two.
Clients are spread over the nodes round-robin, as a proxy would. At 8, 32 and 128 clients it
reports requests/s and p50/p95/p99 per kind, errors (anything but 200/303/409 on its path,
or no answer: must be 0) and double bookings (overlapping confirmed bookings of one host,
counted in the database afterwards: must be 0).

CPU: the load generator, PostgreSQL, Redis and the nodes share this machine, so a second node
cannot add throughput here. The bench reads the CPU time each side used (/proc) and prints the
ceiling that follows: requests/s at which the app processes alone would fill every core, and
the same for the database. docs/capacity.md says which numbers were measured and which are
extrapolated from these. Nothing is asserted; exit status 0.

Reproducing a run: the clients' choices are seeded (`--seed`, 27), the command line and the
machine's state are written into the report, and each step records how many cores *other*
work kept busy meanwhile (the machine's busy time from /proc/stat less ours) and the load
average. `--quiet-wait 300 --quiet-below 0.5` waits before each step (up to 300 s) for other
work to use less than half a core; on a machine shared with other people's test runs that
may never happen, and the report then says how busy it was. Requests/s and CPU per request
are over the time until the step's last answer, not the nominal step length.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import random
import re
import sys
import tempfile
import threading
import time
import uuid
from array import array
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))

import requests  # noqa: E402
from live_server import (  # noqa: E402
    LiveServer,
    create_host_directly,
    fresh_pg_database,
    path_of,
    pg_unreachable_reason,
)

KINDS = ("page", "page_tz", "book", "api_availability", "api_events")
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
REDIS_URL = "redis://127.0.0.1:6379/0"
P99_OBJECTIVE_MS = 250.0
_START = re.compile(r'name="start" value="([^"]+)"')
_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


# --- seeding ---------------------------------------------------------------------------------


def seed(database_url: str, server: LiveServer, hosts: int) -> list[dict]:
    """`hosts` accounts (directly in the database) and one link each that can be booked up
    to 1000 times (so invitees keep booking the same host's free times)."""
    made = []
    for i in range(hosts):
        host = create_host_directly(database_url, f"cap-{i}-{uuid.uuid4().hex[:6]}@example.com")
        link = requests.post(
            f"{server.url}/v1/scheduling_links",
            json={
                "contact": {"name": "Ada Lovelace", "email": "ada@example.com"},
                "max_uses": 1000,
                "duration_minutes": 30,
            },
            headers=host.headers,
            timeout=60,
        )
        link.raise_for_status()
        made.append(
            {
                "sub": host.sub, "key": host.api_key,
                "path": path_of(link.json()["scheduling_link"]["url"]),
            }
        )  # fmt: skip
    return made


# --- load ------------------------------------------------------------------------------------


def _client(kind: str, port: int, hosts: list[dict], stop_at: float, out: dict, rng) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    lat = {k: array("d") for k in KINDS}
    counts = {"errors": 0, "booked": 0, "taken": 0, "no_slots": 0}
    examples: list[str] = []

    def call(name, method, path, body=None, headers=None, expect=(200,)):
        nonlocal conn
        t0 = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            counts["errors"] += 1
            if len(examples) < 3:
                examples.append(f"{name}: {type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            return None, b""
        lat[name].append(time.perf_counter() - t0)
        if response.status not in expect:
            counts["errors"] += 1
            if len(examples) < 3:
                examples.append(f"{name}: HTTP {response.status}")
        return response.status, data

    now = datetime.now(UTC).replace(microsecond=0)
    while time.time() < stop_at:
        host = rng.choice(hosts)
        if kind == "invitee":
            status, page = call("page", "GET", host["path"])
            if status != 200:
                continue
            call("page_tz", "GET", host["path"] + "?tz=America/New_York")
            text = page.decode()
            starts = _START.findall(text)
            token = _FORM_TOKEN.search(text)
            if not starts or not token:
                counts["no_slots"] += 1
                continue
            form = urlencode({
                "form_token": token.group(1), "tz": "Europe/London",
                "start": rng.choice(starts[:40]), "name": "Load Test",
                "email": "invitee@example.com",
            })  # fmt: skip
            status, _ = call(
                "book", "POST", host["path"], body=form, expect=(303, 409),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )  # fmt: skip
            if status == 303:
                counts["booked"] += 1
            elif status == 409:
                counts["taken"] += 1
        else:
            auth = {"Authorization": f"Bearer {host['key']}", "Content-Type": "application/json"}
            query = json.dumps({
                "participants": [{"members": [{"sub": host["sub"]}], "required": "all"}],
                "required_duration": {"minutes": 30},
                "query_periods": [{"start": _utc(now + timedelta(hours=1)),
                                   "end": _utc(now + timedelta(days=7))}],
            })  # fmt: skip
            call("api_availability", "POST", "/v1/availability", body=query, headers=auth)
            window = urlencode({"from": _utc(now), "to": _utc(now + timedelta(days=14))})
            call("api_events", "GET", f"/v1/events?{window}", headers=auth)
    conn.close()
    with out["lock"]:
        for k in KINDS:
            out["lat"][k].extend(lat[k])
        for k, v in counts.items():
            out[k] += v
        out["examples"].extend(examples)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _load_process(plan, hosts, start_at, duration, seed_value, pipe) -> None:
    """One load-generating process: threads for its share of (kind, port) clients."""
    out = {"lock": threading.Lock(), "lat": {k: array("d") for k in KINDS}, "errors": 0,
           "booked": 0, "taken": 0, "no_slots": 0, "examples": []}  # fmt: skip
    cpu0 = time.process_time()
    while time.time() < start_at:
        time.sleep(0.005)
    threads = [
        threading.Thread(
            target=_client,
            args=(kind, port, hosts, start_at + duration, out, random.Random(seed_value + i)),
        )
        for i, (kind, port) in enumerate(plan)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.pop("lock")
    out["lat"] = {k: v.tobytes() for k, v in out["lat"].items()}
    out["cpu"] = time.process_time() - cpu0
    pipe.send(out)
    pipe.close()


def _cpu_of(pids: set[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command name) for every process we can see."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text()
                name = stat[stat.index("(") + 1 : stat.rindex(")")]
                found[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), name)
    return found


def _serves(pid: int, database: str | None) -> bool:
    """A PostgreSQL backend of our database (its title names it): other work on this machine
    uses the same PostgreSQL server, and its CPU is not ours."""
    if not database:
        return False
    with contextlib.suppress(OSError):
        return f" {database} " in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    return False


def machine_busy() -> float:
    """CPU seconds every process on this machine has used (all cores; /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def others_now(seconds: float = 2.0) -> float:
    """Cores busy on this machine right now (nothing of ours runs yet: all of it is others')."""
    before = machine_busy()
    time.sleep(seconds)
    return (machine_busy() - before) / seconds


def wait_for_quiet(below: float, patience: float) -> float:
    """Wait (up to `patience` s) until other work keeps fewer than `below` cores busy; the
    cores found busy last. A shared machine may never get there: the run then goes on, and
    the report says how busy it was."""
    deadline = time.monotonic() + patience
    busy = others_now()
    while busy >= below and time.monotonic() < deadline:
        print(f"   waiting for a quieter machine: others keep {busy:.2f} cores busy", flush=True)
        time.sleep(10)
        busy = others_now()
    return busy


def cpu_snapshot(roots: list[int], database: str | None) -> dict[str, float]:
    """CPU seconds used so far by the nodes (their process trees), the PostgreSQL backends of
    our database (none on SQLite) and Redis."""
    procs = _processes()
    tree, grew = set(roots), True
    while grew:
        more = {pid for pid, (ppid, _n) in procs.items() if ppid in tree and pid not in tree}
        tree |= more
        grew = bool(more)
    return {
        "app": _cpu_of(tree),
        "postgres": _cpu_of(
            {
                p
                for p, (_pp, n) in procs.items()
                if n.startswith("postgres") and _serves(p, database)
            }
        ),
        "redis": _cpu_of({p for p, (_pp, n) in procs.items() if n.startswith("redis")}),
    }


def run_level(
    nodes: list[LiveServer], hosts, clients: int, duration: float, procs: int, seed_value: int = 0
) -> dict:
    invitees = max(1, round(clients * 0.75))
    plan = [
        ("invitee" if i < invitees else "api", nodes[i % len(nodes)].port) for i in range(clients)
    ]
    random.Random(seed_value + clients).shuffle(plan)
    ctx = multiprocessing.get_context("fork")
    procs = min(procs, clients)
    start_at = time.time() + 0.5
    roots = [n.process.pid for n in nodes]
    url = nodes[0].database_url
    database = url.rsplit("/", 1)[1] if url.startswith("postgresql") else None
    cpu0 = cpu_snapshot(roots, database)
    machine0, load0 = machine_busy(), os.getloadavg()[0]
    pipes, children = [], []
    for p in range(procs):
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(
            target=_load_process,
            args=(plan[p::procs], hosts, start_at, duration, seed_value + p * 1000, send),
        )
        child.start()
        pipes.append(receive)
        children.append(child)
    results = [r.recv() for r in pipes]
    # Clients stop starting requests at the step's end but finish the ones in flight, which
    # takes seconds past the end once the machine is saturated: requests/s and CPU per
    # request are over the time until the last answer, not the nominal step.
    elapsed = max(time.time() - start_at, duration)
    for child in children:
        child.join()
    cpu1 = cpu_snapshot(roots, database)
    machine1, load1 = machine_busy(), os.getloadavg()[0]
    lat = {k: array("d") for k in KINDS}
    for r in results:
        for k in KINDS:
            chunk = array("d")
            chunk.frombytes(r["lat"][k])
            lat[k].extend(chunk)
    total = sum(len(v) for v in lat.values())
    row = {
        "clients": clients, "duration": duration, "requests": total,
        "rps": total / elapsed, "elapsed": elapsed,
        "errors": sum(r["errors"] for r in results),
        "booked": sum(r["booked"] for r in results),
        "taken": sum(r["taken"] for r in results),
        "no_slots": sum(r["no_slots"] for r in results),
        "examples": [e for r in results for e in r["examples"]][:5],
        "cpu": {k: cpu1[k] - cpu0[k] for k in cpu0} | {"load": sum(r["cpu"] for r in results)},
        "kinds": {},
        "loadavg": (load0, load1),
    }  # fmt: skip
    # What else ran meanwhile: the machine's busy time less ours, in cores.
    ours = sum(row["cpu"].values())
    row["others_cores"] = max(0.0, (machine1 - machine0) - ours) / elapsed
    everything = sorted(x for v in lat.values() for x in v)
    row["p99_all"] = _pct(everything, 0.99)
    for k in KINDS:
        ordered = sorted(lat[k])
        row["kinds"][k] = {
            "rps": len(ordered) / elapsed,
            "p50": _pct(ordered, 0.50), "p95": _pct(ordered, 0.95), "p99": _pct(ordered, 0.99),
        }  # fmt: skip
    return row


def _pct(ordered, q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def double_bookings(database_url: str) -> tuple[int, int]:
    """(confirmed bookings, pairs of overlapping confirmed bookings of one host)."""
    from sqlalchemy import text

    from backend import db

    engine = db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            count = conn.execute(
                text("SELECT count(*) FROM bookings WHERE status = 'confirmed'")
            ).scalar()
            overlaps = conn.execute(
                text(
                    "SELECT count(*) FROM bookings a JOIN bookings b ON a.account_id = b.account_id"
                    " AND a.id < b.id AND a.status = 'confirmed' AND b.status = 'confirmed'"
                    " AND a.start_at < b.end_at AND b.start_at < a.end_at"
                )
            ).scalar()
    finally:
        engine.dispose()
    return count, overlaps


# --- one setup -------------------------------------------------------------------------------


def run_setup(name: str, database: str, node_count: int, args, workdir: Path) -> dict:
    with contextlib.ExitStack() as stack:
        if database == "postgresql":
            url = stack.enter_context(fresh_pg_database())
        else:
            url = f"sqlite:///{workdir / name / 'schedlink.db'}"
        env = {}
        if database == "postgresql" and not args.no_redis:
            env["SCHEDLINK_RATELIMIT_STORAGE_URI"] = REDIS_URL
            env["SCHEDLINK_RATELIMIT_KEY_PREFIX"] = f"bench-{uuid.uuid4().hex}"
        nodes = []
        for i in range(node_count):
            node = LiveServer(
                url, workdir / name / f"node{i}", workers=args.workers, job_worker=True,
                quiet_access_log=True, extra_env=env,
            )  # fmt: skip
            if i == 0:
                node.cli("migrate")
            node.start()
            stack.callback(node.stop)
            nodes.append(node)
        hosts = seed(url, nodes[0], args.hosts)
        print(f"\n== {name}: {node_count} node(s) x {args.workers} gunicorn workers, "
              f"{len(hosts)} hosts", flush=True)  # fmt: skip
        run_level(nodes, hosts, 8, min(2.0, args.duration), args.procs)  # warm-up, discarded
        levels = []
        for clients in args.levels:
            if args.quiet_wait:
                wait_for_quiet(args.quiet_below, args.quiet_wait)
            row = run_level(nodes, hosts, clients, args.duration, args.procs, args.seed)
            levels.append(row)
            print(_line(row), flush=True)
            for example in row["examples"]:
                print(f"     e.g. {example}")
        confirmed, overlaps = double_bookings(url)
        booked = sum(r["booked"] for r in levels)
        print(f"   bookings confirmed in the database: {confirmed} (303 answers: {booked} + "
              f"warm-up); double bookings: {overlaps}")  # fmt: skip
        return {"name": name, "database": database, "nodes": node_count, "levels": levels,
                "double_bookings": overlaps, "confirmed": confirmed}  # fmt: skip


def _line(row: dict) -> str:
    k = row["kinds"]
    return (
        f"   {row['clients']:>4} clients: {row['rps']:7.1f} req/s  p99 {row['p99_all']:7.1f} ms"
        f"  | page p50/p99 {k['page']['p50']:.0f}/{k['page']['p99']:.0f}"
        f"  book {k['book']['p50']:.0f}/{k['book']['p99']:.0f}"
        f"  api-avail {k['api_availability']['p50']:.0f}/{k['api_availability']['p99']:.0f} ms"
        f"  | errors {row['errors']}  booked {row['booked']} taken {row['taken']}"
        f"  | others {row['others_cores']:.2f} cores, load {row['loadavg'][0]:.1f}"
    )


# --- report ----------------------------------------------------------------------------------


def ceilings(setup: dict) -> dict:
    """CPU ms per request on each side, from the busiest level, and the request rates at which
    each side alone would fill this machine's cores."""
    row = max(setup["levels"], key=lambda r: r["requests"])
    n = max(row["requests"], 1)
    ms = {side: seconds / n * 1000 for side, seconds in row["cpu"].items()}
    cores = os.cpu_count() or 1
    total = sum(ms.values())
    return {
        "ms": ms,
        "cores": cores,
        "machine": cores * 1000 / total if total else float("nan"),
        "app_alone": cores * 1000 / ms["app"] if ms["app"] else float("nan"),
        "db_alone": cores * 1000 / ms["postgres"] if ms["postgres"] > 0.05 else None,
    }


def sustained(setup: dict) -> dict | None:
    """The busiest level whose p99 over every kind stayed within the objective."""
    within = [r for r in setup["levels"] if r["p99_all"] <= P99_OBJECTIVE_MS and not r["errors"]]
    return max(within, key=lambda r: r["rps"]) if within else None


def quietness(args, cores: int, others: list[float], loads: list[float]) -> str:
    """Whether other work shared the machine during the steps, as measured, said plainly."""
    measured = (
        f"Other work kept {args.others_before:.2f} of {cores} cores busy just before the run "
        f"and {min(others):.2f}–{max(others):.2f} cores during its steps (column *others*; the "
        f"load average, the load generator's own included, went "
        f"{min(loads):.1f}–{max(loads):.1f})."
    )
    if max(others) < args.quiet_below:
        return f"**The machine was quiet.** {measured}"
    return (
        f"**The machine was not quiet.** {measured} Absolute numbers are therefore low and "
        "noisy; ratios within one run, and CPU time per request (which other work changes "
        "much less), are what to read."
    )


def markdown(setups: list[dict], args, started: datetime) -> str:
    cores = os.cpu_count()
    others = [r["others_cores"] for s in setups for r in s["levels"]]
    loads = [x for s in setups for r in s["levels"] for x in r["loadavg"]]
    out = [
        "# Capacity (bench/bench_capacity.py)",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC as `{args.command}`: {args.duration:.0f} s per "
        f"step, {args.workers} gunicorn workers (x 4 threads) and one job worker per node, "
        f"{args.hosts} hosts, clients' choices seeded ({args.seed}). {cores} CPUs shared by the "
        "nodes, PostgreSQL, Redis and the load generator.",
        "",
        quietness(args, cores, others, loads),
        "",
        "| setup | clients | req/s | p99 all (ms) | page p50/p95/p99 | page in zone p99 | "
        "book p50/p95/p99 | API availability p50/p95/p99 | API events p99 | errors | "
        "booked / taken | others (cores) |",
        "|---|---:|---:|---:|---|---:|---|---|---:|---:|---|---:|",
    ]
    for s in setups:
        for r in s["levels"]:
            k = r["kinds"]

            def trio(kind, k=k):
                return "/".join(f"{k[kind][q]:.0f}" for q in ("p50", "p95", "p99"))

            out.append(
                f"| {s['name']} | {r['clients']} | {r['rps']:.1f} | {r['p99_all']:.0f} | "
                f"{trio('page')} | {k['page_tz']['p99']:.0f} | {trio('book')} | "
                f"{trio('api_availability')} | {k['api_events']['p99']:.0f} | {r['errors']} | "
                f"{r['booked']} / {r['taken']} | {r['others_cores']:.2f} |"
            )
    counted = ", ".join(f"{s['name']} {s['double_bookings']} of {s['confirmed']}" for s in setups)
    out += ["", "Double bookings (overlapping confirmed bookings of one host, counted in the "
            f"database after the run): {counted}.", ""]  # fmt: skip
    out += ["## What one node sustains at p99 <= 250 ms (measured)", ""]
    for s in setups:
        best = sustained(s)
        if best:
            said = f"{best['rps']:.0f} req/s at {best['clients']} clients"
            said += f" (p99 {best['p99_all']:.0f} ms)"
        else:
            said = "no step stayed within 250 ms p99"
        out.append(f"- {s['name']}: {said}")
    out += ["", "## The CPU-bound ceiling (measured CPU time, extrapolated rate)", "",
            "| setup | app ms CPU/request | PostgreSQL ms | Redis ms | load generator ms | "
            "this machine full at | app alone would fill it at | PostgreSQL alone at |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for s in setups:
        c = ceilings(s)
        ms = c["ms"]
        db_alone = f"{c['db_alone']:.0f} req/s" if c["db_alone"] else "—"
        out.append(
            f"| {s['name']} | {ms['app']:.2f} | {ms['postgres']:.2f} | {ms['redis']:.2f} | "
            f"{ms['load']:.2f} | {c['machine']:.0f} req/s | {c['app_alone']:.0f} req/s | "
            f"{db_alone} |"
        )
    out += ["", "The last three columns are rates computed from measured CPU time, not measured "
            "rates; docs/deployment.md (More than one machine) says what they mean for sizing.",
            "", "![requests/s and p99 by concurrent clients](capacity.png)", ""]  # fmt: skip
    return "\n".join(out)


def chart(setups: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    for s in setups:
        xs = [r["clients"] for r in s["levels"]]
        left.plot(xs, [r["rps"] for r in s["levels"]], marker="o", label=s["name"])
        right.plot(xs, [r["p99_all"] for r in s["levels"]], marker="o", label=s["name"])
    right.axhline(P99_OBJECTIVE_MS, color="grey", linestyle="--", linewidth=1)
    right.text(xs[0], P99_OBJECTIVE_MS * 1.05, "250 ms objective", color="grey", fontsize=8)
    for ax, title in ((left, "requests/s"), (right, "p99 latency, all kinds (ms)")):
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs, [str(x) for x in xs])
        ax.set_xlabel("concurrent clients")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    right.set_yscale("log")
    left.legend(fontsize=8)
    fig.suptitle(f"schedlink capacity on {os.cpu_count()} shared CPUs (noisy machine)")
    fig.tight_layout()
    fig.savefig(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short steps (a few minutes)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per step")
    parser.add_argument("--levels", default="8,32,128")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per node")
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--procs", type=int, default=2, help="load-generating processes")
    parser.add_argument("--no-redis", action="store_true", help="limits in the database")
    parser.add_argument("--only", default="pg1,pg2,sqlite1", help="setups to run")
    parser.add_argument("--out", default=str(ROOT / "docs" / "capacity.md"))
    parser.add_argument("--seed", type=int, default=27, help="clients' choices (same each run)")
    parser.add_argument(
        "--quiet-wait", type=float, default=0.0,
        help="before each step, wait up to this many seconds for other work to calm down",
    )  # fmt: skip
    parser.add_argument(
        "--quiet-below", type=float, default=0.5,
        help="cores other work may keep busy for the machine to count as quiet",
    )  # fmt: skip
    args = parser.parse_args()
    args.levels = [int(x) for x in args.levels.split(",")]
    args.duration = args.duration or (8.0 if args.quick else 30.0)
    started = datetime.now(UTC)
    args.others_before = others_now()
    args.command = " ".join(["bench/bench_capacity.py", *sys.argv[1:]])
    print(f"before the run, other work keeps {args.others_before:.2f} of {os.cpu_count()} cores "
          f"busy (load average {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    wanted = args.only.split(",")
    plans = [("pg1", "postgresql", 1, "PostgreSQL, 1 node"),
             ("pg2", "postgresql", 2, "PostgreSQL, 2 nodes"),
             ("sqlite1", "sqlite", 1, "SQLite, 1 node")]  # fmt: skip
    if pg_unreachable_reason():
        print(f"skipping PostgreSQL: {pg_unreachable_reason()}")
        wanted = [w for w in wanted if not w.startswith("pg")]
    setups = []
    with tempfile.TemporaryDirectory(prefix="schedlink-capacity-") as tmp:
        for key, database, nodes, name in plans:
            if key in wanted:
                setups.append(run_setup(name, database, nodes, args, Path(tmp)))
    for s in setups:
        c = ceilings(s)
        print(f"\n{s['name']}: CPU ms per request: " + ", ".join(
            f"{side} {ms:.2f}" for side, ms in c["ms"].items()) +
            f" -> this machine's {c['cores']} cores are full at ~{c['machine']:.0f} req/s; "
            f"the app processes alone would fill them at ~{c['app_alone']:.0f} req/s")  # fmt: skip
    report = markdown(setups, args, started)
    out = Path(args.out)
    out.write_text(report + "\n")
    chart(setups, out.with_suffix(".png"))
    print(f"\nwrote {out} and {out.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
