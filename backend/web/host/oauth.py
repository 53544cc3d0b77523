"""The OAuth consent callback: the provider sends the host's browser back here with a code;
the connection is completed and the browser goes on to the `redirect_uri` the consent was
started with (the host app's, or our own profile pages), told which profile was linked.

Each consent belongs to one browser (`connections.consent` says why): the `schedlink_oauth`
cookie carries that browser's random key. A consent started without a signed-in browser
(through the API) stops at `/oauth/confirm`, which names the schedlink account the
provider account would be connected to, and stores nothing until the person says yes."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from ... import db
from ...connections import (
    AuthorizationFailed,
    Confirmation,
    Linked,
    ProviderNotConfigured,
    cancel_authorization,
    complete_authorization,
    confirm_authorization,
    oauth_providers,
    pending_confirmation,
)
from ..security import allow_form_actions, check_csrf, token_page

bp = Blueprint("oauth", __name__)
BROWSER_COOKIE = "schedlink_oauth"
# Long enough for a consent (10 minutes) and its confirmation (10 more), with room to spare.
BROWSER_COOKIE_AGE = 3600
_KEY = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.after_request(_set_browser_cookie)


def callback_url() -> str:
    """Registered with each provider as the redirect URI of schedlink's OAuth client."""
    return current_app.config["BASE_URL"] + "/oauth/callback"


def browser_key() -> str:
    """This browser's consent key: the one its cookie holds, or a new one this response sets.
    Kept across consents, so two started in two tabs both come back to their browser."""
    key = _cookie_key() or secrets.token_urlsafe(32)
    g.oauth_browser = key
    return key


def _cookie_key() -> str | None:
    key = request.cookies.get(BROWSER_COOKIE, "")
    return key if _KEY.fullmatch(key) else None


def _set_browser_cookie(response):
    key = g.get("oauth_browser")
    if key:
        # Lax: the provider's redirect back is a top-level GET, which carries it; HttpOnly:
        # no script needs it. Only /oauth/ reads it.
        response.set_cookie(
            BROWSER_COOKIE, key, max_age=BROWSER_COOKIE_AGE, path="/oauth",
            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
        )  # fmt: skip
    return response


def _with_query(url: str, **params: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _now() -> datetime:
    return datetime.now(UTC)


def _not_completed(exc: Exception):
    message = (
        str(exc)
        if isinstance(exc, AuthorizationFailed)
        else "This service is not set up on this schedlink server."
    )
    page = render_template(
        "error.html", status=400, title="Connection not completed", message=message
    )
    return page, 400, {"Cache-Control": "no-store"}


def _back(linked: Linked, profile_id: str | None):
    if linked.error:
        return redirect(_with_query(linked.redirect_uri, error=linked.error), 303)
    return redirect(_with_query(linked.redirect_uri, last_linked_profile_id=profile_id), 303)


@bp.get("/oauth/callback")
@token_page
def callback():
    ext = current_app.extensions
    try:
        with db.write() as s:
            outcome = complete_authorization(
                s,
                providers=oauth_providers(current_app.config),
                outbound=ext["schedlink.outbound"],
                sealer=ext["schedlink.sealer"],
                state=request.args.get("state"),
                code=request.args.get("code"),
                error=request.args.get("error"),
                callback_url=callback_url(),
                now=_now(),
                browser=browser_key(),
            )
            linked = isinstance(outcome, Linked) and outcome.profile is not None
            profile_id = outcome.profile.public_id if linked else None
    except (AuthorizationFailed, ProviderNotConfigured) as exc:
        return _not_completed(exc)
    if isinstance(outcome, Confirmation):
        # Off this URL (its code is spent) onto a page that survives a reload.
        return redirect(url_for("oauth.confirm", state=outcome.state), 303)
    return _back(outcome, profile_id)


@bp.get("/oauth/confirm")
@token_page
def confirm():
    try:
        pending = pending_confirmation(
            db.session(),
            providers=oauth_providers(current_app.config),
            sealer=current_app.extensions["schedlink.sealer"],
            state=request.args.get("state"),
            browser=_cookie_key(),
            now=_now(),
        )
    except (AuthorizationFailed, ProviderNotConfigured) as exc:
        return _not_completed(exc)
    allow_form_actions([pending.redirect_uri])  # Connect and Cancel both go on there
    return render_template("oauth/confirm.html", pending=pending, signed_in=g.get("user"))


@bp.post("/oauth/confirm")
@token_page
def decide():
    check_csrf()
    state, connect = request.form.get("state"), request.form.get("action") == "connect"
    try:
        with db.write() as s:
            if connect:
                linked = confirm_authorization(
                    s,
                    providers=oauth_providers(current_app.config),
                    sealer=current_app.extensions["schedlink.sealer"],
                    state=state,
                    browser=_cookie_key(),
                    now=_now(),
                )
            else:
                linked = cancel_authorization(s, state=state, browser=_cookie_key(), now=_now())
            profile_id = linked.profile.public_id if linked.profile is not None else None
    except (AuthorizationFailed, ProviderNotConfigured) as exc:
        return _not_completed(exc)
    return _back(linked, profile_id)
