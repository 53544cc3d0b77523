"""ICS feed sync speed against bare recurrence expansion of the same feed, same run (issue #11).

    .venv/bin/python bench/bench_calendar_sync.py [--quick]

The feed: 5,000 events over one year from today — 4,800 one-off events and 200 weekly
recurring series (each with an EXDATE and a moved occurrence), about 15,000 occurrences — served
over HTTP from a file by a local server. "sync" is the whole job the worker runs for a new
profile: fetch through the outbound guard, parse, expand, turn occurrences into rows and store
them (SQLite, a fresh profile each run, so every run inserts everything); "resync" is the next
sync of the unchanged feed (read and expanded again, nothing written). The baseline is the bare
`recurring_ical_events.of(cal).between(start, end)` over the already parsed feed; parsing alone
is printed too.

Prints, e.g.:
    sync/between ratio = 1.31 (target <= 1.5)
    resync/between ratio = 1.18
plus absolute times. Nothing is asserted; the exit status is 0 unless something raises.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import icalendar  # noqa: E402
import recurring_ical_events  # noqa: E402
from calendar_servers import FeedServer  # noqa: E402

from backend import create_app, db  # noqa: E402
from backend.accounts import create_account  # noqa: E402
from backend.calendars import SOURCES, connect_profile, run_sync  # noqa: E402
from backend.calendars.sync import sync_window  # noqa: E402
from backend.connections import read_credentials  # noqa: E402
from backend.models import Account  # noqa: E402

SINGLE, SERIES = 4_800, 200


def feed(seed: int = 11) -> str:
    rng = random.Random(seed)
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN", "X-WR-CALNAME:Bench"]

    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y%m%dT%H%M%SZ")

    for i in range(SINGLE):
        first = start + timedelta(days=rng.randrange(365), minutes=15 * rng.randrange(96))
        lines += ["BEGIN:VEVENT", f"UID:single-{i}@bench", "DTSTAMP:20260101T000000Z",
                  f"SUMMARY:Meeting {i}", f"DTSTART:{stamp(first)}",
                  f"DTEND:{stamp(first + timedelta(minutes=rng.choice([30, 45, 60])))}",
                  "END:VEVENT"]  # fmt: skip
    for i in range(SERIES):
        first = start + timedelta(days=rng.randrange(7), hours=8 + rng.randrange(9))
        skipped = first + timedelta(weeks=rng.randrange(1, 50))
        moved = first + timedelta(weeks=rng.randrange(1, 50))
        lines += ["BEGIN:VEVENT", f"UID:series-{i}@bench", "DTSTAMP:20260101T000000Z",
                  f"SUMMARY:Weekly {i}", f"DTSTART;TZID=Europe/London:{first:%Y%m%dT%H%M%S}",
                  f"DTEND;TZID=Europe/London:{first + timedelta(hours=1):%Y%m%dT%H%M%S}",
                  "RRULE:FREQ=WEEKLY;COUNT=52",
                  f"EXDATE;TZID=Europe/London:{skipped:%Y%m%dT%H%M%S}", "END:VEVENT",
                  "BEGIN:VEVENT", f"UID:series-{i}@bench", "DTSTAMP:20260101T000000Z",
                  f"RECURRENCE-ID;TZID=Europe/London:{moved:%Y%m%dT%H%M%S}",
                  f"SUMMARY:Weekly {i} (moved)",
                  f"DTSTART;TZID=Europe/London:{moved + timedelta(hours=2):%Y%m%dT%H%M%S}",
                  f"DTEND;TZID=Europe/London:{moved + timedelta(hours=3):%Y%m%dT%H%M%S}",
                  "END:VEVENT"]  # fmt: skip
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    runs = 3 if parser.parse_args().quick else 7
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    text = feed()
    url_db = f"sqlite:///{tmp / 'bench.db'}"
    db.migrate(url_db)
    app = create_app(
        {
            "DATABASE_URL": url_db,
            "SECRET_KEY": "bench-secret-key",
            "INSTANCE_PATH": str(tmp / "instance"),
            "OUTBOUND_ALLOW": ["127.0.0.1"],
        }
    )
    sessions = app.extensions["schedlink.sessions"]
    sealer, outbound = app.extensions["schedlink.sealer"], app.extensions["schedlink.outbound"]
    services = {"outbound": outbound, "sealer": sealer}
    with db.write(sessions) as s:
        account = create_account(
            s, "bench@example.com", "Bench", "Europe/London", "bench-sync-Passw0rd"
        )
        account_id = account.id

    def creds(profile):
        return read_credentials(profile, sealer)

    with FeedServer(tmp / "feeds") as server:
        server.write("bench.ics", text)
        start, end = sync_window(datetime.now(UTC))
        cal = icalendar.Calendar.from_ical(text)
        count = len(recurring_ical_events.of(cal).between(start, end))

        def new_profile() -> str:
            with db.write(sessions) as s:
                profile = connect_profile(
                    s, s.get(Account, account_id),
                    {"provider_name": "ics", "url": server.url("bench.ics")},
                    outbound=outbound, sealer=sealer, now=datetime.now(UTC),
                )  # fmt: skip
                return profile.public_id

        def sync(public_id: str) -> None:
            changed = run_sync(sessions, public_id, SOURCES, services, datetime.now(UTC), 300,
                               creds)  # fmt: skip
            assert changed is not None, "the sync failed"

        baseline, parse, first, again = [], [], [], []
        for _ in range(runs):
            baseline.append(timed(lambda: recurring_ical_events.of(cal).between(start, end)))
            parse.append(timed(lambda: icalendar.Calendar.from_ical(text)))
            public_id = new_profile()
            first.append(timed(lambda: sync(public_id)))  # noqa: B023
            again.append(timed(lambda: sync(public_id)))  # noqa: B023
    b, p = statistics.median(baseline), statistics.median(parse)
    f, a = statistics.median(first), statistics.median(again)
    print(f"sync/between ratio = {f / b:.2f} (target <= 1.5)")
    print(f"resync/between ratio = {a / b:.2f}")
    print(f"    feed: {SINGLE + SERIES} events, {len(text) / 1e6:.1f} MB, {count} occurrences")
    print(f"    between() {b:.0f} ms, parse {p:.0f} ms, sync {f:.0f} ms, resync {a:.0f} ms "
          f"(median of {runs})")  # fmt: skip
    print(f"    sync/(parse+between) = {f / (p + b):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
