"""Sequenced Availability (Cronofy's `POST /v1/sequenced_availability`): parse and solve.

A sequence is a chain of steps in `ordinal` order (an interview loop). Each step has its own
participants, duration, start grid and buffers; neighbouring steps are separated by a gap:

    gap_i = start(step i+1) - end(step i)
    max(0, step i after.minimum, step i+1 before.minimum)
        <= gap_i <=
    min(step i after.maximum, step i+1 before.maximum)      (no maximum: unbounded)

`buffer.before/after.minutes` are ordinary availability buffers: that step's participants must
be free for that long around the step, exactly as in `POST /v1/availability`. A `minimum` on
the first step's `before` or the last step's `after` has no neighbour and is ignored.

Options: one per distinct start of the first step, in start order, at most `max_results`. For
a first-step start, the later steps are the earliest chain that works: step 2 at its earliest
start from which the rest can still be placed, then step 3 likewise, and so on (the
lexicographically earliest chain; a later step is never left out because an earlier choice
was too greedy). This module parses and holds the query; `sequence_solve` answers it.
Flask-free. Reference: docs/api.md (Sequenced availability).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .engine import START_INTERVALS
from .query import (
    MAX_BUFFER_MINUTES,
    MAX_DURATION_MINUTES,
    GroupSpec,
    QueryError,
    _groups,
    _periods,
)
from .rules import Errors, parse_minutes

Span = tuple[datetime, datetime]
MAX_STEPS = 10
MAX_GAP_MINUTES = 35 * 1440
MAX_RESULTS = 256
DEFAULT_RESULTS = 20
MAX_CALENDAR_IDS = 50
CalendarKey = tuple[str, tuple[str, ...] | None]  # (sub, calendar_ids or None for all)


@dataclass(frozen=True)
class Gap:
    minutes: int = 0  # ordinary buffer: participants free this long
    minimum: int | None = None  # gap to the neighbouring step, minutes
    maximum: int | None = None


@dataclass(frozen=True)
class Step:
    sequence_id: str
    ordinal: int
    index: int  # position in the request's `sequence` list, for error paths
    groups: tuple[GroupSpec, ...]
    # per group, per member: the calendar ids whose busy time counts (None: all)
    calendar_ids: tuple[tuple[tuple[str, ...] | None, ...], ...]
    duration: timedelta
    start_interval: timedelta | None = None
    before: Gap = Gap()
    after: Gap = Gap()
    available_periods: tuple[Span, ...] | None = None
    event: Mapping[str, Any] | None = None  # passed through for Real-Time Sequencing

    def members(self):
        """(group index, member index, MemberSpec, CalendarKey) for every member."""
        for gi, g in enumerate(self.groups):
            for mj, m in enumerate(g.members):
                yield gi, mj, m, (m.sub, self.calendar_ids[gi][mj])


@dataclass(frozen=True)
class SequenceQuery:
    steps: tuple[Step, ...]  # in ordinal order
    query_periods: tuple[Span, ...]
    max_results: int = DEFAULT_RESULTS

    def calendar_keys(self) -> set[CalendarKey]:
        return {key for st in self.steps for *_, key in st.members()}

    def window(self) -> Span:
        """The span whose busy time can matter: query periods widened by the largest buffers."""
        before = max(st.before.minutes for st in self.steps)
        after = max(st.after.minutes for st in self.steps)
        return (
            min(a for a, _ in self.query_periods) - timedelta(minutes=before),
            max(b for _, b in self.query_periods) + timedelta(minutes=after),
        )

    def gap(self, i: int) -> tuple[int, int | None]:
        """Seconds allowed between the end of step i and the start of step i + 1."""
        a, b = self.steps[i].after, self.steps[i + 1].before
        lo = max(0, a.minimum or 0, b.minimum or 0)
        highs = [x for x in (a.maximum, b.maximum) if x is not None]
        return lo * 60, (min(highs) * 60 if highs else None)


@dataclass(frozen=True)
class Placement:
    sequence_id: str
    start: datetime
    end: datetime
    participants: tuple[str, ...]


Option = tuple[Placement, ...]


# ---- parse ---------------------------------------------------------------------------------


def parse_sequence(
    data: Any,
    *,
    now: datetime | None = None,
    max_periods: int = 50,
    max_span_days: int = 35,
    max_members: int = 10,
) -> SequenceQuery:
    """Validate a request body; QueryError holds every problem, keyed by field path
    (`sequence[1].buffer.before.maximum`). Periods that end by `now` are refused."""
    e = Errors()
    if not isinstance(data, dict):
        raise QueryError({"body": [{"key": "errors.invalid", "description": "must be an object"}]})
    periods: tuple[Span, ...] = ()
    if "query_periods" in data and "available_periods" in data:
        for key in ("query_periods", "available_periods"):
            e.add(key, "invalid", "give query_periods or its legacy alias available_periods")
    elif "query_periods" not in data and "available_periods" not in data:
        e.add("query_periods", "required", "required")
    else:
        key = "query_periods" if "query_periods" in data else "available_periods"
        periods = _checked_periods(data[key], key, e, max_periods, now) or ()
        if periods and max(b for _, b in periods) - min(a for a, _ in periods) > timedelta(
            days=max_span_days
        ):
            e.add(key, "too_long", f"must span at most {max_span_days} days in total")
    steps = _steps(data.get("sequence"), e, now, max_periods, max_members)
    max_results = data.get("max_results", DEFAULT_RESULTS)
    if (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or not 1 <= max_results <= MAX_RESULTS
    ):
        e.add("max_results", "invalid", f"must be an integer 1..{MAX_RESULTS}")
    if e:
        raise QueryError(e.errors)
    return SequenceQuery(tuple(sorted(steps, key=lambda s: s.ordinal)), periods, max_results)


def _checked_periods(items, name, e, max_periods, now):
    out = _periods(items, name, e, max_periods)
    if out and now is not None:
        for i, (_, end) in enumerate(out):
            if end <= now:
                e.add(f"{name}[{i}].end", "past", "must be in the future")
    return out


def _steps(items: Any, e: Errors, now, max_periods: int, max_members: int) -> list[Step]:
    if items is None:
        e.add("sequence", "required", "required")
        return []
    if not isinstance(items, list) or not items:
        e.add("sequence", "invalid", "must be a non-empty list of steps")
        return []
    if len(items) > MAX_STEPS:
        e.add("sequence", "too_many", f"at most {MAX_STEPS} steps")
        return []
    steps, ordinals, ids = [], {}, {}
    for k, item in enumerate(items):
        name = f"sequence[{k}]"
        if not isinstance(item, dict):
            e.add(name, "invalid", "must be an object")
            continue
        step = _step(item, k, e, now, max_periods, max_members)
        for field, value, seen in (
            ("ordinal", item.get("ordinal"), ordinals),
            ("sequence_id", item.get("sequence_id"), ids),
        ):
            if isinstance(value, int | str) and not isinstance(value, bool) and value in seen:
                e.add(f"{name}.{field}", "duplicate", f"the same as sequence[{seen[value]}]")
            elif isinstance(value, int | str) and not isinstance(value, bool):
                seen[value] = k
        if step:
            steps.append(step)
    if not e and sorted(ordinals) != list(range(1, len(items) + 1)):
        e.add("sequence", "missing_steps", f"ordinals must be 1 to {len(items)}, each once")
    return steps


def _step(item, k, e, now, max_periods, max_members) -> Step | None:
    name = f"sequence[{k}]"
    before = len(e.errors)
    sid = item.get("sequence_id")
    if sid is None:
        e.add(f"{name}.sequence_id", "required", "required")
    elif not isinstance(sid, str) or not 1 <= len(sid) <= 255 or not sid.isprintable():
        e.add(f"{name}.sequence_id", "invalid", "must be a string of 1 to 255 printable characters")
    ordinal = item.get("ordinal")
    if ordinal is None:
        e.add(f"{name}.ordinal", "required", "required")
    elif isinstance(ordinal, bool) or not isinstance(ordinal, int) or not 1 <= ordinal <= 1000:
        e.add(f"{name}.ordinal", "invalid", "must be an integer 1..1000")
    inner = Errors()
    groups = _groups(item.get("participants"), inner, max_periods, max_members)
    for field, problems in inner.errors.items():
        e.errors.setdefault(f"{name}.{field}", []).extend(problems)
    cal_ids = _calendar_ids(item.get("participants"), f"{name}.participants", e)
    duration = None
    if item.get("required_duration") is None:
        e.add(f"{name}.required_duration", "required", "required")
    else:
        duration = parse_minutes(
            item["required_duration"], f"{name}.required_duration", e, 1, MAX_DURATION_MINUTES
        )
    interval = None
    if item.get("start_interval") is not None:
        interval = parse_minutes(item["start_interval"], f"{name}.start_interval", e, 1, 1440)
        if interval is not None and interval not in START_INTERVALS:
            allowed = ", ".join(map(str, START_INTERVALS))
            e.add(f"{name}.start_interval", "invalid", f"minutes must be one of {allowed}")
    buffer = item.get("buffer", {})
    gaps = {"before": Gap(), "after": Gap()}
    if not isinstance(buffer, dict):
        e.add(f"{name}.buffer", "invalid", "must be an object with before and after")
    else:
        for side in gaps:
            if side in buffer:
                gaps[side] = _gap(buffer[side], f"{name}.buffer.{side}", e)
    own = None
    if item.get("available_periods") is not None:
        own = _checked_periods(
            item["available_periods"], f"{name}.available_periods", e, max_periods, now
        )
    event = item.get("event")
    if event is not None and not isinstance(event, dict):
        e.add(f"{name}.event", "invalid", "must be an object")
    if len(e.errors) > before or duration is None:
        return None
    return Step(
        sequence_id=sid,
        ordinal=ordinal,
        index=k,
        groups=groups,
        calendar_ids=cal_ids,
        duration=timedelta(minutes=duration),
        start_interval=None if interval is None else timedelta(minutes=interval),
        before=gaps["before"],
        after=gaps["after"],
        available_periods=own,
        event=event,
    )


def _gap(value: Any, name: str, e: Errors) -> Gap:
    if not isinstance(value, dict) or "minimum" not in value and "maximum" not in value:
        minutes = parse_minutes(value, name, e, 0, MAX_BUFFER_MINUTES)
        return Gap(minutes or 0)
    extra = set(value) - {"minutes", "minimum", "maximum"}
    if extra:
        e.add(name, "invalid", "may hold only minutes, minimum and maximum")
    minutes = 0
    if value.get("minutes") is not None:
        minutes = parse_minutes(value["minutes"], f"{name}.minutes", e, 0, MAX_BUFFER_MINUTES) or 0
    lo = hi = None
    if value.get("minimum") is not None:
        lo = parse_minutes(value["minimum"], f"{name}.minimum", e, 0, MAX_GAP_MINUTES)
    if value.get("maximum") is not None:
        hi = parse_minutes(value["maximum"], f"{name}.maximum", e, 0, MAX_GAP_MINUTES)
    if lo is not None and hi is not None and hi < lo:
        e.add(f"{name}.maximum", "invalid", "must not be less than minimum")
    return Gap(minutes, lo, hi)


def _calendar_ids(participants: Any, name: str, e: Errors):
    """Per group, per member: calendar_ids as given (syntax only; ownership is the caller's
    check). Shaped like the groups `_groups` accepted; malformed groups give ()."""
    out = []
    for i, group in enumerate(participants if isinstance(participants, list) else []):
        members = group.get("members") if isinstance(group, dict) else None
        row = []
        for j, m in enumerate(members if isinstance(members, list) else []):
            ids = m.get("calendar_ids") if isinstance(m, dict) else None
            field = f"{name}[{i}].members[{j}].calendar_ids"
            if ids is None:
                row.append(None)
            elif (
                not isinstance(ids, list)
                or not 1 <= len(ids) <= MAX_CALENDAR_IDS
                or not all(isinstance(x, str) and 1 <= len(x) <= 40 for x in ids)
            ):
                e.add(field, "invalid", f"must be a list of 1 to {MAX_CALENDAR_IDS} calendar ids")
                row.append(None)
            else:
                row.append(tuple(sorted(set(ids))))
        out.append(tuple(row))
    return tuple(out)
