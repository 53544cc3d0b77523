"""A new calendar at a connected provider (POST /v1/calendars on a CalDAV, Google or Microsoft
profile): made there first, outside any transaction, then stored like a synced calendar so
the next sync keeps it. Flask-free; `services` is what calendar sources use."""

from __future__ import annotations

from caldav.lib import error as caldav_error

from ..core.validation import ValidationError
from . import caldav, google, microsoft
from .rest import call, with_token
from .sources import SourceError

CREATABLE = ("caldav", "google", "microsoft")


def _failed(exc: Exception) -> ValidationError:
    return ValidationError(
        {"profile_id": [{"key": "errors.provider_failed",
                         "description": f"The calendar service refused: {exc}"}]}
    )  # fmt: skip


def make_remote_calendar(services, profile, credentials: dict, name: str) -> str:
    """The provider's id for a new calendar named `name` (CalDAV: its URL)."""
    try:
        if profile.provider_name == "caldav":
            dav = caldav.client(
                services["outbound"], credentials["url"], credentials["username"],
                credentials["password"],
            )  # fmt: skip
            try:
                return str(dav.principal().make_calendar(name=name).url)
            except caldav_error.DAVError as exc:
                raise SourceError(str(exc)) from None
        if profile.provider_name == "google":
            url = google._base(services) + "/calendars"
            data = with_token(services, profile.public_id, lambda token: call(
                services["outbound"], "POST", url, token, body={"summary": name},
                what=google.WHAT,
            ))  # fmt: skip
            return str(data["id"])
        if profile.provider_name == "microsoft":
            url = microsoft._base(services) + "/me/calendars"
            data = with_token(services, profile.public_id, lambda token: call(
                services["outbound"], "POST", url, token, body={"name": name},
                what=microsoft.WHAT,
            ))  # fmt: skip
            return str(data["id"])
    except (SourceError, KeyError, TypeError) as exc:
        raise _failed(exc) from None
    raise ValidationError(
        {"profile_id": [{"key": "errors.not_supported",
                         "description": "Calendars can't be created on this profile."}]}
    )  # fmt: skip
