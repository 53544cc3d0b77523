"""One VEVENT occurrence as schedlink stores it: times in UTC (dates and floating times in the
host's or the feed's zone), a UID stable across syncs, busy or not. Shared by the feed reader
and the series expansion that runs in a child process. Flask-free."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from .sources import FeedInvalid, SyncedEvent

# A feed that expands to more than this in the sync window is refused rather than stored:
# it would make every availability query slow for this host. Every occurrence the expansion
# produces counts, also the ones then dropped (zero-length, cancelled), so that the work is
# bounded too, not only what is kept.
MAX_OCCURRENCES = 100_000
MAX_UID = 200


def too_many(limit: int) -> FeedInvalid:
    return FeedInvalid(
        f"The calendar has more than {limit:,} events in the next months; "
        "schedlink cannot read a calendar that large."
    )


def floating_zone(cal: icalendar.Calendar, tzid: str) -> ZoneInfo:
    """Floating times and dates: the feed's own zone (X-WR-TIMEZONE) if it names one, else
    the host's."""
    name = str(cal.get("X-WR-TIMEZONE") or "")
    try:
        return ZoneInfo(name) if name else ZoneInfo(tzid)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return ZoneInfo(tzid)


def to_utc(value, zone: ZoneInfo) -> datetime:
    """A DATE is local midnight in the host's zone; a floating time is the host's local time."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.min, zone).astimezone(UTC)
    raise TypeError(value)


def span(component) -> tuple | None:
    """DTSTART and the end (DTEND, or DTSTART + DURATION, or RFC 5545's defaults: a day for a
    date, nothing for a time) read directly: icalendar's validating properties cost more than
    the rest of a sync."""
    dtstart = component.get("DTSTART")
    if dtstart is None:
        return None
    first = dtstart.dt
    dtend, duration = component.get("DTEND"), component.get("DURATION")
    if dtend is not None:
        last = dtend.dt
    elif duration is not None:
        last = first + duration.dt
    else:
        last = first if isinstance(first, datetime) else first + timedelta(days=1)
    return first, last


def name_of(component) -> str:
    """How a host recognises an event in a message: its summary, else its UID (on one line,
    shortened; pages escape it where they show it)."""
    name = str(component.get("SUMMARY", "") or component.get("UID", "") or "untitled")
    return " ".join(name.split())[:80]


def _stable_uid(uid: str, recurrence: datetime | None) -> str:
    key = uid if recurrence is None else f"{uid}/{recurrence:%Y%m%dT%H%M%SZ}"
    if len(key) > MAX_UID:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _declined(component, owners: frozenset[str]) -> bool:
    if not owners:
        return False
    attendees = component.get("ATTENDEE")
    if attendees is None:
        return False
    if not isinstance(attendees, list):
        attendees = [attendees]
    for attendee in attendees:
        address = str(attendee).lower().removeprefix("mailto:")
        if address in owners:
            return str(attendee.params.get("PARTSTAT", "")).upper() == "DECLINED"
    return False


def _describe(component, owners: frozenset[str]) -> tuple | None:
    """(UID, summary, transparency, status) of a VEVENT; None when it is not busy time."""
    status = str(component.get("STATUS", "CONFIRMED")).upper()
    if status == "CANCELLED" or _declined(component, owners):
        return None
    transparent = str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT"
    return (
        str(component.get("UID") or ""),
        str(component.get("SUMMARY", ""))[:500],
        "transparent" if transparent else "opaque",
        "tentative" if status == "TENTATIVE" else "confirmed",
    )


def _zone_name(value, fallback: str) -> str:
    key = getattr(getattr(value, "tzinfo", None), "key", None)
    return key if isinstance(key, str) and len(key) <= 64 else fallback


class Collector:
    """Occurrences → SyncedEvents overlapping [start, end), except cancelled ones and ones the
    host (an address in `owners`) declined; a later occurrence with the same stored UID
    replaces an earlier one."""

    def __init__(self, start: datetime, end: datetime, tzid: str, zone: ZoneInfo, owners):
        self.start, self.end, self.tzid, self.zone = start, end, tzid, zone
        self.owners = frozenset(o.lower() for o in owners if o)
        self.events: dict[str, SyncedEvent] = {}
        self._described: dict[int, tuple | None] = {}  # per component: one read for all

    def add(self, component, first_value, last_value, original_value) -> None:
        about = self._described.get(id(component), False)
        if about is False:
            about = self._described[id(component)] = _describe(component, self.owners)
        if about is None:
            return  # cancelled, or declined by the host
        try:
            first, last = to_utc(first_value, self.zone), to_utc(last_value, self.zone)
            original = None if original_value is None else to_utc(original_value, self.zone)
        except (TypeError, ValueError, OverflowError):
            return  # an event without a usable start is nobody's busy time
        if last <= first or first >= self.end or last <= self.start:
            return  # outside the window, or zero-length (a reminder takes no time)
        uid = _stable_uid(about[0] or f"nouid-{first.isoformat()}", original)
        self.events[uid] = SyncedEvent(uid, first, last, about[1], about[2], about[3],
                                       _zone_name(first_value, self.tzid))  # fmt: skip
