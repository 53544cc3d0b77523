"""The second step of signing in, for accounts with MFA: a code from the authenticator app, a
recovery code, or a passkey. Attempts are rate-limited per account."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Flask,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ... import db
from ...accounts import PasskeyError, check_code, locked_account, passkey_count, passkeys
from ...limits import limit
from ...models import Account
from ..security import check_csrf
from ..user_sessions import keys, now, pending_account_id, pending_next, sign_in
from .sudo import relying_party

bp = Blueprint("second_factor", __name__, url_prefix="/login")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _per_account(account_id: int):
    return limit("RATELIMIT_MFA", "second-factor", key=lambda: f"account:{account_id}")


def _expired():
    session.pop("mfa_pending", None)
    return redirect(url_for("auth.login"), 303)


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    account_id = pending_account_id()
    if account_id is None:
        return _expired()
    account = db.session().get(Account, account_id)
    if account is None:
        return _expired()
    error = None
    if request.method == "POST":
        check_csrf()
        with _per_account(account_id):
            pass
        with db.write() as s:
            factor = check_code(
                s, locked_account(s, account_id), keys(), request.form.get("code", ""), now()
            )
        if factor:
            target = pending_next()
            sign_in(account_id)
            return redirect(target, 303)
        error = "That code didn't work. Codes from the app work once; wait for the next one."
    return render_template(
        "account/second_factor.html",
        error=error,
        has_totp=bool(account.totp_secret),
        has_passkeys=passkey_count(db.session(), account) > 0,
    ), (401 if error else 200)


@bp.post("/verify/passkey/options")
def passkey_options():
    check_csrf()
    account_id = pending_account_id()
    if account_id is None:
        return jsonify({"error": "expired", "redirect": url_for("auth.login")}), 401
    rp_id, _origin = relying_party()
    with db.write() as s:
        options, challenge = passkeys.authentication_options(s, s.get(Account, account_id), rp_id)
    session["login_challenge"] = challenge.hex()
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/verify/passkey")
def passkey_verify():
    check_csrf()
    account_id = pending_account_id()
    challenge = session.pop("login_challenge", None)
    if account_id is None or not challenge:
        return jsonify({"error": "expired", "redirect": url_for("auth.login")}), 401
    with _per_account(account_id):
        pass
    rp_id, origin = relying_party()
    body = request.get_json(silent=True) or {}
    try:
        with db.write() as s:
            passkeys.verify_passkey(
                s, locked_account(s, account_id), json.dumps(body.get("credential")),
                bytes.fromhex(challenge), rp_id, origin, now(),
            )  # fmt: skip
    except PasskeyError:
        return jsonify({"error": "invalid", "message": "That passkey didn't work."}), 401
    target = pending_next()
    sign_in(account_id)
    return {"redirect": target}
