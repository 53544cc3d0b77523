"""The invitee's self-service pages: cancel (with a reason), reschedule, .ics download.
Each link is signed for its own purpose, so a cancel link can't reschedule and vice versa."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from ... import db
from ...calendars import booking_ics
from ...conferencing import booking_conference, join_details
from ...core import timefmt
from ...core.validation import parse_utc
from ...scheduling import SlotUnavailable, effective_status, link_url
from ...scheduling import changes as booking_changes
from ..security import token_page
from .booking import booking_for, check_form_token, gone, rate_limit
from .booking_pages import (
    booking_urls,
    now,
    render_offer,
    tokens,
    viewer_hour_format,
    viewer_zone,
)

bp = Blueprint("manage", __name__)

NOT_CHANGEABLE = {
    "cancelled": "This meeting has been cancelled.",
    "started": "This meeting has already started, so it can't be changed here.",
    "disabled": "The host has turned off this scheduling link, so the meeting can't be moved"
    " here. You can still cancel it from your confirmation e-mail.",
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _rebook_url(link) -> str | None:
    """The link's booking page while it still books (uses left, not expired or off)."""
    if effective_status(link, now()) != "open":
        return None
    return link_url(tokens(), current_app.config["BASE_URL"], link)


def _changeable(booking, moving: bool = False) -> None:
    if booking.status != "confirmed":
        gone(
            "disabled",
            None,
            NOT_CHANGEABLE["cancelled"],
            link=booking.link,
            rebook_url=_rebook_url(booking.link),
        )
    if booking.start_at <= now():
        gone("disabled", None, NOT_CHANGEABLE["started"])
    # A host's open request for a new time lets the invitee move through a turned-off link.
    if moving and booking.link.status == "disabled" and booking.proposed_at is None:
        gone(
            "disabled", booking.link.display_message, NOT_CHANGEABLE["disabled"], link=booking.link
        )


@bp.route("/booking/cancel/<token>", methods=["GET", "HEAD", "POST"])
@token_page
def cancel(token: str):
    booking = booking_for("cancel", token)
    zone = viewer_zone(booking.invitee_tzid, booking.account.tzid)
    hour_format = viewer_hour_format(booking.hour_format)
    when = timefmt.span(booking.start_at, booking.end_at, zone, hour_format)
    if request.method != "POST":
        _changeable(booking)
        return render_template(
            "booking/cancel.html",
            booking=booking,
            when=when,
            form_token=tokens().dumps("booking-form", booking.public_id),
        )
    rate_limit(booking.public_id)
    if check_form_token(booking.public_id):
        _changeable(booking)
        return render_template(
            "booking/cancel.html",
            booking=booking,
            when=when,
            reason=request.form.get("reason", ""),
            error="This page was open for a long time; check the meeting and confirm again.",
            form_token=tokens().dumps("booking-form", booking.public_id),
        ), 409
    try:
        booking_changes.cancel(
            db.sessions(),
            booking.public_id,
            request.form.get("reason"),
            "invitee",
            now(),
        )
    except booking_changes.BookingNotChangeable as exc:
        gone("disabled", None, NOT_CHANGEABLE[exc.reason])
    emailed = bool(current_app.config["SMTP_HOST"])
    return render_template(
        "booking/cancelled.html",
        booking=booking,
        when=when,
        emailed=emailed,
        rebook_url=_rebook_url(booking.link),
    )


@bp.route("/booking/reschedule/<token>", methods=["GET", "HEAD"])
@token_page
def reschedule(token: str):
    booking = booking_for("reschedule", token)
    _changeable(booking, moving=True)
    return render_offer(booking.link, moving=booking, form_subject=booking.public_id)


@bp.post("/booking/reschedule/<token>")
@token_page
def move(token: str):
    booking = booking_for("reschedule", token)
    rate_limit(booking.public_id)
    stale = check_form_token(booking.public_id)
    _changeable(booking, moving=True)
    page = {"moving": booking, "form_subject": booking.public_id}
    try:
        again = move_from_form(
            booking, page, stale,
            "That is the time you are already booked for, so nothing changed"
            " and no e-mails were sent.",
        )  # fmt: skip
    except booking_changes.BookingNotChangeable as exc:
        gone("disabled", None, NOT_CHANGEABLE[exc.reason])
    if again is not None:
        return again
    confirmation = tokens().dumps("confirmation", booking.public_id)
    return redirect(url_for("booking.confirmed", token=confirmation), 303)


def move_from_form(booking, page: dict, stale: bool, unchanged: str, **by) -> Response | None:
    """What both move pages (the invitee's, the host's) do with a posted time: the page
    again for a stale form, no time, the same time (`unchanged`), a time just taken or a move
    made meanwhile; None once `reschedule` moved it. `by`: who moves it, for `reschedule`;
    BookingNotChangeable and BookingNotFound are the caller's to answer."""
    page["reason"] = request.form.get("reason", "")
    if stale:
        return render_offer(
            booking.link, status=409, chosen=request.form.get("start"), stale=True, **page
        )
    start = parse_utc(request.form.get("start"))
    if start is None:
        message = "Please pick one of the times."
        return render_offer(
            booking.link, status=422, error=message, field_errors={"start": message}, **page
        )
    seen = request.form.get("seen", "")
    try:
        db.retrying(
            lambda: booking_changes.reschedule(
                db.sessions(),
                booking.public_id,
                start,
                now(),
                current_app.config["BOOKING_WINDOW_DAYS"],
                urls=booking_urls(),
                reason=page["reason"],
                seen_sequence=int(seen) if seen.isdigit() and len(seen) < 10 else None,
                mail_wait=timedelta(seconds=current_app.config["CONFERENCING_MAIL_WAIT"]),
                **by,
            )
        )
    except booking_changes.BookingUnchanged:
        return render_offer(booking.link, notice=unchanged, **page)
    except booking_changes.BookingMovedMeanwhile:
        db.session().rollback()  # the booking as it is now
        return moved_meanwhile(booking, page)
    except (SlotUnavailable, db.TransactionConflict):
        db.session().rollback()  # a fresh snapshot: show what is free now
        message = "Sorry, that time was just taken. Please pick another."
        return render_offer(
            booking.link, status=409, error=message, field_errors={"start": message}, **page
        )
    return None


def moved_meanwhile(booking, page: dict):
    """409: someone moved the booking since this page was shown; the page again, saying to
    when, so nobody overrides a move they have not seen."""
    viewer = page.get("host_view")
    _changeable(booking, moving=viewer is None)
    if viewer is not None:
        zone, hour_format = viewer_zone(viewer.tzid), viewer_hour_format(viewer.hour_format)
    else:
        zone = viewer_zone(booking.invitee_tzid, booking.account.tzid)
        hour_format = viewer_hour_format(booking.hour_format)
    when = timefmt.span(booking.start_at, booking.end_at, zone, hour_format)
    message = (
        f"This meeting was just moved to {when}. If that time doesn't suit you either,"
        " pick another."
    )
    return render_offer(booking.link, status=409, error=message, **page)


@bp.get("/booked/<token>/invite.ics")
@token_page
def invite(token: str):
    booking = booking_for("confirmation", token)
    method = "CANCEL" if booking.status == "cancelled" else "PUBLISH"
    join = None
    if booking.status == "confirmed":
        join = join_details(booking_conference(db.session(), booking.id))
    body = booking_ics(booking, method=method, join=join)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="invite.ics"'},
    )
