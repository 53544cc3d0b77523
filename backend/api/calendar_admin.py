"""More of Cronofy's calendar calls: create a calendar on a profile (`POST /v1/calendars`),
delete every managed event (`DELETE /v1/events`) and answer an event
(`POST /v1/calendars/{id}/events/{uid}/participation_status`). Thin: the work is in
`calendars`."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import NotFound

from .. import conferencing, db
from ..calendars import (
    CalendarNotFound,
    add_calendar,
    calendar_for,
    check_new_calendar,
    delete_managed_events,
    lock_account,
    make_remote_calendar,
    set_participation,
)
from ..connections import ConnectionsError, read_credentials
from ..core.validation import ValidationError
from ..outbox.calendar_jobs import services as calendar_services
from .auth import current_account, json_body, require_api_key

bp = Blueprint("api_calendar_admin", __name__, url_prefix="/v1")
bp.before_request(require_api_key)


def _accepted() -> Response:
    response = Response(status=202)
    del response.headers["Content-Type"]
    return response


@bp.post("/calendars")
def create():
    """On the local profile a local calendar; on a CalDAV, Google or Microsoft profile the
    calendar is made at the provider first (outside the transaction), then stored."""
    body = json_body()
    profile, name = check_new_calendar(db.session(), current_account(), body)
    external_id = None
    if profile is not None:
        sealer = current_app.extensions["schedlink.sealer"]
        try:
            credentials = read_credentials(profile, sealer)
        except ConnectionsError:
            credentials = {}
        external_id = make_remote_calendar(calendar_services(), profile, credentials, name)
    with db.write() as s:
        lock_account(s, current_account().id)
        check_new_calendar(s, current_account(), body)  # again, under the lock
        if profile is not None:
            profile = s.merge(profile)
        calendar = add_calendar(s, current_account(), profile, name, external_id)
    return {"calendar": calendar}


def _truthy(value) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))


@bp.delete("/events")
def delete_all():
    """`delete_all=true` or `calendar_ids[]`, as query parameters (pycronofy) or in a JSON
    body (the Node SDK)."""
    body = json_body() if request.get_data(cache=True).strip() else {}
    ids = request.args.getlist("calendar_ids[]") or request.args.getlist("calendar_ids")
    ids = ids or body.get("calendar_ids")
    everything = _truthy(request.args.get("delete_all")) or _truthy(body.get("delete_all"))
    if not ids and not everything:
        raise ValidationError(
            {"delete_all": [{"key": "errors.required",
                             "description": "Give delete_all=true or calendar_ids."}]}
        )  # fmt: skip
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise ValidationError(
            {"calendar_ids": [{"key": "errors.invalid", "description": "a list of ids"}]}
        )
    with db.write() as s:
        lock_account(s, current_account().id)
        delete_managed_events(
            s, current_account(), ids or None, on_delete=lambda e: conferencing.event_removed(s, e)
        )
    return _accepted()


@bp.post("/calendars/<calendar_id>/events/<event_uid>/participation_status")
def participation_status(calendar_id: str, event_uid: str):
    body = json_body()
    with db.write() as s:
        try:
            calendar = calendar_for(s, current_account(), calendar_id)
        except CalendarNotFound:
            raise NotFound("No calendar with that id.") from None
        lock_account(s, calendar.account_id)
        if not set_participation(s, calendar, event_uid, body):
            raise NotFound("No event with that id in this calendar.")
    return _accepted()
