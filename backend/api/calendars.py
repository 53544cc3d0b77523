"""Calendars and events, Cronofy-shaped: list calendars, upsert/delete/read events."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import NotFound

from .. import db
from ..calendars.events import (
    CalendarNotFound,
    calendar_for,
    calendars_of,
    delete_event,
    event_to_dict,
    lock_account,
    parse_when,
    read_events,
    upsert_event,
)
from ..validation import ValidationError, is_tzid, parse_utc
from .auth import current_account, json_body, require_api_key

bp = Blueprint("api_calendars", __name__, url_prefix="/v1")
bp.before_request(require_api_key)


def _accepted() -> Response:
    """202 with no body, and so no content type (not Flask's default text/html)."""
    response = Response(status=202)
    del response.headers["Content-Type"]
    return response


def _calendar(s, calendar_id: str):
    try:
        return calendar_for(s, current_account(), calendar_id)
    except CalendarNotFound:
        raise NotFound("No calendar with that id.") from None


@bp.get("/calendars")
def index():
    account = current_account()
    return {
        "calendars": [
            {
                "calendar_id": c.public_id,
                "calendar_name": c.name,
                "provider_name": "schedlink",
                "profile_name": account.email,
                "calendar_readonly": False,
                "calendar_deleted": False,
                "calendar_primary": i == 0,
            }
            for i, c in enumerate(calendars_of(db.session(), account))
        ]
    }


@bp.post("/calendars/<calendar_id>/events")
def upsert(calendar_id: str):
    body = json_body()
    with db.write() as s:
        calendar = _calendar(s, calendar_id)
        lock_account(s, calendar.account_id)
        upsert_event(s, calendar, body, current_app.extensions["schedlink.outbound"])
    return _accepted()


@bp.delete("/calendars/<calendar_id>/events")
def delete(calendar_id: str):
    body = json_body()
    with db.write() as s:
        calendar = _calendar(s, calendar_id)
        lock_account(s, calendar.account_id)
        delete_event(s, calendar, body)
    return _accepted()


def _bound(name: str, tzid: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    parsed = parse_utc(raw)
    if parsed is None and len(raw) == 10:
        parsed = parse_when(raw, tzid)
    if parsed is None:
        raise ValidationError(
            {
                name: [
                    {
                        "key": "errors.invalid",
                        "description": f"{name} must be a date or an RFC 3339 time.",
                    }
                ]
            }
        )
    return parsed


@bp.get("/events")
def events():
    account = current_account()
    tzid = request.args.get("tzid") or account.tzid
    if not is_tzid(tzid):
        raise ValidationError(
            {"tzid": [{"key": "errors.invalid", "description": "Unknown time zone."}]}
        )
    start = _bound("from", tzid) or datetime.now().astimezone()
    end = _bound("to", tzid) or start + timedelta(days=30)
    rows = read_events(db.session(), account, start, end)
    return {
        "pages": {"current": 1, "total": 1},
        "events": [event_to_dict(event, calendar_id) for event, calendar_id in rows],
    }
