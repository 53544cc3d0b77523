"""Sequenced availability speed against its single-step parts, measured in the same run
(issue 20's target).

    python bench/bench_sequenced_availability.py [--quick]

Prints, e.g.:
    sequence/single-steps ratio = 1.4 (target <= 4.0)
plus informational lines (absolute times, option counts).

The workload: 3 participants, each with 2,000 random busy intervals (unsorted, overlapping,
clustered in 60 blocks of 1-4 hours) over one 14-day query period; a 3-step sequence on a
15-minute grid (30 minutes with all three, 45 minutes with any two of them, 60 minutes with
the first and the third; gaps 0-60 and 15-120 minutes), `max_results` 10. The baseline is
the total of the three steps asked as single-step availability queries (`parse_query` +
`resolve`, `response_format: slots`, `max_results` 10) over the same calendars; the
sequence is `parse_sequence` + `resolve_sequence`. Nothing is asserted; the exit status is 0
unless something raises.
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

from backend.availability import (
    MemberCalendar,
    parse_query,
    parse_sequence,
    resolve,
    resolve_sequence,
)

START = datetime(2027, 2, 1, tzinfo=UTC)
NOW = START - timedelta(days=1)
DAYS = 14
SUBS = ("acc_a", "acc_b", "acc_c")
BUSY_EACH = 2_000
BLOCKS_EACH = 60


def calendars(seed: int = 20) -> dict[str, MemberCalendar]:
    rng = random.Random(seed)
    out = {}
    for sub in SUBS:
        # 2,000 intervals spread evenly over 14 days would leave nobody a free half hour (one
        # starts every 10 minutes); real calendars that full are clustered and overlapping
        # (several calendars, recurring copies). So: 60 busy blocks of 1-4 hours each, and
        # the 2,000 intervals (5-90 minutes) placed at random inside them.
        blocks = []
        for _ in range(BLOCKS_EACH):
            start = rng.randrange(DAYS * 1440 - 240)
            blocks.append((start, start + rng.randrange(60, 241)))
        busy = []
        for _ in range(BUSY_EACH):
            lo, hi = rng.choice(blocks)
            start = rng.randrange(lo, hi)
            end = min(hi, start + rng.randrange(5, 91))
            busy.append((START + timedelta(minutes=start), START + timedelta(minutes=end)))
        out[sub] = MemberCalendar(busy)
    return out


def _utc(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


PERIODS = [{"start": _utc(START), "end": _utc(START + timedelta(days=DAYS))}]


def _group(subs, required="all"):
    return [{"members": [{"sub": s} for s in subs], "required": required}]


STEPS = [
    {
        "sequence_id": "one",
        "ordinal": 1,
        "participants": _group(SUBS),
        "required_duration": {"minutes": 30},
        "start_interval": {"minutes": 15},
        "buffer": {"after": {"maximum": {"minutes": 60}}},
    },
    {
        "sequence_id": "two",
        "ordinal": 2,
        "participants": _group(SUBS, 2),
        "required_duration": {"minutes": 45},
        "start_interval": {"minutes": 15},
        "buffer": {"after": {"minimum": {"minutes": 15}, "maximum": {"minutes": 120}}},
    },
    {
        "sequence_id": "three",
        "ordinal": 3,
        "participants": _group(SUBS[::2]),
        "required_duration": {"minutes": 60},
        "start_interval": {"minutes": 15},
    },
]


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
    runs = 5 if parser.parse_args().quick else 21
    by_sub = calendars()
    by_key = {(sub, None): cal for sub, cal in by_sub.items()}
    singles = [
        {
            "participants": step["participants"],
            "required_duration": step["required_duration"],
            "start_interval": step["start_interval"],
            "query_periods": PERIODS,
            "response_format": "slots",
            "max_results": 10,
        }
        for step in STEPS
    ]
    body = {"query_periods": PERIODS, "sequence": STEPS, "max_results": 10}

    def single(b):
        return lambda: resolve(parse_query(b), by_sub, NOW)

    def sequence():
        return resolve_sequence(parse_sequence(body, now=NOW), by_key, NOW)

    parts = [single(b) for b in singles]
    for fn in (*parts, sequence):
        fn()  # warm up
    *part_ms, seq_ms = medians_ms([*parts, sequence], runs)
    base = sum(part_ms)
    print(f"sequence/single-steps ratio = {seq_ms / base:.2f} (target <= 4.0)")
    print(
        f"    sequence {seq_ms:.1f} ms, {len(sequence())} options; single steps "
        + " + ".join(f"{ms:.1f}" for ms in part_ms)
        + f" = {base:.1f} ms ({', '.join(str(len(p())) for p in parts)} slots)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
