"""POST /v1/batch, Cronofy-shaped: `{"batch": [{method, relative_url, data}]}` answered with
`{"batch": [{status, data?}]}` in request order. Each entry is dispatched through the app as a
request of its own (its own authorisation, transaction and errors), without a network hop."""

from __future__ import annotations

import contextlib
import json
from urllib.parse import urlsplit

from flask import Blueprint, current_app, request
from werkzeug.test import EnvironBuilder, run_wsgi_app

from .. import db
from ..core.validation import FieldErrors
from .auth import json_body, require_api_key

bp = Blueprint("api_batch", __name__, url_prefix="/v1")
bp.before_request(require_api_key)

MAX_ENTRIES = 50
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _entries(body: dict) -> list[tuple[str, str, str, object]]:
    errors = FieldErrors()
    items = body.get("batch")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ENTRIES:
        errors.add("batch", "invalid", f"batch must be a list of 1 to {MAX_ENTRIES} entries")
        errors.raise_if_any()
    out = []
    for i, item in enumerate(items):
        name = f"batch.{i}"
        if not isinstance(item, dict):
            errors.add(name, "invalid", "must be an object with method and relative_url")
            continue
        method = item.get("method")
        method = method.upper() if isinstance(method, str) else None
        if method not in METHODS:
            errors.add(f"{name}.method", "invalid", "one of " + ", ".join(METHODS))
        url = item.get("relative_url")
        parts = urlsplit(url) if isinstance(url, str) and len(url) <= 2000 else None
        if (
            parts is None or parts.scheme or parts.netloc
            or not parts.path.startswith("/v1/") or parts.path.rstrip("/") == "/v1/batch"
        ):  # fmt: skip
            errors.add(f"{name}.relative_url", "invalid", "a path under /v1/ (not /v1/batch)")
            continue
        data = item.get("data")
        if data is not None and not isinstance(data, dict):
            errors.add(f"{name}.data", "invalid", "must be an object")
        out.append((method, parts.path, parts.query, data))
    errors.raise_if_any()
    return out


def _dispatch(method: str, path: str, query: str, data, headers: dict) -> dict:
    builder = EnvironBuilder(
        path=path, query_string=query or None, method=method, headers=headers,
        base_url=request.host_url, environ_base={"REMOTE_ADDR": request.remote_addr},
        data=None if data is None else json.dumps(data),
        content_type="application/json" if data is not None else None,
    )  # fmt: skip
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    # A fresh app context: the entry gets its own `g`, database session and teardown.
    with current_app.app_context():
        app_iter, status, _headers = run_wsgi_app(current_app.wsgi_app, environ, buffered=True)
        try:
            raw = b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
    result: dict = {"status": int(status.split(" ", 1)[0])}
    if raw.strip():
        with contextlib.suppress(ValueError):
            result["data"] = json.loads(raw)
    return result


@bp.post("/batch")
def batch():
    entries = _entries(json_body())
    headers = {"Authorization": request.headers.get("Authorization", "")}
    for name in ("User-Agent", "X-Forwarded-For"):
        if name in request.headers:
            headers[name] = request.headers[name]
    db.session().rollback()  # end this request's read transaction before the entries write
    return {"batch": [_dispatch(*entry, headers) for entry in entries]}
