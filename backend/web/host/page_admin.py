"""The host's booking pages (`/pages`): list, create, edit, turn on and off, delete, copy the
address; and the profile's "Public page" section (the host's slug, the opt-in listing)."""

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

from ... import db
from ...availability import list_rules
from ...core.validation import ValidationError
from ...models import Account
from ...scheduling import (
    LinkNotFound,
    create_page,
    delete_page,
    get_page,
    list_pages,
    page_url,
    reserved_prefixes,
    set_host_slug,
    update_page,
)
from ..security import check_csrf
from . import page_forms
from .auth import login_required
from .profile_nav import add_section

bp = Blueprint("page_admin", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_section(app, "public-page", "Public page", "page_admin.public", order=15)


def _now() -> datetime:
    return datetime.now(UTC)


def reserved() -> frozenset[str]:
    """The first path segments of the app's routes: no host may take one as their slug."""
    found = current_app.extensions.get("schedlink.reserved_slugs")
    if found is None:
        found = reserved_prefixes(r.rule for r in current_app.url_map.iter_rules())
        current_app.extensions["schedlink.reserved_slugs"] = found
    return found


def _url(page) -> str:
    return page_url(current_app.config["BASE_URL"], g.user.slug, page)


@bp.get("/pages")
@login_required
def index():
    pages = list_pages(db.session(), g.user)
    return render_template("account/pages.html", pages=[(p, _url(p)) for p in pages], host=g.user)


def _form_page(typed: dict, errors: dict | None = None, page=None, status: int = 200):
    return render_template(
        "account/page_form.html",
        form=typed,
        field_errors=errors or {},
        page=page,
        rules=[r.availability_rule_id for r in list_rules(db.session(), g.user)],
        question_types=page_forms.QUESTION_TYPES,
        places=page_forms.PLACES,
        spare=page_forms.SPARE_ROWS,
        base=current_app.config["BASE_URL"] + "/" + (g.user.slug or "your-name") + "/",
    ), status


@bp.route("/pages/new", methods=["GET", "POST"])
@login_required
def new():
    if request.method == "GET":
        return _form_page(page_forms.empty_form())
    check_csrf()
    typed = page_forms.form_from_request(request.form)
    try:
        with db.write() as s:
            account = s.get(Account, g.user.id)
            page = create_page(s, account, page_forms.payload_from_form(typed), _now(), reserved())
            summary = page.summary
    except ValidationError as exc:
        return _form_page(typed, page_forms.field_errors(exc.errors), status=422)
    flash(f"Booking page “{summary}” created.")
    return redirect(url_for("page_admin.index"), 303)


def _own(page_id: str):
    try:
        return get_page(db.session(), g.user, page_id)
    except LinkNotFound:
        return None


@bp.route("/pages/<page_id>", methods=["GET", "POST"])
@login_required
def edit(page_id: str):
    page = _own(page_id)
    if page is None:
        return render_template(
            "error.html", status=404, title="No such booking page",
            message="This booking page does not exist (any more).",
        ), 404  # fmt: skip
    if request.method == "GET":
        return _form_page(page_forms.form_from_page(page), page=page)
    check_csrf()
    typed = page_forms.form_from_request(request.form)
    try:
        with db.write() as s:
            account = s.get(Account, g.user.id)
            mine = get_page(s, account, page_id, for_update=True)
            update_page(s, account, mine, page_forms.payload_from_form(typed), _now())
    except ValidationError as exc:
        return _form_page(typed, page_forms.field_errors(exc.errors), page=page, status=422)
    flash("Booking page saved.")
    return redirect(url_for("page_admin.index"), 303)


@bp.post("/pages/<page_id>/active")
@login_required
def toggle(page_id: str):
    check_csrf()
    on = request.form.get("active") == "on"
    try:
        with db.write() as s:
            account = s.get(Account, g.user.id)
            update_page(s, account, get_page(s, account, page_id, True), {"active": on}, _now())
    except LinkNotFound:
        flash("That booking page is gone.")
    else:
        flash("Booking page turned on." if on else "Booking page turned off.")
    return redirect(url_for("page_admin.index"), 303)


@bp.post("/pages/<page_id>/delete")
@login_required
def remove(page_id: str):
    check_csrf()
    try:
        with db.write() as s:
            delete_page(s, get_page(s, g.user, page_id, for_update=True))
    except LinkNotFound:
        pass
    flash("Booking page deleted.")
    return redirect(url_for("page_admin.index"), 303)


@bp.route("/profile/public-page", methods=["GET", "POST"])
@login_required
def public():
    """The host's address for booking pages, and whether it lists them (opt-in)."""
    typed = {"slug": g.user.slug or "", "public_profile": g.user.public_profile}
    errors, status = {}, 200
    if request.method == "POST":
        check_csrf()
        typed = {
            "slug": request.form.get("slug", "").strip(),
            "public_profile": request.form.get("public_profile") == "on",
        }
        try:
            with db.write() as s:
                account = s.get(Account, g.user.id)
                set_host_slug(
                    s, account, typed["slug"], typed["public_profile"], reserved(), _now()
                )
        except ValidationError as exc:
            errors = {k: v[0]["description"] for k, v in exc.errors.items()}
            status = 422
        else:
            flash("Public page saved.")
            return redirect(url_for("page_admin.public"), 303)
    return render_template(
        "profile/public_page.html",
        section="public-page",
        form=typed,
        field_errors=errors,
        base=current_app.config["BASE_URL"] + "/",
    ), status
