"""The browser side of server-side sessions: the signed cookie carries only a random session
token (and the CSRF token); who is signed in, since when and whether the session still counts
is the `user_sessions` row. Also the short-lived "password checked, second factor pending"
state of a sign-in."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import Flask, current_app, g, request, session

from .. import db
from ..accounts import Keys, sessions
from ..models import Account

PENDING_MAX_AGE = 300  # seconds between the password and the second factor


def init_app(app: Flask) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = sessions.LIFETIME
    app.before_request(_load_user)


def keys() -> Keys:
    return current_app.extensions["schedlink.account_keys"]


def now() -> datetime:
    return datetime.now(UTC)


def client_ip() -> str:
    return request.remote_addr or ""


def _load_user() -> None:
    g.user = g.user_session = None
    token = session.get("sid")
    if token is None:
        return
    moment = now()
    row = sessions.session_for_token(db.session(), token, moment)
    if row is None:
        # Ended elsewhere (sign out everywhere, password change) or expired: forget it.
        session.pop("sid", None)
        return
    g.user, g.user_session = row.account, row
    if sessions.needs_touch(row, client_ip(), moment):
        with db.write() as s:
            sessions.touch(s, row.id, client_ip(), moment)


def sign_in(account_id: int) -> None:
    """A fresh session for an account whose password (and second factor) just checked out."""
    with db.write() as s:
        account = s.get(Account, account_id)
        _row, token = sessions.start_session(
            s, account, request.headers.get("User-Agent", ""), client_ip(), now()
        )
    session.clear()  # no state from before sign-in survives (fixation)
    session.permanent = True
    session["sid"] = token


def sign_out() -> None:
    if g.get("user_session") is not None:
        with db.write() as s:
            sessions.end_session(s, g.user_session.id, now())
    session.clear()


def begin_pending(account_id: int, next_path: str) -> None:
    session.clear()
    session["mfa_pending"] = {"account": account_id, "at": int(time.time()), "next": next_path}


def pending_account_id() -> int | None:
    pending = session.get("mfa_pending")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
        return None
    return pending.get("account")


def pending_next() -> str:
    return (session.get("mfa_pending") or {}).get("next") or "/"
