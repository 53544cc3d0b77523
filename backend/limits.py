"""Rate limits: one Flask-Limiter per app, applied inside views where the key is known."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.extensions["schedlink.limiter"] = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=True,
    )


def limit(
    config_name: str, scope: str, key: Callable[[], str] = get_remote_address
) -> AbstractContextManager:
    """`with limit("RATELIMIT_BOOKING", "booking-ip"):` raises a 429 when exceeded."""
    limiter: Limiter = current_app.extensions["schedlink.limiter"]
    return limiter.limit(current_app.config[config_name], key_func=key, scope=scope)
