"""Google Calendar events stand-in, the part Google Meet conferencing uses
(https://www.googleapis.com/calendar/v3): events.insert with `conferenceData.createRequest`
(only with `conferenceDataVersion=1`, deduplicated by `requestId`), created asynchronously:
the insert answers `createRequest.status.statusCode: "pending"` and a later events.get
answers `"success"` with the Meet link in `hangoutLink` and `conferenceData.entryPoints`;
events.patch, events.delete (204; 410 once deleted). Errors in Google's shape via error().

The calendar engineer's fuller stand-in (tests/standins/google_calendar.py) may serve the same
paths; this one has its own blueprint name so either can be registered."""

from __future__ import annotations

import secrets
import string
import threading
from datetime import UTC, datetime

from flask import Blueprint, jsonify, request


def _time(value) -> datetime | None:
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        return None
    try:
        parsed = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _meet_code() -> str:
    def letters(n):
        return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n))

    return f"{letters(3)}-{letters(4)}-{letters(3)}"


def blueprint(provider, pending_polls: int = 1) -> Blueprint:
    """`pending_polls`: how many events.get answers still say "pending" before "success"."""
    bp = Blueprint("google_meet", __name__, url_prefix="/calendar/v3")
    bp.events = {}  # event id -> event resource
    bp.meetings = bp.events  # the name the other meeting stand-ins use
    bp.deleted = set()
    bp.calls = []
    bp.pending_polls = pending_polls
    by_request: dict[str, str] = {}
    waiting: dict[str, int] = {}
    lock = threading.Lock()

    def stamp() -> str:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def bad(reason: str, message: str):
        return provider.error(400, reason, message)

    def not_found():
        return provider.error(404, "notFound", "Not Found")

    def check_times(body, partial):
        for field in ("start", "end"):
            if (not partial or field in body) and _time(body.get(field)) is None:
                return bad("required", f"Missing {field} time.")
        start, end = _time(body.get("start")), _time(body.get("end"))
        if start and end and end <= start:
            return bad("timeRangeEmpty", "The specified time range is empty.")
        return None

    def success(conference: dict) -> None:
        code = conference.setdefault("conferenceId", _meet_code())
        conference["createRequest"]["status"] = {"statusCode": "success"}
        conference["entryPoints"] = [
            {"entryPointType": "video", "uri": f"https://meet.google.com/{code}",
             "label": f"meet.google.com/{code}"},
            {"entryPointType": "more", "uri": f"https://tel.meet/{code}?pin=1234"},
        ]  # fmt: skip
        conference["conferenceSolution"] = {
            "key": {"type": "hangoutsMeet"},
            "name": "Google Meet",
            "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png",
        }

    def view(event: dict) -> dict:
        conference = event.get("conferenceData")
        if conference and conference["createRequest"]["status"]["statusCode"] == "success":
            event["hangoutLink"] = conference["entryPoints"][0]["uri"]
        return event

    @bp.post("/calendars/<calendar_id>/events")
    def insert(calendar_id):
        provider.authenticate()
        body = request.get_json(silent=True)
        bp.calls.append(("POST", request.full_path, body))
        if not isinstance(body, dict):
            return bad("parseError", "Parse Error")
        problem = check_times(body, partial=False)
        if problem:
            return problem
        event_id = secrets.token_hex(13)
        event = {
            "kind": "calendar#event", "etag": f'"{secrets.randbelow(10**16)}"', "id": event_id,
            "status": "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
            "created": stamp(), "updated": stamp(),
            "summary": body.get("summary", ""), "description": body.get("description", ""),
            "creator": {"email": provider.user.email, "self": True},
            "organizer": {"email": provider.user.email, "self": True},
            "start": body["start"], "end": body["end"],
            "iCalUID": f"{event_id}@google.com", "sequence": 0,
        }  # fmt: skip
        create = (body.get("conferenceData") or {}).get("createRequest")
        if create and request.args.get("conferenceDataVersion") == "1":
            key = (create.get("conferenceSolutionKey") or {}).get("type")
            if key not in ("hangoutsMeet",):
                return bad("invalid", "Invalid conference type value.")
            with lock:
                if by_request.get(create.get("requestId")) in bp.events:  # same requestId: ignored
                    event_id = by_request[create["requestId"]]
                    return jsonify(view(bp.events[event_id]))
                event["conferenceData"] = {
                    "createRequest": {
                        "requestId": create.get("requestId"),
                        "conferenceSolutionKey": {"type": key},
                        "status": {"statusCode": "pending"},
                    }
                }
                if bp.pending_polls <= 0:
                    success(event["conferenceData"])
                waiting[event_id] = bp.pending_polls
                by_request[create.get("requestId")] = event_id
        with lock:
            bp.events[event_id] = event
        return jsonify(view(event))

    @bp.get("/calendars/<calendar_id>/events/<event_id>")
    def get(calendar_id, event_id):
        provider.authenticate()
        bp.calls.append(("GET", request.path, None))
        with lock:
            event = bp.events.get(event_id)
            if event is None:
                return not_found()
            conference = event.get("conferenceData")
            if conference and conference["createRequest"]["status"]["statusCode"] == "pending":
                waiting[event_id] -= 1
                if waiting[event_id] < 0:
                    success(conference)
        return jsonify(view(event))

    @bp.patch("/calendars/<calendar_id>/events/<event_id>")
    def patch(calendar_id, event_id):
        provider.authenticate()
        body = request.get_json(silent=True)
        bp.calls.append(("PATCH", request.path, body))
        if event_id not in bp.events:
            return not_found()
        if not isinstance(body, dict):
            return bad("parseError", "Parse Error")
        problem = check_times({**bp.events[event_id], **body}, partial=True)
        if problem:
            return problem
        with lock:
            event = bp.events[event_id]
            event.update({k: body[k] for k in ("summary", "description", "start", "end")
                          if k in body})  # fmt: skip
            event["updated"], event["sequence"] = stamp(), event["sequence"] + 1
        return jsonify(view(event))

    @bp.delete("/calendars/<calendar_id>/events/<event_id>")
    def delete(calendar_id, event_id):
        provider.authenticate()
        bp.calls.append(("DELETE", request.path, None))
        with lock:
            if event_id in bp.deleted:
                return provider.error(410, "deleted", "Resource has been deleted")
            if bp.events.pop(event_id, None) is None:
                return not_found()
            bp.deleted.add(event_id)
        return "", 204

    return bp
