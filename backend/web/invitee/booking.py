"""The public booking page: GET shows the offer (never changes state), POST books."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from ... import db, metrics
from ...calendars import google_url, outlook_url
from ...conferencing import booking_conference, join_details
from ...core import timefmt
from ...core.timefmt import normalize_hour_format
from ...core.validation import ValidationError, parse_utc
from ...errors import api_error, wants_json
from ...limits import limit
from ...models import SchedulingLink
from ...scheduling import (
    BadToken,
    LinkNotFound,
    LinkUnavailable,
    LinkView,
    SlotUnavailable,
    TokenExpired,
    book,
    booking_by_public_id,
    effective_status,
    hosts_as_one,
    load_link_view,
    manage_urls,
    report_no_times,
    validate_invitee,
)
from ...scheduling.places import describe as describe_place
from ..security import token_page
from . import booking_pages
from .booking_pages import booking_urls, now, render_offer, tokens

bp = Blueprint("booking", __name__)

GONE_REASONS = {
    "completed": "This link has already been used.",
    "expired": "This link has expired.",
    "disabled": "This link has been turned off by its owner.",
}


# Pages whose address carries a token: a mistyped or cut-off one gets the same page as a
# forged one, even when it no longer matches a route ("/b/a/b", "/booked/").
TOKEN_PATHS = ("/b/", "/booked/", "/booking/")


def init_app(app: Flask) -> None:
    booking_pages.init_app(app)
    app.register_blueprint(bp)
    app.register_error_handler(404, _page_not_found)


def _page_not_found(exc):
    if wants_json():
        return api_error(404, exc.description or "Not found.")
    if request.path.startswith(TOKEN_PATHS):
        g.token_page = True
        return render_template("booking/not_found.html"), 404
    message = "There is no page at this address. Check it for typos, or start from the home page."
    return render_template("error.html", status=404, title="Page not found", message=message), 404


def not_found():
    """The one page for every kind of bad, truncated or unknown token."""
    abort(current_app.make_response((render_template("booking/not_found.html"), 404)))


def _link_for(token: str) -> LinkView:
    """The link a token names; any kind of bad token is the same 404."""
    try:
        public_id = tokens().loads("booking", token)
    except TokenExpired:
        gone("expired", None)
    except BadToken:
        not_found()
    try:
        return load_link_view(db.session(), public_id)
    except LinkNotFound:
        not_found()


def gone(
    status: str,
    message: str | None,
    reason: str | None = None,
    link=None,
    rebook_url: str | None = None,
):
    """The 410 page; `rebook_url` offers the link's booking page when it still books."""
    page = render_template(
        "booking/gone.html",
        status=status,
        reason=reason or GONE_REASONS[status],
        message=message,
        link=link,
        rebook_url=rebook_url,
    )
    abort(current_app.make_response((page, 410)))


def check_form_token(subject: str) -> bool:
    """The form came from our page for this link or booking. True when it did, but longer
    ago than a form token lives: the caller then shows the page again, with what was typed
    and a fresh token, instead of acting on it."""
    try:
        signed = tokens().loads("booking-form", request.form.get("form_token", ""))
        stale = False
    except TokenExpired as exc:
        signed, stale = exc.value, True
    except BadToken:
        abort(400, description="This form can't be used; reload the page and try again.")
    if signed != subject:
        abort(400, description="This form does not belong to this page.")
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        ours = {request.host_url.rstrip("/"), current_app.config["BASE_URL"]}
        if origin not in ours:
            abort(400, description="The form was sent from another site.")
    return stale


def rate_limit(subject: str) -> None:
    with limit("RATELIMIT_BOOKING", "booking-ip"):
        pass
    with limit("RATELIMIT_BOOKING_PER_LINK", "booking-link", key=lambda: subject):
        pass


@bp.get("/zones.json")
def zone_list():
    """The time-zone picker's data: each zone offered with its country, for searching."""
    countries = booking_pages.zone_countries()
    # Canonical zones only (those with a country, and UTC): old aliases such as US/Pacific
    # still work when typed, but would crowd the search results.
    zones = [[zone, countries[zone]] for zone in sorted(countries)] + [["UTC", ""]]
    # Old names a browser may report ("Asia/Calcutta") → the zone listed ("Asia/Kolkata").
    response = jsonify({"zones": zones, "aliases": booking_pages.zone_aliases()})
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/b/<token>", methods=["GET", "HEAD"])
@token_page
def offer(token: str):
    link = _link_for(token)
    status = effective_status(link, now())
    if status != "open":
        gone(status, link.display_message, link=link)
    return render_offer(link)


def _echoed(value: str) -> str:
    """What was typed, shown again in the form as typed, without control characters (a NUL
    in an HTML attribute is a parse error; line breaks in the note stay)."""
    return "".join(c for c in value if c in "\t\n\r" or unicodedata.category(c) != "Cc")


@bp.post("/b/<token>")
@token_page
def submit(token: str):
    return book_from_form(_link_for(token))


def book_from_form(link: LinkView, duration: int | None = None, off_page=None):
    """The booking form sent for `link` (a one-time link's or a booking page's): book, or
    show the page again with what was typed. `duration`: a booking page's chosen length;
    `off_page(status)`: the page's own answer when it is off or used up."""
    gone_page = off_page or (lambda status: gone(status, link.display_message, link=link))
    rate_limit(link.public_id)
    stale = check_form_token(link.public_id)
    form = {
        field: _echoed(request.form.get(field, ""))
        for field in ("name", "email", "notes", "guests", "phone")
    }
    form["answers"] = typed_answers(link)
    status = effective_status(link, now())
    if status != "open":
        metrics.BOOKINGS.labels("link_used").inc()
        gone_page(status)
    if stale:  # everything typed stays; the time too while it is still free
        return render_offer(
            link, status=409, form=form, chosen=request.form.get("start"), stale=True,
            duration=duration,
        )  # fmt: skip
    start = parse_utc(request.form.get("start"))
    problems = {}
    if start is None:
        problems["start"] = "Please pick one of the times."
    try:
        invitee = validate_invitee(
            form["name"], form["email"], request.form.get("tz"), form["notes"],
            link=link, answers=form["answers"], guests=form["guests"], phone=form["phone"],
        )  # fmt: skip
    except ValidationError as exc:
        problems |= {field: items[0]["description"] for field, items in exc.errors.items()}
    if problems:
        # Everything typed and the chosen time stay; each message sits by its field.
        return render_offer(
            link, status=422, error=_summary(problems), form=form,
            field_errors=problems, chosen=request.form.get("start"), duration=duration,
        )  # fmt: skip
    hour_format = normalize_hour_format(request.form.get("h"), "24")
    try:
        booking = db.retrying(
            lambda: book(
                db.sessions(),
                link.public_id,
                start,
                invitee,
                now(),
                current_app.config["BOOKING_WINDOW_DAYS"],
                hour_format=hour_format,
                sealer=current_app.extensions["schedlink.sealer"],
                mail_wait=timedelta(seconds=current_app.config["CONFERENCING_MAIL_WAIT"]),
                urls=booking_urls(),
                duration_minutes=duration,
            )
        )
    except LinkUnavailable as exc:
        metrics.BOOKINGS.labels("link_used").inc()
        if off_page:
            off_page(exc.status)
        gone(exc.status, exc.message)
    except (SlotUnavailable, db.TransactionConflict):
        metrics.BOOKINGS.labels("slot_gone").inc()
        db.session().rollback()  # a fresh snapshot: show what is free now
        link = load_link_view(db.session(), link.public_id)
        message = "Sorry, that time was just taken. Please pick another."
        return render_offer(
            link, status=409, error=message, form=form, field_errors={"start": message},
            duration=duration,
        )  # fmt: skip
    metrics.BOOKINGS.labels("made").inc()
    if getattr(link, "kind", None) == "real_time":
        completed = db.session().scalar(
            select(SchedulingLink.redirect_completed_url).where(SchedulingLink.id == link.id)
        )
        if completed:  # redirect_urls.completed_url: the invitee's browser goes there
            return redirect(completed, 303)
    confirmation = tokens().dumps("confirmation", booking.public_id)
    return redirect(url_for("booking.confirmed", token=confirmation), 303)


@bp.post("/b/<token>/none")
@token_page
def no_times(token: str):
    """A real-time scheduling link's "None of these times suit me": its
    `no_times_suitable_url` hears of it; the page says so."""
    link = _link_for(token)
    rate_limit(link.public_id)
    check_form_token(link.public_id)
    status = effective_status(link, now())
    if status != "open":
        gone(status, link.display_message, link=link)
    with db.write() as s:
        report_no_times(s, link, "no_times_suitable", now())
    message = "Thank you. We have let the organizer know that none of these times suit you."
    return render_offer(link, notice=message)


def typed_answers(link) -> dict:
    """What was typed for each of the link's questions (`answer-<id>` fields), as typed."""
    answers = {}
    for q in link.questions or ():
        field = f"answer-{q['id']}"
        if q["type"] == "choices":
            answers[q["id"]] = [_echoed(v) for v in request.form.getlist(field)[:50]]
        else:
            answers[q["id"]] = _echoed(request.form.get(field, ""))
    return answers


def _summary(problems: dict) -> str:
    count = len(problems)
    return (
        "Please fix the marked field." if count == 1 else f"Please fix the {count} marked fields."
    )


def booking_for(purpose: str, token: str):
    try:
        public_id = tokens().loads(purpose, token)
    except (BadToken, TokenExpired):
        not_found()
    booking = booking_by_public_id(db.session(), public_id)
    if booking is None:
        not_found()
    return booking


@bp.get("/booked/<token>")
@token_page
def confirmed(token: str):
    booking = booking_for("confirmation", token)
    zone = booking_pages.viewer_zone(booking.invitee_tzid, booking.account.tzid)
    hour_format = booking_pages.viewer_hour_format(booking.hour_format)
    join = None
    if booking.status == "confirmed":
        join = join_details(booking_conference(db.session(), booking.id))
    return render_template(
        "booking/confirmed.html",
        join=join,
        place_line=describe_place(booking.location),
        booking=booking,
        link=booking.link,
        host=hosts_as_one(booking),
        zone=zone,
        hour_format=hour_format,
        when=timefmt.span(booking.start_at, booking.end_at, zone, hour_format),
        token=token,
        manage=manage_urls(tokens(), current_app.config["BASE_URL"], booking),
        google=google_url(booking, join),
        outlook=outlook_url(booking, join),
        # Only promise an e-mail that will be sent: the job is queued with the booking.
        emailed=bool(current_app.config["SMTP_HOST"]),
    )
