"""What conferencing adds to booking, against a baseline measured in the same run.

    python bench/bench_conferencing.py [--bookings N]

Prints, e.g.:
    book(): default (Jitsi) / none ratio = 1.15
    jitsi assign job: 2.1 ms each (run_once over N jobs)

The workload: N hosts on one SQLite file, each with one link; every booking is one
`scheduling.book` write transaction (slot re-check, use consumed, booking and event rows),
half with conferencing "none" (the baseline) and half with the default Jitsi service (the
conference row, its job and a held confirmation on top), interleaved so drift hits both.
Then the worker makes the Jitsi links. Nothing is asserted; the exit status is 0 unless
something raises.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend import create_app, db  # noqa: E402
from backend.accounts import create_account  # noqa: E402
from backend.availability import offered_slots  # noqa: E402
from backend.outbox import worker  # noqa: E402
from backend.scheduling import Invitee, book, create_link  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=60)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'bench.db'}"
    db.migrate(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp / "i"),
            "SECRET_KEY": "bench",
            "BASE_URL": "http://bench.test",
        }
    )
    sessions = app.extensions["schedlink.sessions"]
    sealer = app.extensions["schedlink.sealer"]
    now = datetime.now(UTC)
    plans = []
    with app.app_context():
        for i in range(args.bookings):
            kind = "none" if i % 2 == 0 else "default"
            with db.write() as s:
                account = create_account(
                    s, f"h{i}@bench.test", f"Host {i}", "Europe/London", "bench password long"
                )
                link = create_link(
                    s,
                    account,
                    {
                        "contact": {"email": f"i{i}@bench.test"},
                        "conferencing": {"profile_id": kind},
                    },
                    now,
                    10**6,
                )
                start = offered_slots(s, link, now, 14)[0][0]
                plans.append((kind, link.public_id, start))
        times = {"none": [], "default": []}
        for kind, link_id, start in plans:
            invitee = Invitee("Ada", f"ada{link_id}@bench.test", "Europe/London")
            began = time.perf_counter()
            book(sessions, link_id, start, invitee, now, 14, sealer=sealer)
            times[kind].append(time.perf_counter() - began)
    none, default = (statistics.median(times[k]) for k in ("none", "default"))
    print(
        f"book(): default (Jitsi) / none ratio = {default / none:.2f}"
        f"  (median {default * 1000:.1f} ms vs {none * 1000:.1f} ms)"
    )
    began = time.perf_counter()
    ran = worker.run_once(app)  # Jitsi links, then the released confirmations (no SMTP)
    took = time.perf_counter() - began
    print(
        f"worker: {ran} jobs (Jitsi links and their confirmations) in {took * 1000:.0f} ms,"
        f" {took / max(ran, 1) * 1000:.1f} ms each"
    )
    app.extensions["schedlink.engine"].dispose()


if __name__ == "__main__":
    main()
