"""The UI Elements bundle: each build at its own immutable URL (`/elements/1.1.0/…`), the
newest of a major version at a short-cached one (`/elements/v1/…`), and the demo host page
that embeds each element (`/demo/embed`, with the demo pages only)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request

from ... import db
from ...accounts import create_account, create_element_token, find_by_email
from .demo import DEMO_EMAIL, DEMO_NAME, DEMO_TZID

BUNDLES = Path(__file__).resolve().parents[2] / "static" / "elements"
NAME = "schedlink-elements.js"
bp = Blueprint("elements", __name__)
demo_bp = Blueprint("elements_demo", __name__, url_prefix="/demo")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@cache
def versions() -> tuple[str, ...]:
    """Every build kept under static/elements/<version>/, oldest first."""
    found = [d.name for d in BUNDLES.iterdir() if re.fullmatch(r"\d+\.\d+\.\d+", d.name)]
    return tuple(sorted(found, key=_version_key))


def latest(major: int | None = None) -> str | None:
    matching = [v for v in versions() if major is None or _version_key(v)[0] == major]
    return matching[-1] if matching else None


@cache
def bundle(version: str) -> tuple[bytes, str]:
    """One build and its Subresource Integrity value (sha384)."""
    body = (BUNDLES / version / NAME).read_bytes()
    return body, "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def _serve(version: str, cache_control: str) -> Response:
    body, integrity = bundle(version)
    response = Response(body, mimetype="text/javascript")
    # Any page may load it (module scripts are fetched with CORS).
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Integrity"] = integrity
    response.headers["X-Elements-Version"] = version
    return response


@bp.get(f"/elements/<any({', '.join(versions())}):version>/{NAME}")
def exact_version(version: str):
    """One build forever: the bytes behind a version never change, so an SRI hash holds."""
    return _serve(version, "public, max-age=31536000, immutable")


@bp.get(f"/elements/v<int:major>/{NAME}")
def latest_of_major(major: int):
    """The newest build of a major version: fixes arrive without a page change, so it is
    cached briefly and revalidated, and an SRI hash must not be pinned to it."""
    version = latest(major)
    if version is None:
        abort(404)
    response = _serve(version, "public, max-age=3600, must-revalidate")
    response.set_etag(version)
    return response.make_conditional(request)


@demo_bp.get("/embed")
def embed():
    """A pretend host app embedding each element with a fresh token for this page's origin."""
    parts = urlsplit(current_app.config["BASE_URL"] or request.host_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    with db.write() as s:
        host = find_by_email(s, DEMO_EMAIL)
        if host is None:  # `schedlink demo` not run on this database yet: the same host,
            # whose password `schedlink demo` sets (and prints) when it runs
            host = create_account(s, DEMO_EMAIL, DEMO_NAME, DEMO_TZID, secrets.token_urlsafe(24))
        body = {"version": "1", "subs": [host.sub], "origin": origin,
                "permissions": ["availability", "managed_availability"]}  # fmt: skip
        token = create_element_token(s, host, body).token
        sub = host.sub
    version = latest()
    return render_template(
        "demo/embed.html", token=token, sub=sub, api_domain=origin, version=version,
        integrity=bundle(version)[1],
    )  # fmt: skip


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    if app.config["DEMO"]:
        app.register_blueprint(demo_bp)
