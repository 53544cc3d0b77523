"""Push notification channels (Cronofy-shaped) and the account's webhook signing secret."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app
from werkzeug.exceptions import NotFound

from .. import db, notifications
from .auth import current_account, json_body, require_api_key

bp = Blueprint("api_channels", __name__, url_prefix="/v1")
bp.before_request(require_api_key)


def _now() -> datetime:
    return datetime.now(UTC)


@bp.post("/channels")
def create():
    body = json_body()
    outbound = current_app.extensions["schedlink.outbound"]
    with db.write() as s:
        channel, created = notifications.create_channel(
            s, current_account().id, body, outbound, _now()
        )
        data = {"channel": notifications.channel_to_dict(channel)}
    return data, 201 if created else 200


@bp.get("/channels")
def index():
    channels = notifications.list_channels(db.session(), current_account().id)
    return {"channels": [notifications.channel_to_dict(c) for c in channels]}


@bp.delete("/channels/<channel_id>")
def delete(channel_id: str):
    try:
        with db.write() as s:
            notifications.delete_channel(s, current_account().id, channel_id)
    except notifications.ChannelNotFound:
        raise NotFound("No channel with that id.") from None
    response = Response(status=202)
    del response.headers["Content-Type"]
    return response


@bp.get("/webhook_secret")
def secret():
    with db.write() as s:
        value = notifications.current_secret(
            s, current_account().id, _now(), current_app.extensions["schedlink.sealer"]
        )
    return {"secret": value}


@bp.post("/webhook_secret/rotate")
def rotate():
    with db.write() as s:
        value = notifications.rotate_secret(
            s, current_account().id, _now(), current_app.extensions["schedlink.sealer"]
        )
    return {"secret": value}
