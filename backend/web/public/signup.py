"""Sign-up at /signup (404 unless SCHEDLINK_SIGNUP opens it): name, e-mail, password, time
zone. The account is active once the e-mailed link is opened (24 hours, once). Rate-limited
like sign-in, and the answer is the same page whether or not the address had an account."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, abort, current_app, render_template, request

from ... import db
from ...accounts import InvalidCredentials, TokenExpired, TokenInvalid
from ...core.text import normalize_email
from ...core.validation import ValidationError, known_tzids
from ...limits import limit
from ...organizations import SignupPolicy, VerificationUsed, account_to_verify, sign_up, verify
from ..security import check_csrf, token_page
from ..user_sessions import keys, sign_in

bp = Blueprint("signup", __name__, url_prefix="/signup")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["signup_open"] = lambda: policy().is_open


def policy() -> SignupPolicy:
    return SignupPolicy.parse(current_app.config.get("SIGNUP"))


def _form(errors: dict | None = None, form=None, status: int = 200):
    return render_template(
        "account/signup.html",
        policy=policy(),
        zones=sorted(known_tzids()),
        errors=errors or {},
        form=form or {},
    ), status


@bp.route("", methods=["GET", "POST"])
def index():
    if not policy().is_open:
        abort(404)
    if request.method == "GET":
        return _form()
    check_csrf()
    email = normalize_email(request.form.get("email", "")) or ""
    with limit("RATELIMIT_LOGIN", "signup"):  # every attempt, per client address
        pass
    with limit("RATELIMIT_PASSWORD_RESET", "signup-email", key=lambda: f"email:{email}"):
        pass  # the mails one address can be sent
    if request.form.get("password", "") != request.form.get("password_confirm", ""):
        errors = {"password_confirm": [{"description": "The two passwords differ."}]}
        return _form(errors, request.form, 422)
    try:
        with db.write() as s:
            sign_up(
                s, policy(), request.form.get("email", ""), request.form.get("name", ""),
                request.form.get("tzid", ""), request.form.get("password", ""),
                datetime.now(UTC),
            )  # fmt: skip
    except ValidationError as exc:
        return _form(exc.errors, request.form, 422)
    # The same page for a new and a taken address; only the e-mail differs.
    return render_template("account/signup_sent.html", email=email)


@bp.route("/verify/<token>", methods=["GET", "POST"])
@token_page
def verify_email(token: str):
    """GET only shows the form (mail scanners open links); POST, with the password chosen at
    sign-up, activates and signs in."""
    try:
        if request.method == "GET":
            account = account_to_verify(db.session(), keys(), token)
            return render_template("account/verify.html", state="ask", email=account.email)
        check_csrf()
        with limit("RATELIMIT_LOGIN", "signup-verify"):
            pass
        with db.write() as s:
            account = verify(s, keys(), token, request.form.get("password", ""))
            account_id = account.id
    except InvalidCredentials:
        account = account_to_verify(db.session(), keys(), token)
        return render_template(
            "account/verify.html", state="ask", email=account.email,
            error="That is not the password you chose when you signed up.",
        ), 401  # fmt: skip
    except TokenExpired:
        return render_template("account/verify.html", state="expired"), 410
    except TokenInvalid:
        return render_template("account/verify.html", state="bad"), 404
    except VerificationUsed:
        return render_template("account/verify.html", state="used"), 410
    sign_in(account_id)
    return render_template("account/verify.html", state="done")
