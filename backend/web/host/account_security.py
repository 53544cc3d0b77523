"""The Security section: password change, the list of signed-in sessions (end one, or all),
and multi-factor authentication — TOTP enrolment, recovery codes, passkeys, turning it off."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ... import db
from ...accounts import (
    PasskeyError,
    begin_enrolment,
    change_password,
    check_code,
    confirm_enrolment,
    disable_mfa,
    locked_account,
    mfa_enabled,
    new_recovery_codes,
    notify,
    passkeys,
    pending_secret,
    provisioning_uri,
    qr_data_uri,
    remaining_recovery_codes,
    sessions,
    verify_password,
)
from ...accounts.recovery import remove_recovery_codes
from ...core.validation import ValidationError
from ...limits import limit
from ..security import check_csrf
from ..user_sessions import keys, now, sign_out
from .auth import login_required
from .profile_nav import add_section
from .sudo import passkeys_unavailable, relying_party, sudo_required

bp = Blueprint("account_security", __name__, url_prefix="/profile/security")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_section(app, "security", "Security", "account_security.index", order=50)


def _page(errors: dict | None = None, status: int = 200):
    s = db.session()
    moment = now()
    return render_template(
        "profile/security.html",
        section="security",
        errors=errors or {},
        sessions=[
            (row, sessions.describe_device(row.user_agent))
            for row in sessions.active_sessions(s, g.user, moment)
        ],
        current_session=g.user_session,
        mfa_on=mfa_enabled(s, g.user),
        has_totp=bool(g.user.totp_secret),
        recovery_left=remaining_recovery_codes(s, g.user),
        passkeys=passkeys.account_passkeys(s, g.user),
        passkeys_unavailable=passkeys_unavailable(url_for("account_security.index")),
    ), status


@bp.get("")
@login_required
def index():
    return _page()


# --- password ---------------------------------------------------------------------------------


@bp.post("/password")
@login_required
@sudo_required
def password():
    check_csrf()
    new = request.form.get("password", "")
    if new != request.form.get("password_confirm", ""):
        return _page({"password_confirm": [{"description": "The two new passwords differ."}]}, 422)
    with limit("RATELIMIT_MFA", "password-change", key=lambda: f"account:{g.user.id}"):
        pass
    try:
        with db.write() as s:
            account = locked_account(s, g.user.id)
            change_password(account, request.form.get("current_password", ""), new)
            ended = sessions.end_all_sessions(s, account, now(), keep_session_id=g.user_session.id)
            notify(s, account, "account.password_changed", sessions_ended=ended)
    except ValidationError as exc:
        return _page(exc.errors, 422)
    flash("Password changed. Every other session has been signed out.")
    return redirect(url_for("account_security.index"), 303)


# --- sessions ---------------------------------------------------------------------------------


@bp.post("/sessions/<public_id>/end")
@login_required
def end_session(public_id: str):
    check_csrf()
    if public_id == g.user_session.public_id:
        sign_out()
        return redirect(url_for("auth.login"), 303)
    with db.write() as s:
        ended = sessions.end_session_by_public_id(s, g.user, public_id, now())
    flash("That session is signed out." if ended else "That session had already ended.")
    return redirect(url_for("account_security.index") + "#sessions", 303)


@bp.post("/sessions/end-all")
@login_required
def end_all_sessions():
    """Sign out everywhere, this browser included."""
    check_csrf()
    with db.write() as s:
        sessions.end_all_sessions(s, g.user, now())
    session.clear()
    return redirect(url_for("auth.login"), 303)


# --- TOTP -------------------------------------------------------------------------------------


@bp.post("/totp")
@login_required
@sudo_required
def totp_start():
    check_csrf()
    with db.write() as s:
        begin_enrolment(locked_account(s, g.user.id), keys())
    return redirect(url_for("account_security.totp"), 303)


@bp.get("/totp")
@login_required
@sudo_required
def totp():
    return _totp_page()


def _totp_page(error: str | None = None, status: int = 200):
    secret = pending_secret(g.user, keys())
    if secret is None:
        return redirect(url_for("account_security.index"), 303)
    uri = provisioning_uri(g.user, secret)
    return render_template(
        "profile/totp.html", section="security", secret=secret, uri=uri,
        qr=qr_data_uri(uri), error=error,
    ), status  # fmt: skip


@bp.post("/totp/confirm")
@login_required
@sudo_required
def totp_confirm():
    check_csrf()
    with limit("RATELIMIT_MFA", "totp-enrol", key=lambda: f"account:{g.user.id}"):
        pass
    with db.write() as s:
        account = locked_account(s, g.user.id)
        if account.totp_pending_secret is None:
            return redirect(url_for("account_security.index"), 303)
        if not confirm_enrolment(account, keys(), request.form.get("code", ""), now()):
            ok = False
        else:
            ok = True
            notify(s, account, "account.mfa_enabled", factor="totp")
            codes = (
                new_recovery_codes(s, account)
                if remaining_recovery_codes(s, account) == 0
                else None
            )
    if not ok:
        return _totp_page(
            "That code didn't match. Check the time on your phone and try the newest code.", 422
        )
    if codes:
        return _codes_page(codes, "Two-factor authentication is on.")
    flash("Two-factor authentication with an authenticator app is on.")
    return redirect(url_for("account_security.index"), 303)


# --- recovery codes ---------------------------------------------------------------------------


def _codes_page(codes: list[str], heading: str):
    return render_template(
        "profile/recovery_codes.html", section="security", codes=codes, heading=heading
    )


@bp.post("/recovery-codes")
@login_required
@sudo_required
def recovery_codes():
    check_csrf()
    with db.write() as s:
        account = locked_account(s, g.user.id)
        if not mfa_enabled(s, account):
            abort(409, description="Turn on two-factor authentication first.")
        codes = new_recovery_codes(s, account)
    return _codes_page(codes, "New recovery codes")


# --- turning MFA off --------------------------------------------------------------------------


@bp.post("/mfa/disable")
@login_required
@sudo_required
def mfa_disable():
    check_csrf()
    with limit("RATELIMIT_MFA", "mfa-disable", key=lambda: f"account:{g.user.id}"):
        pass
    with db.write() as s:
        account = locked_account(s, g.user.id)
        ok = verify_password(account, request.form.get("password", "")) and check_code(
            s, account, keys(), request.form.get("code", ""), now()
        )
        if ok:
            disable_mfa(s, account)
            sessions.end_all_sessions(s, account, now(), keep_session_id=g.user_session.id)
    if not ok:
        return _page({"disable": [{"description": "That password and code don't match."}]}, 422)
    flash("Two-factor authentication is off. Every other session has been signed out.")
    return redirect(url_for("account_security.index"), 303)


# --- passkeys ---------------------------------------------------------------------------------


@bp.post("/passkeys/options")
@login_required
@sudo_required
def passkey_options():
    check_csrf()
    unavailable = passkeys_unavailable(url_for("account_security.index"))
    if unavailable:
        return jsonify({"error": "passkeys_unavailable", "message": unavailable.message}), 409
    rp_id, _origin = relying_party()
    with db.write() as s:
        options, challenge = passkeys.registration_options(s, locked_account(s, g.user.id), rp_id)
    session["passkey_challenge"] = challenge.hex()
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/passkeys")
@login_required
@sudo_required
def passkey_add():
    check_csrf()
    body = request.get_json(silent=True) or {}
    challenge = session.pop("passkey_challenge", None)
    if not challenge:
        return jsonify({"error": "expired", "message": "Start again: the request expired."}), 400
    rp_id, origin = relying_party()
    try:
        with db.write() as s:
            account = locked_account(s, g.user.id)
            first_factor = not mfa_enabled(s, account)
            row = passkeys.register_passkey(
                s, account, json.dumps(body.get("credential")), bytes.fromhex(challenge),
                rp_id, origin, str(body.get("name") or ""), now(),
            )  # fmt: skip
            notify(s, account, "account.passkey_added", name=row.name)
            if first_factor:
                notify(s, account, "account.mfa_enabled", factor="passkey")
    except PasskeyError as exc:
        return jsonify({"error": "invalid", "message": f"The passkey wasn't added: {exc}"}), 422
    flash(f"Passkey “{row.name}” added.")
    return {"redirect": url_for("account_security.index")}


@bp.post("/passkeys/<int:passkey_id>/delete")
@login_required
@sudo_required
def passkey_delete(passkey_id: int):
    check_csrf()
    with db.write() as s:
        account = locked_account(s, g.user.id)
        row = passkeys.remove_passkey(s, account, passkey_id)
        s.flush()
        if row is not None and not mfa_enabled(s, account):
            # That was the last factor: recovery codes for nothing would only be a risk.
            remove_recovery_codes(s, account)
            notify(s, account, "account.mfa_disabled")
    flash("Passkey removed." if row else "That passkey was already gone.")
    return redirect(url_for("account_security.index") + "#passkeys", 303)
