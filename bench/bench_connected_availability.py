"""Availability for a host with 10 connected calendars against the same busy time in one local
calendar, same run (issue #11).

    .venv/bin/python bench/bench_connected_availability.py [--quick]

Two hosts on one SQLite database hold the same 20,000 busy intervals (random, overlapping,
5 to 90 minutes, over the next 35 days): one in 10 synced calendars of 10 connected ICS
profiles (2,000 each, stored by the sync's own `store_events`), the other in its local
calendar. Both ask `POST /v1/availability` (in-process, through the API with its key) for their
own 30-minute slots over the 35 days; the two run in turn so both see the same machine load.
Busy time is stored, not fetched, so the ratio should be about 1.

Prints, e.g.:
    connected/local ratio = 1.02 (target <= 1.2)
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

from sqlalchemy import insert  # noqa: E402

from backend import create_app, db  # noqa: E402
from backend.accounts import create_account, create_api_key, local_calendar  # noqa: E402
from backend.calendars.sources import SyncedEvent  # noqa: E402
from backend.calendars.sync import store_events  # noqa: E402
from backend.connections import new_profile  # noqa: E402
from backend.core.ids import new_id  # noqa: E402
from backend.models import Calendar, Event  # noqa: E402

CALENDARS, EACH, DAYS = 10, 2_000, 35


def intervals(seed: int = 11) -> list[tuple[datetime, datetime]]:
    rng = random.Random(seed)
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=1)
    out = []
    for _ in range(CALENDARS * EACH):
        first = start + timedelta(minutes=rng.randrange(DAYS * 1440))
        out.append((first, first + timedelta(minutes=rng.randrange(5, 91))))
    return out


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    runs = 5 if parser.parse_args().quick else 21
    tmp = Path(tempfile.mkdtemp(prefix="bench-avail-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    db.migrate(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret-key",
            "INSTANCE_PATH": str(tmp / "instance"),
            "RATELIMIT_ENABLED": False,
        }
    )
    sessions, sealer = app.extensions["schedlink.sessions"], app.extensions["schedlink.sealer"]
    busy = intervals()
    keys = {}
    with db.write(sessions) as s:
        for label in ("connected", "local"):
            account = create_account(
                s, f"{label}@example.com", label, "UTC", "bench-avail-Passw0rd"
            )
            keys[label] = (account.sub, create_api_key(s, account, "bench")[1])
            if label == "local":
                calendar = local_calendar(s, account)
                s.execute(insert(Event), [
                    {"calendar_id": calendar.id, "event_uid": f"e{i}", "summary": "Busy",
                     "description": "", "start_at": a, "end_at": b, "tzid": "UTC",
                     "transparency": "opaque", "status": "confirmed"}
                    for i, (a, b) in enumerate(busy)
                ])  # fmt: skip
                continue
            for k in range(CALENDARS):
                profile = new_profile(
                    s, account=account, provider_name="ics", profile_name=f"Feed {k}",
                    purposes=["calendar"], credentials={"url": "https://example.com/x.ics"},
                    sealer=sealer,
                )  # fmt: skip
                calendar = Calendar(public_id=new_id("cal"), account_id=account.id,
                                    name=f"Feed {k}", kind="ics", profile_id=profile.id,
                                    external_id="feed", readonly=True)  # fmt: skip
                s.add(calendar)
                s.flush()
                chunk = busy[k * EACH : (k + 1) * EACH]
                store_events(s, calendar, [
                    SyncedEvent(f"e{k}-{i}", a, b, "Busy", "opaque", "confirmed", "UTC")
                    for i, (a, b) in enumerate(chunk)
                ])  # fmt: skip
    client = app.test_client()
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=1)

    def ask(label: str) -> float:
        sub, key = keys[label]
        body = {
            "participants": [{"members": [{"sub": sub}], "required": "all"}],
            "required_duration": {"minutes": 30},
            "query_periods": [{"start": _z(start), "end": _z(start + timedelta(days=DAYS))}],
            "response_format": "slots",
        }  # fmt: skip
        t0 = time.perf_counter()
        response = client.post("/v1/availability", json=body,
                               headers={"Authorization": f"Bearer {key}"})  # fmt: skip
        elapsed = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200, response.get_json()
        return elapsed

    ask("connected"), ask("local")  # warm up
    samples = {"connected": [], "local": []}
    for i in range(runs):
        order = ("connected", "local") if i % 2 == 0 else ("local", "connected")
        for label in order:
            samples[label].append(ask(label))
    connected, local = (statistics.median(samples[k]) for k in ("connected", "local"))
    print(f"connected/local ratio = {connected / local:.2f} (target <= 1.2)")
    print(f"    {CALENDARS} connected calendars x {EACH} busy intervals: {connected:.1f} ms; "
          f"one local calendar with the same {CALENDARS * EACH}: {local:.1f} ms "
          f"(median of {runs})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
