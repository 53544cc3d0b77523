"""GoTo Meeting stand-in (https://api.getgo.com): POST /G2M/rest/v2/meetings answers 201
with a one-element JSON array [{joinURL, meetingid, maxParticipants, uniqueMeetingId,
conferenceCallInfo}]; GET answers an array too; PUT and DELETE
/G2M/rest/v2/meetings/{meetingId} answer 204. Errors in the provider's shape via error()."""

from __future__ import annotations

import secrets
import threading
from datetime import datetime

from flask import Blueprint, jsonify, request


def _time(value) -> bool:
    if not isinstance(value, str) or not value.endswith("Z"):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def blueprint(provider) -> Blueprint:
    bp = Blueprint("goto_meetings", __name__, url_prefix=provider.flavour.api_path or None)
    bp.meetings = {}
    bp.calls = []
    lock = threading.Lock()

    def check(body, partial):
        if not isinstance(body, dict):
            return "invalid json"
        for field in ("starttime", "endtime"):
            if (not partial or field in body) and not _time(body.get(field)):
                return f"{field} is invalid"
        subject = body.get("subject", "")
        if not isinstance(subject, str) or len(subject) > 100:
            return "subject is invalid"
        if body.get("meetingtype", "scheduled") not in ("scheduled", "recurring", "immediate"):
            return "meetingtype is invalid"
        return None

    def not_found():
        return provider.error(404, "NotFound", "Meeting not found")

    @bp.post("/G2M/rest/v2/meetings")
    def create():
        provider.authenticate()
        body = request.get_json(silent=True)
        bp.calls.append(("POST", request.path, body))
        problem = check(body, partial=False)
        if problem:
            return provider.error(400, "InvalidRequest", problem)
        meeting_id = secrets.randbelow(9 * 10**8) + 10**8
        meeting = {
            "joinURL": f"https://meet.goto.com/{meeting_id}",
            "meetingid": meeting_id,
            "maxParticipants": 250,
            "uniqueMeetingId": secrets.randbelow(10**12),
            "conferenceCallInfo": "Hybrid",
        }
        with lock:
            bp.meetings[meeting_id] = {**meeting, **body}
        return jsonify([meeting]), 201

    @bp.get("/G2M/rest/v2/meetings/<int:meeting_id>")
    def show(meeting_id):
        provider.authenticate()
        if meeting_id not in bp.meetings:
            return not_found()
        return jsonify([bp.meetings[meeting_id]])

    @bp.put("/G2M/rest/v2/meetings/<int:meeting_id>")
    def update(meeting_id):
        provider.authenticate()
        body = request.get_json(silent=True)
        bp.calls.append(("PUT", request.path, body))
        if meeting_id not in bp.meetings:
            return not_found()
        problem = check(body, partial=True)
        if problem:
            return provider.error(400, "InvalidRequest", problem)
        with lock:
            bp.meetings[meeting_id].update(body)
        return "", 204

    @bp.delete("/G2M/rest/v2/meetings/<int:meeting_id>")
    def delete(meeting_id):
        provider.authenticate()
        bp.calls.append(("DELETE", request.path, None))
        with lock:
            if bp.meetings.pop(meeting_id, None) is None:
                return not_found()
        return "", 204

    return bp
