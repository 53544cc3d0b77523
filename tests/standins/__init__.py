"""Local stand-ins for the OAuth providers this machine cannot reach (Google, Microsoft, Zoom,
GoTo): their documented authorization-code flow (PKCE, client authentication, single-use codes,
refresh with or without rotation) and their documented error bodies (providers.md §2).

Each stand-in is a small Flask app on a free loopback port, run by werkzeug's threaded server.
Issues that call a provider's API add its endpoints as blueprints (`register` before `start`)
and use `authenticate()` and `error()` there, so every API answers 401/429/5xx in the
provider's own shape. Nothing here is a test.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import Blueprint, Flask, abort, jsonify, make_response, redirect, request
from werkzeug.serving import make_server


@dataclass(frozen=True)
class Flavour:
    prefix: str  # config/env prefix: SCHEDLINK_<prefix>_CLIENT_ID …
    authorize_path: str
    token_path: str
    api_path: str  # appended to the server URL for <prefix>_API_URL
    basic_auth: bool  # client authenticates with a Basic header (else in the form body)
    rotates: bool  # every refresh returns a new refresh token
    revokes_rotated: bool  # …and the old one stops working (Zoom) or not (Microsoft)
    id_token: bool  # an OpenID id_token comes back when "openid" was asked for
    revoke_path: str = ""  # the documented token revocation endpoint, where there is one


FLAVOURS = {
    "google": Flavour(
        "GOOGLE", "/o/oauth2/v2/auth", "/token", "", False, False, False, True, "/revoke"
    ),
    "microsoft": Flavour(
        "MICROSOFT", "/common/oauth2/v2.0/authorize", "/common/oauth2/v2.0/token", "/v1.0",
        False, True, False, True,
    ),
    "zoom": Flavour(
        "ZOOM", "/oauth/authorize", "/oauth/token", "/v2", True, True, True, False, "/oauth/revoke"
    ),
    "go_to": Flavour("GOTO", "/oauth/authorize", "/oauth/token", "", True, False, False, False),
}  # fmt: skip


@dataclass
class _Failure:
    status: int
    times: int
    retry_after: int | None


@dataclass
class StandinUser:
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    email: str = "host@example.com"
    name: str = "Grace Hopper"


class StandinProvider:
    def __init__(self, name: str, *, user: StandinUser | None = None):
        self.name = name
        self.flavour = FLAVOURS[name]
        self.client_id = f"{name}-client-{secrets.token_hex(4)}"
        self.client_secret = secrets.token_urlsafe(24)
        self.user = user or StandinUser()
        self.access_token_lifetime = 3599
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.refresh_tokens: dict[str, dict] = {}
        self.token_requests: list[dict] = []  # every /token form, for assertions
        self.revoked: list[str] = []  # tokens given back through the revocation endpoint
        self._deny_next = False
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self.app = Flask(f"standin-{name}")
        self.app.add_url_rule(self.flavour.authorize_path, "authorize", self._authorize)
        self.app.add_url_rule(
            self.flavour.token_path, "token", self._token, methods=["POST"]
        )  # fmt: skip
        if self.flavour.revoke_path:
            self.app.add_url_rule(
                self.flavour.revoke_path, "revoke", self._revoke, methods=["POST"]
            )  # fmt: skip
        self.app.before_request(self._injected_failure)
        self._server = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # --- running ---------------------------------------------------------------------------

    def register(self, blueprint: Blueprint) -> None:
        self.app.register_blueprint(blueprint)

    def start(self) -> StandinProvider:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> StandinProvider:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def config(self) -> dict[str, str]:
        p = self.flavour.prefix
        return {
            f"{p}_CLIENT_ID": self.client_id,
            f"{p}_CLIENT_SECRET": self.client_secret,
            f"{p}_AUTHORIZE_URL": self.url + self.flavour.authorize_path,
            f"{p}_TOKEN_URL": self.url + self.flavour.token_path,
            f"{p}_API_URL": self.url + self.flavour.api_path,
            **(
                {f"{p}_REVOKE_URL": self.url + self.flavour.revoke_path}
                if self.flavour.revoke_path
                else {}
            ),
        }

    def env(self) -> dict[str, str]:
        return {f"SCHEDLINK_{key}": value for key, value in self.config().items()}

    # --- controls for tests ----------------------------------------------------------------

    def deny_next_consent(self) -> None:
        self._deny_next = True

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            self.refresh_tokens.clear()

    def expire_access_tokens(self) -> None:
        with self._lock:
            for token in self.access_tokens.values():
                token["expires_at"] = 0

    def fail_next(self, status: int, times: int = 1, retry_after: int | None = None) -> None:
        """The next `times` API calls (not the OAuth endpoints) answer `status`."""
        self._failures.append(_Failure(status, times, retry_after))

    def consent(self, authorize_url: str) -> str:
        """What a consenting user's browser does: open the consent URL, get redirected back.
        Returns the redirect target (our callback URL with code and state, or error)."""
        parts = urlsplit(authorize_url)
        with self.app.test_client() as browser:
            answer = browser.get(parts.path, query_string=parts.query)
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return answer.headers["Location"]

    # --- helpers for API blueprints ---------------------------------------------------------

    def authenticate(self) -> dict:
        """The bearer token's record, or abort with the provider's 401 body."""
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        record = self.access_tokens.get(token)
        if record is None or record["expires_at"] < time.time():
            abort(self.error(401, "unauthorized", "Invalid or expired access token."))
        return record

    def require_scope(self, record: dict, *accepted: str, code: str, message: str) -> None:
        """Abort with the provider's 403 unless the token was granted one of `accepted`.
        (A token a test put in `access_tokens` by hand, with no scope, is not checked.)"""
        if "scope" not in record:
            return
        granted = {s.rsplit("/", 1)[-1].lower() for s in record["scope"].split()}
        if not granted & {s.lower() for s in accepted}:
            abort(self.error(403, code, message))

    def error(self, status: int, code: str, message: str, retry_after: int | None = None):
        """A response in the provider's documented error shape (providers.md §2)."""
        if self.name == "google":
            reason = {401: "authError", 403: "forbidden", 404: "notFound", 429: "rateLimitExceeded"}
            body = {
                "error": {
                    "errors": [
                        {
                            "domain": "usageLimits" if status == 429 else "global",
                            "reason": reason.get(status, "backendError" if status >= 500 else code),
                            "message": message,
                        }
                    ],
                    "code": status,
                    "message": message,
                }
            }
        elif self.name == "microsoft":
            graph_codes = {401: "InvalidAuthenticationToken", 429: "TooManyRequests"}
            body = {
                "error": {
                    "code": graph_codes.get(
                        status, "serviceNotAvailable" if status >= 500 else code
                    ),
                    "message": message,
                    "innerError": {
                        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
                        "request-id": str(uuid.uuid4()),
                        "client-request-id": str(uuid.uuid4()),
                    },
                }
            }
        elif self.name == "zoom":
            zoom_codes = {401: 124, 429: 429, 404: 3001}
            body = {"code": zoom_codes.get(status, status), "message": message}
        else:
            body = {"error": {"resource": request.path, "message": message}}
        response = make_response(jsonify(body), status)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    # --- the OAuth endpoints ----------------------------------------------------------------

    def _injected_failure(self):
        if request.endpoint in ("authorize", "token") or not self._failures:
            return None
        failure = self._failures[0]
        failure.times -= 1
        if failure.times <= 0:
            self._failures.pop(0)
        message = "Rate limit exceeded." if failure.status == 429 else "Service unavailable."
        return self.error(failure.status, "failure", message, failure.retry_after)

    def _authorize(self):
        args = request.args
        redirect_uri, state = args.get("redirect_uri", ""), args.get("state", "")
        if args.get("client_id") != self.client_id or not redirect_uri.startswith("http"):
            return "Unknown client or redirect_uri", 400
        if args.get("response_type") != "code":
            return _back(redirect_uri, error="unsupported_response_type", state=state)
        if self._deny_next:
            self._deny_next = False
            return _back(redirect_uri, error="access_denied", state=state)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "redirect_uri": redirect_uri,
            "challenge": args.get("code_challenge"),
            "method": args.get("code_challenge_method", "plain"),
            "scope": args.get("scope", ""),
            "expires_at": time.time() + 300,
        }
        return _back(redirect_uri, code=code, state=state)

    def _client_ok(self, form) -> bool:
        if self.flavour.basic_auth:
            header = request.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return False
            pair = base64.b64decode(header[6:]).decode()
            return pair == f"{self.client_id}:{self.client_secret}"
        return form.get("client_id") == self.client_id and (
            form.get("client_secret") == self.client_secret
        )

    def _token_error(self, status: int, error: str, description: str):
        if self.name == "zoom":
            return jsonify({"reason": description, "error": error}), status
        body = {"error": error, "error_description": description}
        if self.name == "microsoft":
            body.update(
                error_description=f"AADSTS70000: {description}",
                error_codes=[70000],
                timestamp=time.strftime("%Y-%m-%d %H:%M:%SZ"),
                trace_id=str(uuid.uuid4()),
                correlation_id=str(uuid.uuid4()),
                error_uri="https://login.microsoftonline.com/error?code=70000",
            )
        return jsonify(body), status

    def _token(self):
        form = request.form
        self.token_requests.append(dict(form))
        if not self._client_ok(form):
            return self._token_error(401, "invalid_client", "Client authentication failed.")
        grant = form.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                code = self.codes.pop(form.get("code", ""), None)
                if code is None or code["expires_at"] < time.time():
                    return self._token_error(400, "invalid_grant", "Invalid authorization code.")
                if form.get("redirect_uri") != code["redirect_uri"]:
                    return self._token_error(400, "invalid_grant", "redirect_uri mismatch.")
                if code["challenge"] and not _pkce_ok(code, form.get("code_verifier", "")):
                    return self._token_error(400, "invalid_grant", "PKCE verification failed.")
                return jsonify(self._issue(code["scope"], new_refresh=True))
            if grant == "refresh_token":
                record = self.refresh_tokens.get(form.get("refresh_token", ""))
                if record is None:
                    return self._token_error(
                        400, "invalid_grant", "Token has been expired or revoked."
                    )
                if self.flavour.rotates and self.flavour.revokes_rotated:
                    self.refresh_tokens.pop(form["refresh_token"])
                return jsonify(self._issue(record["scope"], new_refresh=self.flavour.rotates))
        return self._token_error(400, "unsupported_grant_type", f"Unsupported grant {grant!r}.")

    def _revoke(self):
        """Google: the token in the form body, no client authentication; 200 with an empty
        JSON body, 400 invalid_token for an unknown one. Zoom: the token in the query, the
        client in a Basic header; 200 {"status": "success"}."""
        if self.name == "zoom":
            if not self._client_ok(request.form):
                return self._token_error(
                    401, "invalid_client", "Invalid client_id or client_secret"
                )
            token = request.args.get("token", "")
        else:
            token = request.form.get("token", "")
        with self._lock:
            record = self.refresh_tokens.pop(token, None) or self.access_tokens.pop(token, None)
            if record is None:
                if self.name == "zoom":
                    return jsonify({"reason": "Invalid Token!", "error": "invalid_request"}), 400
                return self._token_error(400, "invalid_token", "Token expired or revoked")
            self.revoked.append(token)
            # Revoking a grant ends every token it issued.
            for tokens in (self.refresh_tokens, self.access_tokens):
                for key in [k for k, v in tokens.items() if v.get("scope") == record.get("scope")]:
                    tokens.pop(key)
        return jsonify({"status": "success"} if self.name == "zoom" else {}), 200

    def _issue(self, scope: str, new_refresh: bool) -> dict:
        access = secrets.token_urlsafe(32)
        self.access_tokens[access] = {
            "scope": scope,
            "user": self.user,
            "expires_at": time.time() + self.access_token_lifetime,
        }
        body = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_token_lifetime,
            "scope": scope,
        }
        if new_refresh:
            refresh = secrets.token_urlsafe(32)
            self.refresh_tokens[refresh] = {"scope": scope}
            body["refresh_token"] = refresh
        if self.flavour.id_token and "openid" in scope.split():
            body["id_token"] = _unsigned_jwt({"sub": self.user.id, "email": self.user.email})
        return body


def _back(redirect_uri: str, **params: str):
    joiner = "&" if "?" in redirect_uri else "?"
    return redirect(redirect_uri + joiner + urlencode(params), 302)


def _pkce_ok(code: dict, verifier: str) -> bool:
    if code["method"] == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == code["challenge"]
    return verifier == code["challenge"]


def _unsigned_jwt(claims: dict) -> str:
    def part(value: dict) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
