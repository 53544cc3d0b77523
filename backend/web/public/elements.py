"""The UI Elements bundle at an immutable versioned URL, and the demo host page that embeds
each element (`/demo/embed`, with the demo pages only)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, render_template, request

from ... import db
from ...accounts import create_account, create_element_token, find_by_email
from .demo import DEMO_EMAIL, DEMO_NAME, DEMO_TZID

BUNDLE = Path(__file__).resolve().parents[2] / "static" / "elements" / "schedlink-elements.js"
bp = Blueprint("elements", __name__)
demo_bp = Blueprint("elements_demo", __name__, url_prefix="/demo")


@cache
def bundle() -> tuple[bytes, str]:
    """The built file and its Subresource Integrity value (sha384)."""
    body = BUNDLE.read_bytes()
    return body, "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


@bp.get("/elements/v1/schedlink-elements.js")
def schedlink_elements():
    body, integrity = bundle()
    response = Response(body, mimetype="text/javascript")
    # Any page may load it (module scripts are fetched with CORS); the version is in the path.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Integrity"] = integrity
    return response


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
    return render_template(
        "demo/embed.html", token=token, sub=sub, api_domain=origin, integrity=bundle()[1]
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    if app.config["DEMO"]:
        app.register_blueprint(demo_bp)
