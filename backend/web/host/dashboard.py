"""The host's dashboard: upcoming bookings (cancel one, the invitee is told), recent
cancellations with their reasons, and links (status, URL to copy, filter, pages; turn one off).
API keys live in the profile area (`api_keys`)."""

from __future__ import annotations

import re
from datetime import timedelta

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
from markupsafe import Markup
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ... import db
from ...availability import link_team
from ...calendars import failed_writes
from ...conferencing import booking_conference, join_details
from ...core import timefmt
from ...core.ids import looks_like_id
from ...models import Booking, BookingHost
from ...scheduling import (
    LINK_FILTERS,
    LinkNotFound,
    disable_link,
    effective_status,
    get_link,
    link_url,
    links_page,
    names_together,
    seat_accounts,
)
from ...scheduling import changes as booking_changes
from ..invitee.booking_pages import now
from ..security import check_csrf
from .auth import login_required

bp = Blueprint("dashboard", __name__)
LINKS_PER_PAGE = 20
CANCELLATIONS_SHOWN_DAYS = 30


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.filters["address"] = address


def address(email: str | None) -> Markup:
    """An e-mail address that breaks only before its `@` and dots (never mid-word); a part
    too long for its cell is cut with an ellipsis (`.address` in app.css), the whole address
    in its title."""
    if not email:
        return Markup("")
    pieces = re.split(r"(?=[@.])", email)
    inner = Markup("<wbr>").join(Markup("<span>{}</span>").format(p) for p in pieces)
    return Markup('<span class="address" title="{}">{}</span>').format(email, inner)


def _involves(account):
    """Bookings of the account's links, and team bookings where it has a seat."""
    seated = exists().where(
        BookingHost.booking_id == Booking.id, BookingHost.account_id == account.id
    )
    return or_(Booking.account_id == account.id, seated)


def upcoming_bookings(s, account, limit: int = 100) -> list[Booking]:
    return list(
        s.scalars(
            select(Booking)
            .options(joinedload(Booking.link), selectinload(Booking.seats))
            .where(
                _involves(account),
                Booking.status == "confirmed",
                Booking.end_at > now(),
            )
            .order_by(Booking.start_at)
            .limit(limit)
        )
    )


def recent_cancellations(s, account, limit: int = 20) -> list[Booking]:
    """Cancelled meetings that had not yet happened, cancelled in the last weeks."""
    since = now() - timedelta(days=CANCELLATIONS_SHOWN_DAYS)
    return list(
        s.scalars(
            select(Booking)
            .options(joinedload(Booking.link), selectinload(Booking.seats))
            .where(
                _involves(account),
                Booking.status == "cancelled",
                Booking.cancelled_at > since,
            )
            .order_by(Booking.cancelled_at.desc())
            .limit(limit)
        )
    )


def _when(booking: Booking) -> str:
    return timefmt.span(booking.start_at, booking.end_at, g.user.tzid, g.user.hour_format)


def team_names(booking: Booking) -> str | None:
    """The hosts of a team booking (or of one the user attends for someone else's link)."""
    hosts = seat_accounts(booking)
    if [h.id for h in hosts] == [g.user.id]:
        return None
    return names_together([h.name for h in hosts])


def _team_note(s, link) -> tuple[str | None, str | None]:
    """(hosts, why it offers less) for a link with hosts besides its owner."""
    team = link_team(s, link)
    if not team.is_team and all(h.id == link.account_id for h in team.hosts):
        return None, None
    kind = "everyone attends" if team.collective else "round robin"
    names = names_together([h.name for h in (*team.hosts, *team.removed)])
    problem = None
    if team.removed:
        gone = names_together([h.name for h in team.removed])
        verb = "is" if len(team.removed) == 1 else "are"
        problem = (
            f"{gone} {verb} no longer in your organization: this link offers no times "
            "(everyone must attend)."
            if team.collective
            else f"{gone} {verb} no longer in your organization and no longer offered."
        )
    return f"Hosts ({kind}): {names}", problem


def _link_row(s, link, moment) -> dict:
    latest = link.bookings[-1] if link.bookings else None
    hosts, problem = _team_note(s, link)
    return {
        "hosts": hosts,
        "team_problem": problem,
        "link": link,
        "status": effective_status(link, moment),
        "url": link_url(
            current_app.extensions["schedlink.tokens"], current_app.config["BASE_URL"], link
        ),
        "booking": latest,
        "booking_when": _when(latest) if latest else None,
    }


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and 0 < int(value) < 100_000 else 1


@bp.get("/")
@login_required
def index():
    s = db.session()
    moment = now()
    status = request.args.get("status", "all")
    status = status if status in LINK_FILTERS else "all"
    page = _page_number(request.args.get("page"))
    links, total = links_page(s, g.user, status, page, LINKS_PER_PAGE, moment)
    pages = max(1, -(-total // LINKS_PER_PAGE))
    bookings = upcoming_bookings(s, g.user)
    return render_template(
        "account/dashboard.html",
        bookings=[(b, _when(b)) for b in bookings],
        team_names={b.id: team_names(b) for b in bookings},
        joins={b.id: join_details(booking_conference(s, b.id)) for b in bookings},
        cancellations=[(b, _when(b)) for b in recent_cancellations(s, g.user)],
        links=[_link_row(s, link, moment) for link in links],
        link_filter=status,
        link_filters=LINK_FILTERS,
        page=page,
        pages=pages,
        total=total,
        write_problems=failed_writes(s, g.user.id),
        base_url=current_app.config["BASE_URL"],
    )


def _back_to(section: str):
    """Back to the section acted on (its filter and page kept), where the message shows."""
    query = {k: v for k, v in request.args.items() if k in ("status", "page")}
    return redirect(url_for("dashboard.index", **query) + f"#{section}", 303)


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
        flash("That link is not yours or no longer exists.", "links")
    else:
        flash("Link turned off: visitors now see that it is no longer available.", "links")
    return _back_to("links")


@bp.post("/bookings/<booking_id>/cancel")
@login_required
def cancel_booking(booking_id: str):
    check_csrf()
    booking = None
    if looks_like_id(booking_id, "bk"):  # a NUL would reach PostgreSQL as an error
        booking = db.session().scalar(select(Booking).where(Booking.public_id == booking_id))
    if booking is None or g.user.id not in {
        booking.account_id,
        *(h.id for h in seat_accounts(booking)),
    }:
        flash("That booking is not yours or no longer exists.", "bookings")
        return _back_to("bookings")
    try:
        booking_changes.cancel(
            db.sessions(),
            booking_id,
            request.form.get("reason"),
            "host",
            now(),
        )
    except booking_changes.BookingNotChangeable:
        flash("That booking can no longer be cancelled.", "bookings")
    else:
        flash(
            f"Cancelled the meeting with {booking.invitee_name}; they are told by e-mail."
            if current_app.config["SMTP_HOST"]
            else f"Cancelled the meeting with {booking.invitee_name}; they see it on their page.",
            "bookings",
        )
    return _back_to("bookings")
