"""Calendar services of a host: connect a feed or a CalDAV account, list profiles and their
calendars, sync now, revoke, and choose the calendar new bookings are written to. Flask-free:
callers pass the outbound guard, the sealer and `now`."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..connections import (
    ManagedByOrganization,
    delete_profile,
    new_profile,
    profile_for,
    profiles_of,
)
from ..core.ids import looks_like_id
from ..core.outbound import OutboundRefused
from ..core.validation import FieldErrors, ValidationError, format_utc
from ..models import Account, BookingCalendar, Calendar, CalendarSync, Profile
from .events import CalendarNotFound
from .feeds import normalize_feed_url
from .sync import CALENDAR_PURPOSE, forget_calendars, request_sync, start_syncing

FEED_PROVIDERS = ("ics", "caldav")
OAUTH_PROVIDERS = ("google", "microsoft")
ENTERPRISE_PROVIDERS = ("exchange",)  # Enterprise Connect's Microsoft 365 member profiles
PROVIDER_LABELS = {
    "ics": "Calendar feed (ICS)", "caldav": "CalDAV", "google": "Google Calendar",
    "microsoft": "Outlook / Microsoft 365", "schedlink": "schedlink",
    "exchange": "Microsoft 365 (your organization)",
}  # fmt: skip


def _text(body: dict, name: str, errors: FieldErrors, limit: int, required: bool) -> str | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(name, "required", f"{name} is required.")
        return None
    if not isinstance(value, str) or len(value) > limit:
        errors.add(name, "invalid", f"{name} must be text of at most {limit} characters.")
        return None
    return value.strip()


def _checked_url(outbound, url: str | None, errors: FieldErrors) -> str | None:
    if url is None:
        return None
    url = normalize_feed_url(url)
    if urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).hostname:
        errors.add("url", "invalid", "Enter the calendar's full address, starting https://.")
        return None
    try:
        return outbound.check_url(url)
    except OutboundRefused as exc:
        errors.add("url", "invalid", str(exc))
        return None


def connect_profile(
    session: Session, account: Account, body: object, *, outbound, sealer, now: datetime,
    check_caldav=None,
) -> Profile:  # fmt: skip
    """A new ics or caldav profile; its first sync is queued. `check_caldav(url, username,
    password)` may verify a CalDAV account first (raising ValidationError)."""
    errors = FieldErrors()
    if not isinstance(body, dict):
        raise ValidationError({"body": [{"key": "errors.invalid", "description": "Send JSON."}]})
    provider = body.get("provider_name")
    if provider in OAUTH_PROVIDERS:
        errors.add(
            "provider_name", "invalid",
            f"{provider} calendars connect with OAuth: POST /v1/calendar_authorizations.",
        )  # fmt: skip
        errors.raise_if_any()
    if provider not in FEED_PROVIDERS:
        errors.add("provider_name", "invalid", "provider_name is ics or caldav.")
        errors.raise_if_any()
    url = _checked_url(outbound, _text(body, "url", errors, 2000, True), errors)
    name = _text(body, "profile_name", errors, 200, False)
    credentials: dict = {"url": url}
    if provider == "caldav":
        username = _text(body, "username", errors, 200, True)
        password = body.get("password")
        if not isinstance(password, str) or not password or len(password) > 500:
            errors.add("password", "required", "password is required (an app password).")
        errors.raise_if_any()
        if check_caldav is not None:
            check_caldav(url, username, password)
        credentials.update(username=username, password=password)
        default_name = f"{username} on {urlsplit(url).hostname}"
    else:
        errors.raise_if_any()
        default_name = urlsplit(url).hostname or "Calendar feed"
    profile = new_profile(
        session, account=account, provider_name=provider,
        profile_name=(name or default_name)[:200], purposes=[CALENDAR_PURPOSE],
        credentials=credentials, sealer=sealer,
    )  # fmt: skip
    if provider == "caldav":
        profile.external_id = credentials["username"][:200]
    session.flush()
    start_syncing(session, profile, now)
    return profile


def calendar_profiles(session: Session, account: Account) -> list[Profile]:
    return [
        p
        for p in profiles_of(session, account, CALENDAR_PURPOSE)
        if p.provider_name in FEED_PROVIDERS + OAUTH_PROVIDERS + ENTERPRISE_PROVIDERS
    ]


def calendar_profile(session: Session, account: Account, public_id: str) -> Profile:
    profile = profile_for(session, account, public_id)
    if CALENDAR_PURPOSE not in (profile.purposes or []):
        raise CalendarNotFound(public_id)
    return profile


def profile_to_dict(session: Session, profile: Profile, relink_url: str | None = None) -> dict:
    state = session.get(CalendarSync, profile.id)
    calendars = session.scalars(
        select(Calendar)
        .where(Calendar.profile_id == profile.id, Calendar.deleted.is_(False))
        .order_by(Calendar.id)
    )
    data = {
        "profile_id": profile.public_id,
        "provider_name": profile.provider_name,
        "profile_name": profile.profile_name,
        "profile_connected": bool(profile.connected),
        "profile_initial_sync_required": bool(state is None or state.initial_sync_required),
        "last_synced_at": format_utc(state.last_synced_at)
        if state and state.last_synced_at
        else None,
        "sync_error": (state.sync_error if state else None)
        or (None if profile.connected else profile.disconnected_reason),
        "profile_calendars": [calendar_to_dict(c, profile) for c in calendars],
        # Made by the organization's Enterprise Connect: only its admins remove it.
        "enterprise": profile.enterprise_connection_id is not None,
    }
    if profile.provider_name in OAUTH_PROVIDERS and relink_url:
        data["profile_relink_url"] = relink_url
    return data


def local_profile_id(account: Account | None) -> str | None:
    """The local calendars' profile (provider `schedlink`): stable, per account, the random
    part of the account's sub under `pro_`."""
    return "pro_" + account.sub.split("_", 1)[1] if account is not None else None


def calendar_to_dict(calendar: Calendar, profile: Profile | None, account: Account | None = None):
    return {
        "calendar_id": calendar.public_id,
        "calendar_name": calendar.name,
        "profile_id": profile.public_id if profile else local_profile_id(account),
        "provider_name": profile.provider_name if profile else "schedlink",
        "profile_name": profile.profile_name if profile else (account.email if account else None),
        "calendar_readonly": bool(calendar.readonly),
        "calendar_primary": bool(calendar.is_primary),
        "calendar_deleted": bool(calendar.deleted),
    }


def all_calendars(session: Session, account: Account) -> list[dict]:
    """The local calendar(s) first (the first is primary), then every synced calendar."""
    rows = session.execute(
        select(Calendar, Profile)
        .outerjoin(Profile, Profile.id == Calendar.profile_id)
        .where(Calendar.account_id == account.id)
        .order_by(Calendar.profile_id.is_not(None), Calendar.id)
    ).all()
    result, first_local = [], True
    for calendar, profile in rows:
        item = calendar_to_dict(calendar, profile, account)
        if profile is None:
            item["calendar_primary"], first_local = first_local, False
        result.append(item)
    return result


def sync_now(session: Session, account: Account, public_id: str, now: datetime, interval: int):
    profile = calendar_profile(session, account, public_id)
    state = session.get(CalendarSync, profile.id) or start_syncing(session, profile, now)
    if profile.connected:
        request_sync(session, profile, state, now, interval)
    return profile


def revoke(session: Session, account: Account, public_id: str) -> list[str]:
    """The profile's calendars and busy times go at once; its credentials are deleted with
    it (a profile also serving conferencing loses only its calendar purpose). Returns what
    the connection still serves (its grant stays for that), [] when it is gone."""
    profile = calendar_profile(session, account, public_id)
    if profile.enterprise_connection_id is not None:
        raise ManagedByOrganization(public_id)
    forget_calendars(session, profile)
    others = [p for p in (profile.purposes or []) if p != CALENDAR_PURPOSE]
    if others:
        profile.purposes = others
    else:
        delete_profile(session, profile)
    session.flush()
    return others


# --- the booking calendar -----------------------------------------------------------------


def booking_calendar(session: Session, account: Account) -> Calendar | None:
    """The connected calendar new bookings are written to; None: only the local calendar."""
    choice = session.get(BookingCalendar, account.id)
    if choice is None or choice.calendar_id is None:
        return None
    calendar = session.get(Calendar, choice.calendar_id)
    if calendar is None or calendar.deleted or calendar.profile_id is None:
        return None
    profile = session.get(Profile, calendar.profile_id)
    return calendar if profile is not None and profile.connected else None


def choose_booking_calendar(session: Session, account: Account, body: object) -> Calendar:
    calendar_id = body.get("calendar_id") if isinstance(body, dict) else None
    if not isinstance(calendar_id, str) or not looks_like_id(calendar_id, "cal"):
        raise ValidationError(_field("calendar_id", "required", "calendar_id is required."))
    calendar = session.scalar(
        select(Calendar).where(Calendar.public_id == calendar_id, Calendar.account_id == account.id)
    )
    if calendar is None or calendar.deleted:
        raise ValidationError(_field("calendar_id", "invalid", "No such calendar."))
    if calendar.readonly:
        raise ValidationError(
            _field(
                "calendar_id",
                "readonly",
                "This calendar is read-only (a feed); choose a CalDAV, Google or Outlook "
                "calendar, or the schedlink calendar.",
            )  # fmt: skip
        )
    choice = session.get(BookingCalendar, account.id)
    if choice is None:
        choice = BookingCalendar(account_id=account.id)
        session.add(choice)
    choice.calendar_id = calendar.id if calendar.profile_id is not None else None
    session.flush()
    return calendar


def booking_calendar_id(session: Session, account: Account) -> str | None:
    calendar = booking_calendar(session, account)
    if calendar is not None:
        return calendar.public_id
    local = session.scalars(
        select(Calendar)
        .where(Calendar.account_id == account.id, Calendar.profile_id.is_(None))
        .order_by(Calendar.id)
    ).first()
    return local.public_id if local else None


def _field(name: str, key: str, description: str) -> dict:
    return {name: [{"key": f"errors.{key}", "description": description}]}
