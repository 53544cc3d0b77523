"""The dashboard's "New link": the popup's form as a server-side page (works without
JavaScript; field errors next to their fields, everything typed kept), then the link with
Copy, Copy as message and its QR code. The rules are `create_link`'s; the form's plain-data
side is `scheduling.link_form`."""

from __future__ import annotations

import io

import segno
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.datastructures import MultiDict

from ... import db, organizations
from ...core.validation import ValidationError
from ...models import Organization
from ...scheduling import LinkNotFound, create_link, get_link, link_form, link_url
from ..invitee.booking_pages import now
from ..security import check_csrf
from .auth import login_required

bp = Blueprint("new_link", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _team() -> list:
    """The user's colleagues who may host (the user first), or [] without an organization."""
    if g.user.organization_id is None:
        return []
    s = db.session()
    org = s.get(Organization, g.user.organization_id)
    people = organizations.members(s, org.id) if org else []
    if len(people) < 2:
        return []
    return sorted(people, key=lambda a: a.id != g.user.id)


def _page(values: dict, rows: int, field_errors: dict | None = None, status: int = 200):
    field_errors = dict(field_errors or {})
    team = _team()
    if not team and "hosts_mode" in field_errors:  # no picker shown (left the organization)
        field_errors["form"] = field_errors.pop("hosts_mode")
    body = render_template(
        "account/new_link.html",
        values=values,
        rows=rows,
        team=team,
        field_errors=field_errors,
        question_types=link_form.QUESTION_TYPES,
        places=link_form.PLACES,
        limits_open=link_form.limits_open(values, field_errors),
    )
    return body, status, {"Cache-Control": "no-store"}


@bp.get("/links/new")
@login_required
def form():
    values = link_form.typed(MultiDict(), 1) | {"hosts": [g.user.sub]}
    return _page(values, 1)


@bp.post("/links/new")
@login_required
def create():
    check_csrf()
    rows = link_form.rows_in(request.form)
    if "add_question" in request.form:
        rows = min(rows + 1, link_form.MAX_ROWS)
    values = link_form.typed(request.form, rows)
    if "add_question" in request.form:
        return _page(values, rows)
    payload, problems, question_rows = link_form.build_payload(values, g.user.sub, now())
    errors = {}
    try:
        with db.write() as s:
            account = s.get(type(g.user), g.user.id)
            link = create_link(s, account, payload, now(), current_app.config["MARKUP_MAX_BYTES"])
            if problems:
                raise ValidationError({})  # the form's own problems: nothing is stored
            public_id = link.public_id
    except ValidationError as exc:
        errors = exc.errors
    if problems or errors:
        field_errors = link_form.form_errors(errors, question_rows) | problems
        return _page(values, rows, field_errors, 422)
    return redirect(url_for("new_link.made", link_id=public_id), 303)


def _own_link(link_id: str):
    try:
        return get_link(db.session(), g.user, link_id)
    except LinkNotFound:
        abort(404)


@bp.get("/links/<link_id>/made")
@login_required
def made(link_id: str):
    link = _own_link(link_id)
    url = link_url(current_app.extensions["schedlink.tokens"], current_app.config["BASE_URL"], link)
    contact = link.contact or {}
    body = render_template(
        "account/link_made.html",
        link=link,
        url=url,
        message=link_form.message(contact.get("name"), link.summary, link.duration_minutes, url),
    )
    return body, 200, {"Cache-Control": "no-store"}


@bp.get("/links/<link_id>/qr.svg")
@login_required
def qr(link_id: str):
    link = _own_link(link_id)
    url = link_url(current_app.extensions["schedlink.tokens"], current_app.config["BASE_URL"], link)
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2)
    return Response(out.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})
