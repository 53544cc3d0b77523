"""Calendars and events, Cronofy-shaped: list calendars, upsert/delete/read events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import NotFound

from .. import conferencing, db
from ..calendars import all_calendars
from ..calendars.events import (
    CalendarNotFound,
    booking_fields,
    calendar_for,
    count_events,
    delete_event,
    event_to_dict,
    lock_account,
    parse_when,
    read_events,
    upsert_event,
)
from ..core.validation import FieldErrors, ValidationError, is_tzid, parse_utc
from ..scheduling import BadToken, TokenExpired
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
    return {"calendars": all_calendars(db.session(), current_account())}


@bp.post("/calendars/<calendar_id>/events")
def upsert(calendar_id: str):
    body = json_body()
    errors = FieldErrors()
    spec = conferencing.parse_spec(body.get("conferencing"), errors)
    errors.raise_if_any()
    with db.write() as s:
        calendar = _calendar(s, calendar_id)
        lock_account(s, calendar.account_id)
        event = upsert_event(s, calendar, body, current_app.extensions["schedlink.outbound"])
        conferencing.apply(
            s, event, spec, account=current_account(), now=datetime.now(UTC),
            sealer=current_app.extensions["schedlink.sealer"],
        )  # fmt: skip
    return _accepted()


@bp.delete("/calendars/<calendar_id>/events")
def delete(calendar_id: str):
    body = json_body()
    with db.write() as s:
        calendar = _calendar(s, calendar_id)
        lock_account(s, calendar.account_id)
        delete_event(s, calendar, body, on_delete=lambda e: conferencing.event_removed(s, e))
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
    return _page(account, start, end, 1, None)


@bp.get("/events/pages/<page_token>")
def events_page(page_token: str):
    """The `next_page` URL of a previous answer: the same query, from where that page ended."""
    try:
        cursor = json.loads(
            current_app.extensions["schedlink.tokens"].loads("events-page", page_token)
        )
        if cursor["account"] != current_account().id:
            raise ValueError("another account's page")
        start, end = parse_utc(cursor["from"]), parse_utc(cursor["to"])
        after = (parse_utc(cursor["after"][0]), int(cursor["after"][1]))
        page = int(cursor["page"])
        if start is None or end is None or after[0] is None:
            raise ValueError("a malformed cursor")
    except (BadToken, TokenExpired, ValueError, KeyError, TypeError, IndexError):
        raise NotFound("That page does not exist or has expired; read from the start.") from None
    return _page(current_account(), start, end, page, after)


def _exact(value: datetime) -> str:
    """ISO 8601 with microseconds: the keyset must compare equal to the stored value."""
    return value.astimezone(UTC).isoformat()


def _page(account, start: datetime, end: datetime, page: int, after) -> dict:
    size = current_app.config["EVENTS_PAGE_SIZE"]
    session = db.session()
    rows = read_events(session, account, start, end, limit=size + 1, after=after)
    more, rows = len(rows) > size, rows[:size]
    # Pages so far plus what is left from here: exact, and a count of the rest only.
    remaining = count_events(session, account, start, end, after=after)
    pages = {"current": page, "total": page + max(0, -(-remaining // size) - 1)}
    if more:
        last = rows[-1][0]
        cursor = {
            "account": account.id, "from": _exact(start), "to": _exact(end),
            "after": [_exact(last.start_at), last.id], "page": page + 1,
        }  # fmt: skip
        token = current_app.extensions["schedlink.tokens"].dumps("events-page", json.dumps(cursor))
        pages["next_page"] = current_app.config["BASE_URL"] + url_for(
            "api_calendars.events_page", page_token=token
        )
    conferences = conferencing.conferences_by_event(session, [e.id for e, _ in rows])
    extras = booking_fields(session, [e for e, _ in rows])
    events = []
    for event, calendar_id in rows:
        data = event_to_dict(event, calendar_id) | extras.get(event.id, {})
        if event.id in conferences:
            data["conferencing"] = conferencing.to_dict(conferences[event.id])
        events.append(data)
    return {"pages": pages, "events": events}
