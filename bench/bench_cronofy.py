"""The Cronofy-compatible calls against a baseline measured in the same run (issue 21):

    python bench/bench_cronofy.py [--events 20000] [--rounds 5] [--database sqlite|postgresql]

- free/busy: every page of `GET /v1/free_busy` over 20,000 events (4 pages of 5,000) against
  every page of `GET /v1/events` over the same range; target ratio <= 1.2.
- batch: one `POST /v1/batch` of 50 event upserts against the same 50 upserts made one by one
  on a kept-alive connection; target ratio <= 1.3.

Prints, e.g. (2 CPUs shared with other engineers' test runs, load average 10):
    SQLite:     free_busy / events = 0.78, batch / one by one = 0.62
    PostgreSQL: free_busy / events = 0.45, batch / one by one = 1.00

A real `schedlink serve` (one gunicorn worker, so both sides get the same process) on
loopback; the client is `requests` with one kept-alive session. Each measurement alternates
baseline and candidate, and the ratio is of the medians over the rounds. Nothing is
asserted (a loaded machine must not fail a build).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import requests  # noqa: E402
from live_server import (  # noqa: E402
    LiveServer,
    create_host_directly,
    fresh_pg_database,
    pg_unreachable_reason,
)

START = datetime(2031, 3, 3, tzinfo=UTC)


def seed(database_url: str, email: str, n: int) -> None:
    """n events in the host's local calendar, straight into the database (fast)."""
    from sqlalchemy import select
    from sqlalchemy.orm import sessionmaker

    from backend import db
    from backend.models import Account, Calendar, Event

    engine = db.make_engine(database_url)
    try:
        with db.write(sessionmaker(engine, expire_on_commit=False)) as s:
            account = s.scalar(select(Account).where(Account.email == email))
            calendar = s.scalar(select(Calendar).where(Calendar.account_id == account.id))
            rows = [
                {
                    "calendar_id": calendar.id,
                    "event_uid": f"seed-{i}",
                    "summary": f"seed {i}",
                    "description": "",
                    "start_at": START + timedelta(minutes=10 * i),
                    "end_at": START + timedelta(minutes=10 * i + 8),
                    "tzid": "Etc/UTC",
                    "transparency": "opaque",
                    "status": "confirmed",
                    "created_at": START,
                    "updated_at": START,
                }  # fmt: skip
                for i in range(n)
            ]
            s.execute(Event.__table__.insert(), rows)
    finally:
        engine.dispose()


def read_all(session: requests.Session, url: str, key: str) -> int:
    count, page = 0, session.get(url, timeout=120)
    while True:
        page.raise_for_status()
        body = page.json()
        count += len(body[key])
        nxt = body["pages"].get("next_page")
        if not nxt:
            return count
        page = session.get(nxt, timeout=120)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(database_url: str, workdir: Path, args) -> None:
    page_size = -(-args.events // 4)
    live = LiveServer(
        database_url, workdir, workers=1, quiet_access_log=True,
        extra_env={"SCHEDLINK_EVENTS_PAGE_SIZE": str(page_size)},
    ).start()  # fmt: skip
    try:
        host = create_host_directly(database_url, "bench@example.com")
        seed(database_url, host.email, args.events)
        http = requests.Session()
        http.headers.update(host.headers)
        calendar = http.get(f"{live.url}/v1/calendars", timeout=30).json()["calendars"][0]
        calendar = calendar["calendar_id"]
        span = f"from={START.date()}&to={(START + timedelta(days=args.events // 144 + 2)).date()}"
        span += "&tzid=Etc/UTC"
        events_url, fb_url = f"{live.url}/v1/events?{span}", f"{live.url}/v1/free_busy?{span}"
        assert read_all(http, events_url, "events") == args.events
        assert read_all(http, fb_url, "free_busy") == args.events
        ev, fb = [], []
        for _ in range(args.rounds):
            ev.append(timed(lambda: read_all(http, events_url, "events")))
            fb.append(timed(lambda: read_all(http, fb_url, "free_busy")))
        e_med, f_med = statistics.median(ev), statistics.median(fb)
        print(f"GET /v1/events, {args.events} events in 4 pages: median {e_med:.3f} s")
        print(f"GET /v1/free_busy, same range:            median {f_med:.3f} s")
        print(f"free_busy / events = {f_med / e_med:.2f} (target <= 1.2)")

        def entry(tag: str, i: int) -> dict:
            start = START - timedelta(days=30) + timedelta(hours=i)
            return {
                "event_id": f"{tag}-{i}", "summary": f"{tag} {i}", "tzid": "Etc/UTC",
                "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }  # fmt: skip

        def one_by_one(tag: str) -> None:
            for i in range(50):
                r = http.post(f"{live.url}/v1/calendars/{calendar}/events", json=entry(tag, i))
                assert r.status_code == 202, r.text

        def batched(tag: str) -> None:
            body = {"batch": [
                {"method": "POST", "relative_url": f"/v1/calendars/{calendar}/events",
                 "data": entry(tag, i)} for i in range(50)
            ]}  # fmt: skip
            r = http.post(f"{live.url}/v1/batch", json=body, timeout=120)
            assert r.status_code == 200 and all(e["status"] == 202 for e in r.json()["batch"])

        one, bat = [], []
        for n in range(args.rounds):
            one.append(timed(lambda n=n: one_by_one(f"single{n}")))
            bat.append(timed(lambda n=n: batched(f"batch{n}")))
        o_med, b_med = statistics.median(one), statistics.median(bat)
        print(f"50 upserts one by one (kept-alive): median {o_med:.3f} s")
        print(f"one POST /v1/batch of the same 50: median {b_med:.3f} s")
        print(f"batch / one by one = {b_med / o_med:.2f} (target <= 1.3)")
        errors = live.errors_since(0)
        if errors:
            print("WARNING: the server logged errors:\n" + errors)
    finally:
        live.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with contextlib.suppress(AttributeError):
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.database == "sqlite":
            run(f"sqlite:///{workdir / 'bench.db'}", workdir, args)
            return
        reason = pg_unreachable_reason()
        if reason:
            sys.exit(reason)
        with fresh_pg_database() as url:
            run(url, workdir, args)


if __name__ == "__main__":
    main()
