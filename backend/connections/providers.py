"""The OAuth 2.0 providers a host can connect, with their documented endpoints as defaults
(/work/shared providers.md §2). Each endpoint is a setting, so tests point them at local
stand-ins and a self-hosted deployment can register its own client."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

PURPOSES = ("calendar", "conferencing")


@dataclass(frozen=True)
class OAuthProvider:
    name: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    api_url: str
    # Zoom and GoTo take the client in a Basic header; Google and Microsoft in the form body.
    token_auth: str
    scopes: Mapping[str, tuple[str, ...]]
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    title: str = ""
    # Purposes a consent for another purpose also serves, because its scope covers them:
    # Google's calendar scope writes events with Meet conferences, Microsoft's
    # Calendars.ReadWrite writes events that are Teams meetings.
    implies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Where a removed connection's token is given back ("" where none is documented), and
    # whether it goes in the query (as Zoom documents) rather than the form body.
    revoke_url: str = ""
    revoke_in_query: bool = False

    def explicit(self, purposes) -> list[str]:
        """The purposes no other one in `purposes` implies (the ones that need scopes)."""
        implied = {i for p in purposes for i in self.implies.get(p, ())}
        return sorted(p for p in purposes if p not in implied)

    def implied(self, purposes) -> list[str]:
        """`purposes` and every purpose their scopes also serve."""
        found = set(purposes)
        for purpose in purposes:
            found.update(self.implies.get(purpose, ()))
        return sorted(found)

    def scope_for(self, purposes: tuple[str, ...] | list[str]) -> str:
        wanted: list[str] = []
        for purpose in purposes:
            for scope in self.scopes.get(purpose, ()):
                if scope not in wanted:
                    wanted.append(scope)
        return " ".join(wanted)


# name: (config prefix, title, authorize, token, api, token auth, scopes, extra authorize params)
# Each purpose's scopes (docs/api.md "Scopes each purpose asks for"). Google: the full
# calendar scope reads the calendar list and busy times and inserts events with a Meet
# conference; calendar.events alone only writes events (meetings). Microsoft:
# Calendars.ReadWrite reads calendars and writes events, Teams meetings included
# (isOnlineMeeting); OnlineMeetings.ReadWrite makes standalone Teams meetings.
_DEFAULTS = {
    "google": (
        "GOOGLE", "Google",
        "https://accounts.google.com/o/oauth2/v2/auth",
        "https://oauth2.googleapis.com/token",
        "https://www.googleapis.com",
        "client_secret_post",
        {
            "calendar": ("openid", "email", "https://www.googleapis.com/auth/calendar"),
            "conferencing": ("openid", "email", "https://www.googleapis.com/auth/calendar.events"),
        },
        # A refresh token comes back only from the consent screen.
        {"access_type": "offline", "prompt": "consent"},
    ),
    "microsoft": (
        "MICROSOFT", "Microsoft 365",
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        "https://graph.microsoft.com/v1.0",
        "client_secret_post",
        {
            # openid + email: the id_token names the account, so connecting it again (for
            # the other purpose, or after a disconnection) updates the same profile.
            "calendar": ("openid", "email", "offline_access", "User.Read", "Calendars.ReadWrite"),
            "conferencing": (
                "openid", "email", "offline_access", "User.Read", "OnlineMeetings.ReadWrite",
            ),
        },
        {},
    ),
    "zoom": (
        "ZOOM", "Zoom",
        "https://zoom.us/oauth/authorize",
        "https://zoom.us/oauth/token",
        "https://api.zoom.us/v2",
        "client_secret_basic",
        {"conferencing": ("meeting:write:meeting", "user:read:user")},
        {},
    ),
    "go_to": (
        "GOTO", "GoTo Meeting",
        "https://authentication.logmeininc.com/oauth/authorize",
        "https://authentication.logmeininc.com/oauth/token",
        "https://api.getgo.com",
        "client_secret_basic",
        # GoTo grants the scopes set on the client in its Developer Center, not per request.
        {"conferencing": ()},
        {},
    ),
}  # fmt: skip


_IMPLIES = {"google": {"calendar": ("conferencing",)}, "microsoft": {"calendar": ("conferencing",)}}
# Token revocation endpoints as documented (providers.md §2.1, §2.2); Microsoft and GoTo
# document none.
_REVOKE = {
    "google": ("https://oauth2.googleapis.com/revoke", False),
    "zoom": ("https://zoom.us/oauth/revoke", True),
}


def client_auth(provider: OAuthProvider, headers: dict, form: dict) -> tuple[dict, dict]:
    """(headers, form) with the client's credentials where the provider takes them."""
    if provider.token_auth == "client_secret_basic":  # noqa: S105 - a method name, not a secret
        # RFC 6749 §2.3.1: id and secret are form-encoded before the Basic encoding.
        pair = f"{quote(provider.client_id, safe='')}:{quote(provider.client_secret, safe='')}"
        return {
            **headers,
            "authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
        }, form
    return headers, {
        **form,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
    }


def oauth_providers(config: Mapping) -> dict[str, OAuthProvider]:
    """The providers this deployment has a client for (a client id configured)."""
    providers = {}
    for name, (prefix, title, authorize, token, api, auth, scopes, params) in _DEFAULTS.items():
        client_id = config.get(f"{prefix}_CLIENT_ID")
        if not client_id:
            continue
        providers[name] = OAuthProvider(
            name=name,
            title=title,
            client_id=client_id,
            client_secret=config.get(f"{prefix}_CLIENT_SECRET") or "",
            authorize_url=config.get(f"{prefix}_AUTHORIZE_URL") or authorize,
            token_url=config.get(f"{prefix}_TOKEN_URL") or token,
            api_url=(config.get(f"{prefix}_API_URL") or api).rstrip("/"),
            token_auth=auth,
            scopes=scopes,
            authorize_params=params,
            implies=_IMPLIES.get(name, {}),
            revoke_url=config.get(f"{prefix}_REVOKE_URL") or _REVOKE.get(name, ("", False))[0],
            revoke_in_query=_REVOKE.get(name, ("", False))[1],
        )
    return providers


def config_keys() -> list[str]:
    """Every config key the providers read (for backend.config)."""
    return [
        f"{prefix}_{part}"
        for prefix, *_ in _DEFAULTS.values()
        for part in (
            "CLIENT_ID",
            "CLIENT_SECRET",
            "AUTHORIZE_URL",
            "TOKEN_URL",
            "API_URL",
            "REVOKE_URL",
        )
    ]
