"""Microsoft Graph online meetings stand-in (https://graph.microsoft.com/v1.0):
POST /me/onlineMeetings {startDateTime, endDateTime, subject} → 201 onlineMeeting (id,
joinWebUrl, legacy joinUrl, …); GET and PATCH (200 with the meeting) and DELETE (204)
/me/onlineMeetings/{id}. Errors in Graph's shape {"error": {"code", "message",
"innerError": {…}}} via the provider's error(); a token without OnlineMeetings.ReadWrite gets
403 (a Microsoft connection made for calendars only)."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime
from urllib.parse import quote

from flask import Blueprint, jsonify, request


def _time(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def blueprint(provider) -> Blueprint:
    bp = Blueprint("graph_meetings", __name__, url_prefix=provider.flavour.api_path or None)
    bp.meetings = {}
    bp.calls = []
    lock = threading.Lock()

    def authenticate():
        record = provider.authenticate()
        provider.require_scope(
            record, "OnlineMeetings.ReadWrite", "OnlineMeetings.ReadWrite.All",
            code="Forbidden", message="Insufficient privileges to complete the operation.",
        )  # fmt: skip

    def invalid(message):
        return provider.error(400, "BadRequest", message)

    def not_found():
        return provider.error(404, "NotFound", "The requested resource was not found.")

    def check(body, partial):
        if not isinstance(body, dict):
            return "Empty Payload. JSON content expected."
        for field in ("startDateTime", "endDateTime"):
            if (not partial or field in body) and field in body and not _time(body[field]):
                return f"Invalid value for '{field}'."
        if not partial and not (
            _time(body.get("startDateTime")) and _time(body.get("endDateTime"))
        ):
            return "startDateTime and endDateTime are required."
        if "subject" in body and not isinstance(body["subject"], str):
            return "Invalid value for 'subject'."
        return None

    @bp.post("/me/onlineMeetings")
    def create():
        authenticate()
        body = request.get_json(silent=True)
        bp.calls.append(("POST", request.path, body))
        problem = check(body, partial=False)
        if problem:
            return invalid(problem)
        meeting_id = "MSo" + secrets.token_urlsafe(30)
        thread = f"19:meeting_{secrets.token_urlsafe(24)}@thread.v2"
        join = f"https://teams.microsoft.com/l/meetup-join/{quote(thread, safe='')}/0"
        meeting = {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/onlineMeetings/$entity",
            "id": meeting_id,
            "creationDateTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
            "startDateTime": body["startDateTime"],
            "endDateTime": body["endDateTime"],
            "subject": body.get("subject"),
            "joinUrl": join,
            "joinWebUrl": join,
            "meetingCode": str(secrets.randbelow(10**12)),
            "chatInfo": {"threadId": thread, "messageId": "0"},
            "participants": {
                "organizer": {"upn": "host@example.onmicrosoft.com", "role": "presenter"},
                "attendees": [],
            },
        }
        with lock:
            bp.meetings[meeting_id] = meeting
        return jsonify(meeting), 201

    @bp.get("/me/onlineMeetings/<meeting_id>")
    def show(meeting_id):
        authenticate()
        if meeting_id not in bp.meetings:
            return not_found()
        return jsonify(bp.meetings[meeting_id])

    @bp.patch("/me/onlineMeetings/<meeting_id>")
    def update(meeting_id):
        authenticate()
        body = request.get_json(silent=True)
        bp.calls.append(("PATCH", request.path, body))
        if meeting_id not in bp.meetings:
            return not_found()
        problem = check(body, partial=True)
        if problem:
            return invalid(problem)
        with lock:
            bp.meetings[meeting_id].update(
                {k: body[k] for k in ("startDateTime", "endDateTime", "subject") if k in body}
            )
        return jsonify(bp.meetings[meeting_id]), 200

    @bp.delete("/me/onlineMeetings/<meeting_id>")
    def delete(meeting_id):
        authenticate()
        bp.calls.append(("DELETE", request.path, None))
        with lock:
            if bp.meetings.pop(meeting_id, None) is None:
                return not_found()
        return "", 204

    return bp
