"""Cronofy-shaped availability requests: parse and validate, resolve against calendars, render.

Validation is syntactic (a `sub` is any short string); whether a sub exists and belongs to the
caller is the API layer's check. Reference: docs/availability.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from .engine import FORMATS, START_INTERVALS, Group, Member, Result, find_availability
from .rules import AvailabilityRule, Errors, parse_minutes, rule_intervals

Span = tuple[datetime, datetime]
MAX_RESULTS = 512
DEFAULT_SLOT_RESULTS = 256
MAX_DURATION_MINUTES = 1440
MAX_BUFFER_MINUTES = 1440
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})")
_SUB = re.compile(r"[^\x00-\x1f\x7f]{1,255}")


class QueryError(Exception):
    def __init__(self, errors: dict) -> None:
        super().__init__(f"invalid availability query: {errors}")
        self.errors = errors


@dataclass(frozen=True)
class MemberSpec:
    sub: str
    available_periods: tuple[Span, ...] | None = None
    managed_availability: bool = True
    availability_rule_ids: tuple[str, ...] | None = None  # None: the default rule


@dataclass(frozen=True)
class GroupSpec:
    members: tuple[MemberSpec, ...]
    required: int | Literal["all"] = "all"


@dataclass(frozen=True)
class Query:
    groups: tuple[GroupSpec, ...]
    query_periods: tuple[Span, ...]
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    start_interval: timedelta | None = None  # None: the engine's default (see docs)
    response_format: str = "periods"
    max_results: int | None = None
    query_slots: tuple[datetime, ...] | None = None  # starts to check, instead of periods

    def subs(self) -> set[str]:
        return {m.sub for g in self.groups for m in g.members}

    def window(self) -> Span:
        """The span whose busy time can matter: the query periods widened by the buffers."""
        start = min(a for a, _ in self.query_periods) - self.buffer_before
        return start, max(b for _, b in self.query_periods) + self.buffer_after


@dataclass(frozen=True)
class MemberCalendar:
    busy: Sequence[Span]  # UTC-aware, any order
    rule: AvailabilityRule | None = None  # None: no working-hours restriction
    rules: Mapping[str, AvailabilityRule] | None = None  # by id, for availability_rule_ids
    available: Sequence[Span] = ()  # available periods: added to the rule's hours


def parse_query(
    data: Any, *, max_periods: int = 50, max_span_days: int = 35, max_members: int = 10
) -> Query:
    e = Errors()
    if not isinstance(data, dict):
        raise QueryError({"body": [{"key": "errors.invalid", "description": "must be an object"}]})
    groups = _groups(data.get("participants"), e, max_periods, max_members)
    minutes = data.get("required_duration")
    duration = None
    if minutes is None:
        e.add("required_duration", "required", "required")
    else:
        duration = parse_minutes(minutes, "required_duration", e, 1, MAX_DURATION_MINUTES)
    periods: tuple[Span, ...] = ()
    slots: tuple[datetime, ...] | None = None
    given = [k for k in ("query_periods", "available_periods", "query_slots") if k in data]
    if len(given) > 1:
        why = (
            "give one of query_periods, available_periods or query_slots"
            if "query_slots" in given
            else "give query_periods or its legacy alias available_periods, not both"
        )
        for key in given:
            e.add(key, "invalid", why)
    elif not given:
        e.add("query_periods", "required", "required")
    elif given == ["query_slots"]:
        slots = _slots(data["query_slots"], e, max_periods)
        if slots and duration is not None:
            dur = timedelta(minutes=duration)
            periods = tuple((s, s + dur) for s in slots)
            if max(slots) - min(slots) > timedelta(days=max_span_days):
                e.add("query_slots", "too_long", f"must span at most {max_span_days} days")
    else:
        key = "query_periods" if "query_periods" in data else "available_periods"
        periods = _periods(data[key], key, e, max_periods) or ()
        if periods:
            span = max(b for _, b in periods) - min(a for a, _ in periods)
            if span > timedelta(days=max_span_days):
                e.add(key, "too_long", f"must span at most {max_span_days} days in total")
    before = after = 0
    buffer = data.get("buffer", {})
    if not isinstance(buffer, dict):
        e.add("buffer", "invalid", 'must be {"before": {"minutes": n}, "after": {"minutes": n}}')
    else:
        before = parse_minutes(buffer.get("before", 0), "buffer.before", e, 0, MAX_BUFFER_MINUTES)
        after = parse_minutes(buffer.get("after", 0), "buffer.after", e, 0, MAX_BUFFER_MINUTES)
    interval = None
    if data.get("start_interval") is not None:
        interval = parse_minutes(data["start_interval"], "start_interval", e, 1, 1440)
        if interval is not None and interval not in START_INTERVALS:
            allowed = ", ".join(map(str, START_INTERVALS))
            e.add("start_interval", "invalid", f"minutes must be one of {allowed}")
    fmt = data.get("response_format", "periods")
    if fmt not in FORMATS:
        e.add("response_format", "invalid", "must be periods, slots or overlapping_slots")
    max_results = data.get("max_results")
    if max_results is not None and (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or not 1 <= max_results <= MAX_RESULTS
    ):
        e.add("max_results", "invalid", f"must be an integer 1..{MAX_RESULTS}")
    if e:
        raise QueryError(e.errors)
    if max_results is None and fmt != "periods":
        max_results = DEFAULT_SLOT_RESULTS
    return Query(
        groups=groups,
        query_periods=periods,
        duration=timedelta(minutes=duration),
        buffer_before=timedelta(minutes=before),
        buffer_after=timedelta(minutes=after),
        start_interval=None if interval is None else timedelta(minutes=interval),
        response_format=fmt,
        max_results=max_results,
        query_slots=slots,
    )


def _slots(items: Any, e: Errors, max_periods: int) -> tuple[datetime, ...] | None:
    if not isinstance(items, list) or not items:
        e.add("query_slots", "invalid", "must be a non-empty list of {start}")
        return None
    if len(items) > max_periods:
        e.add("query_slots", "too_many", f"at most {max_periods} slots")
        return None
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            e.add(f"query_slots[{i}]", "invalid", "must be an object with start")
            continue
        start = _time(item.get("start"), f"query_slots[{i}].start", e)
        if start is not None:
            out.append(start)
    return tuple(out) if len(out) == len(items) else None


def _groups(items: Any, e: Errors, max_periods: int, max_members: int) -> tuple[GroupSpec, ...]:
    if items is None:
        e.add("participants", "required", "required")
        return ()
    if not isinstance(items, list) or not items:
        e.add("participants", "invalid", "must be a non-empty list of groups")
        return ()
    out, total = [], 0
    for i, group in enumerate(items):
        name = f"participants[{i}]"
        members = group.get("members") if isinstance(group, dict) else None
        if not isinstance(members, list) or not members:
            e.add(f"{name}.members", "invalid", "must be a non-empty list of members")
            continue
        total += len(members)
        specs = []
        for j, m in enumerate(members):
            spec = _member(m, f"{name}.members[{j}]", e, max_periods)
            if spec and spec.sub in (s.sub for s in specs):
                e.add(f"{name}.members[{j}].sub", "invalid", "listed twice in this group")
            elif spec:
                specs.append(spec)
        required = group.get("required", "all")
        if required != "all" and (
            isinstance(required, bool)
            or not isinstance(required, int)
            or not 1 <= required <= len(members)
        ):
            e.add(f"{name}.required", "invalid", f'must be "all" or an integer 1..{len(members)}')
        out.append(GroupSpec(tuple(specs), required))
    if total > max_members:
        e.add("participants", "too_many", f"at most {max_members} members in all groups")
    return tuple(out)


def _member(item: Any, name: str, e: Errors, max_periods: int) -> MemberSpec | None:
    if not isinstance(item, dict):
        e.add(name, "invalid", "must be an object with a sub")
        return None
    sub = item.get("sub")
    ok = True
    if sub is None:
        e.add(f"{name}.sub", "required", "required")
        ok = False
    elif not isinstance(sub, str) or not _SUB.fullmatch(sub):
        e.add(f"{name}.sub", "invalid", "must be a string of 1 to 255 printable characters")
        ok = False
    managed = item.get("managed_availability", True)
    rule_ids = item.get("availability_rule_ids")
    if isinstance(managed, str) and _SUB.fullmatch(managed):  # a rule id: that rule applies
        rule_ids, managed = [managed], True
    if not isinstance(managed, bool):
        e.add(f"{name}.managed_availability", "invalid", "must be true, false or a rule id")
        ok = False
    if rule_ids is not None and (
        not isinstance(rule_ids, list)
        or not 1 <= len(rule_ids) <= 20
        or not all(isinstance(r, str) and _SUB.fullmatch(r) for r in rule_ids)
    ):
        e.add(f"{name}.availability_rule_ids", "invalid", "must be a list of 1 to 20 rule ids")
        ok = False
    periods = None
    if item.get("available_periods") is not None:
        periods = _periods(item["available_periods"], f"{name}.available_periods", e, max_periods)
        ok = ok and periods is not None
    ids = tuple(rule_ids) if rule_ids is not None else None
    return MemberSpec(sub, periods, managed, ids) if ok else None


def _periods(items: Any, name: str, e: Errors, max_periods: int) -> tuple[Span, ...] | None:
    if not isinstance(items, list) or not items:
        e.add(name, "invalid", "must be a non-empty list of {start, end}")
        return None
    if len(items) > max_periods:
        e.add(name, "too_many", f"at most {max_periods} periods")
        return None
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            e.add(f"{name}[{i}]", "invalid", "must be an object with start and end")
            continue
        start = _time(item.get("start"), f"{name}[{i}].start", e)
        end = _time(item.get("end"), f"{name}[{i}].end", e)
        if start and end and end <= start:
            e.add(f"{name}[{i}].end", "invalid", "must be after start")
        elif start and end:
            out.append((start, end))
    return tuple(out) if len(out) == len(items) else None


def _time(value: Any, name: str, e: Errors) -> datetime | None:
    if value is None:
        e.add(name, "required", "required")
        return None
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        e.add(name, "invalid", "must be an RFC 3339 time with an offset, e.g. 2026-12-01T09:00:00Z")
        return None
    try:
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None or not 1970 <= parsed.year <= 9998:  # room for buffers and day steps
        e.add(name, "invalid", "not a valid date and time (years 1970 to 9998)")
    return parsed


def resolve(query: Query, calendars: Mapping[str, MemberCalendar], now: datetime) -> list[Result]:
    """Answer the query: a member's availability is its rule's working hours (when
    managed_availability and it has a rule) intersected with its own available_periods; busy
    time comes from its calendar. Nothing starts before `now`."""
    periods = [(max(a, now), b) for a, b in query.query_periods if b > max(a, now)]
    if not periods:
        return []
    lo, hi = min(a for a, _ in periods), max(b for _, b in periods)
    by_rule: dict[tuple, list[Span]] = {}
    groups = []
    for g in query.groups:
        members = []
        for spec in g.members:
            cal = calendars[spec.sub]
            available: list[Span] | None = None
            key = (spec.sub, spec.availability_rule_ids)
            if spec.managed_availability and (cal.rule is not None or cal.rules):
                if key not in by_rule:
                    by_rule[key] = _managed(spec, cal, lo, hi, now)
                available = by_rule[key]
            if spec.available_periods is not None:
                own = list(spec.available_periods)
                available = own if available is None else intersect(available, own)
            members.append(Member(spec.sub, cal.busy, available))
        groups.append(Group(members, g.required))
    if query.query_slots is not None:
        return _free_slots(query, groups, now)
    return find_availability(
        groups,
        periods,
        duration=query.duration,
        buffer_before=query.buffer_before,
        buffer_after=query.buffer_after,
        start_interval=query.start_interval,
        response_format=query.response_format,
        max_results=query.max_results,
    )


def _managed(spec: MemberSpec, cal: MemberCalendar, lo, hi, now) -> list[Span]:
    """The member's managed hours: its chosen rules (else its default rule) in [lo, hi),
    plus its available periods."""
    if spec.availability_rule_ids is not None:
        rules = [(cal.rules or {})[r] for r in spec.availability_rule_ids]
    else:
        rules = [cal.rule] if cal.rule is not None else []
    spans: list[Span] = [s for rule in rules for s in rule_intervals(rule, lo, hi, now)]
    spans += [(max(a, lo, now), min(b, hi)) for a, b in cal.available if b > max(a, lo, now)]
    return _merged([(a, b) for a, b in spans if a < b])


def _free_slots(query: Query, groups: list[Group], now: datetime) -> list[Result]:
    """query_slots: which of the given starts are free for the whole required duration."""
    out: list[Result] = []
    fmt = "slots" if query.response_format == "periods" else query.response_format
    for start in sorted(set(query.query_slots or ())):
        if start < now:
            continue
        end = start + query.duration
        found = find_availability(
            groups, [(start, end)], duration=query.duration,
            buffer_before=query.buffer_before, buffer_after=query.buffer_after,
            response_format=fmt, max_results=1,
        )  # fmt: skip
        out.extend(r for r in found if r.start == start)
        if query.max_results is not None and len(out) >= query.max_results:
            break
    return out


def intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """Intersection of two span lists (each merged first)."""
    a, b = _merged(a), _merged(b)
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _merged(spans: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif a < b:
            out.append((a, b))
    return out


def render(query: Query, results: Sequence[Result]) -> dict:
    key = "available_periods" if query.response_format == "periods" else "available_slots"
    return {
        key: [
            {
                "start": _rfc3339(r.start),
                "end": _rfc3339(r.end),
                "participants": [{"sub": s} for s in r.participants],
            }
            for r in results
        ]
    }


def _rfc3339(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
