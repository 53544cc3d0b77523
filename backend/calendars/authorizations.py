"""Starting a Google or Microsoft calendar consent (and re-linking a disconnected profile)
through the shared OAuth connections. Flask-free."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from ..connections import begin_authorization, oauth_providers
from ..core.validation import FieldErrors
from ..models import Account, Profile
from .sync import CALENDAR_PURPOSE

CALENDAR_OAUTH = ("google", "microsoft")
LABELS = {"google": "Google Calendar", "microsoft": "Outlook (Microsoft 365)"}


def relink_path(profile: Profile) -> str:
    """The page a signed-in host opens to give consent again (the web face serves it)."""
    return f"/calendar_services/{profile.public_id}/relink"


def start_authorization(
    session: Session, account: Account, body: object, *, config: Mapping, now: datetime,
    profile: Profile | None = None, sealer=None, browser: str | None = None,
) -> str:  # fmt: skip
    """The provider's consent URL; afterwards the host returns to `redirect_uri` (this
    server's origin or one in REDIRECT_ORIGINS) with ?last_linked_profile_id=pro_… (or
    ?error=access_denied). `browser`: the key of the signed-in browser starting it (see
    `connections.begin_authorization`)."""
    errors = FieldErrors()
    body = body if isinstance(body, dict) else {}
    name = body.get("provider_name")
    if name not in CALENDAR_OAUTH:
        errors.add("provider_name", "invalid", "provider_name is google or microsoft.")
        errors.raise_if_any()
    provider = oauth_providers(config).get(name)
    if provider is None:
        errors.add(
            "provider_name", "not_configured",
            f"{LABELS[name]} is not set up on this server: its administrator sets "
            f"SCHEDLINK_{name.upper()}_CLIENT_ID and _CLIENT_SECRET.",
        )  # fmt: skip
        errors.raise_if_any()
    redirect_uri = body.get("redirect_uri")
    if not isinstance(redirect_uri, str) or not redirect_uri:
        errors.add("redirect_uri", "required", "redirect_uri is required.")
        errors.raise_if_any()
    return begin_authorization(
        session, account=account, provider=provider, purposes=[CALENDAR_PURPOSE],
        redirect_uri=redirect_uri, callback_url=config["BASE_URL"] + "/oauth/callback",
        now=now, profile=profile, sealer=sealer,
        redirect_origins=config.get("REDIRECT_ORIGINS") or (), browser=browser,
    )  # fmt: skip
