"""The way back from a provider's consent screen (`/oauth/callback`), bound to a browser.

A consent URL carries our `state`, and whoever holds the URL can consent with their own
provider account: sent to someone else, it would put that person's grant on the account
that made the URL. So every consent belongs to one browser (the hash of a random key in its
cookie is on the `oauth_requests` row):

- started by a signed-in browser for its own account, only that browser may complete it, at
  once; anywhere else nothing is stored;
- started without one (through the API, or from a link anyone may hold) it is bound to the
  browser that comes back from the provider, and waits there until the person confirms
  which schedlink account (name and e-mail) gets the connection.

The code is exchanged on the way back, before that confirmation: authorization codes live
for minutes at most and the exchange names the provider account for the page. The tokens
wait sealed on the request, never on a profile; a cancelled or expired confirmation gives the
grant back (`connections.revoke` job). Flask-free."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.outbound import Outbound
from ..core.sealing import SealBroken, Sealer
from ..models import Account, OAuthRequest, Profile
from .errors import (
    AuthorizationFailed,
    ProfileDisconnected,
    ProviderNotConfigured,
    ProviderUnavailable,
    WrongBrowser,
)
from .oauth import STATE_TTL, TokenRefused, browser_hash, identity, token_request, token_set
from .profiles import new_profile, read_credentials, write_credentials
from .providers import OAuthProvider
from .revocation import queue_revoke

# What the redirect_uri is told; anything else from a provider becomes "server_error".
_REDIRECT_ERRORS = {"access_denied", "invalid_scope", "temporarily_unavailable", "server_error"}
_EXPIRED = "This connection attempt has expired or was already used. Please start again."
_ELSEWHERE = (
    "This connection was started in another browser, so nothing was connected. If you "
    "want to connect this account, start again from schedlink in this browser; if someone "
    "sent you the link, you need not do anything."
)


@dataclass(frozen=True)
class Linked:
    """The consent is over: `profile` linked, or `error` for the redirect_uri."""

    profile: Profile | None
    redirect_uri: str | None
    error: str | None


@dataclass(frozen=True)
class Confirmation:
    """A consent held until the person says yes: what the page shows them."""

    state: str
    account_name: str
    account_email: str
    provider_title: str
    provider_account: str | None  # as the provider's id_token names it, when it sends one
    purposes: tuple[str, ...]
    relinking: str | None  # the existing connection the consent re-links, by name
    redirect_uri: str  # where the browser goes on to, whichever the answer


def complete_authorization(
    session: Session,
    *,
    providers: Mapping[str, OAuthProvider],
    outbound: Outbound,
    sealer: Sealer,
    state: object,
    code: object,
    error: object,
    callback_url: str,
    now: datetime,
    browser: str,
) -> Linked | Confirmation:
    """Back from the consent screen in the browser whose key is `browser`: one use of the
    state, the code exchanged, and the connection stored (a consent this browser started)
    or held for confirmation (one started without a browser, now bound to this one)."""
    request = _request(session, state, now)
    if request.sealed_grant is not None:
        raise AuthorizationFailed(_EXPIRED)  # came back once already; only confirming is left
    bound = request.browser_hash is not None
    if bound and not _same_browser(request, browser):
        raise WrongBrowser(_ELSEWHERE)
    redirect_uri = request.redirect_uri
    if error:
        session.delete(request)
        return Linked(None, redirect_uri, error if error in _REDIRECT_ERRORS else "access_denied")
    provider = providers.get(request.provider_name)
    if provider is None:
        raise ProviderNotConfigured(request.provider_name)
    if not isinstance(code, str) or not code or len(code) > 4096:
        session.delete(request)
        return Linked(None, redirect_uri, "server_error")
    try:
        body = token_request(
            outbound,
            provider,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": callback_url,
                "code_verifier": request.code_verifier,
            },
        )
    except TokenRefused:
        session.delete(request)
        return Linked(None, redirect_uri, "access_denied")
    except ProviderUnavailable:
        session.delete(request)
        return Linked(None, redirect_uri, "temporarily_unavailable")
    external_id, display = identity(body)
    grant = {"token": token_set(body, now), "external_id": external_id, "display": display}
    if bound:
        session.delete(request)
        return Linked(_link(session, request, provider, grant, sealer), redirect_uri, None)
    request.sealed_grant = sealer.seal(json.dumps(grant, separators=(",", ":")))
    request.browser_hash = browser_hash(browser)
    request.expires_at = now + STATE_TTL
    return _confirmation(session, request, provider, display)


def pending_confirmation(
    session: Session,
    *,
    providers: Mapping[str, OAuthProvider],
    sealer: Sealer,
    state: object,
    browser: str | None,
    now: datetime,
) -> Confirmation:
    """The held consent this browser is asked to confirm (for the page)."""
    request = _held(session, state, browser, now)
    provider = providers.get(request.provider_name)
    if provider is None:
        raise ProviderNotConfigured(request.provider_name)
    return _confirmation(session, request, provider, _unseal(request, sealer).get("display"))


def confirm_authorization(
    session: Session,
    *,
    providers: Mapping[str, OAuthProvider],
    sealer: Sealer,
    state: object,
    browser: str | None,
    now: datetime,
) -> Linked:
    """The person said yes: the held grant becomes the connection."""
    request = _held(session, state, browser, now)
    provider = providers.get(request.provider_name)
    if provider is None:
        raise ProviderNotConfigured(request.provider_name)
    grant = _unseal(request, sealer)
    session.delete(request)
    return Linked(_link(session, request, provider, grant, sealer), request.redirect_uri, None)


def cancel_authorization(
    session: Session, *, state: object, browser: str | None, now: datetime
) -> Linked:
    """The person said no: nothing is stored, and the grant goes back to the provider."""
    request = _held(session, state, browser, now)
    queue_revoke(session, request.provider_name, request.sealed_grant)
    session.delete(request)
    return Linked(None, request.redirect_uri, "access_denied")


def _request(session: Session, state: object, now: datetime) -> OAuthRequest:
    request = None
    # Printable ASCII only: a NUL in the lookup is an error on PostgreSQL, not "not found".
    if isinstance(state, str) and 0 < len(state) <= 64 and state.isascii() and state.isprintable():
        request = session.get(OAuthRequest, state)
    if request is None or request.expires_at <= now:
        raise AuthorizationFailed(_EXPIRED)
    return request


def _held(session: Session, state: object, browser: str | None, now: datetime) -> OAuthRequest:
    request = _request(session, state, now)
    if request.sealed_grant is None:
        raise AuthorizationFailed(_EXPIRED)
    if not _same_browser(request, browser):
        raise WrongBrowser(_ELSEWHERE)
    return request


def _same_browser(request: OAuthRequest, browser: str | None) -> bool:
    return bool(browser) and hmac.compare_digest(request.browser_hash, browser_hash(browser))


def _unseal(request: OAuthRequest, sealer: Sealer) -> dict:
    try:
        return json.loads(sealer.unseal(request.sealed_grant))
    except SealBroken:
        raise AuthorizationFailed(_EXPIRED) from None


def _confirmation(
    session: Session, request: OAuthRequest, provider: OAuthProvider, display: str | None
) -> Confirmation:
    account = session.get(Account, request.account_id)
    profile = session.get(Profile, request.profile_id) if request.profile_id else None
    return Confirmation(
        state=request.state,
        account_name=account.name,
        account_email=account.email,
        provider_title=provider.title or provider.name,
        provider_account=display,
        purposes=tuple(request.purposes or ()),
        relinking=profile.profile_name if profile is not None else None,
        redirect_uri=request.redirect_uri,
    )


def _link(
    session: Session, request: OAuthRequest, provider: OAuthProvider, grant: dict, sealer: Sealer
) -> Profile:
    """The grant onto the account: the profile being re-linked, the one this provider account
    already has (by the id_token's `sub`), or a new one."""
    external_id, display, tokens = grant.get("external_id"), grant.get("display"), grant["token"]
    account = session.get(Account, request.account_id)
    profile = session.get(Profile, request.profile_id) if request.profile_id else None
    if profile is None and external_id:
        profile = session.scalar(
            select(Profile).where(
                Profile.account_id == account.id,
                Profile.provider_name == provider.name,
                Profile.external_id == external_id,
            )
        )
    if profile is None:
        return new_profile(
            session,
            account=account,
            provider_name=provider.name,
            profile_name=display or provider.title,
            # A new connection serves every purpose its scope covers; an existing one
            # keeps what the host left it (a purpose removed stays removed).
            purposes=provider.implied(request.purposes),
            credentials={"token": tokens},
            sealer=sealer,
            external_id=external_id,
        )
    profile.purposes = sorted(set(profile.purposes or []) | set(request.purposes))
    profile.connected, profile.disconnected_reason = True, None
    if display:
        profile.profile_name = display
    write_credentials(profile, sealer, {**_credentials_or_empty(profile, sealer), "token": tokens})
    return profile


def _credentials_or_empty(profile: Profile, sealer: Sealer) -> dict:
    try:
        return read_credentials(profile, sealer)
    except ProfileDisconnected:
        return {}
