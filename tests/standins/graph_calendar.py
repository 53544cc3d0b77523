"""A local stand-in for Microsoft Graph calendars (v1.0), following its documented shapes:
/me/calendars, calendarView/delta (startDateTime/endDateTime required, occurrences of series
expanded, @odata.nextLink pages, @odata.deltaLink, "@removed" items, 410 SyncStateNotFound for
an unknown delta token), events create/patch/delete, and Graph's error body everywhere.
Online meetings on events ("Create or set an event as an online meeting in an Outlook
calendar"): GET /me/calendar (the default calendar, with allowedOnlineMeetingProviders and
defaultOnlineMeetingProvider), POST /me/events, GET /me/events/{id} ($select honoured);
isOnlineMeeting with a provider the calendar allows gets onlineMeeting.joinUrl (after
`online_meeting_reads` reads of the event, to exercise waiting for it), and once set the
provider and isOnlineMeeting can no longer be changed. Reads need Calendars.Read or
Calendars.ReadWrite, writes Calendars.ReadWrite (403 ErrorAccessDenied otherwise).

    graph = GraphCalendar()
    provider = StandinProvider("microsoft"); provider.register(graph.blueprint(provider))
    graph.add_calendar("cal-1", "Calendar", default=True)
    graph.add_event("cal-1", {...an event resource...})
"""

from __future__ import annotations

import itertools
import secrets
import threading
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

from flask import Blueprint, request

PREFIX = "/v1.0"
PAGE = 50
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _parse(value: str) -> datetime:
    value = value.replace("Z", "")[:26]
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _fmt(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000")


class GraphCalendar:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calendars: dict[str, dict] = {}
        self.events: dict[str, dict] = {}  # id -> event (with _calendar, _change, _deleted)
        self.changes = itertools.count(1)
        self.delta_tokens: dict[str, tuple[int, str, str, str]] = {}
        self.requests: list[tuple[str, str]] = []
        self.online_meeting_reads = 0  # reads of an event before its joinUrl appears
        self._pending_reads: dict[str, int] = {}

    def add_calendar(self, calendar_id: str, name: str, default: bool = False,
                     can_edit: bool = True,
                     online_providers: tuple = ("teamsForBusiness",)) -> None:  # fmt: skip
        with self.lock:
            self.calendars[calendar_id] = {
                "id": calendar_id, "name": name, "canEdit": can_edit,
                "isDefaultCalendar": default,
                "allowedOnlineMeetingProviders": list(online_providers) or ["unknown"],
                "defaultOnlineMeetingProvider": online_providers[0] if online_providers
                else "unknown",
                "owner": {"name": "Host", "address": "host@example.com"},
            }  # fmt: skip

    def add_event(self, calendar_id: str, resource: dict) -> dict:
        with self.lock:
            return self._store(calendar_id, dict(resource))

    def remove_event(self, event_id: str) -> None:
        with self.lock:
            self.events[event_id]["_deleted"] = True
            self.events[event_id]["_change"] = next(self.changes)

    def expire_delta_tokens(self) -> None:
        with self.lock:
            self.delta_tokens.clear()

    def _store(self, calendar_id: str, resource: dict) -> dict:
        resource.setdefault("id", "AAMk" + uuid.uuid4().hex)
        resource.setdefault("showAs", "busy")
        resource.setdefault("isCancelled", False)
        resource.setdefault(
            "type", "seriesMaster" if resource.get("recurrence") else "singleInstance"
        )
        resource["@odata.etag"] = f'W/"{secrets.token_hex(6)}"'
        resource["lastModifiedDateTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        resource["_calendar"], resource["_change"], resource["_deleted"] = (
            calendar_id, next(self.changes), False,
        )  # fmt: skip
        self.events[resource["id"]] = resource
        return resource

    def blueprint(self, standin) -> Blueprint:
        bp = Blueprint("graph_calendar", __name__, url_prefix=PREFIX)
        error = standin.error

        @bp.before_request
        def _auth():
            record = standin.authenticate()
            wanted = ("Calendars.ReadWrite",) + (("Calendars.Read",) if request.method == "GET"
                                                 else ())  # fmt: skip
            standin.require_scope(
                record,
                *wanted,
                code="ErrorAccessDenied",
                message="Access is denied. Check credentials and try again.",
            )
            self.requests.append((request.method, request.full_path))

        @bp.get("/me/calendar")
        def default_calendar():
            found = [c for c in self.calendars.values() if c["isDefaultCalendar"]]
            if not found:
                return error(
                    404, "ErrorItemNotFound", "The specified object was not found in the store."
                )
            context = "https://graph.microsoft.com/v1.0/$metadata#users('me')/calendar/$entity"
            return {"@odata.context": context, **found[0]}

        @bp.post("/me/events")
        def create_in_default():
            found = [c["id"] for c in self.calendars.values() if c["isDefaultCalendar"]]
            return create(found[0] if found else "")

        @bp.get("/me/events/<event_id>")
        def read(event_id):
            with self.lock:
                event = self.events.get(event_id)
                if event is None or event["_deleted"]:
                    return error(
                        404, "ErrorItemNotFound", "The specified object was not found in the store."
                    )
                self._meeting_read(event)
                public = self._public(event)
            selected = request.args.get("$select")
            if selected:
                keep = {"id", "@odata.etag", *selected.split(",")}
                public = {k: v for k, v in public.items() if k in keep}
            return public

        @bp.post("/me/calendars")
        def create_calendar():
            """Create calendar: a new calendar in the user's default calendar group."""
            name = (request.get_json(silent=True) or {}).get("name")
            if not name:
                return {"error": {"code": "ErrorInvalidRequest", "message": "name"}}, 400
            calendar_id = f"AAMknew{len(self.calendars)}"
            self.add_calendar(calendar_id, name)
            return self.calendars[calendar_id], 201

        @bp.get("/me/calendars")
        def calendars():
            return self._page(list(self.calendars.values()), "calendars")

        @bp.get("/me/calendars/<calendar_id>/calendarView/delta")
        def delta(calendar_id):
            if calendar_id not in self.calendars:
                return error(
                    404, "ErrorItemNotFound", "The specified object was not found in the store."
                )
            args = request.args
            token = args.get("$deltatoken")
            with self.lock:
                if token:
                    if token not in self.delta_tokens:
                        return error(
                            410, "SyncStateNotFound", "The sync state generation is not found."
                        )
                    since, cal, start_text, end_text = self.delta_tokens[token]
                    changed = [
                        e
                        for e in self.events.values()
                        if e["_calendar"] == calendar_id and e["_change"] > since
                    ]
                else:
                    start_text, end_text = args.get("startDateTime"), args.get("endDateTime")
                    if not start_text or not end_text:
                        return error(
                            400,
                            "ErrorInvalidParameter",
                            "This request requires a time window specified by the query "
                            "string parameters StartDateTime and EndDateTime.",
                        )
                    changed = [
                        e
                        for e in self.events.values()
                        if e["_calendar"] == calendar_id and not e["_deleted"]
                    ]
                current = next(self.changes)
            start, end = _parse(start_text), _parse(end_text)
            items = []
            for event in changed:
                if event["_deleted"]:
                    items.append({"id": event["id"], "@removed": {"reason": "deleted"}})
                    if event.get("recurrence"):
                        items.extend(
                            {"id": o["id"], "@removed": {"reason": "deleted"}}
                            for o in self._occurrences(event, start, end)
                        )
                elif event.get("recurrence"):
                    items.extend(self._occurrences(event, start, end))
                elif self._overlaps(event, start, end) or token:
                    items.append(self._public(event))
            skip = int(args.get("$skiptoken") or 0)
            page = items[skip : skip + PAGE]
            body = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(event)",
                    "value": page}  # fmt: skip
            base = request.base_url
            if skip + PAGE < len(items):
                keep = {k: v for k, v in args.items() if k != "$skiptoken"}
                body["@odata.nextLink"] = f"{base}?{urlencode({**keep, '$skiptoken': skip + PAGE})}"
            else:
                new_token = secrets.token_urlsafe(12)
                with self.lock:
                    self.delta_tokens[new_token] = (current, calendar_id, start_text, end_text)
                body["@odata.deltaLink"] = f"{base}?{urlencode({'$deltatoken': new_token})}"
            return body

        @bp.post("/me/calendars/<calendar_id>/events")
        def create(calendar_id):
            calendar = self.calendars.get(calendar_id)
            if calendar is None:
                return error(
                    404, "ErrorItemNotFound", "The specified object was not found in the store."
                )
            if not calendar["canEdit"]:
                return error(
                    403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
                )
            body = request.get_json(silent=True)
            problem = self._invalid(body)
            if problem:
                return error(400, "ErrorInvalidRequest", problem)
            with self.lock:
                for existing in self.events.values():  # transactionId makes retries idempotent
                    if (
                        body.get("transactionId")
                        and existing.get("transactionId") == body["transactionId"]
                        and not existing["_deleted"]
                    ):
                        return self._public(existing), 201
                event = self._store(calendar_id, {k: v for k, v in body.items() if k != "id"})
                self._online_meeting(event, None)
            return self._public(event), 201

        @bp.patch("/me/events/<event_id>")
        def patch(event_id):
            with self.lock:
                event = self.events.get(event_id)
                if event is None or event["_deleted"]:
                    return error(
                        404, "ErrorItemNotFound", "The specified object was not found in the store."
                    )
                body = request.get_json(silent=True)
                if not isinstance(body, dict):
                    return error(400, "BadRequest", "Empty Payload. JSON content expected.")
                before = dict(event)
                merged = {**event, **{k: v for k, v in body.items() if k != "id"}}
                problem = self._invalid(merged)
                if problem:
                    return error(400, "ErrorInvalidRequest", problem)
                event = self._store(event["_calendar"], merged)
                self._online_meeting(event, before, replaced_body="body" in body)
            return self._public(event)

        @bp.delete("/me/events/<event_id>")
        def delete(event_id):
            with self.lock:
                event = self.events.get(event_id)
                if event is None or event["_deleted"]:
                    return error(
                        404, "ErrorItemNotFound", "The specified object was not found in the store."
                    )
                event["_deleted"], event["_change"] = True, next(self.changes)
            return "", 204

        return bp

    def _online_meeting(self, event: dict, before: dict | None, replaced_body=False) -> None:
        """Graph sets onlineMeeting when isOnlineMeeting is true with a provider the calendar
        allows; once set, the provider stays and isOnlineMeeting can't go back to false. The
        join details go into the body as a meeting blob; a new body without it disables
        the online meeting ("Update event": body property and online meetings)."""
        if before is not None and before.get("isOnlineMeeting"):
            for key in ("isOnlineMeeting", "onlineMeetingProvider", "onlineMeeting"):
                event[key] = before.get(key)
            join = (before.get("onlineMeeting") or {}).get("joinUrl")
            content = (event.get("body") or {}).get("content") or ""
            if replaced_body and join and join not in content:
                event["onlineMeeting"] = None
            return
        calendar = self.calendars[event["_calendar"]]
        provider = event.get("onlineMeetingProvider") or calendar["defaultOnlineMeetingProvider"]
        event.setdefault("onlineMeetingUrl", None)
        if (
            not event.get("isOnlineMeeting")
            or provider not in calendar["allowedOnlineMeetingProviders"]
        ):
            event.update(isOnlineMeeting=False, onlineMeetingProvider="unknown",
                         onlineMeeting=None)  # fmt: skip
            return
        event["onlineMeetingProvider"] = provider
        event["onlineMeeting"] = None
        self._pending_reads[event["id"]] = self.online_meeting_reads
        self._meeting_read(event, reading=False)

    def _meeting_read(self, event: dict, reading: bool = True) -> None:
        """The join link appears once the event was read `online_meeting_reads` times."""
        if not event.get("isOnlineMeeting") or event.get("onlineMeeting"):
            return
        left = self._pending_reads.get(event["id"], 0) - (1 if reading else 0)
        self._pending_reads[event["id"]] = left
        if left > 0:
            return
        thread = f"19:meeting_{secrets.token_urlsafe(24)}@thread.v2"
        join = f"https://teams.microsoft.com/l/meetup-join/{quote(thread, safe='')}/0"
        event["onlineMeeting"] = {
            "joinUrl": join,
            "conferenceId": str(secrets.randbelow(10**9)),
            "tollNumber": "+1 323-555-0166",
        }
        body = dict(event.get("body") or {"contentType": "text", "content": ""})
        body["content"] = f"{body.get('content') or ''}\n\nMicrosoft Teams meeting\nJoin: {join}\n"
        event["body"] = body

    @staticmethod
    def _invalid(body) -> str | None:
        if not isinstance(body, dict):
            return "Empty Payload. JSON content expected."
        for key in ("start", "end"):
            value = body.get(key)
            if (
                not isinstance(value, dict)
                or not value.get("dateTime")
                or not value.get("timeZone")
            ):
                return f"{key.title()} time and time zone are required."
        if _parse(body["end"]["dateTime"]) < _parse(body["start"]["dateTime"]):
            return "The end time must be after the start time."
        return None

    @staticmethod
    def _public(event: dict) -> dict:
        return {k: v for k, v in event.items() if not k.startswith("_")}

    @staticmethod
    def _overlaps(event: dict, start: datetime, end: datetime) -> bool:
        return _parse(event["start"]["dateTime"]) < end and _parse(event["end"]["dateTime"]) > start

    def _occurrences(self, event: dict, start: datetime, end: datetime) -> list[dict]:
        """Daily or weekly patterns with a numbered or end-date range, expanded as Graph does."""
        pattern, rng = event["recurrence"]["pattern"], event["recurrence"]["range"]
        first = _parse(event["start"]["dateTime"])
        length = _parse(event["end"]["dateTime"]) - first
        interval = pattern.get("interval", 1)
        days = {DAYS.index(d) for d in pattern.get("daysOfWeek", [])} or {first.weekday()}
        limit = rng.get("numberOfOccurrences") if rng["type"] == "numbered" else None
        until = _parse(rng["endDate"] + "T23:59:59") if rng["type"] == "endDate" else None
        first_week = first - timedelta(days=first.weekday())
        out, count, when = [], 0, first
        while when < end and (limit is None or count < limit) and (until is None or when <= until):
            if pattern["type"] == "weekly":
                weeks = (when - first_week).days // 7
                matches = when.weekday() in days and weeks % interval == 0
            else:
                matches = (when - first).days % interval == 0
            if matches:
                count += 1
                if when + length > start:
                    item = {k: v for k, v in self._public(event).items() if k != "recurrence"}
                    item.update(
                        id=f"{event['id']}_{when:%Y%m%d}", type="occurrence",
                        seriesMasterId=event["id"],
                        start={"dateTime": _fmt(when), "timeZone": "UTC"},
                        end={"dateTime": _fmt(when + length), "timeZone": "UTC"},
                    )  # fmt: skip
                    out.append(item)
            when += timedelta(days=1)
        return out

    def _page(self, items: list, what: str):
        skip = int(request.args.get("$skip") or 0)
        top = min(int(request.args.get("$top") or 10), 999)
        body = {"@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#users('me')/{what}",
                "value": items[skip : skip + top]}  # fmt: skip
        if skip + top < len(items):
            body["@odata.nextLink"] = (
                f"{request.base_url}?{urlencode({'$top': top, '$skip': skip + top})}"
            )
        return body
