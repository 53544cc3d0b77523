"""iCalendar data → the events it holds in a time window, recurrences expanded (RRULE, RDATE,
EXDATE and RECURRENCE-ID overrides, by recurring-ical-events), used for ICS feeds and CalDAV
objects alike; and the "ics" source, which reads a feed URL through the outbound guard.
Flask-free."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from ..outbound import OutboundError, OutboundRefused
from .sources import (
    FeedInvalid,
    RemoteCalendar,
    SourceError,
    SyncContext,
    SyncedEvent,
    http_problem,
    unreachable,
)

# A feed that expands to more than this in the sync window is refused rather than stored:
# it would make every availability query slow for this host.
MAX_OCCURRENCES = 100_000
MAX_UID = 200


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


def _utc(value, zone: ZoneInfo) -> datetime:
    """A DATE is local midnight in the host's zone; a floating time is the host's local time."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.min, zone).astimezone(UTC)
    raise TypeError(value)


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


def expand(
    cal: icalendar.Calendar,
    start: datetime,
    end: datetime,
    tzid: str,
    owners: Iterable[str] = (),
) -> list[SyncedEvent]:
    """Every occurrence of every VEVENT overlapping [start, end), except cancelled ones and
    ones the host (an address in `owners`) declined."""
    zone = ZoneInfo(tzid)
    owner_set = frozenset(o.lower() for o in owners if o)
    try:
        occurrences = recurring_ical_events.of(cal, skip_bad_series=True).between(start, end)
    except Exception as exc:
        raise FeedInvalid(
            f"The calendar's repeating events could not be read ({_short(exc)})."
        ) from None
    events: dict[str, SyncedEvent] = {}
    for component in occurrences:
        if component.name != "VEVENT":
            continue
        status = str(component.get("STATUS", "CONFIRMED")).upper()
        if status == "CANCELLED" or _declined(component, owner_set):
            continue
        try:
            first = _utc(component.start, zone)
            last = _utc(component.end, zone)
        except (KeyError, TypeError, ValueError, icalendar.InvalidCalendar):
            continue  # an event without a usable start is nobody's busy time
        if last <= first:
            continue  # a zero-length event (a reminder) takes no time
        recurrence = component.get("RECURRENCE-ID")
        original = _utc(recurrence.dt, zone) if recurrence is not None else None
        uid = _stable_uid(str(component.get("UID") or f"nouid-{first.isoformat()}"), original)
        transparent = str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT"
        events[uid] = SyncedEvent(
            uid=uid,
            start=first,
            end=last,
            summary=str(component.get("SUMMARY", ""))[:500],
            transparency="transparent" if transparent else "opaque",
            status="tentative" if status == "TENTATIVE" else "confirmed",
            tzid=_zone_name(component.start, tzid),
        )
        if len(events) > MAX_OCCURRENCES:
            raise FeedInvalid(
                f"The calendar has more than {MAX_OCCURRENCES:,} events in the next months; "
                "schedlink cannot read a calendar that large."
            )
    return list(events.values())


def _zone_name(value, fallback: str) -> str:
    key = getattr(getattr(value, "tzinfo", None), "key", None)
    return key if isinstance(key, str) and len(key) <= 64 else fallback


def parse_feed(
    data: bytes | str, start: datetime, end: datetime, tzid: str, owners: Iterable[str] = ()
) -> list[SyncedEvent]:
    return expand(parse_calendar(data), start, end, tzid, owners)


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
    events = expand(cal, context.start, context.end, context.tzid, context.owners)
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
        )
    ]
