"""The HTML face: thin blueprints over the domain packages — the public booking page and the
invitee's self-service, sign-in and the host's dashboard and working hours, the markup checker,
the demo host app, the OAuth consent callback — plus the headers, CSP nonce and CSRF every page
relies on."""

from __future__ import annotations

from flask import Flask

from . import auth, booking, checker, dashboard, demo, hours, manage, oauth, security, webhooks


def init_app(app: Flask) -> None:
    security.init_app(app)
    for face in (auth, booking, manage, dashboard, hours, checker, oauth, webhooks):
        face.init_app(app)
    if app.config["DEMO"]:
        demo.init_app(app)
