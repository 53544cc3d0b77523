"""Field errors in the Cronofy-compatible shape, shared by every domain module."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from functools import cache


class ValidationError(Exception):
    """Bad input; `errors` is {"field": [{"key": "errors.x", "description": "..."}]}."""

    def __init__(self, errors: dict[str, list[dict[str, str]]]):
        super().__init__(errors)
        self.errors = errors


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


@cache
def known_tzids() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


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
    return parsed.astimezone(UTC)


def format_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
