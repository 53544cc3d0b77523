"""What an operator sees of a running app: a request id on every answer, one log line per
request (JSON under SCHEDLINK_LOG_FORMAT=json), request metrics per route template, and the
/healthz, /readyz and /metrics endpoints. The metric objects and readiness checks themselves
are Flask-free (`metrics`, `health`); this module is their Flask glue."""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, abort, current_app, g, jsonify, request

from . import health, metrics
from .core.redaction import redact

access_log = logging.getLogger("schedlink.access")
# What an upstream proxy may hand us as a request id: short, printable, nothing to escape.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
LOG_FORMATS = ("plain", "json")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, plus the record's `fields`.
    Messages and tracebacks go through `redact` like the plain logs do."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, default=str, ensure_ascii=False)


def configure_logging(log_format: str) -> None:
    """JSON lines on stdout for this process (once); plain keeps Python's and gunicorn's
    defaults, where gunicorn's access log is the per-request line. Called by the serving
    processes only (gunicorn workers, the job worker): the other commands' stdout is their
    answer (a sub, an API key)."""
    if log_format != "json":
        return
    root = logging.getLogger()
    if any(getattr(h, "schedlink_json", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.schedlink_json = True
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def route_of() -> str:
    """The URL rule template (`/b/<token>`), never the path: tokens stay out of labels/logs."""
    rule = request.url_rule
    return rule.rule if rule is not None else metrics.UNMATCHED


def _request_id() -> str:
    """An upstream request id is kept only from a trusted proxy (`proxies` marks those), so
    a client cannot write what appears in our logs; otherwise a fresh one."""
    sent = request.headers.get("X-Request-ID", "")
    if request.environ.get("schedlink.trusted_proxy") and _REQUEST_ID.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


def _begin() -> None:
    g.started = time.perf_counter()
    g.request_id = _request_id()


def _account_sub() -> str | None:
    account = g.get("account") or g.get("user")
    return getattr(account, "sub", None)


def _finish(response: Response) -> Response:
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    route = route_of()
    response.headers["X-Request-ID"] = g.get("request_id") or uuid.uuid4().hex
    metrics.REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    metrics.REQUEST_SECONDS.labels(request.method, route).observe(elapsed)
    if current_app.config["LOG_FORMAT"] == "json":
        access_log.info(
            "%s %s %s", request.method, route, response.status_code,
            extra={"fields": {
                "type": "request", "request_id": response.headers["X-Request-ID"],
                "method": request.method, "route": route, "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2), "sub": _account_sub(),
                "client": request.remote_addr,
            }},
        )  # fmt: skip
    return response


def parse_allow(entries: list[str]) -> list:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"SCHEDLINK_METRICS_ALLOW: {entry!r} is not an address") from None
    return networks


def _allowed(networks: list) -> bool:
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def init_app(app: Flask) -> None:
    if app.config["LOG_FORMAT"] not in LOG_FORMATS:
        raise ValueError(f"SCHEDLINK_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    allow = parse_allow(app.config["METRICS_ALLOW"])
    # First in line, so the timing covers the other hooks (sessions, limits) too.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_finish)

    @app.get("/healthz")
    def healthz():
        """The process answers; nothing else is asked (a load balancer's liveness probe)."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        result = health.readiness(app.extensions["schedlink.sessions"])
        response = jsonify(
            {"status": "ready" if result.ready else "not ready", "checks": result.checks}
        )
        response.status_code = 200 if result.ready else 503
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/metrics")
    def metrics_page():
        if not _allowed(allow):
            abort(404)  # as if there were nothing here: no hint to a scanner
        body = metrics.exposition(app.extensions["schedlink.sessions"])
        return Response(body, content_type=metrics.CONTENT_TYPE, headers={
            "Cache-Control": "no-store"})  # fmt: skip
