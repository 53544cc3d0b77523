"""Outlook / Microsoft 365 calendars through Microsoft Graph ("Modern Auth" OAuth): the
calendars, each one's calendarView (occurrences expanded by Graph) read with delta queries
during a day and in full when the window moves or the delta link has expired; bookings
created, patched and deleted with the invitee as attendee. Flask-free."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from ..core.validation import format_utc
from .rest import NotFoundOrGone, call, with_token
from .sources import RemoteCalendar, SyncContext, SyncedEvent

WHAT = "Microsoft Outlook"
UTC_PREFER = {"Prefer": 'outlook.timezone="UTC", odata.maxpagesize=500'}
FREE = ("free", "workingElsewhere")


def _base(services) -> str:
    return services["api_url"]("microsoft").rstrip("/")


def _who(credentials) -> str:
    """Whose mailbox: the signed-in user's (`/me`), or, through an organization's app-only
    consent (Enterprise Connect), the member's (`/users/{upn}`)."""
    upn = (credentials or {}).get("upn")
    return f"/users/{quote(upn, safe='@')}" if upn else "/me"


def _when(value) -> datetime | None:
    if not isinstance(value, dict) or not value.get("dateTime"):
        return None
    text = value["dateTime"].replace("Z", "")[:26]  # Graph gives 7 fractional digits
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def to_event(item: dict) -> SyncedEvent | None:
    if item.get("isCancelled") or (item.get("responseStatus") or {}).get("response") == "declined":
        return None
    start, end = _when(item.get("start")), _when(item.get("end"))
    if start is None or end is None or end <= start:
        return None
    show_as = item.get("showAs") or "busy"
    return SyncedEvent(
        uid=str(item["id"])[:200],
        start=start,
        end=end,
        summary=str(item.get("subject") or "")[:500],
        transparency="transparent" if show_as in FREE else "opaque",
        status="tentative" if show_as == "tentative" else "confirmed",
        tzid="Etc/UTC",
    )


def _pages(services, token: str, url: str, params: dict | None):
    """Follow @odata.nextLink; the last page of a delta carries @odata.deltaLink."""
    while url:
        data = call(services["outbound"], "GET", url, token, params=params, headers=UTC_PREFER,
                    what=WHAT)  # fmt: skip
        yield data
        url, params = data.get("@odata.nextLink"), None


def calendars(services, token: str, who: str = "/me") -> list[dict]:
    items = []
    for page in _pages(services, token, f"{_base(services)}{who}/calendars", None):
        items.extend(page.get("value", []))
    return items


def microsoft_source(context: SyncContext) -> list[RemoteCalendar]:
    services = context.services
    return with_token(services, context.profile_public_id, lambda token: _sync(context, token))


def _sync(context: SyncContext, token: str) -> list[RemoteCalendar]:
    services = context.services
    day = context.now.date().isoformat()
    result = []
    who = _who(context.credentials)
    for item in calendars(services, token, who):
        calendar_id = item["id"]
        remote = RemoteCalendar(
            calendar_id, name=item.get("name"), readonly=not item.get("canEdit", True),
            primary=bool(item.get("isDefaultCalendar")),
        )  # fmt: skip
        known = context.known.get(calendar_id) or ""
        delta_link = known.split("|", 1)[1] if known.startswith(day + "|") else None
        _read(services, token, calendar_id, context, remote, delta_link, day, who)
        result.append(remote)
    return result


def _read(services, token, calendar_id, context, remote, delta_link, day, who) -> None:
    if delta_link:
        try:
            changed, removed, link = [], [], None
            for page in _pages(services, token, delta_link, None):
                for item in page.get("value", []):
                    event = None if "@removed" in item else to_event(item)
                    if event is None:
                        removed.append(str(item["id"]))
                    else:
                        changed.append(event)
                link = page.get("@odata.deltaLink") or link
            remote.delta, remote.changed, remote.removed = True, changed, removed
            remote.sync_token = f"{day}|{link}" if link else None
            return
        except NotFoundOrGone:
            pass  # the delta link expired (410 SyncStateNotFound): read everything again
    url = f"{_base(services)}{who}/calendars/{quote(calendar_id, safe='')}/calendarView/delta"
    params = {"startDateTime": format_utc(context.start), "endDateTime": format_utc(context.end)}
    events, link = [], None
    for page in _pages(services, token, url, params):
        events.extend(e for e in (to_event(i) for i in page.get("value", [])) if e)
        link = page.get("@odata.deltaLink") or link
    remote.events = events
    remote.sync_token = f"{day}|{link}" if link else None


class MicrosoftWriter:
    """Bookings as Outlook events: the invitee a required attendee, their guests optional ones
    (Outlook invites them), the booking's place the location."""

    def _body(self, details: dict, uid: str) -> dict:
        """The invitee (required), then their guests (optional); the place as `location`."""
        invitee = {
            "emailAddress": {"address": details["attendee"][1], "name": details["attendee"][0]},
            "type": "required",
        }
        guests = [
            {"emailAddress": {"address": g}, "type": "optional"} for g in details.get("guests", ())
        ]
        body = {
            "subject": details["summary"],
            "body": {"contentType": "text", "content": details["description"]},
            "start": {"dateTime": format_utc(details["start"])[:-1], "timeZone": "UTC"},
            "end": {"dateTime": format_utc(details["end"])[:-1], "timeZone": "UTC"},
            "attendees": [invitee, *guests],
            "showAs": "busy",
            "transactionId": uid[:255],
        }
        if details.get("location"):
            body["location"] = {"displayName": details["location"]}
        return body

    def put(self, services, creds, calendar_id, ref, uid, details, now, profile) -> str:
        return with_token(
            services, profile.public_id,
            lambda token: self._put(services, token, calendar_id, ref, uid, details, _who(creds)),
        )  # fmt: skip

    def _put(self, services, token, calendar_id, ref, uid, details, who="/me") -> str:
        base = _base(services)
        body = self._body(details, uid)
        if ref:
            # The body stays as written: replacing it would drop the Teams meeting blob Graph
            # put there, which disables the event's online meeting (Graph, "Update event").
            patch = {k: v for k, v in body.items() if k not in ("body", "transactionId")}
            try:
                url = f"{base}{who}/events/{quote(ref, safe='')}"
                data = call(services["outbound"], "PATCH", url, token, body=patch, what=WHAT)
                return str(data["id"])
            except NotFoundOrGone:
                pass  # deleted in Outlook by hand: write it again
        url = f"{base}{who}/calendars/{quote(calendar_id, safe='')}/events"
        data = call(services["outbound"], "POST", url, token, body=body, what=WHAT)
        return str(data["id"])

    def delete(self, services, creds, calendar_id, ref, profile) -> None:
        url = f"{_base(services)}{_who(creds)}/events/{quote(ref, safe='')}"
        try:
            with_token(
                services,
                profile.public_id,
                lambda token: call(services["outbound"], "DELETE", url, token, what=WHAT),
            )
        except NotFoundOrGone:
            return  # already gone
