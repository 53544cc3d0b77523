"""The host's webhooks page: add a channel, test it (a real `verification` sent now, the
receiver's answer shown), pause, resume and remove it; the last 50 deliveries with their
answer, response time and retry schedule (redeliver one); and the signing secret, shown only
when asked for (a POST, never cached) and rotated on request, both in sudo mode."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from ... import db, notifications
from ...core.validation import ValidationError
from ...outbox.webhook_probe import ProbeResult, probe_channel
from ..security import check_csrf
from .auth import login_required
from .profile_nav import add_section
from .sudo import sudo_required

bp = Blueprint("webhooks", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_section(app, "webhooks", "Webhooks", "webhooks.index", order=45)


def _now() -> datetime:
    return datetime.now(UTC)


def _span(seconds: float) -> str:
    """5 → '5 s', 300 → '5 min', 7200 → '2 h': a retry delay in a few characters."""
    for size, unit in ((3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def _page(secret: str | None = None, rotated: bool = False, probe: ProbeResult | None = None):
    s = db.session()
    schedule = current_app.config["WEBHOOK_RETRY_SCHEDULE"]
    channels = notifications.list_channels(s, g.user.id)
    body = render_template(
        "account/webhooks.html",
        section="webhooks",
        channels=channels,
        channel_ids={c.id: c.public_id for c in channels},
        messages=notifications.recent_messages(s, g.user.id, 50),
        types=notifications.types.CHANNEL_TYPES,
        attempts=len(schedule),
        retries=[_span(x) for x in schedule[1:]],
        disable_days=current_app.config["WEBHOOK_DISABLE_AFTER_HOURS"] / 24,
        secret=secret,
        rotated=rotated,
        probe=probe,
        now=_now(),
    )
    return body, 200, {"Cache-Control": "no-store"}


def _back(anchor: str):
    return redirect(url_for("webhooks.index") + anchor, 303)


@bp.get("/webhooks")
@login_required
def index():
    return _page()


@bp.post("/webhooks/channels")
@login_required
@sudo_required  # a new channel sends your bookings' details to a new place
def create_channel():
    check_csrf()
    chosen = [t for t in request.form.getlist("types") if t]
    payload = {"callback_url": request.form.get("callback_url", "").strip()}
    if chosen and set(chosen) != set(notifications.types.CHANNEL_TYPES):
        payload["filters"] = {"types": chosen}
    try:
        with db.write() as s:
            channel, new = notifications.create_channel(
                s, g.user.id, payload, current_app.extensions["schedlink.outbound"], _now()
            )
            status = channel.status
    except ValidationError as exc:
        problems = " ".join(i["description"] for items in exc.errors.values() for i in items)
        flash(f"Not added: {problems}")
        return _back("#add-channel")
    if new:
        flash("Channel added. A verification notification is on its way to it.")
    else:
        flash(f"That channel exists already ({status}); nothing changed.")
    return _back("#channels")


@bp.post("/webhooks/channels/<channel_id>/test")
@login_required
def test_channel(channel_id: str):
    check_csrf()
    ext = current_app.extensions
    try:
        result = probe_channel(
            db.sessions(), ext["schedlink.outbound"], ext["schedlink.sealer"], g.user.id,
            channel_id, _now(),
        )  # fmt: skip
    except notifications.ChannelNotFound:
        flash("That channel is not yours or no longer exists.")
        return _back("#channels")
    return _page(probe=result)


@bp.post("/webhooks/channels/<channel_id>/pause")
@login_required
def pause_channel(channel_id: str):
    check_csrf()
    try:
        with db.write() as s:
            notifications.pause_channel(s, g.user.id, channel_id)
    except notifications.ChannelNotFound:
        flash("That channel is not yours or no longer exists.")
    except notifications.ChannelNotPausable:
        flash("That channel is turned off; add it again to turn it back on.")
    else:
        flash("Channel paused. New notifications wait here until you resume it.")
    return _back("#channels")


@bp.post("/webhooks/channels/<channel_id>/resume")
@login_required
def resume_channel(channel_id: str):
    check_csrf()
    try:
        with db.write() as s:
            waiting = notifications.resume_channel(s, g.user.id, channel_id, _now())
    except notifications.ChannelNotFound:
        flash("That channel is not yours or no longer exists.")
    except notifications.ChannelNotPausable:
        flash("That channel is not paused.")
    else:
        flash(
            "Channel resumed; "
            + ("no notifications were waiting." if not waiting else
               "1 waiting notification goes out now." if waiting == 1 else
               f"{waiting} waiting notifications go out now.")
        )  # fmt: skip
    return _back("#channels")


@bp.post("/webhooks/secret")
@login_required
@sudo_required
def reveal():
    check_csrf()
    with db.write() as s:
        secret = notifications.current_secret(
            s, g.user.id, _now(), current_app.extensions["schedlink.sealer"]
        )
    return _page(secret=secret)


@bp.post("/webhooks/secret/rotate")
@login_required
@sudo_required
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
        else "That delivery cannot be sent again (its channel is paused or turned off, or it"
        " is gone)."
    )
    return _back("#deliveries")


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
    return _back("#channels")
