"""The page an invitation link opens: create the invited address's account (name, time
zone, password) or, signed in as the invited address
without an organization, join. GET only shows (mail scanners
open links); POST accepts. An expired, used, revoked or replaced invitation says so (410);
a link that doesn't verify is the same 404 as any other bad token."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for

from ... import db
from ...accounts import EmailTaken, TokenInvalid, find_by_email
from ...core.validation import ValidationError, known_tzids
from ...organizations import (
    AlreadyInOrganization,
    InvitationForAnother,
    InvitationGone,
    accept_as,
    accept_with_new_account,
    invitation_for_token,
)
from ..security import check_csrf, token_page
from ..user_sessions import keys, sign_in

bp = Blueprint("invitation", __name__, url_prefix="/invitations")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _now() -> datetime:
    return datetime.now(UTC)


def _render(state: str, status: int = 200, **context):
    return render_template(
        "team/invitation.html", state=state, zones=sorted(known_tzids()), **context
    ), status


@bp.route("/<token>", methods=["GET", "POST"])
@token_page
def accept(token: str):
    try:
        invitation = invitation_for_token(db.session(), keys(), token, _now())
    except InvitationGone as exc:
        return _render(exc.state, 410)
    except TokenInvalid:
        return _render("bad", 404)
    context = {
        "organization": invitation.organization.name,
        "email": invitation.email,
        "role": invitation.role,
        "errors": {},
        "form": {},
    }
    if g.user is not None:
        if g.user.email != invitation.email:
            state = "other_account"
        else:
            state = "join" if g.user.organization_id is None else "member_elsewhere"
    else:
        existing = find_by_email(db.session(), invitation.email)
        # A sign-up never verified doesn't count: the invitation link proves the address.
        verified = existing is not None and existing.unverified_since is None
        state = "sign_in" if verified else "create"
    if request.method == "GET":
        return _render(state, **context)
    check_csrf()
    try:
        if state == "join":
            with db.write() as s:
                accept_as(s, keys(), token, s.get(type(g.user), g.user.id), _now())
            flash(f"You joined {context['organization']}.")
            return redirect(url_for("team.index"), 303)
        if state != "create":
            return _render(state, 409, **context)
        if request.form.get("password", "") != request.form.get("password_confirm", ""):
            errors = {"password_confirm": [{"description": "The two passwords differ."}]}
            return _render(state, 422, **{**context, "errors": errors, "form": request.form})
        with db.write() as s:
            account = accept_with_new_account(
                s, keys(), token, request.form.get("name", ""), request.form.get("tzid", ""),
                request.form.get("password", ""), _now(),
            )  # fmt: skip
            account_id = account.id
    except InvitationGone as exc:
        return _render(exc.state, 410)
    except AlreadyInOrganization:
        return _render("member_elsewhere", 409, **context)
    except InvitationForAnother:
        return _render("other_account", 409, **context)
    except EmailTaken:
        return _render("sign_in", 409, **context)
    except ValidationError as exc:
        return _render(state, 422, **{**context, "errors": exc.errors, "form": request.form})
    sign_in(account_id)
    flash(f"Welcome to {context['organization']}.")
    return redirect(url_for("team.index"), 303)
