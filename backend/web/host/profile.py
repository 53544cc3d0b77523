"""The profile area's first section: name, time zone, 12/24-hour default, and the e-mail
address (a confirmation link goes to the new address, a notice to the old one)."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for

from ... import db
from ...accounts import (
    HOUR_FORMATS,
    EmailTaken,
    TokenExpired,
    TokenInvalid,
    apply_email_change,
    cancel_email_change,
    email_change_target,
    request_email_change,
    update_profile,
)
from ...core.validation import ValidationError
from ..invitee.booking_pages import resolve_zone
from ..security import check_csrf
from ..user_sessions import keys
from .auth import login_required
from .profile_nav import add_section
from .sudo import sudo_required

bp = Blueprint("profile", __name__, url_prefix="/profile")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_section(app, "profile", "Profile", "profile.index", order=10)


def _page(errors: dict | None = None, status: int = 200, form=None):
    return render_template(
        "profile/profile.html",
        section="profile",
        errors=errors or {},
        form=form or {},
        hour_formats=HOUR_FORMATS,
    ), status


@bp.get("")
@login_required
def index():
    return _page()


@bp.post("")
@login_required
def update():
    check_csrf()
    changes = {k: request.form[k] for k in ("name", "tzid", "hour_format") if k in request.form}
    if "tzid" in changes:  # a city ("Tokyo") or an old name ("Asia/Calcutta") as its zone id
        changes["tzid"] = resolve_zone(changes["tzid"]) or changes["tzid"]
    try:
        with db.write() as s:
            account = s.get(type(g.user), g.user.id)
            changed = update_profile(account, changes)
    except ValidationError as exc:
        return _page(exc.errors, 422, request.form)
    flash("Profile saved." if changed else "Nothing to change.")
    return redirect(url_for("profile.index"), 303)


@bp.post("/email")
@login_required
@sudo_required
def change_email():
    check_csrf()
    try:
        with db.write() as s:
            new_email = request_email_change(
                s, s.get(type(g.user), g.user.id), request.form.get("email")
            )
    except ValidationError as exc:
        return _page(exc.errors, 422, request.form)
    except EmailTaken:
        # Says no more than sign-up would; the address's owner is not told anything.
        return _page(
            {"email": [{"description": "That address belongs to another account."}]},
            422,
            request.form,
        )
    flash(
        f"We sent a confirmation link to {new_email}. Your address changes when you open it; "
        "until then you keep signing in with the current one."
    )
    return redirect(url_for("profile.index"), 303)


@bp.post("/email/cancel")
@login_required
def cancel_email():
    """No re-authentication: cancelling only takes a pending change (and its link) away."""
    check_csrf()
    with db.write() as s:
        cancelled = cancel_email_change(s.get(type(g.user), g.user.id))
    flash(
        f"The change to {cancelled} is cancelled; its link no longer works."
        if cancelled
        else "No e-mail change was pending."
    )
    return redirect(url_for("profile.index") + "#email-address", 303)


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """GET only shows a button (mail scanners open links); POST changes the address. No
    sign-in needed: the link itself proves the new address is the owner's."""
    try:
        with db.write() as s:
            target = email_change_target(s, keys(), token)
            if target is None:
                return render_template("profile/email_link.html", state="used"), 410
            account, new_email = target
            if request.method == "GET":
                return render_template(
                    "profile/email_link.html", state="ask", new_email=new_email, token=token
                )
            check_csrf()
            apply_email_change(s, account, new_email)
    except TokenExpired:
        return render_template("profile/email_link.html", state="expired"), 410
    except TokenInvalid:
        return render_template("profile/email_link.html", state="bad"), 404
    except EmailTaken:
        return render_template("profile/email_link.html", state="taken"), 409
    return render_template("profile/email_link.html", state="done", new_email=new_email)
