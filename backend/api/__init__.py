"""The JSON API under /v1: bearer API keys, explicit CORS origins, one error envelope."""

from __future__ import annotations

from flask import Flask, jsonify
from flask_cors import CORS

from ..scheduling import LinkNotFound
from ..validation import ValidationError
from . import account, availability, calendars, channels, links, markup


def init_app(app: Flask) -> None:
    # Explicit origins only (the extension's), no cookies: the API trusts bearer keys alone.
    CORS(
        app,
        resources={r"/v1/*": {"origins": app.config["CORS_ORIGINS"]}},
        supports_credentials=False,
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        methods=["GET", "POST", "PUT", "DELETE"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    for blueprint in (account.bp, markup.bp, links.bp, calendars.bp, availability.bp, channels.bp):
        app.register_blueprint(blueprint)

    @app.errorhandler(ValidationError)
    def invalid(exc: ValidationError):
        return jsonify({"errors": exc.errors}), 422

    @app.errorhandler(LinkNotFound)
    def link_not_found(_exc):
        from ..errors import api_error

        return api_error(404, "No scheduling link with that id.")
