"""What a team link offers against what its hosts' one-host links offer, same run (issue 23).

    .venv/bin/python bench/bench_team_availability.py [--quick] [--postgres URL]

Ten hosts of one organization on one database (SQLite by default), each with 2,000 busy
intervals (random, overlapping, 1 to 10 minutes) over the next 14 days in their local
calendar (none from 11:45 to 13:45 UTC: the time they share) and working hours around the
clock (so the engine sees every interval). Timed, in
turn so all see the same machine load, through `availability.offered_slots` — what the
booking page and `book` compute, without the slot cache:

- round robin: one link with the 10 hosts (`required: 1`) against the sum of the 10 hosts'
  own one-host links;
- collective: one link with 5 of them (`required: "all"`) against the sum of those 5 hosts'
  own links (each host with other buffers, so the per-host widening is in the measurement).

Prints, e.g.:
    round robin (10 hosts) / sum of 10 single-host = 0.62 (target <= 1.5)
    collective (5 hosts) / sum of 5 single-host = 0.55 (target <= 1.5)
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

from sqlalchemy import insert, select  # noqa: E402

from backend import create_app, db  # noqa: E402
from backend.accounts import (  # noqa: E402
    create_account,
    create_api_key,
    local_calendar,
    organization_named,
)
from backend.availability import offered_slots  # noqa: E402
from backend.models import AvailabilityRuleRow, Event, SchedulingLink  # noqa: E402
from backend.scheduling import create_link  # noqa: E402

HOSTS, EACH, DAYS, COLLECTIVE = 10, 2_000, 14, 5
DAYS_OF_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def intervals(rng: random.Random, start: datetime) -> list[tuple[datetime, datetime]]:
    """Random busy time, except 11:45-13:45 UTC every day: the team's common free time."""
    out = []
    while len(out) < EACH:
        first = start + timedelta(minutes=rng.randrange(DAYS * 1440))
        last = first + timedelta(minutes=rng.randrange(1, 11))
        day = first.replace(hour=0, minute=0)
        if first < day + timedelta(hours=13, minutes=45) and last > day + timedelta(
            hours=11, minutes=45
        ):
            continue
        out.append((first, last))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database")
    args = parser.parse_args()
    runs = 5 if args.quick else 15
    tmp = Path(tempfile.mkdtemp(prefix="bench-team-"))
    url = args.postgres or f"sqlite:///{tmp / 'bench.db'}"
    db.migrate(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret-key",
            "INSTANCE_PATH": str(tmp / "instance"),
            "RATELIMIT_ENABLED": False,
        }
    )
    sessions = app.extensions["schedlink.sessions"]
    rng = random.Random(23)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    # 15-minute meetings: 2,000 busy intervals in 14 days leave short free stretches only
    contact = {
        "contact": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "duration_minutes": 15,
    }
    with db.write(sessions) as s:
        org = organization_named(s, "Bench team")
        hosts = []
        for i in range(HOSTS):
            account = create_account(
                s, f"host{i}@example.com", f"Host {i}", "UTC", "bench-team-Passw0rd",
                organization_id=org.id,
            )  # fmt: skip
            create_api_key(s, account, "bench")
            s.add(AvailabilityRuleRow(account_id=account.id, rule={
                "tzid": "UTC",
                "weekly_periods": [{"day": d, "start_time": "00:00", "end_time": "00:00"}
                                   for d in DAYS_OF_WEEK],
                "buffer": {"before": 5 * (i % 3), "after": 5 * (i % 2)},
            }))  # fmt: skip
            calendar = local_calendar(s, account)
            s.execute(insert(Event), [
                {"calendar_id": calendar.id, "event_uid": f"e{i}-{k}", "summary": "Busy",
                 "description": "", "start_at": a, "end_at": b, "tzid": "UTC",
                 "transparency": "opaque", "status": "confirmed"}
                for k, (a, b) in enumerate(intervals(rng, now))
            ])  # fmt: skip
            hosts.append(account)
        single = [create_link(s, h, contact, now, 1 << 20).public_id for h in hosts]
        members = [{"sub": h.sub} for h in hosts]
        rr = create_link(
            s, hosts[0], {**contact, "hosts": {"members": members, "required": 1}}, now, 1 << 20
        ).public_id
        collective = create_link(
            s, hosts[0],
            {**contact, "hosts": {"members": members[:COLLECTIVE], "required": "all"}},
            now, 1 << 20,
        ).public_id  # fmt: skip

    def offer(public_id: str) -> tuple[float, int]:
        with sessions() as s:
            t0 = time.perf_counter()
            link = s.scalar(select(SchedulingLink).where(SchedulingLink.public_id == public_id))
            count = len(offered_slots(s, link, now, DAYS))
            return (time.perf_counter() - t0) * 1000, count

    cases = {"rr": [rr], "singles10": single, "coll": [collective], "singles5": single[:5]}

    def measure(name: str) -> float:
        return sum(offer(public_id)[0] for public_id in cases[name])

    for name in cases:  # warm up
        measure(name)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for i in range(runs):
        for name in names if i % 2 == 0 else reversed(names):
            samples[name].append(measure(name))
    med = {name: statistics.median(values) for name, values in samples.items()}
    print(
        f"round robin ({HOSTS} hosts) / sum of {HOSTS} single-host = "
        f"{med['rr'] / med['singles10']:.2f} (target <= 1.5)"
    )
    print(
        f"collective ({COLLECTIVE} hosts) / sum of {COLLECTIVE} single-host = "
        f"{med['coll'] / med['singles5']:.2f} (target <= 1.5)"
    )
    print(
        f"    {EACH} busy intervals per host over {DAYS} days, medians of {runs} "
        f"({url.split(':')[0]}): "
        f"round robin {med['rr']:.1f} ms ({offer(rr)[1]} slots), 10 single-host "
        f"{med['singles10']:.1f} ms; collective {med['coll']:.1f} ms ({offer(collective)[1]} "
        f"slots), 5 single-host {med['singles5']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
