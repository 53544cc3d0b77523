"""Times as people read them: in their zone, on their 12- or 24-hour clock."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# Locales whose people mostly read a 12-hour clock; everyone else gets 24 hours.
_TWELVE_HOUR = {
    "en-us", "en-ca", "en-au", "en-nz", "en-in", "en-ph", "en-pk", "es-us", "es-mx", "es-co",
    "hi", "hi-in", "bn", "ar", "ko", "ko-kr", "ur", "fil",
}  # fmt: skip


def hour_format_for(accept_language: str | None) -> str:
    """'12' or '24' from the browser's most preferred language (Accept-Language)."""
    first = (accept_language or "").split(",")[0].split(";")[0].strip().lower()
    if not first:
        return "24"
    return "12" if first in _TWELVE_HOUR or first.split("-")[0] in _TWELVE_HOUR else "24"


def normalize_hour_format(value: object, fallback: str) -> str:
    return value if value in ("12", "24") else fallback


def local(value: datetime, tzid: str) -> datetime:
    return value.astimezone(ZoneInfo(tzid))


def clock(value: datetime, hour_format: str) -> str:
    if hour_format == "12":
        return f"{value.hour % 12 or 12}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"
    return f"{value:%H:%M}"


def long_date(value: date | datetime) -> str:
    return f"{value:%A}, {value.day} {value:%B %Y}"


def span(start: datetime, end: datetime, tzid: str, hour_format: str) -> str:
    """'Tuesday, 1 December 2026, 09:00–09:30 (Europe/London)'."""
    s, e = local(start, tzid), local(end, tzid)
    return (
        f"{long_date(s)}, {clock(s, hour_format)}–{clock(e, hour_format)} "
        f"({tzid.replace('_', ' ')})"
    )


def short(value: datetime, tzid: str) -> str:
    """'3 Dec 2026, 14:05': a moment in a list, in the reader's zone."""
    here = local(value, tzid)
    return f"{here.day} {here:%b %Y, %H:%M}"


def ago(value: datetime, now: datetime) -> str:
    """'just now', '5 minutes ago', 'in 3 days': how far a moment is from now, roughly."""
    seconds = (now - value).total_seconds()
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return "in under a minute" if future else "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = int(seconds // size)
            words = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {words}" if future else f"{words} ago"
    raise AssertionError("unreachable")
