"""Reusable booking pages in public: `/<host slug>/<page slug>` (the same offer page and the
same booking as a one-time link, with the invitee's choice of length) and the host's opt-in
`/<host slug>` listing their active pages. Old slugs answer 301 to the current address."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request

from ... import db
from ...scheduling import (
    LinkNotFound,
    LinkView,
    effective_status,
    host_by_slug,
    list_pages,
    load_page_view,
    page_redirect,
    slug_problem,
)
from .booking import book_from_form
from .booking_pages import now, render_offer

bp = Blueprint("public_pages", __name__)

OFF_REASONS = {
    "disabled": "This booking page is turned off",
    "completed": "This booking page is fully booked",
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _moved(path: str):
    query = request.query_string.decode("latin-1")
    return redirect(path + (f"?{query}" if query else ""), 301)


def _page(host_slug: str, page_slug: str) -> LinkView:
    """The page at this address; a 301 from an old host or page slug; else 404."""
    if slug_problem(host_slug) or slug_problem(page_slug):
        abort(404)  # never a slug (NUL, upper case, …): not worth a query
    try:
        return load_page_view(db.session(), host_slug, page_slug)
    except LinkNotFound:
        pass
    account, old_host = host_by_slug(db.session(), host_slug)
    if account is None:
        abort(404)
    current = page_redirect(db.session(), account, page_slug)
    if current is not None:
        abort(_moved(f"/{account.slug}/{current}"))
    if old_host:
        try:
            load_page_view(db.session(), account.slug, page_slug)
        except LinkNotFound:
            abort(404)
        abort(_moved(f"/{account.slug}/{page_slug}"))
    abort(404)


def _off(link: LinkView, status: str):
    """A page turned off or used up: a clear page saying so (410), never a 404."""
    html = render_template(
        "booking/page_off.html",
        reason=OFF_REASONS.get(status, OFF_REASONS["disabled"]),
        status=status,
        link=link,
    )
    abort(current_app.make_response((html, 410)))


def _duration(link: LinkView) -> int:
    """The length asked for (?duration= or the form) when the page offers it, else its first."""
    asked = request.values.get("duration", "")
    choices = link.durations or [link.duration_minutes]
    return int(asked) if asked.isdigit() and int(asked) in choices else choices[0]


def _duration_url(link: LinkView):
    base = f"/{link.host_slug}/{link.slug}"
    tz, h = request.values.get("tz"), request.values.get("h")

    def url(minutes: int) -> str:
        params = {"duration": minutes, **({"tz": tz} if tz else {}), **({"h": h} if h else {})}
        return f"{base}?{urlencode(params)}"

    return url


@bp.route("/<host_slug>/<page_slug>", methods=["GET", "HEAD"])
def page(host_slug: str, page_slug: str):
    link = _page(host_slug, page_slug)
    status = effective_status(link, now())
    if status != "open":
        _off(link, status)
    return render_offer(link, duration=_duration(link), duration_url=_duration_url(link))


@bp.post("/<host_slug>/<page_slug>")
def submit(host_slug: str, page_slug: str):
    link = _page(host_slug, page_slug)
    return book_from_form(link, duration=_duration(link), off_page=lambda st: _off(link, st))


@bp.route("/<host_slug>", methods=["GET", "HEAD"])
def profile(host_slug: str):
    """The host's active pages, when they chose to list them (else 404: it is opt-in)."""
    account, old = host_by_slug(db.session(), host_slug)
    if account is None or not account.public_profile:
        abort(404)
    if old:
        return _moved(f"/{account.slug}")
    pages = list_pages(db.session(), account, active_only=True)
    return render_template("booking/host_profile.html", host=account, pages=pages)
