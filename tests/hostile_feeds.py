"""Calendar feeds whose repeating events cost the recurrence library seconds each: rules that
never match (30 February, 31 April) and daily series that start in year 1. Shared by the
feed tests and the worker-lane test."""

from __future__ import annotations

from datetime import date

NEVER = [
    ("20260105T090000Z", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"),
    ("20260105T090000Z", "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31"),
]
YEAR_ONE = ("00010101T090000Z", "FREQ=DAILY")


def event(uid: str, summary: str, start: str, rule: str | None = None, end: str = "") -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:{summary}\r\n"
        f"DTSTART:{start}\r\n" + (f"DTEND:{end}\r\n" if end else "DURATION:PT1H\r\n")
        + (f"RRULE:{rule}\r\n" if rule else "") + "END:VEVENT\r\n"
    )  # fmt: skip


def calendar(*events: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        + "".join(events)
        + ("END:VCALENDAR\r\n")
    )


def hostile_feed(day: date) -> str:
    """50 series that cost seconds each before (every third starts in year 1), a name that
    needs escaping, and three ordinary events on `day`."""
    series = []
    for i in range(50):
        start, rule = YEAR_ONE if i % 3 == 2 else NEVER[i % 3]
        name = "<b>Leap</b> & co" if i == 0 else f"Never {i}"
        series.append(event(f"bad-{i}@example.com", name, start, rule))
    ordinary = [
        event("one@example.com", "Board meeting", f"{day:%Y%m%d}T130000Z",
               end=f"{day:%Y%m%d}T140000Z"),
        event("two@example.com", "Standup", f"{day:%Y%m%d}T150000Z", "FREQ=WEEKLY;COUNT=3"),
        event("three@example.com", "Review", f"{day:%Y%m%d}T160000Z", "FREQ=MONTHLY"),
    ]  # fmt: skip
    return calendar(*series, *ordinary)
