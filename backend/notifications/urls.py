"""Checking a callback URL when it is given: the shared SSRF guard's rules, as a 422."""

from __future__ import annotations

from ..core.outbound import Outbound, OutboundRefused
from ..core.validation import FieldErrors

MAX_URL = 2000


def checked_url(outbound: Outbound, value: object, field: str, errors: FieldErrors) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.add(field, "required", f"{field} must be an https URL.")
        return None
    if len(value) > MAX_URL:
        errors.add(field, "invalid", f"{field} must be at most {MAX_URL} characters.")
        return None
    try:
        return outbound.check_url(value.strip())
    except OutboundRefused as exc:
        errors.add(field, "not_allowed", str(exc))
    except ValueError:  # not even a URL (urlsplit: "https://[")
        errors.add(field, "invalid", f"{field} must be an https URL.")
    return None
