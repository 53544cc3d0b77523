"""What the extension may ask before it has an API key: whether this server takes sign-ups
(`GET /v1/signup`), and "Connect this browser" (`POST /v1/browser_connections` starts a
request the owner approves on /connect/<id>; `POST /v1/browser_connections/token` trades the
extension's verifier for a new API key, once). No key is needed, so both are rate-limited
per client address; what they hand out is bound to a verifier only the extension holds."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app

from .. import db
from ..errors import api_error
from ..limits import limit
from ..organizations import ConnectionGone, SignupPolicy, browsers
from .auth import json_body

bp = Blueprint("api_browser_connect", __name__, url_prefix="/v1")
POLL_SECONDS = 2


def _now() -> datetime:
    return datetime.now(UTC)


@bp.get("/signup")
def signup():
    base = current_app.config["BASE_URL"]
    is_open = SignupPolicy.parse(current_app.config.get("SIGNUP")).is_open
    return {"open": is_open, "url": f"{base}/signup" if is_open else None}


@bp.post("/browser_connections")
def start():
    with limit("RATELIMIT_LOGIN", "browser-connect"):
        pass
    body = json_body()
    now = _now()
    with db.write() as s:
        row = browsers.start(s, body.get("code_challenge"), body.get("browser"), now)
        answer = {
            "connection_id": row.public_id,
            "user_code": row.user_code,
            "verification_url": f"{current_app.config['BASE_URL']}/connect/{row.public_id}",
            "expires_in": int((row.expires_at - now).total_seconds()),
            "interval": POLL_SECONDS,
        }
    return answer, 201


@bp.post("/browser_connections/token")
def token():
    with limit("RATELIMIT_BROWSER_CONNECT", "browser-connect-token"):
        pass
    body = json_body()
    try:
        with db.write() as s:
            account, api_key = browsers.exchange(
                s, body.get("connection_id"), body.get("code_verifier"), _now()
            )
            answer = {"api_key": api_key, "sub": account.sub, "email": account.email,
                      "name": account.name}  # fmt: skip
    except ConnectionGone as exc:
        if exc.state == "pending":
            return {"status": "pending"}, 202
        if exc.state == "unknown":
            return api_error(404, "No connection request with that id and verifier.")
        return api_error(410, f"This connection request is {exc.state}; start again.")
    return answer
