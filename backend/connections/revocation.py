"""Giving a grant back. When a connection is removed its row goes at once, and a job asks the
provider to revoke the token, so no live grant outlives the connection: Google's
`POST https://oauth2.googleapis.com/revoke` (the token in the form body) and Zoom's
`POST https://zoom.us/oauth/revoke?token=…` (with the client's Basic header). Microsoft and
GoTo document no such call: their users remove an app's access in their account settings."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from ..core.outbound import Outbound, OutboundError, OutboundRefused
from ..core.sealing import SealBroken, Sealer
from ..models import Job, Profile
from .errors import ProviderUnavailable
from .providers import OAuthProvider, client_auth

log = logging.getLogger(__name__)
REVOKE_JOB = "connections.revoke"


def delete_profile(session: Session, profile: Profile) -> None:
    """Delete the connection; an OAuth grant it held is revoked by the job worker (its sealed
    credentials travel in the job, as a "sealed_" value the worker drops once it is done)."""
    queue_revoke(session, profile.provider_name, profile.credentials)
    session.delete(profile)


def queue_revoke(session: Session, provider_name: str, sealed: str | None) -> None:
    """A `connections.revoke` job for an OAuth grant held sealed (a removed profile's, or a
    consent's that was cancelled or never confirmed); nothing for other kinds of connection."""
    if sealed and provider_name in ("google", "microsoft", "zoom", "go_to"):
        session.add(
            Job(
                kind=REVOKE_JOB,
                payload={"provider_name": provider_name, "sealed_credentials": sealed},
            )
        )


def revoke_grant(
    outbound: Outbound, provider: OAuthProvider | None, sealer: Sealer, sealed: str
) -> str:
    """Ask the provider to revoke the grant; what happened, in words (for the log). Raises
    ProviderUnavailable when it should be tried again later."""
    if provider is None or not provider.revoke_url:
        return "the provider documents no revocation call"
    try:
        tokens = json.loads(sealer.unseal(sealed)).get("token") or {}
    except SealBroken:
        return "the stored credentials can no longer be read"
    token = tokens.get("refresh_token") or tokens.get("access_token")
    if not token:
        return "no token was stored"
    url, form = provider.revoke_url, {"token": token}
    headers, form = client_auth(provider, {"accept": "application/json"}, form)
    if provider.revoke_in_query:
        url, form = url + ("&" if "?" in url else "?") + urlencode(form), None
    try:
        answer = outbound.request("POST", url, headers=headers, form=form, max_body=64 * 1024)
    except OutboundRefused as exc:
        return f"the revocation address is not allowed: {exc}"
    except OutboundError as exc:
        raise ProviderUnavailable(f"{provider.title} did not answer: {exc}") from exc
    if answer.status == 429 or answer.status >= 500:
        raise ProviderUnavailable(f"{provider.title} is busy or failing (HTTP {answer.status}).")
    if answer.status == 200:
        return "revoked"
    # 400: the token was already revoked or expired — nothing left to give back.
    return f"{provider.title} answered HTTP {answer.status}; nothing more to do"
