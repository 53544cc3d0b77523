"""The bounded expansion (rules moved forward to the window, run in a child process under a
budget) gives exactly the occurrences the recurrence library gives for the same calendar
unchanged, on ordinary rules: the oracle is recurring-ical-events itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.calendars.feeds import parse_feed
from backend.calendars.sources import LeftOut

START, END = datetime(2026, 11, 29, tzinfo=UTC), datetime(2028, 1, 3, tzinfo=UTC)
HOST = "Europe/London"
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _utc(value) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=ZoneInfo(HOST))).astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=ZoneInfo(HOST)).astimezone(UTC)


def _oracle(text: str) -> list[tuple[datetime, datetime]]:
    found = []
    for component in recurring_ical_events.of(icalendar.Calendar.from_ical(text)).between(
        START, END
    ):
        first, last = _utc(component["DTSTART"].dt), _utc(component["DTEND"].dt)
        if last > START and first < END:
            found.append((first, last))
    return sorted(found)


@st.composite
def series(draw) -> str:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    start = draw(st.dates(date(1900, 1, 1), date(2027, 6, 30)))
    kind = draw(st.sampled_from(["utc", "zoned", "floating", "date"]))
    hour, minute = draw(st.integers(0, 23)), draw(st.sampled_from([0, 30]))
    stamp = f"{start:%Y%m%d}T{hour:02d}{minute:02d}00"
    if kind == "date":
        lines = [f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
                 f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}"]  # fmt: skip
    else:
        end = (datetime.strptime(stamp, "%Y%m%dT%H%M%S") + timedelta(minutes=90)).strftime(
            "%Y%m%dT%H%M%S"
        )
        prefix, suffix = {"utc": ("", "Z"), "zoned": (f";TZID={HOST}", ""),
                          "floating": ("", "")}[kind]  # fmt: skip
        lines = [f"DTSTART{prefix}:{stamp}{suffix}", f"DTEND{prefix}:{end}{suffix}"]
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 3))}"]
    if draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(draw(st.sets(st.sampled_from(DAYS), min_size=1))))
    if freq in ("MONTHLY", "YEARLY") and draw(st.booleans()):
        monthdays = draw(st.sets(st.sampled_from([1, 15, 28, -1]), min_size=1))
        parts.append("BYMONTHDAY=" + ",".join(map(str, sorted(monthdays))))
    if freq != "WEEKLY" and draw(st.booleans()):
        months = draw(st.sets(st.integers(1, 12), min_size=1, max_size=4))
        parts.append("BYMONTH=" + ",".join(map(str, sorted(months))))
    ending = draw(st.sampled_from(["none", "until", "count"]))
    if ending == "until":
        until = draw(st.dates(start, date(2028, 6, 1)))
        parts.append(f"UNTIL={until:%Y%m%d}" + ("" if kind == "date" else "T235959Z"))
    elif ending == "count":
        parts.append(f"COUNT={draw(st.integers(1, 400))}")
    lines.append("RRULE:" + ";".join(parts))
    if kind != "date" and draw(st.booleans()):  # an exception, on a day in the window
        day = draw(st.dates(date(2026, 12, 1), date(2027, 12, 31)))
        lines.append(f"EXDATE{prefix}:{day:%Y%m%d}T{hour:02d}{minute:02d}00{suffix}")
    body = "\r\n".join(["BEGIN:VEVENT", "UID:s@example.com", "SUMMARY:S", *lines, "END:VEVENT"])
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{body}\r\nEND:VCALENDAR\r\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=series())
def test_bounded_expansion_matches_the_library_on_ordinary_rules(text):
    left_out = LeftOut()
    ours = sorted((e.start, e.end) for e in parse_feed(text, START, END, HOST, left_out=left_out))
    assert ours == _oracle(text)
    assert left_out.sentences == []


def test_a_series_from_1900_is_moved_forward_and_still_exact():
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:x\r\n"
        "DTSTART;TZID=Europe/London:19000131T093000\r\nDTEND;TZID=Europe/London:19000131T100000"
        "\r\nRRULE:FREQ=MONTHLY;INTERVAL=2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    ours = sorted((e.start, e.end) for e in parse_feed(text, START, END, HOST))
    # Every other month from January, on the 31st: only 31-day months have one.
    assert ours == _oracle(text) and len(ours) == 4  # January, March, May, July 2027
