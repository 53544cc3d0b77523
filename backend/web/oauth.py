"""The OAuth consent callback: the provider sends the host's browser back here with a code;
the connection is completed and the browser goes on to the `redirect_uri` the consent was
started with (the host app's, or our own profile pages), told which profile was linked."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, Flask, current_app, redirect, render_template, request

from .. import db
from ..connections import (
    AuthorizationFailed,
    ProviderNotConfigured,
    complete_authorization,
    oauth_providers,
)

bp = Blueprint("oauth", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def callback_url() -> str:
    """Registered with each provider as the redirect URI of schedlink's OAuth client."""
    return current_app.config["BASE_URL"] + "/oauth/callback"


def _with_query(url: str, **params: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


@bp.get("/oauth/callback")
def callback():
    try:
        with db.write() as s:
            linked = complete_authorization(
                s,
                providers=oauth_providers(current_app.config),
                outbound=current_app.extensions["schedlink.outbound"],
                sealer=current_app.extensions["schedlink.sealer"],
                state=request.args.get("state"),
                code=request.args.get("code"),
                error=request.args.get("error"),
                callback_url=callback_url(),
                now=datetime.now(UTC),
            )
            profile_id = linked.profile.public_id if linked.profile is not None else None
    except (AuthorizationFailed, ProviderNotConfigured) as exc:
        message = (
            str(exc)
            if isinstance(exc, AuthorizationFailed)
            else "This service is not set up on this schedlink server."
        )
        page = render_template(
            "error.html", status=400, title="Connection not completed", message=message
        )
        return page, 400, {"Cache-Control": "no-store"}
    if linked.error:
        return redirect(_with_query(linked.redirect_uri, error=linked.error), 303)
    return redirect(_with_query(linked.redirect_uri, last_linked_profile_id=profile_id), 303)
