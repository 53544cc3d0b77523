"""iCalendar data → the events it holds in a time window, recurrences expanded (RRULE, RDATE,
EXDATE and RECURRENCE-ID overrides, by recurring-ical-events), used for ICS feeds and CalDAV
objects alike; and the "ics" source, which reads a feed URL through the outbound guard.
Flask-free."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urljoin

import icalendar

from ..core.outbound import OutboundError, OutboundRefused
from . import expansion
from .occurrences import MAX_OCCURRENCES, Collector, floating_zone, span, too_many
from .rules import check_rules
from .sources import (
    FeedInvalid,
    LeftOut,
    RemoteCalendar,
    SourceError,
    SyncContext,
    SyncedEvent,
    http_problem,
    unreachable,
)


def parse_calendar(data: bytes | str) -> icalendar.Calendar:
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    if data.startswith("\ufeff"):
        data = data[1:]
    if "BEGIN:VCALENDAR" not in data[:4096].upper():
        raise FeedInvalid(
            "This address does not return a calendar (.ics) file. Check that you copied the "
            "calendar's iCal/ICS address, not the address of a web page."
        )
    try:
        return icalendar.Calendar.from_ical(data)
    except Exception as exc:  # icalendar raises ValueError and friends for broken files
        raise FeedInvalid(f"The calendar file could not be read ({_short(exc)}).") from None


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


RECURRING = ("RRULE", "RDATE", "RECURRENCE-ID")


def _split(cal: icalendar.Calendar) -> tuple[list, icalendar.Calendar | None]:
    """One-off events (no rule, no overrides: nothing to expand) apart from the series, which
    go to recurring-ical-events in a calendar of their own with the original's time zones and
    properties (X-WR-TIMEZONE). Most of a busy feed is one-off events, and expanding those
    through the library costs more than reading them."""
    events = [c for c in cal.subcomponents if c.name == "VEVENT"]
    series_uids = {str(c.get("UID")) for c in events if any(k in c for k in RECURRING)}
    if not series_uids:
        return events, None
    series = icalendar.Calendar()
    for key, value in cal.items():
        series.add(key, value, encode=False)
    for component in cal.subcomponents:
        if component.name == "VTIMEZONE" or str(component.get("UID")) in series_uids:
            series.add_component(component)
    singles = [c for c in events if str(c.get("UID")) not in series_uids]
    return singles, series


def expand(
    cal: icalendar.Calendar,
    start: datetime,
    end: datetime,
    tzid: str,
    owners: Iterable[str] = (),
    left_out: LeftOut | None = None,
) -> list[SyncedEvent]:
    """Every occurrence of every VEVENT overlapping [start, end), except cancelled ones and
    ones the host (an address in `owners`) declined. Repeating events are expanded under a
    budget (`expansion`): a series that cannot be read in it is left out, and named in
    `left_out`."""
    collector = Collector(start, end, tzid, floating_zone(cal, tzid), owners)
    singles, series = _split(cal)
    if len(singles) > MAX_OCCURRENCES:
        raise too_many(MAX_OCCURRENCES)
    if series is not None:
        check_rules(series)
    for component in singles:
        extent = span(component)
        if extent is not None:
            collector.add(component, extent[0], extent[1], None)
    if series is None:
        return list(collector.events.values())
    expanded = expansion.expand_series(
        series, start, end, tzid, collector.owners, len(singles), MAX_OCCURRENCES
    )
    for event in expanded.events:
        collector.events[event.uid] = event
    if left_out is not None:
        left_out.sentences.extend(expanded.problems)
        left_out.costly = left_out.costly or expanded.costly
    return list(collector.events.values())


def parse_feed(
    data: bytes | str,
    start: datetime,
    end: datetime,
    tzid: str,
    owners: Iterable[str] = (),
    left_out: LeftOut | None = None,
) -> list[SyncedEvent]:
    return expand(parse_calendar(data), start, end, tzid, owners, left_out)


# --- the "ics" source: one feed URL, one read-only calendar ------------------------------

FEED_MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
FEED_CALENDAR = "feed"  # the external id of a feed's one calendar (the URL itself is secret)


def normalize_feed_url(url: str) -> str:
    """webcal:// is how calendar apps publish feeds; it means https://."""
    url = url.strip()
    if url[:9].lower() == "webcal://":
        url = "https://" + url[9:]
    return url


def fetch_feed(outbound, url: str, etag: str | None = None):
    """GET the feed, following redirects (each hop through the outbound guard again)."""
    headers = {"Accept": "text/calendar, */*;q=0.5", "User-Agent": "schedlink calendar sync"}
    if etag:
        headers["If-None-Match"] = etag
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            response = outbound.request("GET", url, headers=headers, max_body=FEED_MAX_BYTES)
        except OutboundRefused as exc:
            raise SourceError(str(exc)) from None
        except OutboundError as exc:
            raise unreachable(url, exc) from None
        location = response.headers.get("location")
        if response.status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        return response
    raise SourceError("The calendar address redirects too many times.")


def ics_source(context: SyncContext) -> list[RemoteCalendar]:
    url = context.credentials["url"]
    # The ETag only stands for the same day: the window moves, so re-expand daily.
    day = context.now.date().isoformat()
    token = context.known.get(FEED_CALENDAR) or ""
    etag = token.split("|", 1)[1] if token.startswith(day + "|") else None
    response = fetch_feed(context.services["outbound"], url, etag)
    if response.status == 304 and etag:
        return [RemoteCalendar(FEED_CALENDAR, events=None, sync_token=token)]
    if response.status != 200:
        raise http_problem(response.status, "The calendar's server")
    cal = parse_calendar(response.body)
    left_out = LeftOut()
    events = expand(cal, context.start, context.end, context.tzid, context.owners, left_out)
    name = cal.get("X-WR-CALNAME")
    new_etag = response.headers.get("etag")
    return [
        RemoteCalendar(
            FEED_CALENDAR,
            name=str(name)[:200] if name else None,
            readonly=True,
            primary=True,
            events=events,
            sync_token=f"{day}|{new_etag}" if new_etag else None,
            left_out=left_out,
        )
    ]
