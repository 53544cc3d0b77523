"""Sudo mode: changing the e-mail address, password, MFA, API keys or connected services
needs the password (and the second factor, when the account has one) checked within the last
15 minutes in this session. Recovery codes don't count here."""

from __future__ import annotations

import functools
import ipaddress
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

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
    check_code,
    locked_account,
    mfa_enabled,
    passkey_count,
    passkeys,
    sessions,
    verify_password,
)
from ...limits import limit
from ..security import check_csrf
from ..user_sessions import keys, now
from .auth import login_required

bp = Blueprint("sudo", __name__, url_prefix="/profile/confirm")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def relying_party() -> tuple[str, str]:
    """(rp id, origin) for WebAuthn: the public host name and origin of BASE_URL."""
    base = urlsplit(current_app.config["BASE_URL"])
    return base.hostname or "localhost", f"{base.scheme}://{base.netloc}"


@dataclass(frozen=True)
class PasskeysUnavailable:
    """BASE_URL names an IP address. On this machine `base_url` (a host name) would work,
    and passkeys are then added at `page_url`; elsewhere both are None."""

    base_url: str | None
    page_url: str | None

    @property
    def message(self) -> str:
        reason = "Passkeys need a host name, not an IP address, in this server's address."
        if self.base_url:
            return (
                f"{reason} Start schedlink with SCHEDLINK_BASE_URL={self.base_url}, "
                f"then add a passkey at {self.page_url}."
            )
        return f"{reason} Set SCHEDLINK_BASE_URL to this server's name and open this page there."


def passkeys_unavailable(page_path: str) -> PasskeysUnavailable | None:
    """Whether passkeys can't work here. WebAuthn takes a host name as its relying-party id,
    never an IP address, so with a BASE_URL like http://127.0.0.1:5000 every browser refuses
    ("This is an invalid domain")."""
    base = urlsplit(current_app.config["BASE_URL"])
    try:
        address = ipaddress.ip_address(base.hostname or "")
    except ValueError:
        return None
    if address.is_loopback or address.is_unspecified:
        there = f"{base.scheme}://localhost" + (f":{base.port}" if base.port else "")
        return PasskeysUnavailable(there, f"{there}{page_path}")
    return PasskeysUnavailable(None, None)


def _same_site(target: str | None, fallback: str) -> str:
    if target:
        parts = urlsplit(target)
        if parts.netloc in ("", request.host):
            path = parts.path or "/"
            if path.startswith("/") and not path.startswith(("//", "/\\")):
                return path
    return fallback


def in_sudo() -> bool:
    return g.user_session is not None and sessions.in_sudo(g.user_session, now())


def sudo_required(view):
    """For views behind login_required: outside the window, ask again, then come back to the
    page the request came from (a form's values are typed again; nothing half-done)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if in_sudo():
            return view(*args, **kwargs)
        if request.method == "GET":
            back = request.full_path.rstrip("?")
        else:
            back = _same_site(request.referrer, url_for("profile.index"))
        if request.is_json or request.headers.get("X-CSRF-Token"):
            return jsonify(
                {"error": "reauthentication_required",
                 "message": "Confirm your password first.",
                 "redirect": url_for("sudo.confirm", next=back)}
            ), 403  # fmt: skip
        flash("Confirm it's you to continue.")
        return redirect(url_for("sudo.confirm", next=back), 303)

    return wrapped


def _reauthenticated() -> None:
    with db.write() as s:
        sessions.mark_reauthenticated(s, g.user_session.id, now())


def _account_key() -> str:
    return f"account:{g.user.id}"


@bp.route("", methods=["GET", "POST"])
@login_required
def confirm():
    target = _same_site(request.args.get("next"), url_for("profile.index"))
    s = db.session()
    needs_factor = mfa_enabled(s, g.user)
    has_totp = bool(g.user.totp_secret)
    error = None
    if request.method == "POST":
        check_csrf()
        with limit("RATELIMIT_MFA", "sudo", key=_account_key):
            pass
        with db.write() as w:
            account = locked_account(w, g.user.id)
            ok = verify_password(account, request.form.get("password", ""))
            if ok and needs_factor:
                # TOTP only: a passkey confirms through the button, recovery codes never do.
                ok = (
                    has_totp
                    and check_code(w, account, keys(), request.form.get("code", ""), now(), False)
                    == "totp"
                )
        if ok:
            _reauthenticated()
            return redirect(target, 303)
        error = (
            "That password and code don't match." if needs_factor
            else "That is not your password."
        )  # fmt: skip
    return render_template(
        "profile/confirm.html",
        error=error,
        target=target,
        needs_factor=needs_factor,
        has_totp=has_totp,
        has_passkeys=passkey_count(s, g.user) > 0,
        section=None,
    ), (401 if error else 200)


@bp.post("/passkey/options")
@login_required
def passkey_options():
    check_csrf()
    rp_id, _origin = relying_party()
    with db.write() as s:
        account = locked_account(s, g.user.id)
        options, challenge = passkeys.authentication_options(s, account, rp_id)
    session["sudo_challenge"] = challenge.hex()
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/passkey")
@login_required
def passkey_verify():
    """A passkey stands for the second factor; the password is still required alongside."""
    check_csrf()
    with limit("RATELIMIT_MFA", "sudo", key=_account_key):
        pass
    body = request.get_json(silent=True) or {}
    challenge = session.pop("sudo_challenge", None)
    if not challenge:
        abort(400, description="Start again: the passkey request expired.")
    rp_id, origin = relying_party()
    try:
        with db.write() as s:
            account = locked_account(s, g.user.id)
            if not verify_password(account, body.get("password") or ""):
                raise PasskeyError("password")
            passkeys.verify_passkey(
                s, account, json.dumps(body.get("credential")), bytes.fromhex(challenge),
                rp_id, origin, now(),
            )  # fmt: skip
    except PasskeyError:
        return jsonify(
            {"error": "invalid", "message": "That password or passkey didn't work."}
        ), 401
    _reauthenticated()
    return {"redirect": _same_site(body.get("next"), url_for("profile.index"))}
