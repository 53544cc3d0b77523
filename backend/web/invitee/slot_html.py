"""The offer page's free times as HTML (the month overview and each day's times), kept per
slot list, zone and clock: most of the page's cost, and the same for every visitor who sees
the same times the same way."""

from __future__ import annotations

import calendar
import threading
from collections import OrderedDict
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import current_app
from markupsafe import Markup

from ...core.validation import format_utc

TEMPLATE = "booking/_slot_times.html"


class SlotTimes(NamedTuple):
    months: Markup
    days: Markup


def group_by_day(slots, zone: str) -> OrderedDict[date, list[tuple[str, datetime]]]:
    tz = ZoneInfo(zone)
    days: OrderedDict[date, list] = OrderedDict()
    for start, _end in slots:
        local = start.astimezone(tz)
        days.setdefault(local.date(), []).append((format_utc(start), local))
    return days


def month_grids(days) -> list[dict]:
    """One grid per month that has free days: weeks of (date or None, has_slots)."""
    grids = []
    for year, month in sorted({(d.year, d.month) for d in days}):
        weeks = [
            [(d if d.month == month else None, d in days) for d in week]
            for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        ]
        grids.append({"title": f"{calendar.month_name[month]} {year}", "weeks": weeks})
    return grids


def render(slots, zone: str, hour_format: str, chosen: str | None = None) -> SlotTimes:
    """The HTML from the slots alone: the macros see no request, so no token, nonce or form
    value can end up in it."""
    days = group_by_day(slots, zone)
    macros = current_app.jinja_env.get_template(TEMPLATE).module
    return SlotTimes(
        months=macros.month_tables(month_grids(days)),
        days=macros.day_lists(days, hour_format, chosen),
    )


class SlotHtmlCache:
    """Least recently used, per process. The key is the offered slots themselves (not the
    slot cache's key), so a change of availability, a booking, a new minute of notice or
    another duration gives another key by construction; plus the zone and clock they are
    shown in. The page is English only, so there is no language to key on."""

    def __init__(self, size: int = 128):
        self._entries: OrderedDict[tuple, SlotTimes] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def times(
        self, slots, zone: str, hour_format: str, chosen: str | None = None
    ) -> SlotTimes | None:
        """None when there are no slots (the page says so instead)."""
        if not slots:
            return None
        if chosen is not None:
            # A time the visitor picked (a form sent back with a problem): theirs, not kept.
            return render(slots, zone, hour_format, chosen)
        key = (tuple(slots), zone, hour_format)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit
        html = render(slots, zone, hour_format)
        with self._lock:
            self._entries[key] = html
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return html

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
