"""The `conferencing` member of an event or a scheduling link, validated:
{"profile_id": "default" | "none" | "pro_…"} or
{"profile_id": "explicit", "provider_description": "…", "join_url": "https://…"}."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ..core.ids import looks_like_id
from ..core.validation import FieldErrors

MAX_DESCRIPTION = 200
MAX_URL = 2000


@dataclass(frozen=True)
class Spec:
    kind: str  # "default" | "none" | "explicit" | "profile"
    profile_id: str | None = None  # the pro_… id for kind "profile"
    provider_description: str | None = None
    join_url: str | None = None

    def to_json(self) -> dict:
        if self.kind == "profile":
            return {"profile_id": self.profile_id}
        if self.kind == "explicit":
            return {
                "profile_id": "explicit",
                "provider_description": self.provider_description,
                "join_url": self.join_url,
            }
        return {"profile_id": self.kind}


DEFAULT = Spec("default")


def is_https_url(value: object) -> bool:
    if not isinstance(value, str) or not value or len(value) > MAX_URL:
        return False
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and not parts.username


def parse_spec(value: object, errors: FieldErrors, field: str = "conferencing") -> Spec | None:
    """None when absent (an update leaves the event's conferencing as it is)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.add(field, "invalid", 'conferencing must be an object with a "profile_id".')
        return None
    profile_id = value.get("profile_id")
    if profile_id in ("default", "none"):
        return Spec(profile_id)
    if profile_id == "explicit":
        description = value.get("provider_description")
        join_url = value.get("join_url")
        ok = True
        if not isinstance(description, str) or not description.strip():
            errors.add(
                f"{field}.provider_description",
                "required",
                "provider_description is required for explicit conferencing.",
            )
            ok = False
        elif len(description) > MAX_DESCRIPTION:
            errors.add(
                f"{field}.provider_description",
                "invalid",
                f"provider_description is at most {MAX_DESCRIPTION} characters.",
            )
            ok = False
        if not is_https_url(join_url):
            errors.add(f"{field}.join_url", "invalid", "join_url must be an absolute https URL.")
            ok = False
        if not ok:
            return None
        return Spec(
            "explicit", provider_description=" ".join(description.split()), join_url=join_url
        )
    if isinstance(profile_id, str) and looks_like_id(profile_id, "pro"):
        return Spec("profile", profile_id=profile_id)
    errors.add(
        f"{field}.profile_id",
        "invalid",
        'profile_id is "default", "explicit", "none" or a conferencing profile id (pro_…).',
    )
    return None


def spec_from_json(data: dict | None) -> Spec:
    """A stored spec (a link's), already validated when it was stored; None is the default."""
    if not data:
        return DEFAULT
    errors = FieldErrors()
    return parse_spec(data, errors) or DEFAULT
