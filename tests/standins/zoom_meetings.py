"""Zoom Meetings API stand-in (https://api.zoom.us/v2): POST /users/me/meetings (201 with
id, join_url, start_url, password), GET/PATCH/DELETE /meetings/{meetingId} (204), errors as
Zoom documents them: {"code": <int>, "message": "…"} (300 Validation Failed with `errors`,
3001 meeting does not exist, 124 invalid access token via the provider's authenticate)."""

from __future__ import annotations

import re
import secrets
import threading
from datetime import UTC, datetime

from flask import Blueprint, jsonify, request

_ZOOM_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z?")


def blueprint(provider) -> Blueprint:
    bp = Blueprint("zoom_meetings", __name__, url_prefix=provider.flavour.api_path or None)
    bp.meetings = {}  # id -> meeting dict (what GET answers)
    bp.calls = []  # (method, path, json) in order, for assertions
    lock = threading.Lock()

    def validation_failed(errors):
        body = {"code": 300, "message": "Validation Failed.", "errors": errors}
        return jsonify(body), 400

    def not_found(meeting_id):
        return provider.error(404, 3001, f"Meeting does not exist: {meeting_id}.")

    def check(body, partial):
        errors = []
        if not isinstance(body, dict):
            return [{"field": "body", "message": "Request Body should be a valid JSON object."}]
        if not partial or "topic" in body:
            topic = body.get("topic", "")
            if not isinstance(topic, str) or len(topic) > 200:
                errors.append({"field": "topic", "message": "Invalid field."})
        if "type" in body and body["type"] not in (1, 2, 3, 8, 10):
            errors.append({"field": "type", "message": "Invalid field."})
        kind = body.get("type", 2)
        if kind == 2 and (not partial or "start_time" in body):
            start = body.get("start_time")
            if not isinstance(start, str) or not _ZOOM_TIME.fullmatch(start):
                errors.append({"field": "start_time", "message": "Invalid field."})
        if "duration" in body and not isinstance(body["duration"], int):
            errors.append({"field": "duration", "message": "Invalid field."})
        if "agenda" in body and len(str(body["agenda"])) > 2000:
            errors.append({"field": "agenda", "message": "Invalid field."})
        return errors

    @bp.post("/users/me/meetings")
    def create():
        record = provider.authenticate()
        body = request.get_json(silent=True)
        bp.calls.append(("POST", request.path, body))
        errors = check(body, partial=False)
        if errors:
            return validation_failed(errors)
        with lock:
            meeting_id = secrets.randbelow(9 * 10**10) + 10**10
            password = secrets.token_hex(3)
            meeting = {
                "id": meeting_id,
                "uuid": secrets.token_urlsafe(16),
                "host_id": str(record.get("user_id", "standin-user"))
                if isinstance(record, dict)
                else "standin-user",
                "topic": body.get("topic", ""),
                "type": body.get("type", 2),
                "status": "waiting",
                "start_time": body.get("start_time"),
                "duration": body.get("duration", 60),
                "timezone": body.get("timezone", "UTC"),
                "agenda": body.get("agenda", ""),
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "start_url": f"https://zoom.us/s/{meeting_id}?zak={secrets.token_urlsafe(24)}",
                "join_url": f"https://zoom.us/j/{meeting_id}?pwd={secrets.token_urlsafe(16)}",
                "password": password,
                "settings": body.get("settings", {}),
            }
            bp.meetings[meeting_id] = meeting
        return jsonify(meeting), 201

    @bp.get("/meetings/<int:meeting_id>")
    def show(meeting_id: int):
        provider.authenticate()
        if meeting_id not in bp.meetings:
            return not_found(meeting_id)
        return jsonify(bp.meetings[meeting_id])

    @bp.patch("/meetings/<int:meeting_id>")
    def update(meeting_id: int):
        provider.authenticate()
        body = request.get_json(silent=True)
        bp.calls.append(("PATCH", request.path, body))
        if meeting_id not in bp.meetings:
            return not_found(meeting_id)
        errors = check(body, partial=True)
        if errors:
            return validation_failed(errors)
        with lock:
            bp.meetings[meeting_id].update(
                {
                    k: v
                    for k, v in body.items()
                    if k in ("topic", "start_time", "duration", "timezone", "agenda", "settings")
                }
            )
        return "", 204

    @bp.delete("/meetings/<int:meeting_id>")
    def delete(meeting_id: int):
        provider.authenticate()
        bp.calls.append(("DELETE", request.path, None))
        with lock:
            if bp.meetings.pop(meeting_id, None) is None:
                return not_found(meeting_id)
        return "", 204

    return bp
