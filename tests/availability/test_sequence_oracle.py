"""Sequenced availability against a brute-force oracle (obviously correct, slow).

Random calendars for 2-3 people over four days around a DST change in Europe/London or
America/New_York (busy time, query periods and personal available periods are all placed at
LOCAL wall times, so their UTC positions move by an hour across the change), 2-3 steps with
random durations, grids, buffers and gap bounds, `required: N` groups, steps limited to
their own available periods now and then, and a random `now`.

The oracle imports nothing from the engine: it marks busy/allowed minutes in sets, tries every
grid start of every step directly, and finds the lexicographically earliest chain for each
first-step start by depth-first search over the gap window (memoised), as the rules in
backend/availability/sequence.py's docstring state them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from math import gcd
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from backend.availability import MemberCalendar, resolve_sequence
from backend.availability.query import GroupSpec, MemberSpec
from backend.availability.sequence import Gap, SequenceQuery, Step

ALLOWED = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1440)
# (zone, local date two days before a DST change)
WEEKS = (
    ("Europe/London", datetime(2027, 3, 26)),
    ("Europe/London", datetime(2027, 10, 29)),
    ("America/New_York", datetime(2027, 3, 12)),
    ("America/New_York", datetime(2027, 11, 5)),
)
DAYS = 4
SUBS = ("acc_a", "acc_b", "acc_c")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def local(zone, day0, day, minute) -> datetime:
    """Wall time `minute` after local midnight of day0 + day, in UTC (fold=0)."""
    wall = day0 + timedelta(days=day, minutes=minute)
    return wall.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def mins(dt: datetime) -> int:
    return int((dt - EPOCH).total_seconds()) // 60


def minutes_of(spans) -> set[int]:
    return {m for a, b in spans for m in range(mins(a), mins(b))}


gap_bound = st.sampled_from([None, None, 0, 15, 30, 60, 120, 240])


@st.composite
def scenarios(draw):
    zone, day0 = draw(st.sampled_from(WEEKS))
    n_people = draw(st.integers(2, 3))
    subs = SUBS[:n_people]
    busy = {}
    for sub in subs:
        items = draw(
            st.lists(
                st.tuples(st.integers(0, DAYS - 1), st.integers(0, 287), st.integers(1, 36)),
                max_size=12,
            )
        )
        busy[sub] = [
            (local(zone, day0, d, 5 * m), local(zone, day0, d, 5 * m + 5 * n)) for d, m, n in items
        ]
    avail = {}
    for sub in subs:
        if draw(st.booleans()):
            lo, hi = draw(st.sampled_from([(540, 1020), (480, 1080), (60, 240), (0, 1440)]))
            avail[sub] = tuple(
                (local(zone, day0, d, lo), local(zone, day0, d, hi)) for d in range(DAYS)
            )
        else:
            avail[sub] = None
    qlo, qhi = draw(st.sampled_from([(420, 1200), (0, 1440), (60, 300), (600, 900)]))
    periods = tuple((local(zone, day0, d, qlo), local(zone, day0, d, qhi)) for d in range(DAYS))
    steps = []
    for k in range(draw(st.integers(2, 3))):
        members = draw(st.lists(st.sampled_from(subs), min_size=1, max_size=n_people, unique=True))
        required = draw(st.sampled_from(["all", *range(1, len(members) + 1)]))
        lo1, hi1, lo2, hi2 = (draw(gap_bound) for _ in range(4))
        if lo1 is not None and hi1 is not None and hi1 < lo1:
            lo1, hi1 = hi1, lo1
        if lo2 is not None and hi2 is not None and hi2 < lo2:
            lo2, hi2 = hi2, lo2
        own = None
        if draw(st.integers(0, 3)) == 0:  # this step only within local 10:00-15:00
            own = tuple((local(zone, day0, d, 600), local(zone, day0, d, 900)) for d in range(DAYS))
        steps.append(
            Step(
                sequence_id=f"step-{k}",
                ordinal=k + 1,
                index=k,
                groups=(
                    GroupSpec(
                        tuple(MemberSpec(s, avail[s]) for s in members), required
                    ),  # fmt: skip
                ),
                calendar_ids=((None,) * len(members),),
                duration=timedelta(minutes=draw(st.sampled_from([15, 25, 30, 45, 60, 90]))),
                start_interval=draw(
                    st.sampled_from([None, timedelta(minutes=15), timedelta(minutes=30)])
                ),
                before=Gap(draw(st.sampled_from([0, 0, 10, 30])), lo1, hi1),
                after=Gap(draw(st.sampled_from([0, 0, 15])), lo2, hi2),
                available_periods=own,
            )
        )
    max_results = draw(st.integers(1, 40))
    now = periods[0][0] + timedelta(seconds=draw(st.sampled_from([-86400, 0, 7, 3600 * 20 + 13])))
    return busy, SequenceQuery(tuple(steps), periods, max_results), now


def oracle(busy, query: SequenceQuery, now: datetime):
    query_min = minutes_of(query.query_periods)
    busy_min = {sub: minutes_of(spans) for sub, spans in busy.items()}
    now_s = (now - EPOCH).total_seconds()
    lo_all, hi_all = min(query_min), max(query_min) + 1

    def grid(step):
        if step.start_interval is not None:
            return int(step.start_interval.total_seconds()) // 60
        d = int(step.duration.total_seconds()) // 60
        return d if d in ALLOWED else gcd(d, 60)

    def who(k, s):
        step = query.steps[k]
        d = int(step.duration.total_seconds()) // 60
        if s * 60 < now_s or not all(m in query_min for m in range(s, s + d)):
            return None
        if step.available_periods is not None and not all(
            m in minutes_of(step.available_periods) for m in range(s, s + d)
        ):
            return None
        out = []
        for g in step.groups:
            free = []
            for m in g.members:
                inside = m.available_periods is None or all(
                    t in minutes_of(m.available_periods) for t in range(s, s + d)
                )
                clear = not any(
                    t in busy_min[m.sub]
                    for t in range(s - step.before.minutes, s + d + step.after.minutes)
                )
                if inside and clear:
                    free.append(m.sub)
            need = len(g.members) if g.required == "all" else g.required
            if len(free) < need:
                return None
            out += [m.sub for m in g.members] if need == len(g.members) else free
        return tuple(dict.fromkeys(out))

    who = cache(who)

    def bounds(k):  # gap minutes between step k and k + 1
        a, b = query.steps[k].after, query.steps[k + 1].before
        highs = [x for x in (a.maximum, b.maximum) if x is not None]
        return max(0, a.minimum or 0, b.minimum or 0), (min(highs) if highs else None)

    @cache
    def chain(k, s):
        """The earliest chain of steps k.. with step k at s, or None."""
        if who(k, s) is None:
            return None
        d = int(query.steps[k].duration.total_seconds()) // 60
        if k == len(query.steps) - 1:
            return (s,)
        lo, hi = bounds(k)
        g = grid(query.steps[k + 1])
        t = -(-(s + d + lo) // g) * g
        last = hi_all if hi is None else s + d + hi
        while t <= last:
            rest = chain(k + 1, t)
            if rest is not None:
                return (s, *rest)
            t += g
        return None

    options = []
    g = grid(query.steps[0])
    s = -(-lo_all // g) * g
    while s < hi_all and len(options) < query.max_results:
        found = chain(0, s)
        if found is not None:
            options.append(
                tuple(
                    (
                        step.sequence_id,
                        t,
                        t + int(step.duration.total_seconds()) // 60,
                        who(k, t),
                    )
                    for k, (step, t) in enumerate(zip(query.steps, found, strict=True))
                )
            )
        s += g
    return options


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_sequence_matches_the_oracle(scenario):
    busy, query, now = scenario
    note(f"query={query!r}\nbusy={busy!r}\nnow={now}")
    calendars = {(sub, None): MemberCalendar(busy=spans) for sub, spans in busy.items()}
    got = [
        tuple((p.sequence_id, mins(p.start), mins(p.end), p.participants) for p in option)
        for option in resolve_sequence(query, calendars, now)
    ]
    assert got == oracle(busy, query, now)
