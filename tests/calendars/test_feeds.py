"""iCalendar → stored occurrences: recurrence rules, exceptions, overrides, busy semantics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.calendars.feeds import parse_feed
from backend.calendars.sources import FeedInvalid

FEEDS = Path(__file__).parent / "feeds"
START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)


def z(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_recurring_feed_expands_exceptions_and_overrides():
    events = parse_feed(
        (FEEDS / "recurring.ics").read_bytes(),
        START,
        END,
        "Europe/London",
        owners=["host@example.com"],
    )
    by_summary = {}
    for e in events:
        by_summary.setdefault(e.summary, []).append(e)
    standups = sorted(by_summary["Weekly standup"], key=lambda e: e.start)
    # Jan 12 is an EXDATE, Jan 19 moved, Jan 26 cancelled by its override.
    assert [e.start for e in standups] == [
        z("2026-01-05T08:00Z"),
        z("2026-02-02T08:00Z"),
        z("2026-02-09T08:00Z"),
    ]
    assert all(e.end - e.start == timedelta(hours=1) for e in standups)
    (moved,) = by_summary["Weekly standup (moved)"]
    assert (moved.start, moved.end) == (z("2026-01-19T13:00Z"), z("2026-01-19T14:00Z"))
    assert "Weekly standup (cancelled this week)" not in by_summary
    assert "Declined meeting" not in by_summary
    (lunch,) = by_summary["Lunch (free)"]
    assert lunch.transparency == "transparent"
    (offsite,) = by_summary["Offsite"]  # all-day: the host's local day
    assert (offsite.start, offsite.end) == (z("2026-01-08T00:00Z"), z("2026-01-09T00:00Z"))
    (dentist,) = by_summary["Dentist"]  # floating: the host's local time
    assert dentist.start == z("2026-01-09T08:00Z")
    # Occurrence ids are stable and distinct (one per occurrence, the override keeps its slot).
    uids = [e.uid for e in events]
    assert len(uids) == len(set(uids))
    assert moved.uid == "standup-1@example.com/20260119T080000Z"


def test_all_day_follows_the_hosts_zone():
    events = parse_feed((FEEDS / "recurring.ics").read_bytes(), START, END, "America/New_York")
    (offsite,) = [e for e in events if e.summary == "Offsite"]
    assert offsite.start == z("2026-01-08T05:00Z")


def test_declined_only_when_the_owner_declined():
    events = parse_feed(
        (FEEDS / "recurring.ics").read_bytes(),
        START,
        END,
        "UTC",
        owners=["someone-else@example.com"],
    )
    assert any(e.summary == "Declined meeting" for e in events)


@pytest.mark.parametrize(
    "body, words",
    [
        (b"<html><body>Sign in</body></html>", "not return a calendar"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:notadate\r\n", "could not be read"),
    ],
)
def test_not_a_calendar_is_explained(body, words):
    with pytest.raises(FeedInvalid, match=words):
        parse_feed(body, START, END, "UTC")


def _weekly(count: int, exdates: set[int], moves: dict[int, int]) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//t//t//EN",
        "BEGIN:VEVENT",
        "UID:series",
        "DTSTAMP:20260101T000000Z",
        "DTSTART:20260105T090000Z",
        "DTEND:20260105T093000Z",
        f"RRULE:FREQ=WEEKLY;COUNT={count}",
    ]
    for i in sorted(exdates):
        lines.append(f"EXDATE:{(datetime(2026, 1, 5, 9) + timedelta(weeks=i)):%Y%m%dT%H%M%S}Z")
    lines.append("END:VEVENT")
    for i, hours in moves.items():
        original = datetime(2026, 1, 5, 9) + timedelta(weeks=i)
        moved = original + timedelta(hours=hours)
        lines += [
            "BEGIN:VEVENT",
            "UID:series",
            "DTSTAMP:20260101T000000Z",
            f"RECURRENCE-ID:{original:%Y%m%dT%H%M%S}Z",
            f"DTSTART:{moved:%Y%m%dT%H%M%S}Z",
            f"DTEND:{moved + timedelta(minutes=30):%Y%m%dT%H%M%S}Z",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines).encode()


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(1, 20),
    data=st.data(),
)
def test_weekly_series_matches_a_hand_expansion(count, data):
    exdates = data.draw(st.sets(st.integers(0, count - 1)))
    movable = [i for i in range(count) if i not in exdates]
    moves = data.draw(
        st.dictionaries(st.sampled_from(movable) if movable else st.nothing(), st.integers(1, 5))
    )
    events = parse_feed(
        _weekly(count, exdates, moves),
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
        "UTC",
    )
    expected = sorted(
        datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(weeks=i, hours=moves.get(i, 0))
        for i in range(count)
        if i not in exdates
    )
    assert sorted(e.start for e in events) == expected
    assert all(e.end - e.start == timedelta(minutes=30) for e in events)


def _series(rule: str, *, minutes: int = 30, summary: str = "Drill") -> bytes:
    end = f"DTEND:20260105T{9 + minutes // 60:02d}{minutes % 60:02d}00Z\r\n"
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:drill@example.com\r\nSUMMARY:{summary}\r\nDTSTART:20260105T090000Z\r\n{end}"
        f"RRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY;COUNT=1000000",
        "FREQ=SECONDLY",  # no end: millions in the window, ever more since DTSTART
        "FREQ=MINUTELY;INTERVAL=5",
        "FREQ=HOURLY",
        "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,10,20,30,40,50",
    ],
)
def test_rules_that_cost_time_in_seconds_since_the_start_are_refused_by_name(rule):
    with pytest.raises(FeedInvalid, match="The event “Fire drill” repeats (every|144 times)"):
        parse_feed(_series(rule, summary="Fire drill"), START, END, "UTC")


def test_zero_length_occurrences_are_refused_too_not_counted_only_when_kept(monkeypatch):
    """A series of reminders (no duration) keeps nothing, but its expansion is still work: the
    occurrence cap counts every occurrence made."""
    monkeypatch.setattr("backend.calendars.feeds.MAX_OCCURRENCES", 1_000)
    quarter_hours = "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,15,30,45"
    with pytest.raises(FeedInvalid, match="more than 1,000 events"):
        parse_feed(_series(quarter_hours, minutes=0), START, END, "UTC")


def test_the_densest_rule_allowed_still_expands():
    quarter_hours = "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,15,30,45"
    events = parse_feed(_series(quarter_hours, minutes=10), START, END, "UTC")
    days = (END - z("2026-01-05T00:00Z")).days
    assert len(events) == 96 * days - 9 * 4  # from DTSTART, 09:00 on the first day
