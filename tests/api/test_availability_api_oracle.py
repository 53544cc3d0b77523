"""POST /v1/availability end to end against an independent minute-grid oracle (issue #4).

Everything goes through the public HTTP API: each account PUTs its own working-hours rule with
its own key, events are upserted through the events API (opaque and transparent, some of them
upserted twice), and one account of the organization asks POST /v1/availability. The answer is
compared with an oracle written here from docs/availability.md alone; it imports nothing from
the availability engine, rules or query modules (only `zoneinfo` for the time-zone database).

The oracle works on whole minutes since the Unix epoch; every input is minute-aligned, so the
exact answer is on whole minutes too. Query windows start at least a week ahead, so neither the
time of the request nor minimum notice (kept far from the window, or far beyond it) cuts a span
at an odd second. Some windows are placed on upcoming DST transitions of the rules' zones on
purpose, with working hours at the wall times the transitions skip or repeat.

Four accounts are made once per database (Argon2 makes accounts slow); each example PUTs fresh
rules, deletes the events of the previous example and asks several queries. Generation is
derandomized, but windows are placed relative to today, so the concrete dates move with the
calendar. Explicit examples pin the corners random generation reaches only now and then.
A failure notes the rules in force, the opaque events and the exact request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from math import gcd
from zoneinfo import ZoneInfo

from helpers import make_host
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from backend import db
from backend.accounts import organization_named
from backend.models import Account

ALLOWED = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1440)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ZONES = (
    "UTC",
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Sao_Paulo",
    "America/Santiago",
    "America/Havana",
)
# Transitions at 01:00-03:45 local time, and at midnight (Santiago, Havana: "24:00" and "00:00"
# themselves are skipped or repeated)
DST_ZONES = (
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "America/Havana",
)
OFFSETS = ("Z", "Z", "Z", "+01:00", "-05:00", "+05:30", "+12:45", "-03:30")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
# The pool: three accounts that PUT a fresh rule in every example, one that never has a rule
# (so the default Monday-Friday 09:00-17:00 in its own zone applies).
POOL_ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Europe/Paris")
UNRULED = 3
# Minimum notice: 0 and a few hours or days end long before any window (which starts a week
# ahead, less the oracle's one-day margin); 366 days ends after every window.
NOTICES = (0, 60, 4 * 1440, 527040)
QUERIES = 8  # queries per example: setting up rules and events costs more than asking


# ---- time arithmetic ------------------------------------------------------------------------


def minute_of(dt: datetime) -> int:
    whole, rest = divmod(dt - EPOCH, MINUTE)
    assert not rest, f"{dt} is not on a whole minute"
    return whole


def at_minute(m: int) -> datetime:
    return EPOCH + m * MINUTE


def stamp(m: int, offset: str = "Z") -> str:
    """RFC 3339 for epoch minute m, written in the given UTC offset."""
    dt = at_minute(m)
    if offset == "Z":
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = map(int, offset[1:].split(":"))
    return dt.astimezone(timezone(sign * timedelta(hours=hours, minutes=minutes))).isoformat()


def offset_at(instant: datetime, zone: ZoneInfo) -> timedelta:
    """The UTC offset in force at an instant (unambiguous)."""
    return instant.astimezone(zone).utcoffset()


def wall_to_utc(day: date, minute_of_day: int, zone: ZoneInfo) -> datetime:
    """The instant a wall time means, read as the doc says: an ambiguous time is its first
    occurrence; a nonexistent one is read with the offset in force before the gap.
    minute_of_day 1440 is the midnight that ends the day. Works from UTC-to-local conversions
    only (assumes no two transitions within two days, true for every zone used here)."""
    wall = datetime.combine(day, time(0), tzinfo=UTC) + minute_of_day * MINUTE  # as if UTC
    before = offset_at(wall - timedelta(days=1), zone)
    after = offset_at(wall + timedelta(days=1), zone)
    readings = sorted(wall - o for o in {before, after} if offset_at(wall - o, zone) == o)
    if readings:
        return readings[0]
    return wall - before


def upcoming_transitions() -> list[tuple[str, date, date, list[int]]]:
    """The DST transitions between 9 and 340 days from now: (zone, UTC date, local date,
    wall minutes of that local day around the skipped or repeated time)."""
    out = []
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=9)
    for name in DST_ZONES:
        zone = ZoneInfo(name)
        t, prev = start, offset_at(start, zone)
        while t < start + timedelta(days=331):
            t += timedelta(hours=1)
            now = offset_at(t, zone)
            if now != prev:
                instant = next(  # the first minute of the new offset
                    m
                    for m in (t - timedelta(minutes=k) for k in range(59, -1, -1))
                    if offset_at(m, zone) == now
                )
                wall_before, wall_after = instant + prev, instant + now  # as if UTC
                lo, hi = sorted((wall_before, wall_after))  # skipped or repeated: [lo, hi)
                local_day = lo.date()
                edges = [
                    (w - datetime.combine(local_day, time(0), tzinfo=UTC)) // MINUTE
                    for w in (lo, lo + (hi - lo) / 2, hi)
                ]
                around = [max(0, edges[0] - 30), *edges, min(1440, edges[2] + 30)]
                out.append((name, t.date(), local_day, around))
            prev = now
    return out


TRANSITIONS = upcoming_transitions()


# ---- the oracle -----------------------------------------------------------------------------


def _hhmm(text: str, end: bool) -> int:
    h, m = map(int, text.split(":"))
    minutes = 60 * h + m
    return 1440 if end and minutes == 0 else minutes  # "24:00" and "00:00" end the day


def rule_bitmap(rule: dict, lo: int, hi: int, now: datetime) -> bytearray:
    """1 for each minute of [lo, hi) free by the working-hours rule."""
    zone = ZoneInfo(rule["tzid"])
    ok = bytearray(hi - lo)
    weekly: dict[int, list[tuple[int, int]]] = {i: [] for i in range(7)}
    for p in rule["weekly_periods"]:
        weekly[DAYS.index(p["day"].lower())].append(
            (_hhmm(p["start_time"], False), _hhmm(p["end_time"], True))
        )
    overrides = {
        date.fromisoformat(o["date"]): [
            (_hhmm(p["start_time"], False), _hhmm(p["end_time"], True)) for p in o["periods"]
        ]
        for o in rule.get("date_overrides", [])
    }
    day = at_minute(lo).astimezone(zone).date() - timedelta(days=1)
    last = at_minute(hi).astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        for s, e in overrides.get(day, weekly[day.weekday()]):
            a, b = minute_of(wall_to_utc(day, s, zone)), minute_of(wall_to_utc(day, e, zone))
            for t in range(max(a, lo), min(b, hi)):
                ok[t - lo] = 1
        day += timedelta(days=1)
    notice = now + timedelta(minutes=rule.get("min_notice_minutes", 0))
    if notice > at_minute(lo):
        assert notice >= at_minute(hi), "test design: minimum notice ends inside the window"
        ok = bytearray(hi - lo)
    if rule.get("max_days_ahead") is not None:
        today = now.astimezone(zone).date()
        stop = wall_to_utc(today + timedelta(days=rule["max_days_ahead"] + 1), 0, zone)
        for t in range(max(minute_of(stop), lo), hi):
            ok[t - lo] = 0
    return ok


def _minutes(value) -> int:
    return value["minutes"] if isinstance(value, dict) else value


def _span(period: dict) -> tuple[int, int]:
    def parse(s: str) -> int:
        return minute_of(datetime.fromisoformat(s.replace("Z", "+00:00")))

    return parse(period["start"]), parse(period["end"])


def oracle(body: dict, rules: dict, busy: dict, now: datetime) -> dict:
    """The documented answer to request `body`: rules[sub] is the rule in force (JSON as PUT),
    busy[sub] the opaque events as (start, end) epoch minutes."""
    periods = [_span(p) for p in body.get("query_periods") or body["available_periods"]]
    qlo, qhi = min(a for a, _ in periods), max(b for _, b in periods)
    assert at_minute(qlo) > now, "test design: the query must lie in the future"
    lo, hi = qlo - 1440, qhi + 1440  # room for buffers and one grid step before
    n = hi - lo
    d = _minutes(body["required_duration"])
    buffer = body.get("buffer", {})
    before, after = _minutes(buffer.get("before", 0)), _minutes(buffer.get("after", 0))
    fmt = body.get("response_format", "periods")
    interval = body.get("start_interval")
    interval = None if interval is None else _minutes(interval)
    limit = body.get("max_results", None if fmt == "periods" else 256)

    def bitmap(spans) -> bytearray:
        out = bytearray(n)
        for a, b in spans:
            for t in range(max(a, lo), min(b, hi)):
                out[t - lo] = 1
        return out

    query = bitmap(periods)
    subs, runs, groups = [], [], []  # per member spec: sub, run ends; per group: specs, need
    rule_maps: dict[str, bytearray] = {}
    for group in body["participants"]:
        specs = []
        for member in group["members"]:
            sub = member["sub"]
            free = bytearray(query)
            if member.get("managed_availability", True):
                if sub not in rule_maps:
                    rule_maps[sub] = rule_bitmap(rules[sub], lo, hi, now)
                free = bytearray(x & y for x, y in zip(free, rule_maps[sub], strict=True))
            if member.get("available_periods") is not None:
                own = bitmap(_span(p) for p in member["available_periods"])
                free = bytearray(x & y for x, y in zip(free, own, strict=True))
            # minute t is usable iff no busy minute lies in [t - before, t + 1 + after)
            blocked = bitmap(busy[sub])
            prefix = [0]
            for x in blocked:
                prefix.append(prefix[-1] + x)
            for i in range(before, n - after):
                if free[i] and prefix[i + 1 + after] - prefix[i - before]:
                    free[i] = 0
            # run[i]: the end of the free stretch containing minute i (i itself when busy)
            run = [n] * (n + 1)
            for i in range(n - 1, -1, -1):
                run[i] = run[i + 1] if free[i] else i
            specs.append(len(subs))
            subs.append(sub)
            runs.append(run)
        required = group.get("required", "all")
        groups.append((specs, len(specs) if required == "all" else required))

    def reach(i: int) -> int:
        """The farthest end b such that some set of members satisfying every group is free
        throughout [i, b) (i itself or less when there is none)."""
        return min(
            sorted((runs[k][i] for k in specs), reverse=True)[need - 1] for specs, need in groups
        )

    def who(i: int, b: int) -> list[dict]:
        return [
            {"sub": s} for s in dict.fromkeys(subs[k] for k in range(len(subs)) if runs[k][i] >= b)
        ]

    out = []
    if fmt == "periods":
        step = interval or 1
        for m in range(qlo, qhi):
            if m % step:
                continue
            i = m - lo
            b = reach(i)
            # maximal: not contained in the span from the previous grid start
            if b - i >= d and reach(i - step) < b:
                out.append({"start": stamp(m), "end": stamp(b + lo), "participants": who(i, b)})
    else:
        step = interval or (d if d in ALLOWED else gcd(d, 60))
        next_start = qlo
        for m in range(qlo, qhi):
            if m % step or m < next_start:
                continue
            i = m - lo
            if reach(i) - i >= d:
                out.append({"start": stamp(m), "end": stamp(m + d), "participants": who(i, i + d)})
                if fmt == "slots":
                    next_start = m + d
    if limit is not None:
        out = out[:limit]
    return {("available_periods" if fmt == "periods" else "available_slots"): out}


def test_oracle_reads_wall_times_like_the_doc():
    """The examples of docs/availability.md, "Expanding a rule"."""
    london, new_york = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")

    def utc(day, hhmm, zone):
        return wall_to_utc(date.fromisoformat(day), _hhmm(hhmm, False), zone).strftime("%H:%M")

    # spring: 00:30-01:30 is 00:30 GMT-02:30 BST; 01:00-02:00 is empty
    assert utc("2026-03-29", "00:30", london) == "00:30"
    assert utc("2026-03-29", "01:30", london) == "01:30"
    assert utc("2026-03-29", "01:00", london) == utc("2026-03-29", "02:00", london) == "01:00"
    # autumn: 01:00-02:00 runs from 01:00 BST to 02:00 GMT
    assert (utc("2026-10-25", "01:00", london), utc("2026-10-25", "02:00", london)) == (
        "00:00",
        "02:00",
    )
    # New York, 8 March 2026: 02:30-03:30 is empty, 02:00-04:00 one hour
    assert utc("2026-03-08", "02:30", new_york) == utc("2026-03-08", "03:30", new_york)
    assert (utc("2026-03-08", "02:00", new_york), utc("2026-03-08", "04:00", new_york)) == (
        "07:00",
        "08:00",
    )
    # a day lasts as long as the clock says: 23 and 25 hours in London, 23.5 and 24.5 hours
    # on Lord Howe Island
    for zone, day, hours in (
        (london, "2026-03-29", 23),
        (london, "2026-10-25", 25),
        (ZoneInfo("Australia/Lord_Howe"), "2026-10-04", 23.5),
        (ZoneInfo("Australia/Lord_Howe"), "2026-04-05", 24.5),
    ):
        d = date.fromisoformat(day)
        length = wall_to_utc(d, 1440, zone) - wall_to_utc(d, 0, zone)
        assert length == timedelta(hours=hours), (zone, day)


def test_oracle_answers_the_worked_example():
    """The worked example of docs/availability.md (request-1 and request-2), moved to a
    future Tuesday: the oracle must give the documented answers."""
    day = date(2026, 12, 1)
    shift = 0
    while day + timedelta(days=7 * shift) <= datetime.now(UTC).date():
        shift += 52
    day += timedelta(days=7 * shift)

    def m(hhmm: str) -> int:
        return minute_of(datetime.combine(day, time.fromisoformat(hhmm), tzinfo=UTC))

    rule = {
        "tzid": "Europe/London",
        "weekly_periods": [
            {"day": d, "start_time": "09:00", "end_time": "17:00"} for d in DAYS[:5]
        ],
    }
    rules = {"acc_host": rule, "acc_ana": rule, "acc_ben": rule}
    busy = {
        "acc_host": [(m("11:00"), m("11:30"))],
        "acc_ana": [(m("09:00"), m("10:00"))],
        "acc_ben": [(m("12:00"), m("14:00"))],
    }
    participants = [
        {"members": [{"sub": "acc_host"}], "required": "all"},
        {"members": [{"sub": "acc_ana"}, {"sub": "acc_ben"}], "required": 1},
    ]
    window = [{"start": stamp(m("08:00")), "end": stamp(m("14:00"))}]
    slots = oracle(
        {
            "participants": participants,
            "required_duration": {"minutes": 60},
            "query_periods": window,
            "buffer": {"before": {"minutes": 15}},
            "response_format": "slots",
        },
        rules,
        busy,
        datetime.now(UTC),
    )
    host, ana, ben = {"sub": "acc_host"}, {"sub": "acc_ana"}, {"sub": "acc_ben"}
    assert slots == {
        "available_slots": [
            {"start": stamp(m("09:00")), "end": stamp(m("10:00")), "participants": [host, ben]},
            {"start": stamp(m("10:00")), "end": stamp(m("11:00")), "participants": [host, ben]},
            {"start": stamp(m("12:00")), "end": stamp(m("13:00")), "participants": [host, ana]},
            {"start": stamp(m("13:00")), "end": stamp(m("14:00")), "participants": [host, ana]},
        ]
    }
    periods = oracle(
        {"participants": participants, "required_duration": 60, "available_periods": window},
        rules,
        busy,
        datetime.now(UTC),
    )
    assert periods == {
        "available_periods": [
            {"start": stamp(m("09:00")), "end": stamp(m("11:00")), "participants": [host, ben]},
            {"start": stamp(m("11:30")), "end": stamp(m("14:00")), "participants": [host, ana]},
        ]
    }


# ---- scenarios ------------------------------------------------------------------------------

# Wall times: the small hours (where DST transitions skip or repeat an hour) half the time.
clock = st.one_of(st.sampled_from(range(0, 241, 15)), st.integers(0, 1439))


def hours(minutes: int, end: bool = False) -> str:
    if end and minutes == 1440:
        return "24:00"
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def time_spans(draw) -> tuple[str, str]:
    start = draw(clock)
    end = draw(
        st.one_of(
            st.just(min(start + 600, 1440)),
            st.integers(start + 1, 1440),
            st.sampled_from([m for m in (*range(15, 241, 15), 1440) if m > start]),
        )
    )
    end_text = draw(st.sampled_from(["24:00", "00:00"])) if end == 1440 else hours(end)
    return hours(start), end_text


@st.composite
def rules(draw, zone_hint: str | None, n_days: int, transition=None) -> dict:
    zones = ZONES if zone_hint is None else (zone_hint,) * (12 if transition else 6) + ZONES
    rule: dict = {"tzid": draw(st.sampled_from(zones))}
    template = draw(
        st.sampled_from(["per_day"] * 6 + ["wide"] * 5 + ["office"] * 2 + ["always", "never"])
    )
    weekly = []
    if template == "per_day":
        for day in DAYS:
            if draw(st.integers(0, 5)) == 5:
                continue  # a day off
            for start, end in draw(st.lists(time_spans(), min_size=1, max_size=2)):
                name = draw(st.sampled_from([day, day, day.capitalize(), day.upper()]))
                weekly.append({"day": name, "start_time": start, "end_time": end})
    elif template == "wide":  # long days, every day
        for day in DAYS:
            start = draw(st.sampled_from(range(0, 601, 30)))
            end = draw(st.integers(start + 240, 1440))
            weekly.append({"day": day, "start_time": hours(start), "end_time": hours(end, True)})
    elif template == "office":
        weekly = [{"day": d, "start_time": "09:00", "end_time": "17:00"} for d in DAYS[:5]]
    elif template == "always":
        weekly = [{"day": d, "start_time": "00:00", "end_time": "24:00"} for d in DAYS]
    if transition and rule["tzid"] == zone_hint:
        # hours that begin or end at a wall time the transition skips or repeats
        _, _, local_day, (before, lo, mid, hi, after) = transition
        for _ in range(draw(st.integers(1, 2))):
            inside = draw(st.sampled_from([lo, mid]))
            other = draw(st.sampled_from([0, before, hi, after, 1440]))
            start, end = sorted((inside, other))
            if start == end:
                continue
            weekly.append(
                {
                    "day": DAYS[local_day.weekday()],
                    "start_time": hours(start),
                    "end_time": hours(end, True),
                }
            )
    rule["weekly_periods"] = weekly
    if draw(st.integers(0, 3)) == 3:  # days relative to the window's first UTC day
        overrides = draw(st.lists(st.integers(-1, n_days), min_size=1, max_size=2, unique=True))
        rule["date_overrides"] = []
        for k in overrides:
            day_off = draw(st.integers(0, 4)) == 4  # now and then; other hours mostly
            periods = [] if day_off else draw(st.lists(time_spans(), min_size=1, max_size=2))
            rule["date_overrides"].append({"day": k, "periods": periods})
    notice = draw(st.sampled_from((None,) * 20 + NOTICES))
    if notice is not None:
        rule["min_notice_minutes"] = notice
    ahead = draw(st.sampled_from((None,) * 25 + (-1, 0, 1, 2, 3)))
    if ahead is not None:  # days after the window's first UTC day, filled in by the test
        rule["max_days_ahead"] = ahead
    if draw(st.booleans()):  # the booking page's default buffers: no effect on the API
        rule["buffer"] = {"before": draw(st.sampled_from([0, 30])), "after": 15}
    return rule


@st.composite
def rel_spans(draw, lo: int, hi: int, shortest: int, longest: int, max_size: int) -> list:
    out = []
    for _ in range(draw(st.integers(1, max_size))):
        a = draw(st.integers(lo, hi - 1))
        out.append((a, a + draw(st.integers(shortest, longest))))
    return out


@st.composite
def queries(draw, accounts: list[int], span: int) -> dict:
    """One availability query over the window [0, span) (minutes relative to its start)."""
    kind = draw(st.sampled_from(["whole", "random", "random", "touching"]))
    if kind == "whole":
        periods = [(0, span)]
    elif kind == "random":
        periods = [(a, min(b, span)) for a, b in draw(rel_spans(0, span, 1, span, 3))]
    else:  # touching periods join
        cuts = sorted(draw(st.lists(st.integers(1, span - 1), min_size=1, max_size=2, unique=True)))
        edges = [0, *cuts, span]
        periods = list(zip(edges, edges[1:], strict=False))
    groups = []
    for _ in range(draw(st.integers(1, 2))):
        members = []
        for acc in draw(st.lists(st.sampled_from(accounts), min_size=1, max_size=3, unique=True)):
            managed = draw(st.sampled_from(["omit", "omit", True, False]))
            own = None
            if draw(st.integers(0, 3)) == 3:
                own = draw(rel_spans(-60, span + 60, 30, span, 3))
            members.append((acc, managed, own))
        required = draw(st.sampled_from(["omit", "all", *range(1, len(members) + 1)]))
        groups.append((members, required))
    return {
        "periods": periods,
        "legacy": draw(st.integers(0, 4)) == 4,
        "offsets": draw(st.lists(st.sampled_from(OFFSETS), min_size=3, max_size=3)),
        "groups": groups,
        "duration": draw(
            st.sampled_from([15, 30, 45, 60, 90, 25, 50, 7, 120]) | st.integers(1, 240)
        ),
        "plain_minutes": draw(st.booleans()),
        "buffer": draw(
            st.none()
            | st.tuples(st.sampled_from([0, 5, 15, 30, 60]), st.sampled_from([0, 10, 15, 45, 60]))
        ),
        "interval": draw(st.sampled_from([None, None, None, 5, 10, 15, 20, 30, 45, 60, 90, 1440])),
        "format": draw(st.sampled_from(["omit", "periods", "slots", "overlapping_slots"])),
        "max_results": draw(st.sampled_from([None, None, None, 1, 2, 5, 512])),
        "caller": draw(st.sampled_from(accounts)),
    }


@st.composite
def scenarios(draw) -> dict:
    """Accounts with rules and events around a window, and a few queries against them."""
    accounts = draw(st.lists(st.integers(0, 3), min_size=2, max_size=3, unique=True))
    if TRANSITIONS and draw(st.booleans()):
        transition = draw(st.sampled_from(TRANSITIONS))
        zone_hint, when = transition[:2]
        dst = zone_hint
        base_day = (when - datetime.now(UTC).date()).days - 1
        start_minute = draw(st.integers(0, 720))
        span = draw(st.integers(2880, 4320))
    else:
        # a week or two ahead, on a weekday more often than not
        weekday = draw(st.sampled_from([0, 1, 2, 3, 4] * 2 + [5, 6]))
        base_day = 7 + (weekday - datetime.now(UTC).weekday()) % 7
        dst, zone_hint, transition = None, draw(st.sampled_from(ZONES)), None
        start_minute = draw(st.integers(0, 1439))
        span = draw(st.integers(1440, 4320))
    n_days = (start_minute + span) // 1440 + 1
    # half the time all accounts keep the same hours, so that "all" groups often meet
    shared = draw(rules(zone_hint, n_days, transition)) if draw(st.booleans()) else None
    rules_by_account = {
        acc: shared or draw(rules(zone_hint, n_days, transition))
        for acc in accounts
        if acc != UNRULED
    }
    events = {}
    for acc in accounts:
        evs = []
        with_events = draw(st.integers(0, 3)) != 3
        for a, b in draw(rel_spans(-240, span + 240, 1, 180, 4)) if with_events else []:
            transparency = draw(st.sampled_from(["opaque", "opaque", "omit", "transparent"]))
            evs.append((a, b, transparency, draw(st.sampled_from(OFFSETS))))
        if draw(st.integers(0, 2)) == 2:  # just outside the window: only buffers reach it
            gap, length = draw(st.integers(0, 60)), draw(st.integers(1, 120))
            a = draw(st.sampled_from([-gap - length, span + gap]))
            evs.append((a, a + length, "opaque", "Z"))
        moves = []
        if evs:
            for _ in range(draw(st.integers(0, 2))):
                k = draw(st.integers(0, len(evs) - 1))
                a = draw(st.integers(-240, span + 240))
                moves.append((k, a, a + draw(st.integers(1, 300)), draw(st.booleans())))
        events[acc] = (evs, moves)
    return {
        "accounts": accounts,
        "dst": dst,
        "rules": rules_by_account,
        "base_day": base_day,
        "start_minute": start_minute,
        "events": events,
        "queries": draw(st.lists(queries(accounts, span), min_size=QUERIES, max_size=QUERIES)),
    }


def _query(groups, duration, fmt="omit", periods=None, **extra) -> dict:
    q = {
        "periods": periods,
        "legacy": False,
        "offsets": ["Z", "Z", "Z"],
        "groups": groups,
        "duration": duration,
        "plain_minutes": False,
        "buffer": None,
        "interval": None,
        "format": fmt,
        "max_results": None,
        "caller": groups[0][0][0][0],
    }
    q.update(extra)
    return q


def explicit_scenarios() -> list[dict]:
    """Corners that random generation reaches only now and then: more than 256 slots (the
    default cap), the default grid of an odd duration, buffers reaching busy time just outside
    the query, an event made opaque by a second upsert, overlapping periods with different
    people, and working hours on the skipped and the repeated wall times of DST transitions."""
    today = datetime.now(UTC).date()
    span = 2880
    whole = [(0, span)]
    always = {
        "tzid": "UTC",
        "weekly_periods": [{"day": d, "start_time": "00:00", "end_time": "24:00"} for d in DAYS],
    }
    office_ny = {
        "tzid": "America/New_York",
        "weekly_periods": [
            {"day": d, "start_time": "08:00", "end_time": "18:00"} for d in DAYS[:5]
        ],
        "date_overrides": [{"day": 1, "periods": [("12:00", "14:00")]}],
        "buffer": {"before": 30, "after": 30},
    }
    out = [
        {
            "accounts": [0, 1, 3],
            "dst": None,
            "rules": {0: always, 1: office_ny},
            "base_day": 7 + (1 - today.weekday()) % 7,  # a Tuesday
            "start_minute": 360,
            "events": {
                0: (
                    [
                        (-40, -10, "opaque", "Z"),
                        (span + 20, span + 50, "omit", "+05:30"),
                        (600, 660, "transparent", "Z"),
                    ],
                    [(2, 700, 760, True)],
                ),
                1: ([(100, 200, "opaque", "-05:00"), (900, 960, "transparent", "Z")], []),
                3: ([], []),
            },
            "queries": [
                _query([([(0, False, None)], "omit")], 25, "overlapping_slots", whole),
                _query(
                    [([(0, "omit", None)], "all")],
                    50,
                    "slots",
                    whole,
                    buffer=(45, 30),
                    max_results=512,
                ),
                _query(
                    [([(0, True, [(0, 600)]), (1, True, None), (3, "omit", None)], 1)],
                    60,
                    "periods",
                    whole,
                ),
                _query(
                    [([(0, "omit", None), (1, "omit", None)], "all")],
                    30,
                    "omit",
                    [(0, 700), (700, span)],
                    legacy=True,
                    interval=45,
                    buffer=(15, 0),
                    offsets=["+05:30", "-03:30", "Z"],
                ),
                _query(
                    [([(3, "omit", None)], "all"), ([(0, "omit", None), (1, "omit", None)], 1)],
                    90,
                    "slots",
                    whole,
                    max_results=3,
                    caller=1,
                ),
                _query(
                    [([(0, "omit", None)], "all")], 7, "overlapping_slots", whole, interval=1440
                ),
            ],
        }
    ]
    # minimum notice beyond the window, and a horizon ending inside it (at midnight in Kolkata)
    far = dict(always, min_notice_minutes=527040, max_days_ahead=1)
    near = dict(always, tzid="Asia/Kolkata", min_notice_minutes=5760, max_days_ahead=1)
    pair = [([(0, "omit", None), (2, "omit", None)], 1)]
    out.append(
        {
            "accounts": [0, 2],
            "dst": None,
            "rules": {0: far, 2: near},
            "base_day": 7 + (4 - today.weekday()) % 7,  # a Friday
            "start_minute": 360,
            "events": {0: ([], []), 2: ([(300, 400, "opaque", "Z")], [])},
            "queries": [
                _query(pair, 60, "periods", whole),
                _query([([(0, False, None), (2, True, None)], "all")], 30, "slots", whole),
                _query([([(0, "omit", None), (2, False, None)], "all")], 30, "periods", whole),
            ],
        }
    )
    seen = set()
    for transition in TRANSITIONS:
        zone, when, local_day, (before, lo, mid, hi, after) = transition
        if zone in seen:  # one example per zone: its first transition
            continue
        seen.add(zone)
        day = DAYS[local_day.weekday()]

        def spans(*pairs, day=day):
            return [
                {"day": day, "start_time": hours(a), "end_time": hours(b, True)}
                for a, b in pairs
                if a < b and a < 1440
            ]

        # also the day before ending at "24:00" and the day after from "00:00", which are
        # themselves skipped or repeated where the transition is at midnight
        eve, morrow = DAYS[(local_day.weekday() - 1) % 7], DAYS[(local_day.weekday() + 1) % 7]
        rule_a = {
            "tzid": zone,
            "weekly_periods": spans((before, mid), (hi, after)) + spans((0, 60), day=morrow),
        }
        rule_b = {
            "tzid": zone,
            "weekly_periods": spans((0, lo), (lo, hi), (mid, 1440)) + spans((1380, 1440), day=eve),
        }
        both = [([(0, "omit", None), (2, "omit", None)], "all")]
        either = [([(0, "omit", None), (2, "omit", None)], 1)]
        out.append(
            {
                "accounts": [0, 2],
                "dst": zone,
                "rules": {0: rule_a, 2: rule_b},
                "base_day": (when - today).days - 1,
                "start_minute": 0,
                "events": {0: ([], []), 2: ([], [])},
                "queries": [
                    _query(either, 15, "periods", [(0, 4320)]),
                    _query(both, 5, "periods", [(0, 4320)]),
                    _query(either, 10, "overlapping_slots", [(0, 4320)], interval=5),
                    _query([([(2, "omit", None)], "all")], 60, "slots", [(0, 4320)]),
                ],
            }
        )
    return out


# ---- the test -------------------------------------------------------------------------------


class Pool:
    """Four accounts of one organization, made once per database (Argon2 is slow)."""

    def __init__(self, app, client):
        self.client = client
        self.hosts = [
            make_host(app, email=f"oracle{i}@example.com", name=f"Oracle {i}", tzid=tz)
            for i, tz in enumerate(POOL_ZONES)
        ]
        with app.app_context(), db.write() as s:
            org = organization_named(s, "Oracle Org")
            for h in self.hosts:
                s.get(Account, h.account_id).organization_id = org.id
        self.calendars = [
            client.get("/v1/calendars", headers=h.headers).get_json()["calendars"][0]["calendar_id"]
            for h in self.hosts
        ]
        self.event_ids: list[set[str]] = [set() for _ in self.hosts]

    def clear_events(self):
        for i, h in enumerate(self.hosts):
            for event_id in sorted(self.event_ids[i]):
                response = self.client.delete(
                    f"/v1/calendars/{self.calendars[i]}/events",
                    json={"event_id": event_id},
                    headers=h.headers,
                )
                assert response.status_code == 202
            self.event_ids[i].clear()

    def upsert(self, i: int, body: dict):
        self.event_ids[i].add(body["event_id"])
        response = self.client.post(
            f"/v1/calendars/{self.calendars[i]}/events", json=body, headers=self.hosts[i].headers
        )
        assert response.status_code == 202, response.get_json()


def run_scenario(pool: Pool, sc: dict):
    pool.clear_events()
    client, hosts = pool.client, pool.hosts
    today = datetime.now(UTC).date()
    base_date = today + timedelta(days=sc["base_day"])
    w0 = minute_of(datetime.combine(base_date, time(0), tzinfo=UTC)) + sc["start_minute"]

    # working hours, each account with its own key
    rules_in_force = {}
    for acc in sc["accounts"]:
        h = hosts[acc]
        if acc == UNRULED:
            rules_in_force[h.sub] = {
                "tzid": POOL_ZONES[acc],
                "weekly_periods": [
                    {"day": d, "start_time": "09:00", "end_time": "17:00"} for d in DAYS[:5]
                ],
            }
            continue
        rule = dict(sc["rules"][acc])
        if "date_overrides" in rule:
            rule["date_overrides"] = [
                {
                    "date": (base_date + timedelta(days=o["day"])).isoformat(),
                    "periods": [{"start_time": s, "end_time": e} for s, e in o["periods"]],
                }
                for o in rule["date_overrides"]
            ]
        if "max_days_ahead" in rule:
            rule["max_days_ahead"] = max(0, sc["base_day"] + rule["max_days_ahead"])
        response = client.put("/v1/availability_rules", json=rule, headers=h.headers)
        assert response.status_code == 200, response.get_json()
        rules_in_force[h.sub] = rule

    # events: upserted, some moved or made (non-)transparent by a second upsert
    busy = {hosts[acc].sub: [] for acc in sc["accounts"]}
    for acc in sc["accounts"]:
        evs, moves = sc["events"][acc]
        final = {}
        for k, (a, b, transparency, offset) in enumerate(evs):
            body = {
                "event_id": f"oracle-{k}",
                "summary": "Busy",
                "start": stamp(w0 + a, offset),
                "end": stamp(w0 + b, offset),
            }
            if transparency != "omit":
                body["transparency"] = transparency
            pool.upsert(acc, body)
            final[k] = (a, b, transparency != "transparent")
        for k, a, b, opaque in moves:
            body = {
                "event_id": f"oracle-{k}",
                "summary": "Moved",
                "start": stamp(w0 + a),
                "end": stamp(w0 + b),
                "transparency": "opaque" if opaque else "transparent",
            }
            pool.upsert(acc, body)
            final[k] = (a, b, opaque)
        busy[hosts[acc].sub] = [(w0 + a, w0 + b) for a, b, opaque in final.values() if opaque]
    note(f"rules in force: {rules_in_force}")
    note(f"opaque events (epoch minutes): {busy}")

    for i, q in enumerate(sc["queries"]):
        ask(pool, w0, q, rules_in_force, busy, f"query {i}")


def ask(pool: Pool, w0: int, q: dict, rules_in_force: dict, busy: dict, label: str):
    hosts = pool.hosts
    minutes = (lambda n: n) if q["plain_minutes"] else (lambda n: {"minutes": n})
    offsets = q["offsets"]
    body: dict = {"participants": []}
    for members, required in q["groups"]:
        group: dict = {"members": []}
        for acc, managed, own in members:
            member: dict = {"sub": hosts[acc].sub}
            if managed != "omit":
                member["managed_availability"] = managed
            if own is not None:
                member["available_periods"] = [
                    {"start": stamp(w0 + a, offsets[1]), "end": stamp(w0 + b, offsets[2])}
                    for a, b in own
                ]
            group["members"].append(member)
        if required != "omit":
            group["required"] = required
        body["participants"].append(group)
    body["required_duration"] = minutes(q["duration"])
    body["available_periods" if q["legacy"] else "query_periods"] = [
        {"start": stamp(w0 + a, offsets[0]), "end": stamp(w0 + b, offsets[0])}
        for a, b in q["periods"]
    ]
    if q["buffer"] is not None:
        before, after = q["buffer"]
        body["buffer"] = {"before": minutes(before), "after": minutes(after)}
    if q["interval"] is not None:
        body["start_interval"] = minutes(q["interval"])
    if q["format"] != "omit":
        body["response_format"] = q["format"]
    if q["max_results"] is not None:
        body["max_results"] = q["max_results"]

    note(f"{label}: caller {hosts[q['caller']].sub}, request {body}")
    before_request = datetime.now(UTC)
    response = pool.client.post("/v1/availability", json=body, headers=hosts[q["caller"]].headers)
    after_request = datetime.now(UTC)
    assert response.status_code == 200, response.get_json()
    actual = response.get_json()
    expected = oracle(body, rules_in_force, busy, before_request)
    if actual != expected:  # only "today" (max_days_ahead) may change during the request
        expected = oracle(body, rules_in_force, busy, after_request)
    assert actual == expected, label


def test_availability_api_matches_oracle(app, client):
    """Random rules, events and queries: the API's answer is the oracle's, exactly."""
    pool = Pool(app, client)

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(scenarios())
    def check(sc):
        run_scenario(pool, sc)

    for sc in explicit_scenarios():
        check = example(sc)(check)
    check()
