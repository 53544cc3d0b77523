"""A local stand-in for the Google Calendar API v3, following its documented shapes: the
calendar list, events.list (singleEvents expansion, timeMin/timeMax, pageToken pagination,
syncToken with nextSyncToken and 410 fullSyncRequired), events.get/insert/patch/delete
(sendUpdates, 410 on an already deleted event), conferenceDataVersion=1 with a hangoutsMeet
createRequest on insert or patch ("pending" in the answer, "success" with entryPoints and
hangoutLink on a later get; the same requestId again keeps the conference made),
the `primary` keyword for the user's primary calendar, and Google's error body everywhere.

    calendar = GoogleCalendar()
    provider = StandinProvider("google"); provider.register(calendar.blueprint(provider))
    calendar.add_calendar("primary-id", "Work", primary=True)
    calendar.add_event("primary-id", {...an event resource...})
"""

from __future__ import annotations

import itertools
import secrets
import threading
import uuid
from datetime import UTC, datetime, timedelta

from dateutil.rrule import rrulestr
from flask import Blueprint, request

PREFIX = "/calendar/v3"


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _fmt(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GoogleCalendar:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calendars: dict[str, dict] = {}
        self.events: dict[str, dict[str, dict]] = {}
        self.changes = itertools.count(1)
        self.tokens: dict[str, int] = {}  # syncToken -> change number it stands for
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, args) seen

    # --- seeding and inspecting ---------------------------------------------------------

    def add_calendar(self, calendar_id: str, summary: str, primary: bool = False,
                     access_role: str = "owner") -> None:  # fmt: skip
        with self.lock:
            self.calendars[calendar_id] = {
                "kind": "calendar#calendarListEntry", "id": calendar_id, "summary": summary,
                "timeZone": "UTC", "accessRole": access_role, "primary": primary,
            }  # fmt: skip
            self.events.setdefault(calendar_id, {})

    def add_event(self, calendar_id: str, resource: dict) -> dict:
        with self.lock:
            return self._store(calendar_id, dict(resource))

    def remove_event(self, calendar_id: str, event_id: str) -> None:
        with self.lock:
            event = self.events[calendar_id][event_id]
            event["status"] = "cancelled"
            event["_change"] = next(self.changes)

    def expire_sync_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def _store(self, calendar_id: str, resource: dict) -> dict:
        resource.setdefault("id", uuid.uuid4().hex)
        resource.setdefault("status", "confirmed")
        resource.setdefault("iCalUID", f"{resource['id']}@google.com")
        resource["kind"] = "calendar#event"
        resource["etag"] = f'"{secrets.token_hex(8)}"'
        resource["updated"] = _fmt(datetime.now(UTC))
        resource["_change"] = next(self.changes)
        self.events[calendar_id][resource["id"]] = resource
        return resource

    # --- the API --------------------------------------------------------------------------

    def blueprint(self, standin) -> Blueprint:
        bp = Blueprint("google_calendar", __name__, url_prefix=PREFIX)

        def error(status: int, reason: str, message: str, domain: str = "global"):
            return standin.error(status, reason, message)

        @bp.url_value_preprocessor
        def _primary(endpoint, values):
            """calendarId "primary" names the signed-in user's primary calendar."""
            if values and values.get("calendar_id") == "primary":
                found = [c["id"] for c in self.calendars.values() if c.get("primary")]
                values["calendar_id"] = found[0] if found else "primary"

        @bp.before_request
        def _auth():
            standin.authenticate()
            self.requests.append((request.method, request.path, dict(request.args)))

        @bp.get("/users/me/calendarList")
        def calendar_list():
            items = list(self.calendars.values())
            return self._page(items, {"kind": "calendar#calendarList"}, error)

        @bp.post("/calendars")
        def calendars_insert():
            """calendars.insert: a secondary calendar owned by the user."""
            summary = (request.get_json(silent=True) or {}).get("summary")
            if not summary:
                return error(400, "required", "Missing title.")
            calendar_id = f"{uuid.uuid4().hex[:16]}@group.calendar.google.com"
            self.add_calendar(calendar_id, summary)
            return {"kind": "calendar#calendar", "id": calendar_id, "summary": summary}

        @bp.get("/calendars/<calendar_id>/events")
        def events_list(calendar_id):
            if calendar_id not in self.calendars:
                return error(404, "notFound", "Not Found")
            args = request.args
            token = args.get("syncToken")
            if token and (args.get("timeMin") or args.get("timeMax")):
                return error(400, "invalid", "Sync token cannot be used with timeMin/timeMax.")
            with self.lock:
                if token:
                    since = self.tokens.get(token)
                    if since is None:
                        return error(
                            410,
                            "fullSyncRequired",
                            "Sync token is no longer valid, a full sync is required.",
                        )
                    events = [e for e in self.events[calendar_id].values() if e["_change"] > since]
                else:
                    events = [
                        e
                        for e in self.events[calendar_id].values()
                        if e["status"] != "cancelled" or args.get("showDeleted") == "true"
                    ]
                current = next(self.changes)
            items = []
            start = _parse(args["timeMin"]) if args.get("timeMin") else None
            end = _parse(args["timeMax"]) if args.get("timeMax") else None
            for event in events:
                if args.get("singleEvents") == "true" and event.get("recurrence"):
                    items.extend(self._instances(event, start, end))
                elif self._overlaps(event, start, end):
                    items.append(event)
            items.sort(key=lambda e: (e.get("start") or {}).get("dateTime", ""))
            sync_token = secrets.token_urlsafe(12)
            with self.lock:
                self.tokens[sync_token] = current
            return self._page(items, {"kind": "calendar#events", "summary": calendar_id},
                              error, last={"nextSyncToken": sync_token})  # fmt: skip

        @bp.get("/calendars/<calendar_id>/events/<event_id>")
        def events_get(calendar_id, event_id):
            event = self.events.get(calendar_id, {}).get(event_id)
            if event is None:
                return error(404, "notFound", "Not Found")
            create = (event.get("conferenceData") or {}).get("createRequest")
            if create and create["status"]["statusCode"] == "pending":
                # Conference creation finishes asynchronously: ready by the next read.
                code = "-".join(secrets.token_hex(2)[:3] for _ in range(3))
                link = f"https://meet.google.com/{code}"
                create["status"]["statusCode"] = "success"
                event["conferenceData"].update({
                    "conferenceId": code,
                    "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
                    "entryPoints": [
                        {"entryPointType": "video", "uri": link, "label": link[8:]},
                        {"entryPointType": "more", "uri": f"https://tel.meet/{code}?pin=1"},
                    ],
                })  # fmt: skip
                event["hangoutLink"] = link
            return self._public(event)

        @bp.post("/calendars/<calendar_id>/events")
        def events_insert(calendar_id):
            if calendar_id not in self.calendars:
                return error(404, "notFound", "Not Found")
            if self.calendars[calendar_id]["accessRole"] not in ("owner", "writer"):
                return error(403, "forbidden", "You need to have writer access to this calendar.")
            body = request.get_json(silent=True)
            problem = self._invalid(body)
            if problem:
                return error(400, "invalid", problem)
            body = {k: v for k, v in body.items() if k not in ("id", "kind", "etag")}
            if not self._conference(body, None):
                return error(400, "invalid", "Invalid conference type value.")
            with self.lock:
                event = self._store(calendar_id, body)
            return self._public(event)

        @bp.patch("/calendars/<calendar_id>/events/<event_id>")
        def events_patch(calendar_id, event_id):
            with self.lock:
                event = self.events.get(calendar_id, {}).get(event_id)
                if event is None:
                    return error(404, "notFound", "Not Found")
                if event["status"] == "cancelled":
                    return error(410, "deleted", "Resource has been deleted")
                body = request.get_json(silent=True)
                if not isinstance(body, dict):
                    return error(400, "parseError", "Parse Error")
                body = dict(body)
                if not self._conference(body, event):
                    return error(400, "invalid", "Invalid conference type value.")
                merged = {**event, **{k: v for k, v in body.items() if k not in ("id", "kind")}}
                problem = self._invalid(merged)
                if problem:
                    return error(400, "invalid", problem)
                event = self._store(calendar_id, merged)
            return self._public(event)

        @bp.delete("/calendars/<calendar_id>/events/<event_id>")
        def events_delete(calendar_id, event_id):
            with self.lock:
                event = self.events.get(calendar_id, {}).get(event_id)
                if event is None:
                    return error(404, "notFound", "Not Found")
                if event["status"] == "cancelled":
                    return error(410, "deleted", "Resource has been deleted")
                event["status"] = "cancelled"
                event["_change"] = next(self.changes)
            return "", 204

        return bp

    # --- helpers --------------------------------------------------------------------------

    @staticmethod
    def _conference(body: dict, existing: dict | None) -> bool:
        """conferenceData of an insert or patch body, in place; False: an invalid request.
        Ignored without conferenceDataVersion=1 (the event keeps what it has); a
        createRequest starts a pending Meet conference, and one with the requestId the
        event's conference was made with asks for that same conference again."""
        conference = body.get("conferenceData")
        if conference is None:
            return True
        if request.args.get("conferenceDataVersion") != "1":
            body.pop("conferenceData")
            return True
        create = conference.get("createRequest")
        if not create:
            return True  # copied conference data, kept as given
        kind = (create.get("conferenceSolutionKey") or {}).get("type")
        if not create.get("requestId") or kind != "hangoutsMeet":
            return False
        had = ((existing or {}).get("conferenceData") or {}).get("createRequest") or {}
        if had.get("requestId") == create["requestId"]:
            body.pop("conferenceData")
            return True
        create["status"] = {"statusCode": "pending"}
        return True

    @staticmethod
    def _invalid(body) -> str | None:
        if not isinstance(body, dict):
            return "Parse Error"
        start, end = body.get("start") or {}, body.get("end") or {}
        if not (start.get("dateTime") or start.get("date")) or not (
            end.get("dateTime") or end.get("date")
        ):
            return "Missing end time." if start else "Missing start time."
        if (
            start.get("dateTime")
            and end.get("dateTime")
            and _parse(end["dateTime"]) < _parse(start["dateTime"])
        ):
            return "The specified time range is empty."
        return None

    @staticmethod
    def _public(event: dict) -> dict:
        return {k: v for k, v in event.items() if not k.startswith("_")}

    @staticmethod
    def _overlaps(event: dict, start, end) -> bool:
        if event["status"] == "cancelled":
            return True  # deletions are reported to incremental syncs
        s = (event.get("start") or {}).get("dateTime")
        e = (event.get("end") or {}).get("dateTime")
        if not s or not e:
            return True
        return (end is None or _parse(s) < end) and (start is None or _parse(e) > start)

    def _instances(self, event: dict, start, end) -> list[dict]:
        first, last = _parse(event["start"]["dateTime"]), _parse(event["end"]["dateTime"])
        rule = rrulestr("\n".join(event["recurrence"]), dtstart=first)
        window_end = end or first + timedelta(days=400)
        out = []
        for occurrence in rule.between(first - timedelta(seconds=1), window_end, inc=True):
            instance_id = f"{event['id']}_{occurrence.astimezone(UTC):%Y%m%dT%H%M%SZ}"
            item = {k: v for k, v in event.items() if k not in ("recurrence",)}
            item.update(
                id=instance_id, recurringEventId=event["id"],
                originalStartTime={"dateTime": _fmt(occurrence)},
                start={"dateTime": _fmt(occurrence)},
                end={"dateTime": _fmt(occurrence + (last - first))},
            )  # fmt: skip
            if self._overlaps(item, start, end):
                out.append(item)
        return out

    @staticmethod
    def _page(items: list, envelope: dict, error, last: dict | None = None):
        try:
            size = min(int(request.args.get("maxResults", 250)), 2500)
            offset = int(request.args.get("pageToken") or 0)
        except ValueError:
            return error(400, "invalid", "Invalid value for: pageToken")
        if size < 1:
            return error(400, "invalid", "Invalid value for: maxResults")
        page = [GoogleCalendar._public(i) for i in items[offset : offset + size]]
        body = {**envelope, "items": page}
        if offset + size < len(items):
            body["nextPageToken"] = str(offset + size)
        else:
            body.update(last or {})
        return body
