"""Working hours: weekly periods, date overrides, notice and horizon -> concrete UTC spans.

Hours are expanded per LOCAL calendar day in the rule's zone, so 09:00 stays 09:00 across DST
and a day is as long as the clock says (23 or 25 hours). Wall times are read with fold=0, as
java.time and Temporal's "compatible" mode do: an ambiguous time (fall-back) is its first
occurrence; a nonexistent one (spring-forward gap) is read with the offset in force before the
gap, i.e. moved forward by the gap's length. Details and examples: docs/availability.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..core.validation import is_tzid

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
END_OF_DAY = time(0)  # as an end time: the midnight that ends the day ("24:00")
MAX_WEEKLY_PERIODS = 100
MAX_OVERRIDES = 400
MAX_OVERRIDE_PERIODS = 20
MAX_NOTICE_MINUTES = 366 * 1440
MAX_DAYS_AHEAD = 3660
MAX_BUFFER_MINUTES = 1440
_HHMM = re.compile(r"([01]\d|2[0-4]):([0-5]\d)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Errors:
    """Collects validation errors in Cronofy's 422 shape: {field: [{key, description}]}."""

    def __init__(self) -> None:
        self.errors: dict[str, list[dict[str, str]]] = {}

    def add(self, name: str, key: str, description: str) -> None:
        self.errors.setdefault(name, []).append(
            {"key": f"errors.{key}", "description": description}
        )

    def __bool__(self) -> bool:
        return bool(self.errors)


class RuleError(Exception):
    def __init__(self, errors: dict) -> None:
        super().__init__(f"invalid availability rule: {errors}")
        self.errors = errors


@dataclass(frozen=True)
class WeeklyPeriod:
    day: str  # "monday" .. "sunday"
    start_time: time
    end_time: time  # END_OF_DAY (00:00) means the end of the day


@dataclass(frozen=True)
class AvailabilityRule:
    tzid: str
    weekly_periods: tuple[WeeklyPeriod, ...]
    # a date with other hours than its weekday; an empty tuple is a day off
    date_overrides: Mapping[date, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    min_notice_minutes: int = 0
    max_days_ahead: int | None = None
    buffer_before_minutes: int = 0  # the host's default buffers, used by the booking page
    buffer_after_minutes: int = 0
    availability_rule_id: str = "default"


def default_rule(tzid: str) -> AvailabilityRule:
    """Monday to Friday 09:00-17:00 in tzid."""
    return AvailabilityRule(
        tzid=tzid,
        weekly_periods=tuple(WeeklyPeriod(d, time(9), time(17)) for d in DAYS[:5]),
    )


DEFAULT_RULE = default_rule("UTC")  # prefer default_rule(the account's tzid)


def known_tzid(tzid: Any) -> bool:
    return is_tzid(tzid)  # the one zone check (validation.is_tzid)


def parse_minutes(value: Any, name: str, errors: Errors, lo: int, hi: int) -> int | None:
    """{"minutes": n} (Cronofy) or a plain integer n, within lo..hi."""
    if isinstance(value, dict) and set(value) == {"minutes"}:
        value = value["minutes"]
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(name, "invalid", 'must be {"minutes": n} with an integer n')
        return None
    if not lo <= value <= hi:
        errors.add(name, "invalid", f"must be between {lo} and {hi} minutes")
        return None
    return value


def parse_rule(data: Any) -> AvailabilityRule:
    e = Errors()
    if not isinstance(data, dict):
        raise RuleError({"body": [{"key": "errors.invalid", "description": "must be an object"}]})
    rule_id = data.get("availability_rule_id", "default")
    if not isinstance(rule_id, str) or not 1 <= len(rule_id) <= 255:
        e.add("availability_rule_id", "invalid", "must be a string of 1 to 255 characters")
    tzid = data.get("tzid")
    if tzid is None:
        e.add("tzid", "required", "required")
    elif not known_tzid(tzid):
        e.add("tzid", "invalid", "unknown time zone")
    weekly = _weekly(data.get("weekly_periods"), e)
    overrides = _overrides(data.get("date_overrides", []), e)
    notice = data.get("min_notice_minutes", 0)
    if (
        isinstance(notice, bool)
        or not isinstance(notice, int)
        or not 0 <= notice <= MAX_NOTICE_MINUTES
    ):
        e.add("min_notice_minutes", "invalid", f"must be an integer 0..{MAX_NOTICE_MINUTES}")
    ahead = data.get("max_days_ahead")
    if ahead is not None and (
        isinstance(ahead, bool) or not isinstance(ahead, int) or not 0 <= ahead <= MAX_DAYS_AHEAD
    ):
        e.add("max_days_ahead", "invalid", f"must be null or an integer 0..{MAX_DAYS_AHEAD}")
    buffer = data.get("buffer", {})
    before = after = 0
    if not isinstance(buffer, dict):
        e.add("buffer", "invalid", 'must be {"before": n, "after": n}')
    else:
        before = parse_minutes(buffer.get("before", 0), "buffer.before", e, 0, MAX_BUFFER_MINUTES)
        after = parse_minutes(buffer.get("after", 0), "buffer.after", e, 0, MAX_BUFFER_MINUTES)
    if e:
        raise RuleError(e.errors)
    return AvailabilityRule(tzid, weekly, overrides, notice, ahead, before, after, rule_id)


def _weekly(items: Any, e: Errors) -> tuple[WeeklyPeriod, ...]:
    if items is None:
        e.add("weekly_periods", "required", "required")
        return ()
    if not isinstance(items, list):
        e.add("weekly_periods", "invalid", "must be a list")
        return ()
    if len(items) > MAX_WEEKLY_PERIODS:
        e.add("weekly_periods", "too_many", f"at most {MAX_WEEKLY_PERIODS} periods")
        return ()
    out = []
    for i, item in enumerate(items):
        name = f"weekly_periods[{i}]"
        if not isinstance(item, dict):
            e.add(name, "invalid", "must be an object with day, start_time and end_time")
            continue
        day = item.get("day")
        day = day.lower() if isinstance(day, str) and day.lower() in DAYS else None
        if day is None:
            e.add(f"{name}.day", "invalid", "must be a day name such as monday")
        span = _span(item, name, e)
        if span and day:
            out.append(WeeklyPeriod(day, *span))
    return tuple(out)


def _overrides(items: Any, e: Errors) -> dict[date, tuple[tuple[time, time], ...]]:
    if not isinstance(items, list):
        e.add("date_overrides", "invalid", "must be a list")
        return {}
    if len(items) > MAX_OVERRIDES:
        e.add("date_overrides", "too_many", f"at most {MAX_OVERRIDES} dates")
        return {}
    out: dict[date, tuple[tuple[time, time], ...]] = {}
    for i, item in enumerate(items):
        name = f"date_overrides[{i}]"
        raw = item.get("date") if isinstance(item, dict) else None
        try:
            day = date.fromisoformat(raw) if _DATE.fullmatch(str(raw)) else None
        except ValueError:
            day = None
        if day is None:
            e.add(f"{name}.date", "invalid", "must be a date such as 2026-12-24")
        elif day in out:
            e.add(f"{name}.date", "invalid", "date given twice")
        periods = item.get("periods") if isinstance(item, dict) else None
        if not isinstance(periods, list) or len(periods) > MAX_OVERRIDE_PERIODS:
            e.add(f"{name}.periods", "invalid", f"must be a list of up to {MAX_OVERRIDE_PERIODS}")
            continue
        spans = [_span(p, f"{name}.periods[{j}]", e) for j, p in enumerate(periods)]
        if day is not None and day not in out:
            out[day] = tuple(s for s in spans if s)
    return out


def _span(item: Any, name: str, e: Errors) -> tuple[time, time] | None:
    if not isinstance(item, dict):
        e.add(name, "invalid", "must be an object with start_time and end_time")
        return None
    start = _hhmm(item.get("start_time"), f"{name}.start_time", e, end=False)
    end = _hhmm(item.get("end_time"), f"{name}.end_time", e, end=True)
    if start is None or end is None:
        return None
    if end != END_OF_DAY and end <= start:
        e.add(f"{name}.end_time", "invalid", "must be after start_time (24:00 ends the day)")
        return None
    return start, end


def _hhmm(value: Any, name: str, e: Errors, *, end: bool) -> time | None:
    m = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if m is None or (m[1] == "24" and (m[2] != "00" or not end)):
        e.add(
            name, "invalid", 'must be a time "HH:MM"' + (' ("24:00" = end of day)' if end else "")
        )
        return None
    return END_OF_DAY if m[1] == "24" else time(int(m[1]), int(m[2]))


def rule_to_dict(rule: AvailabilityRule) -> dict:
    """The inverse of parse_rule."""

    def hhmm(t: time, end: bool) -> str:
        return "24:00" if end and t == END_OF_DAY else t.strftime("%H:%M")

    return {
        "availability_rule_id": rule.availability_rule_id,
        "tzid": rule.tzid,
        "weekly_periods": [
            {
                "day": p.day,
                "start_time": hhmm(p.start_time, False),
                "end_time": hhmm(p.end_time, True),
            }
            for p in rule.weekly_periods
        ],
        "date_overrides": [
            {
                "date": d.isoformat(),
                "periods": [
                    {"start_time": hhmm(s, False), "end_time": hhmm(t, True)} for s, t in spans
                ],
            }
            for d, spans in sorted(rule.date_overrides.items())
        ],
        "min_notice_minutes": rule.min_notice_minutes,
        "max_days_ahead": rule.max_days_ahead,
        "buffer": {"before": rule.buffer_before_minutes, "after": rule.buffer_after_minutes},
    }


def rule_intervals(
    rule: AvailabilityRule, start: datetime, end: datetime, now: datetime
) -> list[tuple[datetime, datetime]]:
    """Spans free by the rule, in UTC, clipped to [start, end), sorted and merged (touching
    spans join, so hours running through midnight stay one span). Nothing before
    now + min notice (elapsed time, not wall time); nothing after the end of the local day
    `max_days_ahead` days after today (today in the rule's zone)."""
    for name, value in (("start", start), ("end", end), ("now", now)):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    tz = ZoneInfo(rule.tzid)
    lo = max(start, now + timedelta(minutes=rule.min_notice_minutes)).astimezone(UTC)
    hi = end.astimezone(UTC)
    if rule.max_days_ahead is not None:
        last = now.astimezone(tz).date() + timedelta(days=rule.max_days_ahead)
        hi = min(hi, _at(last + timedelta(days=1), END_OF_DAY, tz))
    if lo >= hi:
        return []
    weekly: dict[int, list[tuple[time, time]]] = {i: [] for i in range(7)}
    for p in rule.weekly_periods:
        weekly[DAYS.index(p.day)].append((p.start_time, p.end_time))
    spans = []
    day, last_day = lo.astimezone(tz).date(), hi.astimezone(tz).date()
    while day <= last_day:
        hours = rule.date_overrides.get(day, weekly[day.weekday()])
        for s, t in hours:
            a = _at(day, s, tz)
            b = _at(day + timedelta(days=1), t, tz) if t == END_OF_DAY else _at(day, t, tz)
            a, b = max(a, lo), min(b, hi)
            if a < b:
                spans.append((a, b))
        day += timedelta(days=1)
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _at(day: date, t: time, tz: ZoneInfo) -> datetime:
    # fold=0: first occurrence of an ambiguous time, gap times moved forward (module docstring)
    return datetime.combine(day, t, tzinfo=tz).astimezone(UTC)
