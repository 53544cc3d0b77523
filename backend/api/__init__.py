"""The JSON API under /v1: bearer API keys, explicit CORS origins, one error envelope."""

from __future__ import annotations

import re

from flask import Flask, jsonify
from flask_cors import CORS

from ..core.validation import ValidationError
from ..scheduling import LinkNotFound
from . import (
    account,
    availability,
    batch,
    booking_pages,
    browser_connect,
    calendar_admin,
    calendars,
    channels,
    conferencing,
    element_auth,
    element_tokens,
    enterprise,
    free_busy,
    links,
    managed_availability,
    markup,
    organization,
    profiles,
    real_time,
    sequenced_availability,
)


def init_app(app: Flask) -> None:
    # Explicit origins only (the extension's), no cookies: the API trusts bearer keys alone.
    # Each one matched exactly: flask-cors compares plain strings case-insensitively, and an
    # extension id (the origin's host) is case-sensitive, so pass anchored literal patterns.
    origins = [re.compile(re.escape(origin) + r"\Z") for origin in app.config["CORS_ORIGINS"]]
    CORS(
        app,
        resources={r"/v1/*": {"origins": origins}},
        supports_credentials=False,
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    for blueprint in (
        account.bp, markup.bp, links.bp, calendars.bp, profiles.bp, availability.bp,
        conferencing.bp, channels.bp, organization.bp, browser_connect.bp,
        sequenced_availability.bp, enterprise.bp, real_time.bp, real_time.sequencing,
    ):  # fmt: skip
        app.register_blueprint(blueprint)
    # issue 21: the rest of the Cronofy API
    for blueprint in (managed_availability.bp, free_busy.bp, calendar_admin.bp, batch.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(booking_pages.bp)  # issue 25: reusable booking pages
    # Element tokens: their own CORS, for the token's exact origin alone.
    app.register_blueprint(element_tokens.bp)
    element_auth.init_app(app)

    @app.errorhandler(ValidationError)
    def invalid(exc: ValidationError):
        return jsonify({"errors": exc.errors}), 422

    @app.errorhandler(LinkNotFound)
    def link_not_found(_exc):
        from ..errors import api_error

        return api_error(404, "No scheduling link or booking page with that id.")
