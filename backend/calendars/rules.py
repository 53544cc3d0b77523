"""Recurrence rules read before anything is expanded. The recurrence library (dateutil under
recurring-ical-events) walks every period from DTSTART until it has passed the window, and
past the window until the next occurrence, as far as year 9999 when none ever comes. So:
refuse rules that repeat within a day (their cost is per second since DTSTART); recognise a
rule whose dates never exist (30 February) and read its series without it; and move DTSTART
forward by whole periods to just before the window when no occurrence in the window changes
by it. What is left costs time in proportion to the window; anything else is bounded by the
child process's CPU budget (`expansion`). Flask-free."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from .occurrences import name_of, span
from .sources import FeedInvalid

SUB_DAILY = ("SECONDLY", "MINUTELY", "HOURLY")
MAX_TIMES_A_DAY = 96  # BYHOUR x BYMINUTE x BYSECOND: every quarter hour around the clock
_UNIT = {"SECONDLY": "second", "MINUTELY": "minute", "HOURLY": "hour"}
_LONGEST = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # days, in a leap year
# Moved starts stay this far before the window (beyond the event's length), so the start
# itself, always an occurrence to the library, never lands in the window.
_MARGIN = timedelta(days=2)


def _rules(component) -> list:
    rules = component.get("RRULE")
    return rules if isinstance(rules, list) else [] if rules is None else [rules]


def _first(rule, key: str, default=None):
    values = rule.get(key)
    return values[0] if values else default


def check_rules(cal) -> None:
    """Refuse, by its name, a repeating event whose rule would take the sync's time and memory
    (every second, minute or hour, or more than MAX_TIMES_A_DAY times a day)."""
    for component in cal.walk("VEVENT"):
        for rule in _rules(component):
            freq = str(_first(rule, "FREQ", "")).upper()
            times = 1
            for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
                times *= max(1, len(rule.get(part) or []))
            if freq in SUB_DAILY or times > MAX_TIMES_A_DAY:
                how = f"every {_UNIT[freq]}" if freq in SUB_DAILY else f"{times} times a day"
                raise FeedInvalid(
                    f"The event “{name_of(component)}” repeats {how}; schedlink reads events "
                    f"that repeat at most {MAX_TIMES_A_DAY} times a day (every 15 minutes). "
                    "Change how often it repeats, or remove it, and sync again."
                )


def impossible_day(rule) -> str | None:
    """A day such as "30 February" when no day the rule names (BYMONTHDAY, counted from either
    end) exists in any month it names: the rule has no occurrence at all, ever."""
    try:
        days = [int(d) for d in rule.get("BYMONTHDAY") or []]
        months = [int(str(m)) for m in rule.get("BYMONTH") or []] or list(range(1, 13))
    except ValueError:  # a leap month ("5L") of another calendar: not ours to judge
        return None
    if not days or any(not 1 <= m <= 12 for m in months):
        return None
    if any(1 <= abs(d) <= _LONGEST[m - 1] for d in days for m in months):
        return None
    return f"{days[0]} {calendar.month_name[months[0]]}"


def without_impossible_rules(component) -> str | None:
    """Drop a rule that can never occur (the series keeps DTSTART, RDATEs and overrides, as
    the library would give them); returns the day it named, for telling the host."""
    rules = _rules(component)
    for rule in rules:
        day = impossible_day(rule)
        if day is not None and len(rules) == 1 and not _ends_before_start(rule, component):
            del component["RRULE"]
            return day
    return None


def _ends_before_start(rule, component) -> bool:
    until, start = _first(rule, "UNTIL"), component.get("DTSTART")
    if until is None or start is None:
        return False
    a, b = until, start.dt
    if isinstance(a, datetime) != isinstance(b, datetime):
        return True  # mixed: leave it to the library (and the budget)
    if isinstance(a, datetime) and (a.tzinfo is None) != (b.tzinfo is None):
        return True
    return a < b


def move_forward(component, before: datetime, to_utc) -> bool:
    """Move DTSTART (and DTEND) of a series forward by whole periods of its rule to the last
    one that starts earlier than `before` less the event's length and a margin. Only where
    the occurrences from then on are exactly the same: one RRULE, no COUNT (it counts from the
    original start), DTSTART and DTEND of one kind, and a start that keeps the rule's
    defaults (the day of the month, the month, the weekday, the time of day). Returns
    whether it moved."""
    rules = _rules(component)
    if len(rules) != 1 or "EXRULE" in component or "COUNT" in rules[0]:
        return False
    rule = rules[0]
    freq = str(_first(rule, "FREQ", "")).upper()
    interval = int(_first(rule, "INTERVAL", 1) or 1)
    extent = span(component)
    if extent is None or interval < 1 or freq not in _STEP:
        return False
    first, last = extent
    if type(first) is not type(last):
        return False
    if isinstance(first, datetime) and first.tzinfo is not last.tzinfo:
        return False
    try:
        length = max(to_utc(last) - to_utc(first), timedelta(0))
        target = (before - length - _MARGIN).astimezone(to_utc(first).tzinfo)
        if to_utc(first) >= target:
            return False
        moved = _STEP[freq](first, target, interval, to_utc)
    except (OverflowError, ValueError, TypeError):
        return False
    if moved is None or moved <= first:
        return False
    shift_end = "DTEND" in component
    component.pop("DTSTART")
    component.add("DTSTART", moved)
    if shift_end:
        component.pop("DTEND")
        component.add("DTEND", moved + (last - first))
    return True


def _days(first, target, unit: int, to_utc):
    """DAILY and WEEKLY: whole multiples of the period in days, same time of day."""
    whole = ((_as_date(target) - _as_date(first)).days - 1) // unit
    return first + timedelta(days=whole * unit) if whole > 0 else None


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _months(first, target, interval: int, to_utc):
    """MONTHLY (and YEARLY, in steps of 12): same day of the month, in an earlier month if the
    day does not exist in the first one that fits."""
    months = (target.year - first.year) * 12 + target.month - first.month - 1
    whole = months // interval
    for _try in range(48):
        if whole <= 0:
            return None
        index = first.month - 1 + whole * interval
        year, month = first.year + index // 12, index % 12 + 1
        if first.day <= calendar.monthrange(year, month)[1]:
            return first.replace(year=year, month=month)
        whole -= 1
    return None


_STEP = {
    "DAILY": _days,
    "WEEKLY": lambda f, t, n, u: _days(f, t, 7 * n, u),
    "MONTHLY": _months,
    "YEARLY": lambda f, t, n, u: _months(f, t, 12 * n, u),
}
