"""Scheduling links: create, list, read, disable, and a QR code of the URL."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import segno
from flask import Blueprint, Response, current_app, request, url_for
from sqlalchemy.exc import IntegrityError

from .. import db, notifications
from ..models import SchedulingLink
from ..scheduling import create_link, disable_link, get_link, idempotency, link_to_dict, list_links
from .auth import current_account, json_body, require_api_key

bp = Blueprint("api_links", __name__, url_prefix="/v1/scheduling_links")
bp.before_request(require_api_key)


def _now() -> datetime:
    return datetime.now(UTC)


def booking_url(link: SchedulingLink) -> str:
    token = current_app.extensions["schedlink.tokens"].dumps(
        "booking", link.public_id, issued_at=int(link.created_at.timestamp())
    )
    return current_app.config["BASE_URL"] + url_for("booking.offer", token=token)


def _render(link: SchedulingLink, s=None) -> dict:
    data = link_to_dict(link, _now(), booking_url)
    subscriptions = notifications.link_subscriptions(s or db.session(), link.id)
    if subscriptions:
        data["subscriptions"] = subscriptions
    return data


@bp.post("")
def create():
    body = json_body()
    key = request.headers.get("Idempotency-Key")
    if key is None:
        with db.write() as s:
            return _create(s, body), 201
    idempotency.check_key(key)
    body_hash, account_id = idempotency.request_hash(body), current_account().id

    def attempt():
        with db.write() as s:
            earlier = idempotency.stored(s, account_id, key, body_hash, _now())
            if earlier is not None:
                return earlier.response, earlier.status_code, {"Idempotent-Replayed": "true"}
            data = _create(s, body)
            idempotency.remember(s, account_id, key, body_hash, 201, data, _now())
            return data, 201

    try:
        return attempt()
    except IntegrityError:
        # A concurrent request with the same key committed first: answer as it did.
        return attempt()


def _create(s, body: dict) -> dict:
    link = create_link(
        s,
        current_account(),
        body,
        _now(),
        current_app.config["MARKUP_MAX_BYTES"],
        tuple(current_app.config["REDIRECT_ORIGINS"]),
        current_app.extensions["schedlink.outbound"],
    )
    return {"scheduling_link": _render(link, s)}


@bp.get("")
def index():
    links = list_links(db.session(), current_account())
    return {"scheduling_links": [_render(link) for link in links]}


@bp.get("/<link_id>")
def show(link_id: str):
    return {"scheduling_link": _render(get_link(db.session(), current_account(), link_id))}


@bp.post("/<link_id>/disable")
def disable(link_id: str):
    body = json_body()
    with db.write() as s:
        link = disable_link(get_link(s, current_account(), link_id, for_update=True), body)
        data = {"scheduling_link": _render(link, s)}
    return data


@bp.get("/<link_id>/qr.svg")
def qr(link_id: str):
    link = get_link(db.session(), current_account(), link_id)
    out = io.BytesIO()
    segno.make(booking_url(link), error="m").save(out, kind="svg", scale=4, border=2)
    return Response(out.getvalue(), mimetype="image/svg+xml")
