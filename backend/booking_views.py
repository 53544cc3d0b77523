"""The public booking page: GET shows the offer (never changes state), POST books."""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import NotFound

from . import db
from .bookings import (
    LinkUnavailable,
    SlotUnavailable,
    book,
    booking_by_public_id,
    load_link,
    validate_invitee,
)
from .limits import limit
from .links import LinkNotFound, effective_status
from .models import SchedulingLink
from .offers import offered_slots
from .tokens import BadToken, TokenExpired
from .validation import ValidationError, format_utc, is_tzid, known_tzids, parse_utc
from .web_security import token_page

bp = Blueprint("booking", __name__)

GONE_REASONS = {
    "completed": "This link has already been used.",
    "expired": "This link has expired.",
    "disabled": "This link has been turned off by its owner.",
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["zone_choices"] = zone_choices
    app.jinja_env.filters["longdate"] = longdate


def longdate(value) -> str:
    return f"{value:%A}, {value.day} {value:%B %Y}"


@cache
def _zones() -> tuple[str, ...]:
    return tuple(
        sorted(z for z in known_tzids() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    )


def zone_choices(current: str) -> tuple[str, ...]:
    zones = _zones()
    return zones if current in zones else (current, *zones)


def _tokens():
    return current_app.extensions["schedlink.tokens"]


def _now() -> datetime:
    return datetime.now(UTC)


def _link_for(token: str) -> SchedulingLink:
    """The link a token names; any kind of bad token is the same 404."""
    try:
        public_id = _tokens().loads("booking", token)
    except TokenExpired:
        _gone("expired", None)
    except BadToken:
        raise NotFound() from None
    try:
        return load_link(db.session(), public_id)
    except LinkNotFound:
        raise NotFound() from None


def _gone(status: str, message: str | None):
    page = render_template(
        "booking/gone.html", status=status, reason=GONE_REASONS[status], message=message
    )
    abort(current_app.make_response((page, 410)))


def _viewer_zone(link: SchedulingLink) -> str:
    asked = request.values.get("tz")
    if is_tzid(asked):
        return asked
    contact_tz = (link.contact or {}).get("tzid")
    return contact_tz if is_tzid(contact_tz) else link.account.tzid


def _days(slots, zone: str):
    tz = ZoneInfo(zone)
    days: OrderedDict = OrderedDict()
    for start, _end in slots:
        local = start.astimezone(tz)
        days.setdefault(local.date(), []).append((format_utc(start), local))
    return days


def _offer(link: SchedulingLink, status: int = 200, *, error=None, form=None):
    zone = _viewer_zone(link)
    slots = offered_slots(db.session(), link, _now(), current_app.config["BOOKING_WINDOW_DAYS"])
    contact = link.contact or {}
    form = form or {"name": contact.get("name") or "", "email": contact.get("email") or ""}
    html = render_template(
        "booking/offer.html",
        link=link,
        host=link.account,
        contact=contact,
        days=_days(slots, zone),
        zone=zone,
        form=form,
        error=error,
        form_token=_tokens().dumps("booking-form", link.public_id),
    )
    return html, status


@bp.route("/b/<token>", methods=["GET", "HEAD"])
@token_page
def offer(token: str):
    link = _link_for(token)
    status = effective_status(link, _now())
    if status != "open":
        _gone(status, link.display_message)
    return _offer(link)


@bp.post("/b/<token>")
@token_page
def submit(token: str):
    link = _link_for(token)
    with limit("RATELIMIT_BOOKING", "booking-ip"):
        pass
    with limit("RATELIMIT_BOOKING_PER_LINK", "booking-link", key=lambda: link.public_id):
        pass
    _check_form_token(link)
    form = {"name": request.form.get("name", ""), "email": request.form.get("email", "")}
    start = parse_utc(request.form.get("start"))
    status = effective_status(link, _now())
    if status != "open":
        _gone(status, link.display_message)
    if start is None:
        return _offer(link, 422, error="Please pick one of the times below.", form=form)
    try:
        invitee = validate_invitee(form["name"], form["email"], request.form.get("tz"))
    except ValidationError as exc:
        messages = [item["description"] for items in exc.errors.values() for item in items]
        return _offer(link, 422, error=" ".join(messages), form=form)
    try:
        booking = db.retrying(
            lambda: book(
                current_app.extensions["schedlink.sessions"],
                link.public_id,
                start,
                invitee,
                _now(),
                current_app.config["BOOKING_WINDOW_DAYS"],
            )
        )
    except LinkUnavailable as exc:
        _gone(exc.status, exc.message)
    except (SlotUnavailable, db.TransactionConflict):
        db.session().expire_all()
        return _offer(
            link, 409, error="Sorry, that time was just taken. Please pick another.", form=form
        )
    zone = invitee.tzid or _viewer_zone(link)
    confirmation = _tokens().dumps("confirmation", booking.public_id)
    return redirect(url_for("booking.confirmed", token=confirmation, tz=zone), 303)


def _check_form_token(link: SchedulingLink) -> None:
    try:
        public_id = _tokens().loads("booking-form", request.form.get("form_token", ""))
    except (BadToken, TokenExpired):
        abort(400, description="This form has expired; reload the page and try again.")
    if public_id != link.public_id:
        abort(400, description="This form does not belong to this link.")
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin != request.host_url.rstrip("/"):
        allowed = current_app.config["BASE_URL"]
        if origin != allowed:
            abort(400, description="The form was sent from another site.")


@bp.get("/booked/<token>")
@token_page
def confirmed(token: str):
    try:
        public_id = _tokens().loads("confirmation", token)
    except (BadToken, TokenExpired):
        raise NotFound() from None
    booking = booking_by_public_id(db.session(), public_id)
    if booking is None:
        raise NotFound()
    zone = request.args.get("tz")
    zone = zone if is_tzid(zone) else booking.invitee_tzid or booking.account.tzid
    tz = ZoneInfo(zone)
    return render_template(
        "booking/confirmed.html",
        booking=booking,
        link=booking.link,
        host=booking.account,
        start=booking.start_at.astimezone(tz),
        end=booking.end_at.astimezone(tz),
        zone=zone,
    )
