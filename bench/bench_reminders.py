"""Finding due reminders with 100,000 planned, against an empty jobs table (issue 25's
target: each round's look-up costs at most 1.2x the empty table's).

    python bench/bench_reminders.py [--n 100000] [--rounds 2000]
                                    [--database postgresql|sqlite|both]

Prints, e.g. (2 CPUs, load average 16 from other engineers' test runs):
    sqlite: empty table 546 us, 100,000 planned reminders 534 us per look-up = 0.98x
    postgresql: empty table 7785 us, 100,000 planned reminders 7889 us per look-up = 1.01x
Before the claim sorted by `id + 0`, SQLite walked the primary key past every planned
reminder: 63x.

Reminders are ordinary outbox jobs (`booking.reminder`, `run_at` = start − offset), so the
look-up timed is the worker's own `claim()` for the lane that sends mail, run when nothing is
due: the 100,000 reminders are all in the future (between 1 hour and 30 days ahead, as
bookings plan them), which is the worker's every round on a quiet system. It finds them
through the (status, run_at) index of the jobs table; a scan would grow with the table.
Timings are the medians of `--rounds` look-ups after a warm-up, alternating between an
empty database and a full one (so other load on the machine weighs on both alike). Nothing
is asserted (a loaded machine must not fail a build).
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

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from backend.core import database  # noqa: E402
from backend.models import Job  # noqa: E402
from backend.outbox.worker import OTHERS, claim  # noqa: E402


def _lookup(sessions, now) -> float:
    began = time.perf_counter()
    assert claim(sessions, now, OTHERS) is None
    return time.perf_counter() - began


def _plan(engine, n: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "kind": "booking.reminder",
            "payload": {
                "booking_id": f"bk_{i}",
                "recipient": "invitee",
                "minutes": 60,
                "start": "2027-01-01T10:00:00Z",
            },
            "status": "pending",
            "attempts": 0,
            "run_at": now + timedelta(hours=1) + timedelta(seconds=(i * 2591) % (30 * 86400)),
            "created_at": now,
        }  # fmt: skip
        for i in range(n)
    ]
    with engine.begin() as conn:
        for i in range(0, n, 10_000):
            conn.execute(insert(Job.__table__), rows[i : i + 10_000])
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE jobs")
        else:
            conn.exec_driver_sql("ANALYZE")


def run(empty_url: str, full_url: str, n: int, rounds: int) -> float:
    """Two databases, one empty and one with `n` planned reminders; look-ups alternate
    between them, so the machine's other load weighs on both alike."""
    engines = []
    for url in (empty_url, full_url):
        database.migrate(url)
        engines.append(database.make_engine(url))
    try:
        _plan(engines[1], n)
        empty, full = (sessionmaker(e, expire_on_commit=False) for e in engines)
        now = datetime.now(UTC)
        times: tuple[list, list] = ([], [])
        for i in range(rounds + 50):
            a, b = _lookup(empty, now), _lookup(full, now)
            if i >= 50:  # after a warm-up
                times[0].append(a)
                times[1].append(b)
        name = engines[0].dialect.name
    finally:
        for engine in engines:
            engine.dispose()
    empty_s, full_s = (statistics.median(t) for t in times)
    ratio = full_s / empty_s
    print(
        f"  {name}: empty table {empty_s * 1e6:.0f} us, {n:,} planned reminders "
        f"{full_s * 1e6:.0f} us per look-up (medians of {rounds}) = {ratio:.2f}x "
        "(target <= 1.2x)"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--database", default="both", choices=["postgresql", "sqlite", "both"])
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/empty.db", f"sqlite:///{tmp}/full.db", args.n, args.rounds)
    if args.database in ("postgresql", "both"):
        from live_server import fresh_pg_database, pg_unreachable_reason

        reason = pg_unreachable_reason()
        if reason:
            print(f"  postgresql: skipped ({reason})")
            return
        with contextlib.ExitStack() as stack:
            urls = [stack.enter_context(fresh_pg_database()) for _ in range(2)]
            run(*urls, args.n, args.rounds)


if __name__ == "__main__":
    main()
