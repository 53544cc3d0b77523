"""Web sign-in and the profile page, where API keys are created (shown once) and revoked."""

from __future__ import annotations

import functools

from flask import (
    Blueprint,
    Flask,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .. import db
from ..accounts import InvalidCredentials, authenticate, create_api_key, revoke_api_key
from ..limits import limit
from ..models import Account
from .security import check_csrf

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_load_account)


def _load_account() -> None:
    g.user = None
    account_id = session.get("account_id")
    if account_id is None:
        return
    account = db.session().get(Account, account_id)
    if account is not None and session.get("session_version") == account.session_version:
        g.user = account


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.user is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def _safe_next(target: str | None) -> str:
    # Only same-site paths: "//evil" and "/\\evil" are other hosts to a browser.
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        check_csrf()
        with limit("RATELIMIT_LOGIN", "login"):
            pass
        try:
            with db.write() as s:
                account = authenticate(
                    s, request.form.get("email", ""), request.form.get("password", "")
                )
                account_id, version = account.id, account.session_version
        except InvalidCredentials:
            error = "That e-mail and password don't match an account."
        else:
            session.clear()
            session["account_id"], session["session_version"] = account_id, version
            return redirect(_safe_next(request.args.get("next")), 303)
    status = 401 if error else 200
    return render_template("account/login.html", error=error), status


@bp.post("/logout")
def logout():
    check_csrf()
    session.clear()
    return redirect(url_for("auth.login"), 303)


@bp.post("/api-keys")
@login_required
def new_api_key():
    check_csrf()
    with db.write() as s:
        _key, plaintext = create_api_key(s, g.user, request.form.get("label", "API key"))
    # Shown once on the next page, then gone: only its hash is stored.
    session["new_api_key"] = plaintext
    return redirect(url_for("dashboard.index") + "#api-keys", 303)


@bp.post("/api-keys/<int:key_id>/revoke")
@login_required
def revoke(key_id: int):
    check_csrf()
    with db.write() as s:
        revoked = revoke_api_key(s, g.user, key_id)
    flash("API key revoked." if revoked else "That key was already gone.", "api-keys")
    return redirect(url_for("dashboard.index") + "#api-keys", 303)
