"""Google Calendar (API v3) through an OAuth profile: the calendar list, each calendar's events
in the window expanded by Google (singleEvents=true), incremental with `syncToken` during a day
and read in full when the window moves or Google answers 410 (full sync required); bookings
inserted, patched and deleted with the invitee as attendee. Flask-free."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from urllib.parse import quote
from zoneinfo import ZoneInfo

from ..core.validation import format_utc
from .rest import NotFoundOrGone, call, with_token
from .sources import RemoteCalendar, SyncContext, SyncedEvent

WHAT = "Google Calendar"
PAGE = 2500


def _base(services) -> str:
    # The provider's API root (https://www.googleapis.com); Calendar lives under /calendar/v3.
    return services["api_url"]("google").rstrip("/") + "/calendar/v3"


def _when(value: dict, zone: ZoneInfo) -> datetime | None:
    if not isinstance(value, dict):
        return None
    if value.get("dateTime"):
        parsed = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(UTC)
    if value.get("date"):
        return datetime.combine(date.fromisoformat(value["date"]), time.min, zone).astimezone(UTC)
    return None


def _declined(item: dict) -> bool:
    return any(
        a.get("self") and a.get("responseStatus") == "declined"
        for a in item.get("attendees") or []
        if isinstance(a, dict)
    )


def to_event(item: dict, zone: ZoneInfo) -> SyncedEvent | None:
    """A Google event resource as stored; None when it is no busy time of the host's."""
    if item.get("status") == "cancelled" or _declined(item):
        return None
    start, end = _when(item.get("start"), zone), _when(item.get("end"), zone)
    if start is None or end is None or end <= start:
        return None
    return SyncedEvent(
        uid=str(item["id"])[:200],
        start=start,
        end=end,
        summary=str(item.get("summary") or "")[:500],
        transparency="transparent" if item.get("transparency") == "transparent" else "opaque",
        status="tentative" if item.get("status") == "tentative" else "confirmed",
        tzid=str((item.get("start") or {}).get("timeZone") or "Etc/UTC")[:64],
    )


def _pages(services, token: str, url: str, params: dict):
    params = dict(params)
    while True:
        data = call(services["outbound"], "GET", url, token, params=params, what=WHAT)
        yield data
        if not data.get("nextPageToken"):
            return
        params["pageToken"] = data["nextPageToken"]


def calendars(services, token: str) -> list[dict]:
    url = f"{_base(services)}/users/me/calendarList"
    items = []
    for page in _pages(services, token, url, {"maxResults": 250}):
        items.extend(i for i in page.get("items", []) if not i.get("deleted"))
    return items


def google_source(context: SyncContext) -> list[RemoteCalendar]:
    services = context.services
    return with_token(services, context.profile_public_id, lambda token: _sync(context, token))


def _sync(context: SyncContext, token: str) -> list[RemoteCalendar]:
    services = context.services
    zone = ZoneInfo(context.tzid)
    day = context.now.date().isoformat()
    result = []
    for item in calendars(services, token):
        if item.get("accessRole") == "freeBusyReader":
            continue  # only free/busy: nothing to list
        calendar_id = item["id"]
        remote = RemoteCalendar(
            calendar_id, name=item.get("summaryOverride") or item.get("summary"),
            readonly=item.get("accessRole") not in ("owner", "writer"),
            primary=bool(item.get("primary")),
        )  # fmt: skip
        known = context.known.get(calendar_id) or ""
        sync_token = known.split("|", 1)[1] if known.startswith(day + "|") else None
        _read(services, token, calendar_id, context, zone, remote, sync_token, day)
        result.append(remote)
    return result


def _read(services, token, calendar_id, context, zone, remote, sync_token, day) -> None:
    url = f"{_base(services)}/calendars/{quote(calendar_id, safe='')}/events"
    if sync_token:
        try:
            changed, removed, next_token = [], [], None
            for page in _pages(services, token, url,
                               {"syncToken": sync_token, "singleEvents": "true",
                                "maxResults": PAGE}):  # fmt: skip
                for item in page.get("items", []):
                    event = to_event(item, zone)
                    if (
                        event is not None
                        and event.end > context.start
                        and event.start < context.end
                    ):
                        changed.append(event)
                    else:
                        removed.append(str(item["id"]))
                next_token = page.get("nextSyncToken") or next_token
            remote.delta, remote.changed, remote.removed = True, changed, removed
            remote.sync_token = f"{day}|{next_token}" if next_token else None
            return
        except NotFoundOrGone as exc:
            if exc.status != 410:
                raise
            # 410 fullSyncRequired: the token expired; read everything again below.
    events, next_token = [], None
    params = {"singleEvents": "true", "timeMin": format_utc(context.start),
              "timeMax": format_utc(context.end), "maxResults": PAGE}  # fmt: skip
    for page in _pages(services, token, url, params):
        events.extend(e for e in (to_event(i, zone) for i in page.get("items", [])) if e)
        next_token = page.get("nextSyncToken") or next_token
    remote.events = events
    remote.sync_token = f"{day}|{next_token}" if next_token else None


class GoogleWriter:
    """Bookings as Google events: the invitee and their guests attendees (Google sends the
    invitations), the booking's place the location."""

    def _body(self, details: dict, uid: str) -> dict:
        """The invitee, then their guests (optional attendees); the place as `location`."""
        guests = [{"email": g, "optional": True} for g in details.get("guests", ())]
        body = {
            "summary": details["summary"],
            "description": details["description"],
            "start": {"dateTime": format_utc(details["start"]), "timeZone": details["tzid"]},
            "end": {"dateTime": format_utc(details["end"]), "timeZone": details["tzid"]},
            "attendees": [
                {"email": details["attendee"][1], "displayName": details["attendee"][0]},
                *guests,
            ],
            "transparency": "opaque",
            # the event's own id (a real-time request's `event_id`): Google has no UID to set
            "extendedProperties": {
                "private": {"schedlink_booking": details["booking_id"], "schedlink_event_id": uid}
            },
            "sequence": details["sequence"],
        }
        if details.get("location"):
            body["location"] = details["location"]
        return body

    def put(self, services, creds, calendar_id, ref, uid, details, now, profile) -> str:
        return with_token(
            services, profile.public_id,
            lambda token: self._put(services, token, calendar_id, ref, uid, details),
        )  # fmt: skip

    def _put(self, services, token, calendar_id, ref, uid, details) -> str:
        url = f"{_base(services)}/calendars/{quote(calendar_id, safe='')}/events"
        body = self._body(details, uid)
        params = {"sendUpdates": "all"}
        if ref:
            try:
                data = call(services["outbound"], "PATCH", f"{url}/{quote(ref, safe='')}",
                            token, params=params, body=body, what=WHAT)  # fmt: skip
                return str(data["id"])
            except NotFoundOrGone:
                pass  # deleted in Google by hand: write it again
        data = call(services["outbound"], "POST", url, token, params=params, body=body, what=WHAT)
        return str(data["id"])

    def delete(self, services, creds, calendar_id, ref, profile) -> None:
        calendar = quote(calendar_id, safe="")
        url = f"{_base(services)}/calendars/{calendar}/events/{quote(ref, safe='')}"

        def work(token):
            call(services["outbound"], "DELETE", url, token, params={"sendUpdates": "all"},
                 what=WHAT)  # fmt: skip

        try:
            with_token(services, profile.public_id, work)
        except NotFoundOrGone:
            return  # already gone
