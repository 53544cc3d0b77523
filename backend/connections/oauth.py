"""The OAuth 2.0 authorization-code flow with PKCE (RFC 6749, RFC 7636): starting a consent,
the token endpoint, and keeping an access token fresh. State and verifier stay in our
database; tokens are sealed on the profile; every call to a provider goes through the
SSRF-guarded `Outbound`. The way back from the consent screen is `consent`. Flask-free."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..core.outbound import Outbound, OutboundError, OutboundRefused
from ..core.sealing import Sealer
from ..core.validation import FieldErrors, redirect_origin
from ..models import Account, OAuthRequest, Profile
from .enterprise import EnterpriseSettings
from .errors import ProfileDisconnected, ProviderNotConfigured, ProviderUnavailable
from .profiles import mark_disconnected, profiles_of, read_credentials, write_credentials
from .providers import PURPOSES, OAuthProvider, client_auth
from .revocation import queue_revoke
from .service_accounts import enterprise_access_token

STATE_TTL = timedelta(minutes=10)
REFRESH_MARGIN = 60  # seconds: refresh a token this close to expiry
# Token-endpoint errors that mean the grant is gone for good (RFC 6749 §5.2).
_FATAL = {"invalid_grant", "invalid_client", "unauthorized_client", "unsupported_grant_type"}


class TokenRefused(Exception):
    def __init__(self, code: str, description: str):
        super().__init__(f"{code}: {description}")
        self.code, self.description = code, description


def browser_hash(browser: str) -> str:
    """What is stored of a browser's key: the key itself would let a reader of the database
    complete that browser's consents."""
    return hashlib.sha256(browser.encode("utf-8", "surrogatepass")).hexdigest()


def check_redirect_uri(
    redirect_uri: object,
    *,
    callback_url: str,
    redirect_origins: Collection[str] = (),
    errors: FieldErrors | None = None,
) -> str:
    """`redirect_uri`, if the browser may be sent there after the consent: this server's own
    origin (the callback's) or one the deployment lists (SCHEDLINK_REDIRECT_ORIGINS). Anything
    else would make /oauth/callback an open redirect. Raises ValidationError, or adds to
    `errors` when the caller collects a request's problems."""
    collect = errors is not None
    errors = errors if collect else FieldErrors()
    origin = redirect_origin(redirect_uri)
    if origin is None:
        errors.add("redirect_uri", "invalid", "An absolute http(s) URL to return to is required.")
    else:
        own = redirect_origin(callback_url)
        allowed = {own} | {o.rstrip("/").lower() for o in redirect_origins}
        if origin.lower() not in allowed:
            errors.add(
                "redirect_uri",
                "invalid",
                f"{origin} is not an allowed redirect origin: use this server's own ({own}) "
                "or one listed in SCHEDLINK_REDIRECT_ORIGINS.",
            )
    if not collect:
        errors.raise_if_any()
    return redirect_uri


def forget_expired(session: Session, now: datetime) -> None:
    """Drop consents that ran out; one that was exchanged but never confirmed gives its grant
    back, so no live token is left behind that nobody can see or remove."""
    for request in session.scalars(
        select(OAuthRequest).where(
            OAuthRequest.expires_at < now, OAuthRequest.sealed_grant.is_not(None)
        )
    ):
        queue_revoke(session, request.provider_name, request.sealed_grant)
    session.execute(delete(OAuthRequest).where(OAuthRequest.expires_at < now))


def begin_authorization(
    session: Session,
    *,
    account: Account,
    provider: OAuthProvider,
    purposes: Sequence[str],
    redirect_uri: str,
    callback_url: str,
    now: datetime,
    profile: Profile | None = None,
    sealer: Sealer | None = None,
    redirect_origins: Collection[str] = (),
    browser: str | None = None,
) -> str:
    """Store a pending consent and return the provider's consent URL to send the user to.
    `sealer` opens existing connections' grants, so the consent keeps what they serve.
    `browser`: the key of the signed-in browser of `account` that starts it; only that browser
    may complete it. Without one (started through the API, or from a link anyone may hold)
    the person who comes back confirms which schedlink account gets the connection."""
    redirect_uri = check_redirect_uri(
        redirect_uri, callback_url=callback_url, redirect_origins=redirect_origins
    )
    purposes = sorted(set(purposes))
    if not purposes or any(p not in PURPOSES for p in purposes):
        raise ValueError(f"purposes must be a subset of {PURPOSES}")
    forget_expired(session, now)
    state, verifier = generate_token(43), generate_token(64)
    session.add(
        OAuthRequest(
            state=state,
            account_id=account.id,
            provider_name=provider.name,
            purposes=purposes,
            redirect_uri=redirect_uri,
            code_verifier=verifier,
            profile_id=profile.id if profile is not None else None,
            browser_hash=browser_hash(browser) if browser else None,
            expires_at=now + STATE_TTL,
            created_at=now,
        )
    )
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": callback_url,
        "state": state,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
        **provider.authorize_params,
    }
    if scope := _scope(session, account, provider, purposes, profile, sealer):
        params["scope"] = scope
    joiner = "&" if "?" in provider.authorize_url else "?"
    return provider.authorize_url + joiner + urlencode(params, quote_via=quote)


def _scope(session, account, provider, purposes, profile, sealer) -> str:
    """The scopes the consent asks for: the requested purposes', plus what the profile being
    re-linked (or the account's existing profiles of this provider, which the consent will
    most likely update) was granted before. The new token replaces the old one, so asking
    for less would silently take a purpose away from a connection serving two. Without a
    readable grant, the scopes of the purposes it serves that no other purpose implies (a
    calendar connection's conferencing needs no scope of its own)."""
    if not any(provider.scopes.values()):
        return ""  # GoTo: scopes are set on the client, never asked per consent
    wanted = provider.scope_for(purposes).split()
    others = [profile] if profile is not None else profiles_of(session, account)
    for other in others:
        if other.provider_name != provider.name:
            continue
        granted = _granted(other, sealer)
        if granted is None:
            granted = provider.scope_for(provider.explicit(other.purposes or [])).split()
        wanted.extend(scope for scope in granted if scope not in wanted)
    return " ".join(wanted)


def _granted(profile: Profile, sealer: Sealer | None) -> list[str] | None:
    if sealer is None:
        return None
    try:
        scope = (read_credentials(profile, sealer).get("token") or {}).get("scope")
    except ProfileDisconnected:
        return None
    return scope.split() if isinstance(scope, str) and scope.strip() else None


def token_request(outbound: Outbound, provider: OAuthProvider, form: dict) -> dict:
    headers, form = client_auth(provider, {"accept": "application/json"}, form)
    try:
        answer = outbound.request(
            "POST", provider.token_url, headers=headers, form=form, max_body=256 * 1024
        )
    except OutboundRefused as exc:
        raise ProviderUnavailable(
            f"{provider.title}'s sign-in address is not allowed: {exc}"
        ) from exc
    except OutboundError as exc:
        raise ProviderUnavailable(f"{provider.title} did not answer: {exc}") from exc
    if answer.status == 429 or answer.status >= 500:
        retry_after = answer.headers.get("retry-after", "")
        raise ProviderUnavailable(
            f"{provider.title} is busy or failing (HTTP {answer.status}).",
            float(retry_after) if retry_after.isdigit() else None,
        )
    try:
        body = answer.json()
    except OutboundError:
        body = None  # Zoom answers some errors in XML or plain text
    if not isinstance(body, dict):
        body = {}
    if answer.status >= 400 or not isinstance(body.get("access_token"), str):
        code = body.get("error") if isinstance(body.get("error"), str) else "invalid_request"
        description = body.get("error_description") or body.get("reason") or answer.text()[:200]
        raise TokenRefused(code, str(description))
    return body


def token_set(body: dict, now: datetime, previous: Mapping | None = None) -> dict:
    expires_in = body.get("expires_in")
    lifetime = int(expires_in) if str(expires_in).isdigit() else 3600
    return {
        "access_token": body["access_token"],
        "token_type": body.get("token_type", "Bearer"),
        "expires_at": int(now.timestamp()) + lifetime,
        # Google and GoTo keep the old refresh token unless they send a new one; Zoom and
        # Microsoft rotate it, and only the newest is certain to work.
        "refresh_token": body.get("refresh_token") or (previous or {}).get("refresh_token"),
        "scope": body.get("scope") or (previous or {}).get("scope"),
    }


def identity(body: dict) -> tuple[str | None, str | None]:
    """(external id, display name) from an OpenID id_token, when the provider sent one. It came
    straight from the token endpoint over TLS, so the signature need not be checked (OIDC
    Core §3.1.3.7)."""
    token = body.get("id_token")
    if not isinstance(token, str) or token.count(".") != 2:
        return None, None
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        return None, None
    if not isinstance(claims, dict):
        return None, None
    sub, email = claims.get("sub"), claims.get("email") or claims.get("preferred_username")
    return (str(sub)[:255] if sub else None), (str(email)[:200] if email else None)


def access_token(
    session: Session,
    *,
    profile: Profile,
    providers: Mapping[str, OAuthProvider],
    outbound: Outbound,
    sealer: Sealer,
    now: datetime,
    force_refresh: bool = False,
    enterprise: EnterpriseSettings | None = None,
) -> str:
    """A usable access token for the profile, refreshed (and the rotated refresh token stored in
    the caller's transaction) when it is about to expire or `force_refresh` (a 401 came back).
    A profile made by Enterprise Connect gets its organization's token (`enterprise`)."""
    if not profile.connected:
        raise ProfileDisconnected(profile.disconnected_reason or "Connect this service again.")
    if profile.enterprise_connection_id is not None:
        settings = enterprise or EnterpriseSettings.from_providers(providers)
        return enterprise_access_token(
            session, profile=profile, settings=settings, outbound=outbound, sealer=sealer,
            now=now, force_refresh=force_refresh,
        )  # fmt: skip
    credentials = read_credentials(profile, sealer)
    tokens = credentials.get("token") or {}
    fresh = tokens.get("expires_at", 0) - now.timestamp() > REFRESH_MARGIN
    if tokens.get("access_token") and fresh and not force_refresh:
        return tokens["access_token"]
    provider = providers.get(profile.provider_name)
    if provider is None:
        raise ProviderNotConfigured(profile.provider_name)
    if not tokens.get("refresh_token"):
        return _disconnect(profile, f"{provider.title} gave no lasting access. Connect it again.")
    try:
        body = token_request(
            outbound,
            provider,
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
    except TokenRefused as exc:
        if exc.code in _FATAL:
            return _disconnect(
                profile,
                f"{provider.title} no longer accepts schedlink's access ({exc.code}). "
                "Connect it again.",
            )
        raise ProviderUnavailable(f"{provider.title} refused to refresh access: {exc}") from exc
    tokens = token_set(body, now, previous=tokens)
    write_credentials(profile, sealer, {**credentials, "token": tokens})
    return tokens["access_token"]


def _disconnect(profile: Profile, reason: str):
    mark_disconnected(profile, reason)
    raise ProfileDisconnected(reason)
