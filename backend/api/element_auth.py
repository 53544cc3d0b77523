"""Element tokens as an auth kind beside API keys: `?et=<token>` from the token's origin.

An endpoint opts in with one line, `@element_token("availability")`: it then also accepts an
element token holding one of those permissions. Every other endpoint refuses element tokens
(403), so a token can never create links, read events or stand in for an API key. CORS for an
element answers the token's exact origin alone, on the preflight too (the token is in the
URL, so the preflight can be checked); any other origin gets no CORS headers and no data."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, g, request
from werkzeug.exceptions import Forbidden, Unauthorized

from .. import db
from ..accounts import element_token_for
from ..models import ElementToken

ELEMENT_HEADER = "Cronofy-Element"
ALLOWED_HEADERS = "Content-Type, Cronofy-Element"


def element_token(*permissions: str):
    """Mark a view as also accepting element tokens with any of `permissions`."""

    def mark(view):
        view.element_permissions = frozenset(permissions)
        return view

    return mark


def element_request() -> bool:
    return "et" in request.args


def _view_permissions() -> frozenset[str]:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "element_permissions", frozenset())


def _permitted(token: ElementToken) -> bool:
    return bool(_view_permissions() & set(token.permissions))


def require_element_token() -> None:
    """The before-request check for `?et=`; sets g.account (the token's maker) and
    g.element_token. OPTIONS (the CORS preflight) passes; `element_cors` answers it."""
    if request.method == "OPTIONS":
        return
    token = element_token_for(db.session(), request.args.get("et", ""), datetime.now(UTC))
    if token is None:
        raise Unauthorized("That element token is not valid or has expired.")
    if _origin() != token.origin:
        raise Forbidden("This element token is for another origin.")
    if not request.headers.get(ELEMENT_HEADER):
        raise Unauthorized(f"Elements send the {ELEMENT_HEADER} header.")
    if not _permitted(token):
        raise Forbidden("This element token does not allow this request.")
    g.account = token.account
    g.element_token = token


def _origin() -> str | None:
    """The calling page's origin. Browsers leave `Origin` out of a same-origin GET; then
    `Sec-Fetch-Site: same-origin` (a header pages cannot set) says it is this server's."""
    origin = request.headers.get("Origin")
    if origin is None and request.headers.get("Sec-Fetch-Site") == "same-origin":
        return request.host_url.rstrip("/")
    return origin


def current_element_token() -> ElementToken | None:
    return g.get("element_token")


def element_subs(subs: set[str]) -> set[str]:
    """The subs a request may see: all of `subs` for an API key, only the token's for an
    element token (the view then answers as for an unknown sub)."""
    token = current_element_token()
    return subs if token is None else subs & set(token.subs)


def element_may(permission: str) -> bool:
    """True for an API key, or an element token that holds `permission`."""
    token = current_element_token()
    return token is None or permission in token.permissions


def _element_cors(response):
    origin = request.headers.get("Origin")
    if not origin or not element_request() or not request.path.startswith("/v1/"):
        return response
    token = current_element_token()
    if token is None and request.method == "OPTIONS":
        found = element_token_for(db.session(), request.args.get("et", ""), datetime.now(UTC))
        token = found if found is not None and _permitted(found) else None
    if token is None or token.origin != origin:
        return response
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = origin
    headers.add("Vary", "Origin")
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = "GET, POST, PUT"
        headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        headers["Access-Control-Max-Age"] = "600"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_element_cors)
