"""JSON calls to a calendar provider's REST API (Google Calendar, Microsoft Graph) through the
outbound guard, with their errors turned into sentences for the host. Flask-free."""

from __future__ import annotations

import json as jsonlib
from urllib.parse import urlencode

from ..core.outbound import OutboundError, OutboundRefused
from .sources import SourceError, http_problem, unreachable

MAX_BODY = 10 * 1024 * 1024


class TokenRejected(SourceError):
    """401: the access token was not accepted; refresh it and try once more."""


class NotFoundOrGone(SourceError):
    """404/410: the object (or a sync token) no longer exists."""

    def __init__(self, status: int, reason: str, message: str):
        super().__init__(message)
        self.status, self.reason = status, reason


def _reason(data) -> str:
    """Google: error.errors[0].reason; Graph: error.code."""
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return ""
    errors = error.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("reason") or "")
    return str(error.get("code") or "")


def call(
    outbound, method: str, url: str, token: str, *, params: dict | None = None,
    body=None, headers: dict | None = None, what: str,
):  # fmt: skip
    """The decoded JSON answer (None for 204); SourceError for anything else."""
    if params:
        url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
    all_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    all_headers.update(headers or {})
    try:
        response = outbound.request(method, url, headers=all_headers, json=body, max_body=MAX_BODY)
    except OutboundRefused as exc:
        raise SourceError(str(exc)) from None
    except OutboundError as exc:
        raise unreachable(url, exc) from None
    if response.status == 204:
        return None
    try:
        data = jsonlib.loads(response.body) if response.body else None
    except ValueError:
        data = None
    if 200 <= response.status < 300:
        if data is None and method != "DELETE":
            raise SourceError(f"{what} sent an answer schedlink could not read.")
        return data
    reason = _reason(data)
    if response.status in (404, 410):
        raise NotFoundOrGone(response.status, reason, str(http_problem(response.status, what)))
    if response.status == 401:
        raise TokenRejected(
            f"{what} did not accept schedlink's access (HTTP 401); it will try again with a "
            "fresh token."
        )
    if response.status == 403 and reason in ("rateLimitExceeded", "userRateLimitExceeded"):
        raise http_problem(429, what)
    raise http_problem(response.status, what)


def with_token(services, profile_public_id: str, work):
    """Run `work(token)`; if the provider rejects the token, refresh it once and run again."""
    try:
        return work(services["access_token"](profile_public_id))
    except TokenRejected:
        return work(services["access_token"](profile_public_id, force=True))
