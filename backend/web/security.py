"""Headers every response gets, a per-request CSP nonce, and CSRF for cookie sessions."""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Iterable
from functools import wraps

from flask import Flask, abort, current_app, g, request, session, url_for

from ..core.validation import redirect_origin

CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'{form_action}; "
    "frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    app.before_request(_new_nonce)
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = lambda: g.csp_nonce
    app.jinja_env.globals["csrf_token"] = csrf_token
    # Constant per deployment, and url_for is a noticeable share of a small page's cost.
    app.jinja_env.globals["static_url"] = functools.cache(
        lambda filename: url_for("static", filename=filename)
    )


# Every page under these paths is private (the profile area's sections live under /profile/).
PRIVATE_PREFIXES = ("/profile", "/login")


def no_store(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.no_store = True
        return view(*args, **kwargs)

    return wrapped


def _new_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(18)


def _add_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        headers["Content-Security-Policy"] = CSP.format(
            nonce=g.get("csp_nonce", "none"),
            form_action="".join(f" {origin}" for origin in g.get("form_action_origins", ())),
        )
    if request.is_secure or current_app.config["BASE_URL"].startswith("https://"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if g.get("no_store") or request.path.startswith(PRIVATE_PREFIXES):
        # Account pages show secrets (new API keys, recovery codes, TOTP secrets) and personal
        # data: never kept by a browser or proxy cache.
        headers["Cache-Control"] = "no-store"
    if g.get("token_page"):
        # The URL itself is the secret: never leak it in Referer, never cache the page.
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cache-Control"] = "no-store"
    return response


def allow_form_actions(urls: Iterable[str]) -> None:
    """This page's forms may end up on these URLs' origins. Browsers apply form-action to
    the redirects that follow a form's POST too (Chrome does), so a Connect button whose
    answer sends the browser on to a provider's consent screen, or a confirmation whose
    answer returns to the host app, needs its destination listed."""
    # Only what redirect_origin accepts: an origin is put into the header as it is.
    g.form_action_origins = sorted({o for url in urls if (o := redirect_origin(url))})


def token_page(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.token_page = True
        return view(*args, **kwargs)

    return wrapped


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    # Forms send a field; the page scripts' fetch() calls send the header.
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    if not expected or not hmac.compare_digest(
        sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8")
    ):
        abort(400, description="The form expired or did not come from this site; try again.")
