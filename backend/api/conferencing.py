"""Conferencing services over the API: start an end user's authorization of a provider
(Zoom, Google Meet, Microsoft Teams, GoTo) and remove a conferencing profile. The profiles
themselves are listed by GET /v1/userinfo."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app
from werkzeug.exceptions import NotFound

from .. import conferencing, db
from ..connections import (
    ProfileNotFound,
    begin_authorization,
    check_redirect_uri,
    oauth_providers,
)
from ..core.validation import FieldErrors, ValidationError
from ..models import Profile
from .auth import current_account, json_body, require_api_key

bp = Blueprint("api_conferencing", __name__, url_prefix="/v1")
bp.before_request(require_api_key)


def _tokens():
    return current_app.extensions["schedlink.tokens"]


def relink_url(profile: Profile) -> str:
    token = _tokens().dumps("conferencing-relink", profile.public_id)
    return f"{current_app.config['BASE_URL']}/conferencing/relink/{token}"


def profiles_json(account) -> list[dict]:
    """The account's conferencing profiles for GET /v1/userinfo (Jitsi made on first use)."""
    profiles = conferencing.conferencing_profiles(db.session(), account)
    if not any(p.provider_name == "jitsi" for p in profiles):
        with db.write() as s:
            conferencing.jitsi_profile(s, account, current_app.extensions["schedlink.sealer"])
            profiles = conferencing.conferencing_profiles(s, account)
    return [conferencing.profile_to_dict(p, relink_url) for p in profiles]


@bp.post("/conferencing_service_authorizations")
def authorize():
    body = json_body()
    errors = FieldErrors()
    providers = oauth_providers(current_app.config)
    base = current_app.config["BASE_URL"]
    redirect_uri = body.get("redirect_uri")
    if not isinstance(redirect_uri, str) or not redirect_uri:
        errors.add("redirect_uri", "required", "redirect_uri is required.")
    else:  # also for the provider chooser's page, which passes it on to the consent
        check_redirect_uri(
            redirect_uri, callback_url=f"{base}/oauth/callback", errors=errors,
            redirect_origins=current_app.config["REDIRECT_ORIGINS"],
        )  # fmt: skip
    name = body.get("provider_name")
    if name is not None and (not isinstance(name, str) or name not in providers):
        offered = ", ".join(sorted(providers)) or "none on this server"
        errors.add("provider_name", "invalid", f"provider_name is one of: {offered}.")
    errors.raise_if_any()
    if name is None:
        # No provider named: the end user picks one on our page, then consents there.
        token = _tokens().dumps(
            "conferencing-connect",
            json.dumps({"sub": current_account().sub, "redirect_uri": redirect_uri}),
        )
        url = f"{base}/conferencing/connect/{token}"
    else:
        with db.write() as s:
            url = begin_authorization(
                s,
                account=current_account(),
                provider=providers[name],
                purposes=["conferencing"],
                redirect_uri=redirect_uri,
                callback_url=f"{base}/oauth/callback",
                now=datetime.now(UTC),
                sealer=current_app.extensions["schedlink.sealer"],
                redirect_origins=current_app.config["REDIRECT_ORIGINS"],
            )
    return {"authorization_request": {"url": url}}


@bp.delete("/conferencing_profiles/<profile_id>")
def remove(profile_id: str):
    try:
        with db.write() as s:
            conferencing.remove_profile(s, current_account(), profile_id)
    except ProfileNotFound:
        raise NotFound("No conferencing profile with that id.") from None
    except conferencing.BuiltinProfile:
        raise ValidationError(
            {
                "profile_id": [
                    {
                        "key": "errors.builtin",
                        "description": "The built-in Jitsi service can't be removed; "
                        "choose no default conferencing instead.",
                    }
                ]
            }
        ) from None
    response = Response(status=202)
    del response.headers["Content-Type"]
    return response
