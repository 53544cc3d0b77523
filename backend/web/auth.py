"""Web sign-in (the password step; the second factor is `second_factor`), sign-out, and the
`login_required` guard every signed-in page uses."""

from __future__ import annotations

import functools

from flask import (
    Blueprint,
    Flask,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from .. import db
from ..accounts import InvalidCredentials, authenticate, mfa_enabled
from ..limits import limit
from .security import check_csrf
from .user_sessions import begin_pending, sign_in, sign_out

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


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
                account_id, second_factor = account.id, mfa_enabled(s, account)
        except InvalidCredentials:
            error = "That e-mail and password don't match an account."
        else:
            target = _safe_next(request.args.get("next"))
            if second_factor:
                begin_pending(account_id, target)
                return redirect(url_for("second_factor.verify"), 303)
            sign_in(account_id)
            return redirect(target, 303)
    status = 401 if error else 200
    return render_template("account/login.html", error=error), status


@bp.post("/logout")
def logout():
    check_csrf()
    sign_out()  # the server-side session ends for good: a copied cookie no longer works
    return redirect(url_for("auth.login"), 303)
