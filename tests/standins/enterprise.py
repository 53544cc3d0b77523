"""Enterprise Connect's provider side, added to the Microsoft and Google stand-ins and
following the documented shapes:

Microsoft identity platform: the admin-consent endpoint `/{tenant}/v2.0/adminconsent`
(client_id, redirect_uri, state, scope=https://graph.microsoft.com/.default; back with
`admin_consent=True&tenant={id}&state` or `error=access_denied&error_description&state`), the
client-credentials grant at `/{tenant}/oauth2/v2.0/token` (client_secret or an RS256
`client_assertion` signed by the app's certificate, audience the token URL; 400
unauthorized_client for a tenant that never consented or withdrew it), and Graph with
application permissions at `/v1.0/users/{upn}/…` (each mailbox a `GraphCalendar`, its
`@odata.nextLink`/`deltaLink` on the `/users/{upn}` path; 403 for a user outside the tenant,
404 ErrorInvalidUser for an unknown one, 404 MailboxNotEnabledForRESTAPI without a mailbox;
an app-only token on `/me` is 400 BadRequest, as Graph answers). Teams meetings on a member's
event (`isOnlineMeeting`, `onlineMeeting.joinUrl`) come from the mailbox's `GraphCalendar`.

Google: the service account's JWT-bearer grant at the key's `token_uri` (the RS256 signature
checked with the key's public half, `aud` the token URI, `sub` the impersonated user; 401
unauthorized_client when delegation is not granted, 400 invalid_grant for a deleted key or an
unknown user), and the Calendar API (each user a `GoogleCalendar`, conferenceData with
`conferenceDataVersion=1` included) with impersonated tokens.

    tenant = MicrosoftTenant(provider, "contoso.com"); tenant.add_user("ada@contoso.com")
    domain = GoogleDomain(provider, "example.org"); key = domain.new_key(); domain.add_user(…)
"""

from __future__ import annotations

import secrets
import time
import uuid
import warnings
from urllib.parse import quote

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.jose import JsonWebKey, jwt
    from authlib.jose.errors import JoseError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, jsonify, request

from . import StandinProvider, _back
from .google_calendar import GoogleCalendar
from .graph_calendar import GraphCalendar

GRAPH_DEFAULT = "https://graph.microsoft.com/.default"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class _Trusted:
    """What a mailbox's own API sees: the outer app already checked the token."""

    def __init__(self, outer: StandinProvider):
        self.outer = outer

    def authenticate(self) -> dict:
        return {}

    def require_scope(self, record, *accepted, code, message) -> None:
        return None

    def error(self, *args, **kwargs):
        return self.outer.error(*args, **kwargs)


def _forward(inner: Flask, path: str, rewrite: tuple[str, str] | None = None) -> Response:
    with inner.test_client() as client:
        answer = client.open(
            path,
            method=request.method,
            query_string=request.query_string.decode(),
            data=request.get_data(),
            headers={
                k: v for k, v in request.headers if k.lower() not in ("host", "content-length")
            },
        )
    body = answer.get_data()
    if rewrite:
        body = body.replace(rewrite[0].encode(), rewrite[1].encode())
    return Response(body, status=answer.status_code, content_type=answer.content_type)


def rsa_pem() -> tuple[str, object]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, key.public_key()


class MicrosoftTenant:
    def __init__(self, provider: StandinProvider, domain: str):
        self.provider, self.domain = provider, domain
        self.tenant_id = str(uuid.uuid4())
        self.consented = False
        self.deny_next = False
        self.certificate_public = None  # set to accept client_assertion signed by its key
        self.mailboxes: dict[str, tuple[GraphCalendar, Flask]] = {}
        self.no_mailbox: set[str] = set()
        self.token_requests: list[dict] = []
        self.graph_requests: list[str] = []
        app = provider.app
        app.add_url_rule("/<tenant>/v2.0/adminconsent", "adminconsent", self._consent)
        app.add_url_rule(
            "/<tenant>/oauth2/v2.0/token", "tenant_token", self._token, methods=["POST"]
        )
        app.add_url_rule(
            "/v1.0/me/<path:rest>", "graph_me", self._me, methods=["GET", "POST", "PATCH", "DELETE"]
        )
        app.add_url_rule(
            "/v1.0/users/<upn>/<path:rest>",
            "graph_users",
            self._graph,
            methods=["GET", "POST", "PATCH", "DELETE"],
        )

    def add_user(self, upn: str) -> GraphCalendar:
        graph = GraphCalendar()
        inner = Flask(f"mailbox-{upn}")
        inner.register_blueprint(graph.blueprint(_Trusted(self.provider)))
        self.mailboxes[upn.lower()] = (graph, inner)
        return graph

    def user_token(self, upn: str) -> str:
        """A delegated token for one mailbox, as an individual connection holds (for
        comparing an individual sync with an enterprise one)."""
        access = secrets.token_urlsafe(32)
        self.provider.access_tokens[access] = {
            "upn": upn.lower(),
            "expires_at": time.time() + self.provider.access_token_lifetime,
        }
        return access

    def _me(self, rest):
        record = self.provider.authenticate()
        if record.get("roles"):  # an app-only token (client credentials) has no signed-in user
            self.graph_requests.append(f"{request.method} {request.full_path}")
            return self.provider.error(
                400, "BadRequest", "/me request is only valid with delegated authentication flow."
            )
        if record.get("upn") not in self.mailboxes:
            return self.provider.error(403, "ErrorAccessDenied", "Access is denied.")
        inner = self.mailboxes[record["upn"]][1]
        return _forward(
            inner, f"/v1.0/me/{rest}", ("http://localhost/v1.0/me/", f"{request.host_url}v1.0/me/")
        )

    def revoke_consent(self) -> None:
        self.consented = False

    def _known(self, tenant: str) -> bool:
        return tenant.lower() in (self.domain, self.tenant_id, "organizations", "common")

    def _consent(self, tenant):
        args = request.args
        redirect_uri, state = args.get("redirect_uri", ""), args.get("state", "")
        if args.get("client_id") != self.provider.client_id or not redirect_uri.startswith("http"):
            return "AADSTS700016: Application not found in the directory.", 400
        if not self._known(tenant):
            return "AADSTS90002: Tenant not found.", 400
        if GRAPH_DEFAULT not in args.get("scope", "").split():
            return _back(
                redirect_uri,
                error="invalid_request",
                state=state,
                error_description="AADSTS70011: The provided scope is not valid.",
            )
        if self.deny_next:
            self.deny_next = False
            return _back(
                redirect_uri,
                error="access_denied",
                state=state,
                error_description="AADSTS65004: The administrator declined consent.",
            )
        self.consented = True
        return _back(
            redirect_uri,
            admin_consent="True",
            tenant=self.tenant_id,
            state=state,
            scope=GRAPH_DEFAULT,
        )

    def _client_ok(self, form, tenant: str) -> bool:
        if form.get("client_id") != self.provider.client_id:
            return False
        if form.get("client_assertion_type") == ASSERTION_TYPE:
            if self.certificate_public is None:
                return False
            try:
                claims = jwt.decode(form.get("client_assertion", ""), self.certificate_public)
                claims.validate()
            except (JoseError, ValueError):
                return False
            return (
                claims.get("aud") == request.base_url
                and claims.get("iss") == claims.get("sub") == self.provider.client_id
            )
        return form.get("client_secret") == self.provider.client_secret

    def _token(self, tenant):
        form = request.form
        self.token_requests.append(dict(form))
        if not self._known(tenant):
            return self.provider._token_error(400, "invalid_request", "Tenant not found.")
        if not self._client_ok(form, tenant):
            return self.provider._token_error(
                401, "invalid_client", "Client authentication failed."
            )
        if form.get("grant_type") != "client_credentials":
            return self.provider._token_error(400, "unsupported_grant_type", "Unsupported grant.")
        if form.get("scope") != GRAPH_DEFAULT:
            return self.provider._token_error(400, "invalid_scope", "Use the .default scope.")
        if not self.consented:
            return self.provider._token_error(
                400,
                "unauthorized_client",
                "The application has not been authorized (no admin consent) in the tenant.",
            )
        access = secrets.token_urlsafe(32)
        self.provider.access_tokens[access] = {
            "roles": ["Calendars.ReadWrite"],
            "tenant": self.tenant_id,
            "expires_at": time.time() + self.provider.access_token_lifetime,
        }
        return jsonify(
            {
                "token_type": "Bearer",
                "expires_in": self.provider.access_token_lifetime,
                "ext_expires_in": self.provider.access_token_lifetime,
                "access_token": access,
            }
        )

    def _graph(self, upn, rest):
        record = self.provider.authenticate()
        if record.get("tenant") != self.tenant_id or not self.consented:
            return self.provider.error(403, "ErrorAccessDenied", "Access is denied.")
        self.graph_requests.append(f"{request.method} {request.full_path}")
        upn = upn.lower()
        if upn.rsplit("@", 1)[-1] != self.domain:
            return self.provider.error(
                403, "ErrorAccessDenied", "Access to the mailbox of another tenant is denied."
            )
        if upn in self.no_mailbox:
            return self.provider.error(
                404,
                "MailboxNotEnabledForRESTAPI",
                "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
            )
        if upn not in self.mailboxes:
            return self.provider.error(
                404, "ErrorInvalidUser", f"The requested user '{upn}' is invalid."
            )
        inner = self.mailboxes[upn][1]
        outer = f"{request.host_url}v1.0/users/{quote(upn, safe='@')}/"
        return _forward(inner, f"/v1.0/me/{rest}", ("http://localhost/v1.0/me/", outer))


class GoogleDomain:
    TOKEN_PATH = "/sa/token"

    def __init__(self, provider: StandinProvider, domain: str):
        self.provider, self.domain = provider, domain
        self.keys: dict[str, object] = {}  # private_key_id -> public key
        self.delegated: set[str] = set()  # client emails allowed domain-wide delegation
        self.users: dict[str, tuple[GoogleCalendar, Flask]] = {}
        self.token_requests: list[dict] = []
        provider.app.add_url_rule(self.TOKEN_PATH, "sa_token", self._token, methods=["POST"])
        provider.app.add_url_rule(
            "/calendar/v3/<path:rest>",
            "calendar_users",
            self._calendar,
            methods=["GET", "POST", "PATCH", "DELETE"],
        )

    def new_key(self, delegated: bool = True) -> dict:
        pem, public = rsa_pem()
        key_id = secrets.token_hex(20)
        email = f"schedlink-{secrets.token_hex(3)}@project.iam.gserviceaccount.com"
        self.keys[key_id] = public
        if delegated:
            self.delegated.add(email)
        return {
            "type": "service_account",
            "project_id": "project",
            "private_key_id": key_id,
            "private_key": pem,
            "client_email": email,
            "client_id": str(uuid.uuid4().int)[:21],
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.provider.url + self.TOKEN_PATH,
        }

    def delete_key(self, key: dict) -> None:
        self.keys.pop(key["private_key_id"], None)

    def add_user(self, email: str) -> GoogleCalendar:
        calendar = GoogleCalendar()
        inner = Flask(f"calendar-{email}")
        inner.register_blueprint(calendar.blueprint(_Trusted(self.provider)))
        self.users[email.lower()] = (calendar, inner)
        return calendar

    def _token(self):
        form = request.form
        self.token_requests.append(dict(form))
        error = self.provider._token_error
        if form.get("grant_type") != JWT_BEARER:
            return error(400, "unsupported_grant_type", "Invalid grant_type.")
        assertion = form.get("assertion", "")
        try:
            claims = jwt.decode(assertion, lambda header, _payload: _public_jwk(self.keys, header))
            claims.validate(now=int(time.time()))
        except (JoseError, ValueError, KeyError, TypeError):
            return error(400, "invalid_grant", "Invalid JWT Signature.")
        if claims.get("aud") != request.base_url:
            return error(
                400,
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token "
                "and in a reasonable timeframe. Check your iat and exp values.",
            )
        if claims.get("iss") not in self.delegated:
            return error(
                401,
                "unauthorized_client",
                "Client is unauthorized to retrieve access "
                "tokens using this method, or client not authorized for any of the "
                "scopes requested.",
            )
        subject = str(claims.get("sub") or "").lower()
        if subject not in self.users:
            return error(400, "invalid_grant", "Invalid email or User ID")
        access = secrets.token_urlsafe(32)
        self.provider.access_tokens[access] = {
            "subject": subject,
            "expires_at": time.time() + self.provider.access_token_lifetime,
        }
        return jsonify(
            {
                "access_token": access,
                "expires_in": self.provider.access_token_lifetime,
                "token_type": "Bearer",
            }
        )

    def _calendar(self, rest):
        record = self.provider.authenticate()
        subject = record.get("subject")
        if subject not in self.users:
            return self.provider.error(403, "forbidden", "The caller does not have permission")
        return _forward(self.users[subject][1], f"/calendar/v3/{rest}")


def _public_jwk(keys: dict, header) -> object:
    kid = header.get("kid") if isinstance(header, dict) else None
    if kid not in keys:
        raise KeyError(kid)
    return JsonWebKey.import_key(keys[kid], {"kty": "RSA"})
