"""A round-robin booking's meeting is its seated host's own: `book` makes it with the link's
conferencing as that host gets it (`for_host`), and a move that hands the booking to another
host (`scheduling`'s re-seat) hands the meeting on too (`handed_on`). A meeting made by
another account — on its calendar event (Meet, Teams: deleted with the copy of the booking
the host who left loses) or with its provider account (Zoom, GoTo, a separate Meet or Teams
meeting) — is released (the worker deletes it at the provider) and the new host's own
conferencing makes the invitee a new one. Jitsi and explicit join details belong to no
provider account and stay. Flask-free."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Account, Conference, Event, Profile
from .events import apply, conference_of
from .services import conferencing_profiles, description_of, jitsi_profile
from .spec import DEFAULT, Spec


def for_host(session: Session, spec: Spec, host: Account) -> Spec:
    """The link's conferencing as `host` gets it: a profile the link names when it is the
    host's, else the host's own connected profile for the same service (Zoom for Zoom, Teams
    for Teams, Jitsi for Jitsi…), else the host's default."""
    if spec.kind != "profile":
        return spec
    named = session.scalar(select(Profile).where(Profile.public_id == spec.profile_id))
    if named is not None and named.account_id == host.id:
        return spec
    if named is not None and named.provider_name == "jitsi":  # everyone has the built-in one
        return Spec("profile", jitsi_profile(session, host, sealer=None).public_id)
    service = description_of(named.provider_name) if named is not None else None
    for profile in conferencing_profiles(session, host):
        if profile.connected and description_of(profile.provider_name) == service:
            return Spec("profile", profile.public_id)
    return DEFAULT


def handed_on(
    session: Session,
    event: Event,
    link_spec: Spec,
    new: Account,
    now: datetime,
    sealer=None,
) -> Conference | None:
    """In the move's transaction, after the seat and the event went to `new` (flushed): the
    conference the invitee now has — a new pending one from `new`'s conferencing in place of
    a meeting another account made (the host who left, or the link's owner on a booking made
    before meetings were the seated host's), None when `new` has no conferencing for it — or
    the unchanged one."""
    current = conference_of(session, event)
    profile = session.get(Profile, current.profile_id) if current and current.profile_id else None
    if profile is None or profile.provider_name == "jitsi" or profile.account_id == new.id:
        return current
    spec = for_host(session, link_spec, new)
    return apply(session, event, spec, account=new, now=now, sealer=sealer)
