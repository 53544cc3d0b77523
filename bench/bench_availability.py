"""Availability engine speed against a baseline measured in the same run (issue #4's target).

    python bench/bench_availability.py [--quick]

Prints, e.g.:
    required=all: engine/sorted ratio = 1.6 (target <= 3.0)
    required=3: engine/sorted ratio = 1.4 (target <= 3.0)
plus informational lines (absolute times, result counts, the other response formats).

The workload: 10 participants x 2,000 random busy intervals each (unsorted, overlapping),
one 35-day query period, 30-minute slots on a 15-minute grid, response_format "slots" with
Cronofy's default cap of 256 results. The baseline is Python's sorted() over the same 20,000
(start, end) datetime tuples: any exact answer over unsorted input has to order them, so
sorted() is the floor. Nothing is asserted (a loaded CI machine must not fail the build); the
exit status is 0 unless the engine raises.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.availability import Group, Member, find_availability

START = datetime(2026, 12, 1, tzinfo=UTC)
DAYS = 35
MEMBERS = 10
BUSY_EACH = 2_000


def workload(seed: int = 4) -> list[Member]:
    rng = random.Random(seed)
    members = []
    for k in range(MEMBERS):
        busy = []
        for _ in range(BUSY_EACH):
            # minute-aligned starts anywhere in the window, 5 to 90 minutes long
            start = START + timedelta(minutes=rng.randrange(DAYS * 1440))
            busy.append((start, start + timedelta(minutes=rng.randrange(5, 91))))
        members.append(Member(f"acc_{k:02}", busy))
    return members


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def medians_ms(fns, runs: int) -> list[float]:
    """Median time of each function, running them in turn so all see the same machine load."""
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, times in zip(fns, samples, strict=True):
            times.append(timed(fn))
    return [statistics.median(times) for times in samples]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    runs = 7 if parser.parse_args().quick else 41
    members = workload()
    everything = [iv for m in members for iv in m.busy]
    query = [(START, START + timedelta(days=DAYS))]

    def engine(required, fmt="slots"):
        return lambda: find_availability(
            [Group(members, required)],
            query,
            duration=timedelta(minutes=30),
            start_interval=timedelta(minutes=15),
            response_format=fmt,
            max_results=256,
        )

    for required in ("all", 3):
        run = engine(required)
        run()  # warm up
        base, engine_ms = medians_ms([lambda: sorted(everything), run], runs)
        print(f"required={required}: engine/sorted ratio = {engine_ms / base:.2f} (target <= 3.0)")
        print(
            f"    engine {engine_ms:.2f} ms, sorted() {base:.2f} ms for {len(everything)} tuples, "
            f"{len(run())} slots"
        )
        for fmt in ("overlapping_slots", "periods"):
            other = engine(required, fmt)
            (ms,) = medians_ms([other], max(3, runs // 3))
            print(f"    {fmt}: {ms:.2f} ms, {len(other())} results")
    return 0


if __name__ == "__main__":
    sys.exit(main())
