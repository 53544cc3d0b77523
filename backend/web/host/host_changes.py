"""The host changes a booking from the dashboard: moves it to a new free time on a page like
the invitee's (the link's rules; a team link's hosts' free times), or asks the invitee to
pick one ("propose a new time"). The work is `scheduling.reschedule` / `scheduling.propose`."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, flash, g, redirect, request, url_for
from sqlalchemy import select

from ... import db
from ...core import timefmt
from ...core.ids import looks_like_id
from ...models import Booking
from ...scheduling import changes as booking_changes
from ...scheduling import is_host_of, propose
from ..invitee.booking import check_form_token
from ..invitee.booking_pages import now, render_offer
from ..invitee.manage import move_from_form
from ..security import check_csrf
from .auth import login_required

bp = Blueprint("host_changes", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _bookings_section():
    return redirect(url_for("dashboard.index") + "#bookings", 303)


def _own_booking(booking_id: str) -> Booking | None:
    """The booking when the signed-in host owns its link or has a seat on it."""
    if not looks_like_id(booking_id, "bk"):  # a NUL would reach PostgreSQL as an error
        return None
    booking = db.session().scalar(select(Booking).where(Booking.public_id == booking_id))
    return booking if booking is not None and is_host_of(booking, g.user.id) else None


def _changeable(booking: Booking | None) -> bool:
    """Flashes why not, for the dashboard, when the booking can't be changed any more."""
    if booking is None:
        flash("That booking is not yours or no longer exists.", "bookings")
        return False
    if booking.status != "confirmed" or booking.start_at <= now():
        flash("That meeting is cancelled or has started, so it can't be changed.", "bookings")
        return False
    return True


def _when(booking: Booking) -> str:
    return timefmt.span(booking.start_at, booking.end_at, g.user.tzid, g.user.hour_format)


@bp.get("/bookings/<booking_id>/move")
@login_required
def move_page(booking_id: str):
    booking = _own_booking(booking_id)
    if not _changeable(booking):
        return _bookings_section()
    return render_offer(
        booking.link, moving=booking, host_view=g.user, form_subject=booking.public_id
    )


@bp.post("/bookings/<booking_id>/move")
@login_required
def move(booking_id: str):
    check_csrf()
    booking = _own_booking(booking_id)
    if not _changeable(booking):
        return _bookings_section()
    stale = check_form_token(booking.public_id)
    page = {"moving": booking, "host_view": g.user, "form_subject": booking.public_id}
    try:
        again = move_from_form(
            booking, page, stale, "That is the time it is already booked for, so nothing changed.",
            by="host", host_id=g.user.id,
        )  # fmt: skip
    except (booking_changes.BookingNotChangeable, booking_changes.BookingNotFound):
        flash("That meeting can no longer be changed by you.", "bookings")
        return _bookings_section()
    if again is not None:
        return again
    db.session().rollback()
    flash(
        f"Moved the meeting with {booking.invitee_name} to {_when(booking)}; they are told"
        " by e-mail."
        if current_app.config["SMTP_HOST"]
        else f"Moved the meeting with {booking.invitee_name} to {_when(booking)}.",
        "bookings",
    )
    return _bookings_section()


@bp.post("/bookings/<booking_id>/propose")
@login_required
def propose_time(booking_id: str):
    check_csrf()
    booking = _own_booking(booking_id)
    if not _changeable(booking):
        return _bookings_section()
    try:
        propose(db.sessions(), booking.public_id, g.user.id, request.form.get("message"), now())
    except (booking_changes.BookingNotChangeable, booking_changes.BookingNotFound):
        flash("That meeting can no longer be changed by you.", "bookings")
        return _bookings_section()
    flash(
        f"Asked {booking.invitee_name} to pick a new time; the current time stays booked"
        " until they do."
        if current_app.config["SMTP_HOST"]
        else f"Saved the request for {booking.invitee_name}; it shows on their reschedule page,"
        " but no e-mail goes out (no mail server is set up).",
        "bookings",
    )
    return _bookings_section()
