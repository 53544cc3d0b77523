"""Forgotten passwords: an e-mailed one-time link (1 hour). The answer is the same whether or
not the address has an account; requests are rate-limited per address and per client."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for

from ... import db
from ...accounts import (
    TokenExpired,
    TokenInvalid,
    account_for_reset_token,
    find_by_email,
    notify,
    sessions,
    set_password,
)
from ...core.text import normalize_email
from ...core.validation import ValidationError
from ...limits import limit
from ..security import check_csrf
from ..user_sessions import keys, now

bp = Blueprint("password_reset", __name__, url_prefix="/login")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    if request.method == "GET":
        return render_template("account/forgot.html", sent=False)
    check_csrf()
    email = normalize_email(request.form.get("email", "")) or ""
    with limit("RATELIMIT_PASSWORD_RESET", "reset-ip"):
        pass
    with limit("RATELIMIT_PASSWORD_RESET", "reset-email", key=lambda: f"email:{email}"):
        pass
    with db.write() as s:
        account = find_by_email(s, email) if email else None
        if account is not None:
            notify(s, account, "account.password_reset_requested")
    # The same page either way: it never tells whether an address has an account.
    return render_template("account/forgot.html", sent=True, email=email)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    try:
        account = account_for_reset_token(db.session(), keys(), token)
    except TokenExpired:
        return render_template("account/reset.html", state="expired"), 410
    except TokenInvalid:
        return render_template("account/reset.html", state="bad"), 404
    if account is None:
        return render_template("account/reset.html", state="used"), 410
    if request.method == "GET":
        return render_template("account/reset.html", state="form", errors={})
    check_csrf()
    password = request.form.get("password", "")
    if password != request.form.get("password_confirm", ""):
        errors = {"password_confirm": [{"description": "The two passwords differ."}]}
        return render_template("account/reset.html", state="form", errors=errors), 422
    try:
        with db.write() as s:
            # Re-checked inside the transaction: two tabs cannot both use one link.
            account = account_for_reset_token(s, keys(), token)
            if account is None:
                return render_template("account/reset.html", state="used"), 410
            set_password(account, password)
            account.unverified_since = None  # the reset link proved the address too
            sessions.end_all_sessions(s, account, now())
            notify(s, account, "account.password_changed", reset=True)
    except ValidationError as exc:
        return render_template("account/reset.html", state="form", errors=exc.errors), 422
    flash("Your password is changed and every session was signed out. Sign in with the new one.")
    return redirect(url_for("auth.login"), 303)
