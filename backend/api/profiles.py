"""Calendar services, Cronofy-shaped: connect feeds and CalDAV accounts (`/v1/profiles`), start
a Google/Microsoft consent (`/v1/calendar_authorizations`), sync now, revoke, and choose the
booking calendar. Thin: the work is in `calendars.services`."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import NotFound

from .. import conferencing, db
from ..calendars import (
    CalendarNotFound,
    booking_calendar_id,
    calendar_profiles,
    choose_booking_calendar,
    connect_profile,
    cronofy_calendar,
    local_profile,
    profile_to_dict,
    relink_path,
    revoke,
    start_authorization,
    sync_now,
    verify_caldav,
)
from ..connections import ConnectionsError
from ..core.validation import FieldErrors
from .auth import current_account, json_body, require_api_key

bp = Blueprint("api_profiles", __name__, url_prefix="/v1")
bp.before_request(require_api_key)


def _now() -> datetime:
    return datetime.now(UTC)


def _accepted() -> Response:
    response = Response(status=202)
    del response.headers["Content-Type"]
    return response


def _services() -> dict:
    ext = current_app.extensions
    return {"outbound": ext["schedlink.outbound"], "sealer": ext["schedlink.sealer"]}


def _relink_url(profile) -> str | None:
    if profile.connected:
        return None
    return current_app.config["BASE_URL"] + relink_path(profile)


def cronofy_profiles(account, with_calendars: bool) -> list[dict]:
    """The local calendars' profile (provider `schedlink`) first, then every connected
    calendar profile; Cronofy's profile fields, with `profile_calendars` when asked."""
    s = db.session()
    out = [local_profile(s, account)]
    for p in calendar_profiles(s, account):
        data = profile_to_dict(s, p, _relink_url(p))
        data.setdefault("provider_service", p.provider_name)
        data["profile_calendars"] = [cronofy_calendar(c) for c in data["profile_calendars"]]
        out.append(data)
    if not with_calendars:
        for data in out:
            data.pop("profile_calendars", None)
    return out


@bp.get("/profiles")
def index():
    return {"profiles": cronofy_profiles(current_account(), with_calendars=True)}


@bp.post("/profiles")
def create():
    body = json_body()
    services = _services()
    with db.write() as s:
        profile = connect_profile(
            s, current_account(), body, **services, now=_now(),
            check_caldav=lambda url, user, password: verify_caldav(
                services["outbound"], url, user, password
            ),
        )  # fmt: skip
        data = profile_to_dict(s, profile)
    return {"profile": data}, 201


@bp.post("/profiles/<profile_id>/sync")
def sync(profile_id: str):
    try:
        with db.write() as s:
            sync_now(
                s, current_account(), profile_id, _now(),
                current_app.config["CALENDAR_SYNC_SECONDS"],
            )  # fmt: skip
    except (ConnectionsError, CalendarNotFound):
        raise NotFound("No calendar profile with that id.") from None
    return _accepted()


@bp.post("/profiles/<profile_id>/revoke")
def revoke_profile(profile_id: str):
    """202 {"profile_id", "still_serves"}: a Google or Microsoft connection that also makes
    meetings stays for that (`["conferencing"]`, its grant kept) unless the body says
    {"everywhere": true}; `[]` when the connection is gone and its grant given back."""
    body = json_body() if request.get_data() else {}
    everywhere = body.get("everywhere", False)
    if not isinstance(everywhere, bool):
        errors = FieldErrors()
        errors.add("everywhere", "invalid", "everywhere is true or false.")
        errors.raise_if_any()
    try:
        with db.write() as s:
            if everywhere:
                conferencing.remove_everywhere(s, current_account(), profile_id, _now())
                remaining = []
            else:
                remaining = revoke(s, current_account(), profile_id)
    except (ConnectionsError, CalendarNotFound):
        raise NotFound("No calendar profile with that id.") from None
    return {"profile_id": profile_id, "still_serves": remaining}, 202


@bp.post("/calendar_authorizations")
def authorize():
    body = json_body()
    with db.write() as s:
        url = start_authorization(
            s, current_account(), body, config=current_app.config, now=_now(),
            sealer=current_app.extensions["schedlink.sealer"],
        )  # fmt: skip
    return {"authorization_request": {"url": url}}


@bp.get("/booking_calendar")
def get_booking_calendar():
    return {"calendar_id": booking_calendar_id(db.session(), current_account())}


@bp.put("/booking_calendar")
def put_booking_calendar():
    body = json_body()
    with db.write() as s:
        calendar = choose_booking_calendar(s, current_account(), body)
    return {"calendar_id": calendar.public_id}
