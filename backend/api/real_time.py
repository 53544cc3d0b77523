"""Real-Time Scheduling (Cronofy-compatible): create, read (by id or by the URL's token),
disable. The link it makes is an ordinary scheduling link of kind "real_time"."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, request

from .. import db
from ..core.validation import FieldErrors
from ..scheduling import (
    BadToken,
    LinkNotFound,
    TokenExpired,
    create_real_time,
    create_real_time_sequence,
    disable_link,
    get_real_time,
    rts_to_dict,
)
from .auth import current_account, json_body, require_api_key
from .links import booking_url

bp = Blueprint("api_real_time", __name__, url_prefix="/v1/real_time_scheduling")
bp.before_request(require_api_key)
# Real-Time Sequencing makes the same kind of link; its status is read and disabled above.
sequencing = Blueprint("api_real_time_sequencing", __name__, url_prefix="/v1")
sequencing.before_request(require_api_key)


def _now() -> datetime:
    return datetime.now(UTC)


def _render(link) -> dict:
    return {"real_time_scheduling": rts_to_dict(link, _now(), booking_url(link))}


def _limits() -> dict:
    config = current_app.config
    return {
        "periods": config["AVAILABILITY_MAX_PERIODS"],
        "span_days": config["AVAILABILITY_MAX_SPAN_DAYS"],
    }


@sequencing.post("/real_time_sequencing")
def create_sequencing():
    body = json_body()
    with db.write() as s:
        link = create_real_time_sequence(
            s, current_account(), body, _now(), current_app.extensions["schedlink.outbound"],
            _limits(),
        )  # fmt: skip
        data = _render(link)
    return data, 200


@bp.post("")
def create():
    body = json_body()
    limits = _limits()
    with db.write() as s:
        link = create_real_time(
            s, current_account(), body, _now(), current_app.extensions["schedlink.outbound"],
            limits,
        )  # fmt: skip
        data = _render(link)
    return data, 200


@bp.get("")
def by_token():
    token = request.args.get("token")
    if not token:
        errors = FieldErrors()
        errors.add("token", "required", "Give the token: the last segment of the link's url.")
        errors.raise_if_any()
    try:
        public_id = current_app.extensions["schedlink.tokens"].loads("booking", token)
    except (BadToken, TokenExpired):
        raise LinkNotFound(token) from None
    return _render(get_real_time(db.session(), current_account(), public_id))


@bp.get("/<real_time_scheduling_id>")
def show(real_time_scheduling_id: str):
    return _render(get_real_time(db.session(), current_account(), real_time_scheduling_id))


@bp.post("/<real_time_scheduling_id>/disable")
def disable(real_time_scheduling_id: str):
    body = json_body()
    message = body.get("display_message")
    if isinstance(message, str) and len(message) >= 500:
        errors = FieldErrors()
        errors.add("display_message", "invalid", "display_message must be under 500 characters.")
        errors.raise_if_any()
    with db.write() as s:
        link = get_real_time(s, current_account(), real_time_scheduling_id)
        s.refresh(link, with_for_update=True)
        data = _render(disable_link(link, body))
    return data
