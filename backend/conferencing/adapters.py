"""Which provider API makes a profile's meetings. Microsoft has two: /me/onlineMeetings
needs OnlineMeetings.ReadWrite; a connection made for calendars has Calendars.ReadWrite,
which makes Teams meetings as Outlook events (`teams_events`). The way a meeting was made is
kept on its conference (`meeting_kind`), so it is updated and deleted the same way even if
the connection's scope changes later. Enterprise Connect's Microsoft 365 member profiles
(`exchange`) have the app's Calendars.ReadWrite only, so theirs are always Outlook events, made
at `/users/{upn}` (their API base URL)."""

from __future__ import annotations

from ..connections import ProfileDisconnected, read_credentials
from ..models import Profile
from .booking_event import ON_BOOKING, FollowsTheEvent
from .providers import ADAPTERS
from .teams_events import TeamsEvents

EVENT = "event"
_BY_KIND = {
    ("microsoft", EVENT): TeamsEvents(),
    ("exchange", EVENT): TeamsEvents(mailbox=""),
    # On the booking's own calendar event: the calendar write moves and deletes it.
    ("google", ON_BOOKING): FollowsTheEvent(),
    ("microsoft", ON_BOOKING): FollowsTheEvent(),
    ("exchange", ON_BOOKING): FollowsTheEvent(),
}


def granted_scopes(profile: Profile, sealer) -> set[str]:
    """The scopes the provider said it granted, lower case, without a resource prefix
    (Microsoft may answer "https://graph.microsoft.com/Calendars.ReadWrite")."""
    try:
        tokens = read_credentials(profile, sealer).get("token") or {}
    except ProfileDisconnected:
        return set()
    scope = tokens.get("scope")
    if not isinstance(scope, str):
        return set()
    return {s.rsplit("/", 1)[-1].lower() for s in scope.split()}


def kind_for(profile: Profile, sealer) -> str | None:
    """How a new meeting with this profile is made."""
    if profile.provider_name == "exchange":
        return EVENT
    if profile.provider_name != "microsoft":
        return None
    scopes = granted_scopes(profile, sealer)
    if "onlinemeetings.readwrite" in scopes:
        return None
    calendar_only = "calendars.readwrite" in scopes or (
        not scopes and "calendar" in (profile.purposes or [])
    )
    return EVENT if calendar_only else None


def adapter_for(provider_name: str | None, kind: str | None = None):
    """The adapter for a provider and meeting kind; None: the provider can't make meetings."""
    return _BY_KIND.get((provider_name, kind)) or ADAPTERS.get(provider_name)
