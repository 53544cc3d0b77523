"""CalDAV accounts (iCloud, Fastmail, Nextcloud, Radicale…) through the `caldav` library, its
HTTP routed through the outbound guard (no private addresses unless allowed, TLS verified,
no proxies from the environment). Discovery finds the account's event calendars; a sync reads
each calendar's objects in the window (skipped when its sync-token/ctag is unchanged) and
expands them like a feed; bookings are written as events with the invitee as attendee.
Flask-free."""

from __future__ import annotations

import base64
import contextlib
import logging
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urljoin

import caldav
import icalendar
from caldav.elements import dav
from caldav.elements.base import ValuedBaseElement
from caldav.lib import error as caldav_error
from lxml import etree
from niquests.structures import CaseInsensitiveDict

from ..core.outbound import OutboundError, OutboundRefused
from ..core.validation import ValidationError
from .feeds import expand
from .sources import (
    LeftOut,
    RemoteCalendar,
    SourceError,
    SyncContext,
    UnreadableAnswer,
    http_problem,
    unreachable,
)

log = logging.getLogger(__name__)
MAX_BODY = 20 * 1024 * 1024
MAX_REDIRECTS = 5
FOLLOW = ("GET", "PROPFIND", "REPORT", "OPTIONS", "HEAD")


# What the caldav library raises when a server's answer is not the XML it expects: lxml's
# refusals (an entity-expansion bomb, broken XML) and the library's own stumbles over an empty
# or odd body (it reads elements that are not there). A hostile or broken server, not our bug.
UNREADABLE = (etree.LxmlError, AttributeError, TypeError, KeyError, IndexError, ValueError)


def unreadable(why: str) -> UnreadableAnswer:
    return UnreadableAnswer(
        f"The CalDAV server's answer could not be read: {why}. Check that the address is "
        "the server's CalDAV address."
    )


@contextlib.contextmanager
def _reading() -> Iterator[None]:
    """Around every call into the caldav library that parses an answer."""
    try:
        yield
    except UNREADABLE as exc:
        log.info("unreadable CalDAV answer: %r", exc)
        if isinstance(exc, etree.LxmlError):
            raise unreadable(
                "it is not XML schedlink accepts (broken, or it expands too far)"
            ) from None
        raise unreadable("it is not what a CalDAV server answers") from None


class GetCtag(ValuedBaseElement):
    """CalendarServer's collection tag: changes whenever anything in the calendar does."""

    tag = "{http://calendarserver.org/ns/}getctag"


class _Response:
    """The parts of a requests/niquests response the caldav library reads."""

    def __init__(self, response, url: str):
        self.status_code = response.status
        self.headers = CaseInsensitiveDict(response.headers)
        self.content = response.body
        self.reason = ""
        self.url = url
        self.history = []

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class GuardedSession:
    """Stands in for the library's HTTP session: every request goes through `Outbound`."""

    def __init__(self, outbound, username: str, password: str):
        self.outbound = outbound
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.authorization = f"Basic {token}"

    def request(self, method, url, data=None, headers=None, **_ignored):
        headers = {k: v for k, v in (headers or {}).items() if k.lower() != "authorization"}
        headers["Authorization"] = self.authorization
        body = data.encode() if isinstance(data, str) else data
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                response = self.outbound.request(
                    method, url, headers=headers, body=body or None, max_body=MAX_BODY
                )
            except OutboundRefused as exc:
                raise SourceError(str(exc)) from None
            except OutboundError as exc:
                raise unreachable(url, exc) from None
            location = response.headers.get("location")
            if response.status in (301, 302, 307, 308) and method in FOLLOW:
                if not location:
                    raise unreadable(f"a redirect (HTTP {response.status}) that says nowhere")
                url = urljoin(url, location)
                continue
            return _Response(response, url)
        raise SourceError("The CalDAV server redirects too many times.")

    def close(self) -> None:
        pass


def client(outbound, url: str, username: str, password: str) -> caldav.DAVClient:
    dav_client = caldav.DAVClient(
        url=url, username=username, password=password, auth_type="basic",
        enable_rfc6764=False, require_tls=False, timeout=30,
    )  # fmt: skip
    dav_client.session = GuardedSession(outbound, username, password)
    return dav_client


def _calendars(dav_client) -> list:
    try:
        with _reading():
            principal = dav_client.principal()
            found = principal.calendars()
    except caldav_error.AuthorizationError:
        raise SourceError(
            "The CalDAV server refused the username or password. Many providers (iCloud, "
            "Fastmail) need an app-specific password rather than your usual one."
        ) from None
    except caldav_error.NotFoundError:
        raise SourceError(
            "No CalDAV account was found at that address. Use the server's CalDAV address "
            "(for example https://caldav.fastmail.com/ or your Nextcloud's /remote.php/dav)."
        ) from None
    except caldav_error.DAVError as exc:
        raise SourceError(
            f"The CalDAV server answered in a way schedlink cannot use ({exc})."
        ) from None
    calendars = []
    for calendar in found:
        try:
            with _reading():
                components = calendar.get_supported_components()
        except caldav_error.DAVError:
            components = ["VEVENT"]
        if not components or "VEVENT" in components:
            calendars.append(calendar)
    return calendars


def verify(outbound, url: str, username: str, password: str) -> None:
    """At connection time: refuse an account we cannot read, with the reason (a 422)."""
    try:
        calendars = _calendars(client(outbound, url, username, password))
    except SourceError as exc:
        key = "errors.unreadable" if isinstance(exc, UnreadableAnswer) else "errors.unreachable"
        raise ValidationError({"url": [{"key": key, "description": str(exc)}]}) from None
    if not calendars:
        raise ValidationError(
            {"url": [{"key": "errors.no_calendars",
                      "description": "That CalDAV account has no calendars with events."}]}
        )  # fmt: skip


def _tag(calendar) -> str | None:
    try:
        with _reading():
            props = calendar.get_properties([dav.SyncToken(), GetCtag()])
    except caldav_error.DAVError:
        return None
    values = [props.get(dav.SyncToken.tag), props.get(GetCtag.tag)]
    tag = "|".join(str(v) for v in values if v)
    return tag or None


def caldav_source(context: SyncContext) -> list[RemoteCalendar]:
    creds = context.credentials
    dav_client = client(
        context.services["outbound"], creds["url"], creds["username"], creds["password"]
    )
    day = context.now.date().isoformat()
    result = []
    for position, calendar in enumerate(_calendars(dav_client)):
        external_id = str(calendar.url)
        tag = _tag(calendar)
        token = f"{day}|{tag}" if tag else None
        try:
            with _reading():
                name = calendar.get_display_name()
        except caldav_error.DAVError:
            name = None
        item = RemoteCalendar(external_id, name=name, readonly=False, primary=position == 0)
        item.sync_token = token
        if token is not None and context.known.get(external_id) == token:
            result.append(item)  # unchanged today: keep what is stored
            continue
        item.events = _read_events(calendar, context, item.left_out)
        result.append(item)
    return result


def _read_events(calendar, context: SyncContext, left_out: LeftOut):
    try:
        with _reading():
            objects = calendar.search(
                start=context.start, end=context.end, event=True, expand=False
            )
    except caldav_error.DAVError as exc:
        status = getattr(exc, "status", None)
        if isinstance(status, int) or (isinstance(status, str) and status.isdigit()):
            raise http_problem(int(status), "The CalDAV server") from None
        raise SourceError(f"The CalDAV server could not list events ({exc}).") from None
    merged = icalendar.Calendar()
    for obj in objects:
        try:
            parsed = icalendar.Calendar.from_ical(obj.data)
        except Exception as exc:  # one broken object must not hide the others' busy time
            log.info("skipping an unreadable CalDAV object %s: %s", obj.url, exc)
            continue
        for component in parsed.subcomponents:
            merged.add_component(component)
    return expand(merged, context.start, context.end, context.tzid, context.owners, left_out)


# --- writing bookings ---------------------------------------------------------------------


def booking_event_ics(
    uid: str, start: datetime, end: datetime, summary: str, description: str,
    organizer: tuple[str, str], attendee: tuple[str, str], sequence: int, now: datetime,
    location: str | None = None, guests: tuple[str, ...] | list[str] = (),
) -> str:  # fmt: skip
    """The booking as one VEVENT: the invitee a required attendee, the guests optional ones
    (as the booking's `.ics`), the place its LOCATION."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//schedlink//calendar write//EN")
    cal.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", description)
    event.add("sequence", sequence)
    event.add("transp", "OPAQUE")
    event.add("status", "CONFIRMED")
    org = icalendar.vCalAddress(f"mailto:{organizer[1]}")
    org.params["CN"] = icalendar.vText(organizer[0])
    event.add("organizer", org)
    guest = icalendar.vCalAddress(f"mailto:{attendee[1]}")
    guest.params.update(
        {"CN": icalendar.vText(attendee[0]), "ROLE": "REQ-PARTICIPANT",
         "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"}
    )  # fmt: skip
    event.add("attendee", guest)
    for address in guests:
        extra = icalendar.vCalAddress(f"mailto:{address}")
        extra.params.update({"ROLE": "OPT-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION"})
        event.add("attendee", extra)
    if location:
        event.add("location", location)
    cal.add_component(event)
    return cal.to_ical().decode()


def _calendar_at(dav_client, calendar_url: str):
    return caldav.Calendar(client=dav_client, url=calendar_url)


def write_event(outbound, creds: dict, calendar_url: str, ref: str | None, ics: str) -> str:
    """Create or replace the booking's event; returns its object URL."""
    dav_client = client(outbound, creds["url"], creds["username"], creds["password"])
    calendar = _calendar_at(dav_client, calendar_url)
    try:
        if ref:
            event = caldav.Event(client=dav_client, url=ref, data=ics, parent=calendar)
            event.save()
            return str(event.url)
        return str(calendar.save_event(ics).url)
    except caldav_error.AuthorizationError:
        raise http_problem(403, "The CalDAV server") from None
    except caldav_error.DAVError as exc:
        raise SourceError(f"The CalDAV server did not accept the booking ({exc}).") from None


def delete_event(outbound, creds: dict, calendar_url: str, ref: str) -> None:
    dav_client = client(outbound, creds["url"], creds["username"], creds["password"])
    try:
        caldav.Event(
            client=dav_client, url=ref, parent=_calendar_at(dav_client, calendar_url)
        ).delete()
    except caldav_error.NotFoundError:
        return  # already gone: that is what we wanted
    except caldav_error.DAVError as exc:
        raise SourceError(f"The CalDAV server did not delete the booking ({exc}).") from None


class CalDAVWriter:
    """Bookings into a CalDAV calendar: one event object per booking, same UID when moved."""

    def put(self, services, creds, calendar_url, ref, uid, details, now, _profile) -> str:
        ics = booking_event_ics(
            uid, details["start"], details["end"], details["summary"], details["description"],
            details["organizer"], details["attendee"], details["sequence"], now,
            details.get("location"), details.get("guests", ()),
        )  # fmt: skip
        return write_event(services["outbound"], creds, calendar_url, ref, ics)

    def delete(self, services, creds, calendar_url, ref, _profile) -> None:
        delete_event(services["outbound"], creds, calendar_url, ref)
