"""The host's conferencing services: the built-in Jitsi service, the providers they
connected (profiles with the "conferencing" purpose), and which one is the default."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..calendars import revoke as revoke_calendar
from ..connections import (
    ManagedByOrganization,
    ProfileNotFound,
    delete_profile,
    new_profile,
    profile_for,
    profiles_of,
)
from ..core.validation import ValidationError
from ..models import Account, Conference, ConferencingDefault, Event, Profile
from . import hooks, jitsi
from .errors import BuiltinProfile

PURPOSE = "conferencing"
DESCRIPTIONS = {
    "jitsi": jitsi.DESCRIPTION,
    "zoom": "Zoom",
    "google": "Google Meet",
    "microsoft": "Microsoft Teams",
    "exchange": "Microsoft Teams",  # through the organization's Microsoft 365 (Enterprise Connect)
    "go_to": "GoTo Meeting",
}


def description_of(provider_name: str) -> str:
    return DESCRIPTIONS.get(provider_name, provider_name)


def jitsi_profile(session: Session, account: Account, sealer) -> Profile:
    """The account's built-in Jitsi profile, made on first use (so it has a pro_… id like
    any other service). Callers hold a write transaction; the account row lock (PostgreSQL;
    SQLite's writer lock) keeps two requests from making two."""
    found = _jitsi(session, account)
    if found is not None:
        return found
    session.execute(select(Account.id).where(Account.id == account.id).with_for_update())
    found = _jitsi(session, account)
    if found is not None:
        return found
    profile = new_profile(
        session,
        account=account,
        provider_name="jitsi",
        profile_name=jitsi.DESCRIPTION,
        purposes=[PURPOSE],
        credentials=None,
        sealer=sealer,
    )
    session.flush()
    return profile


def _jitsi(session: Session, account: Account) -> Profile | None:
    return session.scalar(
        select(Profile)
        .where(Profile.account_id == account.id, Profile.provider_name == "jitsi")
        .order_by(Profile.id)
        .limit(1)
    )


def conferencing_profiles(session: Session, account: Account) -> list[Profile]:
    """Jitsi first, then the connected providers in the order they were added."""
    found = profiles_of(session, account, PURPOSE)
    return sorted(found, key=lambda p: (p.provider_name != "jitsi", p.id))


def conferencing_profile(session: Session, account: Account, public_id: str) -> Profile:
    """A profile of this account that serves conferencing; ProfileNotFound otherwise."""
    profile = profile_for(session, account, public_id)
    if PURPOSE not in (profile.purposes or []):
        raise ProfileNotFound(public_id)
    return profile


CALENDAR_PURPOSE = "calendar"
# Providers whose calendar connection also makes meetings (connections' `implies`;
# `exchange`: an Enterprise Connect member profile of Microsoft 365).
CALENDAR_CONFERENCING = ("google", "microsoft", "exchange")


@dataclass(frozen=True)
class DefaultChoice:
    kind: str  # "jitsi" | "none" | "profile"
    profile: Profile | None = None
    # Why this is the default: "chosen" (the host picked it), "calendar" (no choice made; the
    # host's one Google or Microsoft calendar connection makes meetings), "several" (no
    # choice; more than one such connection, so none is assumed), "builtin" (no choice).
    reason: str = "chosen"

    @property
    def value(self) -> str:
        return self.profile.public_id if self.profile else self.kind


def calendar_conferencing(session: Session, account: Account) -> list[Profile]:
    """Connected Google/Microsoft profiles that serve both calendars and conferencing."""
    return [
        p
        for p in profiles_of(session, account, PURPOSE)
        if p.provider_name in CALENDAR_CONFERENCING
        and p.connected
        and CALENDAR_PURPOSE in (p.purposes or [])
    ]


def default_choice(session: Session, account: Account) -> DefaultChoice:
    """The host's choice if they made one (and it still exists); otherwise the natural
    default: their one Google or Microsoft calendar connection, else Jitsi."""
    row = session.get(ConferencingDefault, account.id)
    if row is not None and row.choice == "none":
        return DefaultChoice("none")
    profile = session.get(Profile, row.profile_id) if row and row.profile_id else None
    if profile is not None and PURPOSE in (profile.purposes or []):
        kind = "jitsi" if profile.provider_name == "jitsi" else "profile"
        return DefaultChoice(kind, profile)
    natural = calendar_conferencing(session, account)
    if len(natural) == 1:
        return DefaultChoice("profile", natural[0], reason="calendar")
    return DefaultChoice("jitsi", reason="several" if natural else "builtin")


def set_default(session: Session, account: Account, value: object, sealer) -> DefaultChoice:
    """value: "none", "jitsi" or a conferencing profile's pro_… id."""
    profile = None
    if value == "jitsi":
        profile = jitsi_profile(session, account, sealer)
    elif value != "none":
        try:
            profile = conferencing_profile(
                session, account, value if isinstance(value, str) else ""
            )
        except ProfileNotFound:
            raise ValidationError(
                {
                    "default": [
                        {
                            "key": "errors.invalid",
                            "description": 'Choose "none", "jitsi" or one of your '
                            "conferencing profiles.",
                        }
                    ]
                }
            ) from None
    row = session.get(ConferencingDefault, account.id)
    if row is None:
        row = ConferencingDefault(account_id=account.id)
        session.add(row)
    row.choice = "none" if value == "none" else "profile"
    row.profile_id = profile.id if profile else None
    session.flush()
    return default_choice(session, account)


def resolve_default(session: Session, account: Account, sealer) -> Profile | None:
    """The profile that makes meetings for {"profile_id": "default"}; None: no conferencing."""
    choice = default_choice(session, account)
    if choice.kind == "none":
        return None
    if choice.profile is not None:
        return choice.profile
    return jitsi_profile(session, account, sealer)


def remove_profile(
    session: Session, account: Account, public_id: str, now: datetime | None = None
) -> Profile | None:
    """Stop using a profile for conferencing: the row goes when conferencing was its only
    purpose (a Google or Microsoft connection that also serves calendars stays for them).
    Meetings not made yet with it stop waiting (they are marked failing); returns the
    profile when it stays, None when deleted."""
    profile = conferencing_profile(session, account, public_id)
    if profile.provider_name == "jitsi":
        raise BuiltinProfile(public_id)
    if profile.enterprise_connection_id is not None:  # the organization's: only admins remove it
        raise ManagedByOrganization(public_id)
    waiting = session.scalars(
        select(Conference).where(
            Conference.profile_id == profile.id, Conference.status != "assigned"
        )
    )
    for conference in list(waiting):
        first = conference.status != "failing"
        conference.profile_id = None
        conference.status = "failing"
        conference.error = "The conferencing service was removed."
        if first:
            event = session.get(Event, conference.event_id)
            hooks.conferencing_failing(session, event, conference, now or datetime.now(UTC))
    default = session.get(ConferencingDefault, account.id)
    if default is not None and default.profile_id == profile.id:
        default.profile_id = None  # no choice any more: the natural default applies
    remaining = [p for p in (profile.purposes or []) if p != PURPOSE]
    if remaining:
        # The connection stays (for calendars) and can still reach the meetings it made:
        # they keep following their events' changes and are deleted with them.
        profile.purposes = remaining
        session.flush()
        return profile
    for conference in session.scalars(
        select(Conference).where(Conference.profile_id == profile.id)
    ):
        conference.profile_id = None
    delete_profile(session, profile)
    session.flush()
    return None


def profile_to_dict(profile: Profile, relink_url=None) -> dict:
    data = {
        "provider_name": profile.provider_name,
        "profile_id": profile.public_id,
        "profile_name": profile.profile_name,
        "profile_connected": bool(profile.connected),
    }
    if not profile.connected and relink_url is not None:
        data["profile_relink_url"] = relink_url(profile)
    return data


def remove_everywhere(
    session: Session, account: Account, public_id: str, now: datetime | None = None
) -> None:
    """A calendar connection that also makes meetings, removed for both at once (removing
    the calendar alone keeps it for meetings, and so keeps its grant): its calendars go,
    meetings still waiting on it stop waiting, and the job worker gives its grant back."""
    if PURPOSE in revoke_calendar(session, account, public_id):
        remove_profile(session, account, public_id, now)
