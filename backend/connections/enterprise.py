"""Enterprise Connect's grants (providers.md §2.3, cronofy-scheduling.md §11): Microsoft's
admin consent and the client-credentials grant (one app token per tenant, used on Graph's
`/users/{upn}` paths), and Google's JWT-bearer grant for a service account with domain-wide
delegation (one token per member, `sub` = the member's address). Every call goes through the
SSRF-guarded `Outbound`; keys and tokens are sealed at rest. Flask-free."""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode, urlsplit

from authlib.common.security import generate_token

with warnings.catch_warnings():  # design §2: Authlib's jose (joserfc is its successor)
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.jose import JsonWebKey, jwt
    from authlib.jose.errors import JoseError
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ..core.outbound import Outbound, OutboundError
from ..core.sealing import SealBroken, Sealer
from .errors import ProviderUnavailable

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
GOOGLE_SCOPE = "https://www.googleapis.com/auth/calendar"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LOGIN = "https://login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com/v1.0"
GOOGLE_API = "https://www.googleapis.com"
REFRESH_MARGIN = 60
_KEY_FIELDS = ("type", "client_email", "private_key", "token_uri")


class EnterpriseRefused(Exception):
    """The provider refused the grant. `whole` means the tenant's consent or the domain's
    key no longer works (every member profile is affected); otherwise it is this member."""

    def __init__(self, code: str, description: str, whole: bool):
        super().__init__(f"{code}: {description}")
        self.code, self.description, self.whole = code, description, whole


@dataclass(frozen=True)
class EnterpriseSettings:
    login: str  # origin of SCHEDLINK_MICROSOFT_AUTHORIZE_URL
    graph_url: str
    client_id: str
    client_secret: str
    certificate: str  # PEM with the private key, for client_assertion ("" = use the secret)
    google_api_url: str

    @classmethod
    def from_config(cls, config: Mapping) -> EnterpriseSettings:
        authorize = config.get("MICROSOFT_AUTHORIZE_URL") or LOGIN
        parts = urlsplit(authorize)
        return cls(
            login=f"{parts.scheme}://{parts.netloc}",
            graph_url=(config.get("MICROSOFT_API_URL") or GRAPH).rstrip("/"),
            client_id=config.get("MICROSOFT_CLIENT_ID") or "",
            client_secret=config.get("MICROSOFT_CLIENT_SECRET") or "",
            certificate=config.get("MICROSOFT_CERTIFICATE") or "",
            google_api_url=(config.get("GOOGLE_API_URL") or GOOGLE_API).rstrip("/"),
        )

    @classmethod
    def from_providers(cls, providers: Mapping) -> EnterpriseSettings:
        """What the OAuth providers' settings say (no certificate): for callers that have
        only those."""
        ms, google = providers.get("microsoft"), providers.get("google")
        return cls.from_config({
            "MICROSOFT_AUTHORIZE_URL": ms.authorize_url if ms else None,
            "MICROSOFT_API_URL": ms.api_url if ms else None,
            "MICROSOFT_CLIENT_ID": ms.client_id if ms else None,
            "MICROSOFT_CLIENT_SECRET": ms.client_secret if ms else None,
            "GOOGLE_API_URL": google.api_url if google else None,
        })  # fmt: skip

    @property
    def microsoft_ready(self) -> bool:
        return bool(self.client_id and (self.client_secret or self.certificate))


# --- Microsoft --------------------------------------------------------------------------------


def admin_consent_url(settings: EnterpriseSettings, tenant: str, redirect_uri: str, state: str):
    params = {
        "client_id": settings.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "scope": GRAPH_SCOPE,
    }
    return f"{settings.login}/{quote(tenant, safe='')}/v2.0/adminconsent?" + urlencode(
        params, quote_via=quote
    )


def _thumbprint(pem: str) -> str:
    cert = x509.load_pem_x509_certificate(pem.encode())
    digest = cert.fingerprint(hashes.SHA1())  # noqa: S303 - x5t is defined as SHA-1
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def client_assertion(settings: EnterpriseSettings, token_url: str, now: datetime) -> str:
    """RFC 7523 client authentication with the app's certificate (Microsoft's "certificate
    credentials": x5t is the certificate's SHA-1 thumbprint)."""
    header = {"alg": "RS256", "typ": "JWT", "x5t": _thumbprint(settings.certificate)}
    issued = int(now.timestamp())
    claims = {
        "aud": token_url,
        "iss": settings.client_id,
        "sub": settings.client_id,
        "jti": generate_token(24),
        "nbf": issued,
        "iat": issued,
        "exp": issued + 600,
    }
    key = JsonWebKey.import_key(settings.certificate, {"kty": "RSA"})
    return jwt.encode(header, claims, key).decode()


def app_token(outbound: Outbound, settings: EnterpriseSettings, tenant: str, now: datetime):
    """The client-credentials grant for one tenant: {"access_token", "expires_at"}."""
    if not settings.microsoft_ready:
        raise ProviderUnavailable("This server has no Microsoft app set up for Enterprise Connect.")
    url = f"{settings.login}/{quote(tenant, safe='')}/oauth2/v2.0/token"
    form = {
        "grant_type": "client_credentials",
        "client_id": settings.client_id,
        "scope": GRAPH_SCOPE,
    }
    if settings.certificate:
        form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        form["client_assertion"] = client_assertion(settings, url, now)
    else:
        form["client_secret"] = settings.client_secret
    body = _post(outbound, url, form, "Microsoft")
    return _token(body, now)


# --- Google -----------------------------------------------------------------------------------


def check_key(key: object) -> dict:
    """The parts of a service account's JSON key that are used; ValueError names what is
    wrong (never echoing the key)."""
    if not isinstance(key, dict):
        raise ValueError("service_account_key must be the service account's JSON key object.")
    missing = [f for f in _KEY_FIELDS if not isinstance(key.get(f), str) or not key.get(f)]
    if missing:
        raise ValueError(f"The key has no {', '.join(missing)}.")
    if key["type"] != "service_account":
        raise ValueError('The key\'s type must be "service_account".')
    if "@" not in key["client_email"] or not key["token_uri"].startswith(("https://", "http://")):
        raise ValueError("The key's client_email or token_uri is not valid.")
    try:
        JsonWebKey.import_key(key["private_key"], {"kty": "RSA"})
    except (JoseError, ValueError, TypeError) as exc:
        raise ValueError("The key's private_key is not an RSA private key.") from exc
    kept = {f: key[f] for f in _KEY_FIELDS}
    kept["private_key_id"] = str(key.get("private_key_id") or "")
    return kept


def member_token(outbound: Outbound, key: dict, subject: str, now: datetime) -> dict:
    """The JWT-bearer grant (RFC 7523) acting as `subject`: {"access_token", "expires_at"}."""
    issued = int(now.timestamp())
    header = {"alg": "RS256", "typ": "JWT"}
    if key.get("private_key_id"):
        header["kid"] = key["private_key_id"]
    claims = {
        "iss": key["client_email"],
        "sub": subject,
        "scope": GOOGLE_SCOPE,
        "aud": key["token_uri"],
        "iat": issued,
        "exp": issued + 3600,
    }
    signing = JsonWebKey.import_key(key["private_key"], {"kty": "RSA"})
    assertion = jwt.encode(header, claims, signing).decode()
    body = _post(
        outbound, key["token_uri"], {"grant_type": JWT_BEARER, "assertion": assertion}, "Google"
    )
    return _token(body, now)


# --- shared -----------------------------------------------------------------------------------


def fresh(token: Mapping | None, now: datetime) -> bool:
    return bool(
        token
        and token.get("access_token")
        and token.get("expires_at", 0) - now.timestamp() > REFRESH_MARGIN
    )


def seal(sealer: Sealer, data: dict) -> str:
    return sealer.seal(json.dumps(data, separators=(",", ":")))


def unseal(sealer: Sealer, sealed: str | None) -> dict:
    if not sealed:
        return {}
    try:
        return json.loads(sealer.unseal(sealed))
    except SealBroken:
        return {}


def _post(outbound: Outbound, url: str, form: dict, who: str) -> dict:
    try:
        answer = outbound.request(
            "POST", url, headers={"accept": "application/json"}, form=form, max_body=256 * 1024
        )
    except OutboundError as exc:
        raise ProviderUnavailable(f"{who}'s sign-in service did not answer: {exc}") from exc
    if answer.status == 429 or answer.status >= 500:
        raise ProviderUnavailable(
            f"{who}'s sign-in service is busy or failing (HTTP {answer.status})."
        )
    try:
        body = answer.json()
    except OutboundError:
        body = None
    body = body if isinstance(body, dict) else {}
    if answer.status >= 400 or not isinstance(body.get("access_token"), str):
        code = body.get("error") if isinstance(body.get("error"), str) else "invalid_request"
        description = str(body.get("error_description") or "")[:300]
        # Microsoft: the app's consent or secret (every member); Google: the key or the
        # delegation (every member), while invalid_grant is this member's address.
        whole = (
            code in ("invalid_client", "unauthorized_client")
            or (who == "Microsoft" and code == "invalid_grant")
            or "Invalid JWT Signature" in description
        )
        raise EnterpriseRefused(code, description, whole)
    return body


def _token(body: dict, now: datetime) -> dict:
    lifetime = body.get("expires_in")
    seconds = int(lifetime) if str(lifetime).isdigit() else 3600
    return {"access_token": body["access_token"], "expires_at": int(now.timestamp()) + seconds}
