"""Web sign-in (the password step; the second factor is `second_factor`), sign-out, and the
`login_required` guard every signed-in page uses."""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from ... import db
from ...accounts import InvalidCredentials, authenticate, mfa_enabled
from ...limits import limit
from ..security import check_csrf
from ..user_sessions import begin_pending, sign_in, sign_out
from .login_throttle import LoginThrottle

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
    """A same-origin path, read the way a browser reads a Location: browsers drop tab, CR
    and LF and treat a backslash as a slash, so "/\t/evil.com" is "//evil.com", another host."""
    if target and len(target) <= 2000:
        path = re.sub(r"[\t\r\n]", "", target).replace("\\", "/")
        try:
            parts = urlsplit(path)
        except ValueError:
            parts = None
        if (
            parts is not None
            and path.startswith("/")
            and not path.startswith("//")
            and not parts.scheme
            and not parts.netloc
            and all(ch.isprintable() and not ch.isspace() for ch in path)
        ):
            return path
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        check_csrf()
        email = request.form.get("email", "")
        with limit("RATELIMIT_LOGIN", "login"):  # every attempt, per client address
            pass
        throttle = LoginThrottle(email)
        throttle.check()
        try:
            with db.write() as s:
                account = authenticate(s, email, request.form.get("password", ""))
                account_id, second_factor = account.id, mfa_enabled(s, account)
                unverified = account.unverified_since is not None
        except InvalidCredentials:
            throttle.failed()
            error = "That e-mail and password don't match an account."
        else:
            if unverified:  # the right password: saying so tells its owner nothing new
                error = "Activate your account first with the link we e-mailed to you."
                return render_template("account/login.html", error=error), 403
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
