"""One error envelope: JSON for the API (never an HTML page), clear HTML pages for people."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from . import metrics
from .core.redaction import redact

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
}  # fmt: skip


def wants_json() -> bool:
    return request.path.startswith("/v1/") or request.path == "/v1"


def api_error(status: int, message: str, headers: dict | None = None):
    response = jsonify({"error": CODES.get(status, "error"), "message": message})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _retry_after(exc: HTTPException) -> dict:
    limit = getattr(exc, "limit", None)
    if limit is None:
        return {}
    seconds = int(limit.limit.get_expiry()) if hasattr(limit, "limit") else 60
    return {"Retry-After": str(max(1, seconds))}


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # Keep what werkzeug says in headers (Allow on 405, WWW-Authenticate on 401).
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        if exc.code == 429:
            headers.update(_retry_after(exc))
            rule = request.url_rule
            metrics.RATE_LIMITED.labels(rule.rule if rule else metrics.UNMATCHED).inc()
        message = exc.description or exc.name
        if exc.code == 413:
            message = "The request body is larger than this server accepts."
        if exc.code == 429:
            message = "Too many requests; wait a moment and try again."
        if wants_json():
            return api_error(exc.code or 500, message, headers)
        response = app.make_response(
            (
                render_template("error.html", status=exc.code, title=exc.name, message=message),
                exc.code,
            )
        )
        response.headers.update(headers)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, redact(request.path))
        if wants_json():
            return api_error(500, "Something went wrong on our side; it has been logged.")
        error = InternalServerError()
        return render_template(
            "error.html",
            status=500,
            title=error.name,
            message="Something went wrong on our side; it has been logged.",
        ), 500
