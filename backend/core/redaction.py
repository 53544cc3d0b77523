"""Secrets out of logs: the booking, confirmation, cancel and reschedule URLs carry signed
tokens that act for whoever holds them, so log lines show those path segments as
[redacted]; so are the `code` and `state` of an OAuth consent coming back (`/oauth/callback`,
`/oauth/confirm`), which a log reader could otherwise race the browser with. Flask-free;
used by the access log (`server`) and the error log (`errors`)."""

from __future__ import annotations

import re

REDACTED = "[redacted]"
# Routes whose next path segment is a token (see web/booking.py, web/manage.py, api events).
_TOKEN_ROUTE = re.compile(
    r"(/(?:b|booked|booking/cancel|booking/reschedule|v1/events/pages)/)[^/?#\s\"]+",
    re.IGNORECASE,
)
# Anything else shaped like an itsdangerous token (payload.timestamp.signature).
_SIGNED = re.compile(r"[A-Za-z0-9_=-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{16,}")
# OAuth query parameters, wherever a query is: in a URL, or a query string logged alone
# (gunicorn's %(q)s atom has no path to say it was /oauth/callback's).
_OAUTH_PARAM = re.compile(r"((?:^|[?&;\s])(?:code|state)=)[^&#;\s\"]*", re.IGNORECASE)


def redact(text: str | None) -> str | None:
    """`text` (a path, a query, a request line, a Referer) with every token replaced."""
    if not text:
        return text
    text = _TOKEN_ROUTE.sub(lambda m: m.group(1) + REDACTED, text)
    return _OAUTH_PARAM.sub(lambda m: m.group(1) + REDACTED, _SIGNED.sub(REDACTED, text))
