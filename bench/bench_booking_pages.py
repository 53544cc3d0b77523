"""A reusable booking page with 10,000 past bookings against a bare endpoint, same server,
same run (issue 25).

    .venv/bin/python bench/bench_booking_pages.py [--bookings 10000] [--duration 5] [--rounds 2]

Target: `GET /<host>/<page>` of a booking page (3 durations, a daily limit, a named hours
rule) whose 10,000 bookings are all in the past reaches >= 0.40x the requests per second of
`GET /healthz` on the same server in the same run. Also loads the same host's one-time link
(`/b/<token>`) as a reference: a page's history must not make it dearer than a fresh link.

What it does: starts the real production server (`schedlink serve`, gunicorn, SQLite in a
temporary directory), makes a host with the real CLI, a named hours rule and the page through
the API, then writes 10,000 past bookings of the page — each with its seat and its calendar
event, as `book` leaves them — straight into the database (booking a past time through the
page is refused, rightly), and loads the three addresses in turn with the load generator of
`bench_booking_page.py` (32 clients on persistent connections, alternating order each round).
Prints req/s, p50/p99, the ratios and server CPU per request; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))
sys.path.insert(2, str(ROOT / "bench"))

import requests  # noqa: E402
from bench_booking_page import load, summary  # noqa: E402
from live_server import LiveServer, page_fields, path_of  # noqa: E402

HOST_TZ = "Europe/London"
RULE = {
    "availability_rule_id": "interviews",
    "tzid": HOST_TZ,
    "weekly_periods": [
        {"day": day, "start_time": "09:00", "end_time": "17:00"}
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    ],
}


def seed(server: LiveServer, bookings: int) -> tuple[str, str]:
    """The host, the rule, the page and its past bookings; (page path, one-time link path)."""
    host = server.create_host_with_cli("bench-host@example.com", tzid=HOST_TZ)
    requests.post(
        f"{server.url}/v1/availability_rules", json=RULE, headers=host.headers, timeout=30
    ).raise_for_status()
    page = requests.post(
        f"{server.url}/v1/booking_pages",
        json={
            "slug": "intro", "summary": "Intro call", "durations": [30, 15, 60],
            "daily_limit": 6, "availability_rule_id": "interviews",
            "questions": [{"label": "Company", "type": "text", "required": True}],
        },
        headers=host.headers, timeout=30,
    )  # fmt: skip
    page.raise_for_status()
    link = requests.post(
        f"{server.url}/v1/scheduling_links",
        json={"contact": {"name": "Ada Lovelace", "email": "ada@example.com"}},
        headers=host.headers,
        timeout=30,
    )
    link.raise_for_status()
    write_past_bookings(
        server.database_url, page.json()["booking_page"]["booking_page_id"], bookings
    )
    return path_of(page.json()["booking_page"]["url"]), path_of(
        link.json()["scheduling_link"]["url"]
    )


def write_past_bookings(database_url: str, page_id: str, count: int) -> None:
    """`count` confirmed bookings of the page, one an hour back from yesterday, each with its
    seat and its event in the host's local calendar (Core inserts, one transaction)."""
    from sqlalchemy import insert, select, update

    from backend import db
    from backend.models import Booking, BookingHost, Calendar, Event, SchedulingLink

    engine = db.make_engine(database_url)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with engine.begin() as conn:
        link_id, account_id = conn.execute(
            select(SchedulingLink.id, SchedulingLink.account_id).where(
                SchedulingLink.public_id == page_id
            )
        ).one()
        calendar_id = conn.execute(
            select(Calendar.id).where(Calendar.account_id == account_id, Calendar.kind == "local")
        ).scalar()
        first_id = (conn.execute(select(Booking.id).order_by(Booking.id.desc())).scalar() or 0) + 1
        rows, seats, events = [], [], []
        for i in range(count):
            start = now - timedelta(days=1, hours=i)
            end = start + timedelta(minutes=30)
            booking_id = first_id + i
            rows.append({
                "id": booking_id, "public_id": f"bk_bench{i:08d}", "link_id": link_id,
                "account_id": account_id, "start_at": start, "end_at": end,
                "status": "confirmed", "invitee_name": f"Invitee {i}",
                "invitee_email": f"invitee{i}@example.com", "invitee_tzid": HOST_TZ,
                "hour_format": "24", "sequence": 0, "created_at": start - timedelta(days=2),
                "answers": [{"id": "q1", "label": "Company", "type": "text", "value": "Acme"}],
            })  # fmt: skip
            seats.append({
                "booking_id": booking_id, "account_id": account_id, "start_at": start,
                "end_at": end, "status": "confirmed",
            })  # fmt: skip
            events.append({
                "calendar_id": calendar_id, "event_uid": f"bk_bench{i:08d}",
                "summary": "Intro call", "description": "", "start_at": start, "end_at": end,
                "tzid": HOST_TZ, "transparency": "opaque", "status": "confirmed",
                "booking_id": booking_id, "created_at": start, "updated_at": start,
            })  # fmt: skip
        conn.execute(insert(Booking), rows)
        conn.execute(insert(BookingHost), seats)
        conn.execute(insert(Event), events)
        conn.execute(update(SchedulingLink).where(SchedulingLink.id == link_id).values(uses=count))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per endpoint/round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="schedlink-bench-pages-") as tmp:
        workdir = Path(tmp)
        server = LiveServer(f"sqlite:///{workdir / 'schedlink.db'}", workdir, workers=args.workers)
        try:
            server.start()
            t0 = time.perf_counter()
            page_path, link_path = seed(server, args.bookings)
            first = requests.get(server.url + page_path, timeout=30)
            first.raise_for_status()
            print(
                f"schedlink serve: {args.workers} gunicorn workers, SQLite; {os.cpu_count()} "
                f"CPUs; {args.clients} clients. Seeded {args.bookings} past bookings in "
                f"{time.perf_counter() - t0:.1f} s; the page ({page_path}) offers "
                f"{len(page_fields(first.text)['starts'])} slots"
            )
            endpoints = {
                "hello (/healthz)": "/healthz",
                "booking page": page_path,
                "one-time link": link_path,
            }
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
                        )  # fmt: skip
                    )
        finally:
            server.stop()

    results = {name: summary(rs) for name, rs in runs.items()}
    print()
    for name, s in results.items():
        print(
            f"{name:<18}: {s['rps']:8.1f} req/s   p50 {s['p50']:7.1f} ms   p99 {s['p99']:7.1f} ms"
            f"   ({s['count']} requests, {s['errors']} errors)"
        )
    hello = results["hello (/healthz)"]
    for name in ("booking page", "one-time link"):
        ratio = results[name]["rps"] / hello["rps"] if hello["rps"] else float("nan")
        target = " (target >= 0.40)" if name == "booking page" else ""
        print(f"{name}/hello ratio = {ratio:.3f}{target}")
    if hello["server_ms"] is not None:
        cpu = ", ".join(f"{n} {s['server_ms']:.2f} ms" for n, s in results.items())
        print(f"server CPU per request: {cpu}")
    if sum(s["errors"] for s in results.values()):
        print("\nWARNING: some requests failed; the numbers above are not reliable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
