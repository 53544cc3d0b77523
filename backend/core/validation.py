"""Field errors in the Cronofy-compatible shape, shared by every domain module."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime
from functools import cache
from urllib.parse import urlsplit


class ValidationError(Exception):
    """Bad input; `errors` is {"field": [{"key": "errors.x", "description": "..."}]}."""

    def __init__(self, errors: dict[str, list[dict[str, str]]]):
        super().__init__(errors)
        self.errors = errors


def dotted(errors: dict) -> dict:
    """One field-path style for every API answer: participants[0].sub -> participants.0.sub."""
    return {re.sub(r"\[(\d+)\]", r".\1", field): items for field, items in errors.items()}


class FieldErrors:
    """Collects every problem of a request before answering, so callers fix all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[dict[str, str]]] = {}

    def add(self, field: str, key: str, description: str) -> None:
        self.errors.setdefault(field, []).append(
            {"key": f"errors.{key}", "description": description}
        )

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


# What the zone directory holds beside IANA zone names: this machine's zone ("localtime",
# which differs from server to server), the tz build's placeholders, and the parallel trees
# of leap-second ("right/") and POSIX ("posix/") copies some systems install.
NOT_ZONES = frozenset({"localtime", "Factory", "posixrules", "posix", "right", "leapseconds"})
NOT_ZONE_PREFIXES = ("posix/", "right/", "SystemV/")


@cache
def known_tzids() -> frozenset[str]:
    """Real IANA zone names only, the same on every server: the one list every zone check
    uses (a fixed list, never ZoneInfo(value), which opens any file name it is given)."""
    return frozenset(
        zone
        for zone in zoneinfo.available_timezones()
        if zone not in NOT_ZONES and not zone.startswith(NOT_ZONE_PREFIXES)
    )


def is_tzid(value: object) -> bool:
    return isinstance(value, str) and value in known_tzids()


def parse_utc(value: object) -> datetime | None:
    """RFC 3339 with an explicit offset or Z, as an aware UTC datetime; else None."""
    if not isinstance(value, str) or len(value) > 40 or "T" not in value.upper():
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # an offset pushes it outside years 1..9999
        return None
    # Far enough for any real meeting, and leaves room for date arithmetic on top.
    return parsed if MIN_YEAR <= parsed.year <= MAX_YEAR else None


MIN_YEAR, MAX_YEAR = 1970, 9998


def format_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def redirect_origin(url: object) -> str | None:
    """The origin (scheme://host[:port]) of an absolute http(s) URL, or None for anything a
    browser could read another way: relative or scheme-relative paths, backslashes,
    credentials, whitespace or control characters."""
    if not isinstance(url, str) or not url or len(url) > 2000:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in url):
        return None
    if not url.isascii():  # e.g. a fullwidth solidus (U+FF0F) that NFKC turns into "/"
        return None
    try:  # urlsplit and .port raise ValueError on malformed hosts and ports
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username:
        return None
    if parts.password is not None or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
