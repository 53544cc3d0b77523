"""The host's dashboard: upcoming bookings (cancel one, the invitee is told), links (status,
uses; disable one) and API keys."""

from __future__ import annotations

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
from flask import session as cookie
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import db, timefmt
from ..accounts import active_api_keys
from ..models import Booking
from ..scheduling import LinkNotFound, disable_link, effective_status, get_link, list_links
from ..scheduling import changes as booking_changes
from .auth import login_required
from .booking_pages import now
from .security import check_csrf

bp = Blueprint("dashboard", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def upcoming_bookings(s, account, limit: int = 100) -> list[Booking]:
    return list(
        s.scalars(
            select(Booking)
            .options(joinedload(Booking.link))
            .where(
                Booking.account_id == account.id,
                Booking.status == "confirmed",
                Booking.end_at > now(),
            )
            .order_by(Booking.start_at)
            .limit(limit)
        )
    )


@bp.get("/")
@login_required
def index():
    s = db.session()
    moment = now()
    return render_template(
        "account/dashboard.html",
        bookings=[
            (b, timefmt.span(b.start_at, b.end_at, g.user.tzid, "24"))
            for b in upcoming_bookings(s, g.user)
        ],
        links=[(link, effective_status(link, moment)) for link in list_links(s, g.user, 50)],
        keys=active_api_keys(s, g.user),
        new_key=cookie.pop("new_api_key", None),
        base_url=current_app.config["BASE_URL"],
    )


@bp.post("/links/<link_id>/disable")
@login_required
def disable(link_id: str):
    check_csrf()
    try:
        with db.write() as s:
            disable_link(
                get_link(s, g.user, link_id, for_update=True),
                {"display_message": request.form.get("message") or None},
                now(),
            )
    except LinkNotFound:
        flash("That link is not yours or no longer exists.")
    else:
        flash("Link turned off: visitors now see that it is no longer available.")
    return redirect(url_for("dashboard.index") + "#links", 303)


@bp.post("/bookings/<booking_id>/cancel")
@login_required
def cancel_booking(booking_id: str):
    check_csrf()
    booking = db.session().scalar(select(Booking).where(Booking.public_id == booking_id))
    if booking is None or booking.account_id != g.user.id:
        flash("That booking is not yours or no longer exists.")
        return redirect(url_for("dashboard.index"), 303)
    try:
        booking_changes.cancel(
            db.sessions(),
            booking_id,
            request.form.get("reason"),
            "host",
            now(),
        )
    except booking_changes.BookingNotChangeable:
        flash("That booking can no longer be cancelled.")
    else:
        flash(f"Cancelled; {booking.invitee_name} is told by e-mail.")
    return redirect(url_for("dashboard.index") + "#bookings", 303)
