"""Real-Time Scheduling (Cronofy-compatible): create, read (by id or by the URL's token),
disable. The link it makes is an ordinary scheduling link of kind "real_time"."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, request
from sqlalchemy.exc import IntegrityError

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
    idempotency,
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


def _idempotent(make) -> tuple:
    """`make(session)` → the link; with an Idempotency-Key header, the same key and body get
    the stored answer again, another body (or the same key on another endpoint) a 422, as
    `POST /v1/scheduling_links` does. The endpoint is part of the hash: keys are per account."""
    body = json_body()
    key = request.headers.get("Idempotency-Key")
    outbound, limits = current_app.extensions["schedlink.outbound"], _limits()

    def made(s) -> dict:
        return _render(make(s, current_account(), body, _now(), outbound, limits))

    if key is None:
        with db.write() as s:
            return made(s), 200
    idempotency.check_key(key)
    body_hash = idempotency.request_hash({"endpoint": request.path, "body": body})
    account_id = current_account().id

    def attempt():
        with db.write() as s:
            earlier = idempotency.stored(s, account_id, key, body_hash, _now())
            if earlier is not None:
                return earlier.response, earlier.status_code, {"Idempotent-Replayed": "true"}
            data = made(s)
            idempotency.remember(s, account_id, key, body_hash, 200, data, _now())
            return data, 200

    try:
        return attempt()
    except IntegrityError:  # a concurrent request with the same key committed first
        return attempt()


@sequencing.post("/real_time_sequencing")
def create_sequencing():
    return _idempotent(create_real_time_sequence)


@bp.post("")
def create():
    return _idempotent(create_real_time)


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
