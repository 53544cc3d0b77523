"""schedlink's own calendars as a Cronofy profile (provider `schedlink`): its id, its
Cronofy-shaped description, and new calendars on it or on a connected profile. Flask-free."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..connections import ConnectionsError, profile_for
from ..core.ids import new_id
from ..core.text import clean_text
from ..core.validation import FieldErrors, ValidationError
from ..models import Account, Calendar, Profile
from .services import calendar_to_dict, local_profile_id
from .sync import CALENDAR_PURPOSE

LOCAL_PROVIDER = "schedlink"
MAX_LOCAL_CALENDARS = 50


def cronofy_calendar(item: dict) -> dict:
    """A calendar as Cronofy's profiles list it, from `services.calendar_to_dict`."""
    return {
        **item,
        "calendar_integrated_conferencing_available": False,
        "calendar_attachments_available": False,
        "permission_level": "unrestricted" if not item["calendar_readonly"] else "sandbox",
    }


def local_profile(session: Session, account: Account) -> dict:
    calendars = session.scalars(
        select(Calendar)
        .where(Calendar.account_id == account.id, Calendar.profile_id.is_(None))
        .order_by(Calendar.id)
    )
    items = []
    for i, calendar in enumerate(calendars):
        item = calendar_to_dict(calendar, None, account)
        item["calendar_primary"] = i == 0
        item["profile_id"] = local_profile_id(account)
        items.append(cronofy_calendar(item))
    return {
        "provider_name": LOCAL_PROVIDER,
        "provider_service": LOCAL_PROVIDER,
        "profile_id": local_profile_id(account),
        "profile_name": account.email,
        "profile_connected": True,
        "profile_initial_sync_required": False,
        "profile_calendars": items,
    }


def _name(body: dict, errors: FieldErrors) -> str | None:
    raw = body.get("name")
    name = clean_text(raw) if isinstance(raw, str) else ""
    if raw is None:
        errors.add("name", "required", "name is required.")
    elif not name or len(name) > 200:
        errors.add("name", "invalid", "name must be 1 to 200 characters.")
    else:
        return name
    return None


def check_new_calendar(session: Session, account: Account, body: object):
    """Validate POST /v1/calendars {profile_id, name}: (profile or None for the local one,
    name). A name the profile already has (any case) is 422 `errors.duplicate_calendar_name`."""
    body = body if isinstance(body, dict) else {}
    errors = FieldErrors()
    profile_id = body.get("profile_id")
    if not isinstance(profile_id, str) or not profile_id:
        errors.add("profile_id", "required", "profile_id is required.")
    name = _name(body, errors)
    errors.raise_if_any()
    profile: Profile | None = None
    if profile_id != local_profile_id(account):
        try:
            profile = profile_for(session, account, profile_id)
        except ConnectionsError:
            profile = None
        if profile is None or CALENDAR_PURPOSE not in (profile.purposes or []):
            raise ValidationError(
                {"profile_id": [{"key": "errors.unknown", "description": "No such profile."}]}
            ) from None
    existing = list(
        session.scalars(
            select(Calendar.name).where(
                Calendar.account_id == account.id,
                Calendar.deleted.is_(False),
                Calendar.profile_id.is_(None)
                if profile is None
                else Calendar.profile_id == profile.id,
            )
        )
    )
    if name.casefold() in {n.casefold() for n in existing}:
        raise ValidationError(
            {
                "name": [
                    {
                        "key": "errors.duplicate_calendar_name",
                        "description": "This profile already has a calendar with that name.",
                    }
                ]
            }
        )
    if profile is None and len(existing) >= MAX_LOCAL_CALENDARS:
        raise ValidationError(
            {"name": [{"key": "errors.too_many", "description": "Too many calendars."}]}
        )
    return profile, name


def add_calendar(
    session: Session, account: Account, profile: Profile | None, name: str,
    external_id: str | None = None,
) -> dict:  # fmt: skip
    """Store the new calendar (a connected profile's: made at the provider already)."""
    calendar = Calendar(
        public_id=new_id("cal"), account_id=account.id, name=name,
        kind=profile.provider_name if profile else "local",
        profile_id=profile.id if profile else None, external_id=external_id,
    )  # fmt: skip
    session.add(calendar)
    session.flush()
    return cronofy_calendar(calendar_to_dict(calendar, profile, account))
