"""The HTML face: thin blueprints over the domain packages — the public booking page and the
invitee's self-service, sign-in and the host's dashboard and working hours, the markup checker,
the demo host app, the OAuth consent callback — plus the headers, CSP nonce and CSRF every page
relies on."""

from __future__ import annotations

from flask import Flask

from . import security, team, user_sessions
from .host import (
    account_security,
    api_keys,
    auth,
    calendar_services,
    conferencing,
    connect,
    dashboard,
    host_changes,
    hours,
    new_link,
    oauth,
    page_admin,
    password_reset,
    profile,
    profile_nav,
    second_factor,
    sudo,
    webhooks,
)
from .invitee import booking, manage, public_pages
from .public import checker, demo, elements, signup


def init_app(app: Flask) -> None:
    security.init_app(app)
    user_sessions.init_app(app)
    profile_nav.init_app(app)
    for face in (
        auth, second_factor, password_reset, booking, manage, dashboard, new_link, hours, checker,
        oauth, calendar_services, conferencing, webhooks, signup, connect, elements, host_changes,
        public_pages,
    ):  # fmt: skip
        face.init_app(app)
    # The profile area; each registers its section (profile_nav.add_section).
    for section in (profile, team, api_keys, account_security, sudo, page_admin):
        section.init_app(app)
    if app.config["DEMO"]:
        demo.init_app(app)
