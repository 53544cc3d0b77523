"""The host's webhooks page: channels, the last deliveries (redeliver one) and the signing
secret, shown only when asked for (a POST, never cached) and rotated on request."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, current_app, flash, g, redirect, render_template, url_for

from .. import db, notifications
from .auth import login_required
from .profile_nav import add_section
from .security import check_csrf

bp = Blueprint("webhooks", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_section(app, "webhooks", "Webhooks", "webhooks.index", order=45)


def _now() -> datetime:
    return datetime.now(UTC)


def _page(secret: str | None = None, rotated: bool = False):
    s = db.session()
    body = render_template(
        "account/webhooks.html",
        section="webhooks",
        channels=notifications.list_channels(s, g.user.id),
        messages=notifications.recent_messages(s, g.user.id, 50),
        secret=secret,
        rotated=rotated,
    )
    return body, 200, {"Cache-Control": "no-store"}


@bp.get("/webhooks")
@login_required
def index():
    return _page()


@bp.post("/webhooks/secret")
@login_required
def reveal():
    check_csrf()
    with db.write() as s:
        secret = notifications.current_secret(
            s, g.user.id, _now(), current_app.extensions["schedlink.sealer"]
        )
    return _page(secret=secret)


@bp.post("/webhooks/secret/rotate")
@login_required
def rotate():
    check_csrf()
    with db.write() as s:
        secret = notifications.rotate_secret(
            s, g.user.id, _now(), current_app.extensions["schedlink.sealer"]
        )
    return _page(secret=secret, rotated=True)


@bp.post("/webhooks/deliveries/<message_id>/redeliver")
@login_required
def redeliver(message_id: str):
    check_csrf()
    with db.write() as s:
        queued = notifications.redeliver(s, g.user.id, message_id, _now())
    flash(
        "Queued again; it goes out within seconds."
        if queued
        else "That delivery cannot be sent again (its channel is turned off or it is gone)."
    )
    return redirect(url_for("webhooks.index") + "#deliveries", 303)


@bp.post("/webhooks/channels/<channel_id>/delete")
@login_required
def delete_channel(channel_id: str):
    check_csrf()
    try:
        with db.write() as s:
            notifications.delete_channel(s, g.user.id, channel_id)
    except notifications.ChannelNotFound:
        flash("That channel is not yours or no longer exists.")
    else:
        flash("Channel removed; nothing more is sent to it.")
    return redirect(url_for("webhooks.index") + "#channels", 303)
