"""iCalendar data → the events it holds in a time window, recurrences expanded (RRULE, RDATE,
EXDATE and RECURRENCE-ID overrides, by recurring-ical-events), used for ICS feeds and CalDAV
objects alike; and the "ics" source, which reads a feed URL through the outbound guard.
Flask-free."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
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
# it would make every availability query slow for this host. Every occurrence the expansion
# produces counts, also the ones then dropped (zero-length, cancelled), so that the work is
# bounded too, not only what is kept.
MAX_OCCURRENCES = 100_000
MAX_UID = 200
# Rules no calendar app writes, whose expansion costs time and memory in proportion to
# seconds, minutes or hours since DTSTART (dateutil walks every period from the start):
# refused before expanding anything.
SUB_DAILY = ("SECONDLY", "MINUTELY", "HOURLY")
MAX_TIMES_A_DAY = 96  # BYHOUR x BYMINUTE x BYSECOND: every quarter hour around the clock


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


def _check_rules(series: icalendar.Calendar) -> None:
    """Refuse, by its name, a repeating event whose rule would take the sync's time and memory
    (every second, minute or hour, or more than MAX_TIMES_A_DAY times a day)."""
    for component in series.walk("VEVENT"):
        rules = component.get("RRULE")
        for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
            freq = str((rule.get("FREQ") or [""])[0]).upper()
            times = 1
            for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
                times *= max(1, len(rule.get(part) or []))
            if freq in SUB_DAILY or times > MAX_TIMES_A_DAY:
                name = str(component.get("SUMMARY", "") or component.get("UID", ""))[:80]
                how = f"every {_UNIT[freq]}" if freq in SUB_DAILY else f"{times} times a day"
                raise FeedInvalid(
                    f"The event “{name}” repeats {how}; schedlink reads events that repeat at "
                    f"most {MAX_TIMES_A_DAY} times a day (every 15 minutes). Change how often "
                    "it repeats, or remove it, and sync again."
                )


_UNIT = {"SECONDLY": "second", "MINUTELY": "minute", "HOURLY": "hour"}


def _too_many() -> FeedInvalid:
    return FeedInvalid(
        f"The calendar has more than {MAX_OCCURRENCES:,} events in the next months; "
        "schedlink cannot read a calendar that large."
    )


def _floating_zone(cal: icalendar.Calendar, tzid: str) -> ZoneInfo:
    """Floating times and dates: the feed's own zone (X-WR-TIMEZONE) if it names one, else
    the host's."""
    name = str(cal.get("X-WR-TIMEZONE") or "")
    try:
        return ZoneInfo(name) if name else ZoneInfo(tzid)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return ZoneInfo(tzid)


def _span(component) -> tuple | None:
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


def _series_occurrences(series: icalendar.Calendar, start: datetime, end: datetime):
    """(component, start, end, original start) of each occurrence of the series. Reads the
    library's occurrences without copying a component per occurrence (its public `between`
    does, and that copy is most of its time); falls back to `between` if that changes."""
    query = recurring_ical_events.of(series, skip_bad_series=True)
    occurrences = getattr(query, "_occurrences_between", None)
    if occurrences is None:
        for component in query.between(start, end):
            span = _span(component)
            if span is not None:
                rid = component.get("RECURRENCE-ID")
                yield component, span[0], span[1], rid.dt if rid is not None else span[0]
        return
    for occurrence in occurrences(query.to_datetime(start), query.to_datetime(end)):
        component = occurrence._adapter._component
        rid = component.get("RECURRENCE-ID")
        original = rid.dt if rid is not None else occurrence.start
        yield component, occurrence.start, occurrence.end, original


def expand(
    cal: icalendar.Calendar,
    start: datetime,
    end: datetime,
    tzid: str,
    owners: Iterable[str] = (),
) -> list[SyncedEvent]:
    """Every occurrence of every VEVENT overlapping [start, end), except cancelled ones and
    ones the host (an address in `owners`) declined."""
    zone = _floating_zone(cal, tzid)
    owner_set = frozenset(o.lower() for o in owners if o)
    singles, series = _split(cal)
    spans = []
    for component in singles:
        span = _span(component)
        if span is not None:
            spans.append((component, span[0], span[1], None))
    if len(spans) > MAX_OCCURRENCES:
        raise _too_many()
    if series is not None:
        _check_rules(series)
    described: dict[int, tuple | None] = {}  # per component: one read for all occurrences
    events: dict[str, SyncedEvent] = {}
    for component, first_value, last_value, original_value in _all(spans, series, start, end):
        about = described.get(id(component), False)
        if about is False:
            about = described[id(component)] = _describe(component, owner_set)
        if about is None:
            continue  # cancelled, or declined by the host
        try:
            first, last = _utc(first_value, zone), _utc(last_value, zone)
            original = None if original_value is None else _utc(original_value, zone)
        except (TypeError, ValueError, OverflowError):
            continue  # an event without a usable start is nobody's busy time
        if last <= first or first >= end or last <= start:
            continue  # outside the window, or zero-length (a reminder takes no time)
        uid = _stable_uid(about[0] or f"nouid-{first.isoformat()}", original)
        events[uid] = SyncedEvent(uid, first, last, about[1], about[2], about[3],
                                  _zone_name(first_value, tzid))  # fmt: skip
    return list(events.values())


def _all(spans: list, series, start: datetime, end: datetime):
    """The one-off events, then the series' occurrences as the library makes them (never all
    held at once), at most MAX_OCCURRENCES in all."""
    yield from spans
    if series is None:
        return
    made = len(spans)
    try:
        for occurrence in _series_occurrences(series, start, end):
            made += 1
            if made > MAX_OCCURRENCES:
                raise _too_many()
            yield occurrence
    except FeedInvalid:
        raise
    except Exception as exc:
        raise FeedInvalid(
            f"The calendar's repeating events could not be read ({_short(exc)})."
        ) from None


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
