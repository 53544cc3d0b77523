"""An event's conferencing: apply what the caller asked for (create, keep, replace, remove),
push summary/time changes, release the meeting when the event goes, and show it. Every
provider call happens later in the worker: here only rows and jobs are written, in the
caller's transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..connections import ProfileNotFound
from ..core.validation import ValidationError, format_utc
from ..models import Account, Conference, Event, Job, Profile
from . import hooks
from .services import conferencing_profile, description_of, resolve_default
from .spec import Spec
from .views import to_dict  # noqa: F401 - part of this module's surface

ASSIGN, UPDATE, DELETE = "conferencing.assign", "conferencing.update", "conferencing.delete"


def conference_of(session: Session, event: Event) -> Conference | None:
    return session.scalar(select(Conference).where(Conference.event_id == event.id))


def fingerprint(event: Event) -> str:
    """What the provider's meeting mirrors (summary and times): a change is pushed."""
    raw = f"{format_utc(event.start_at)}|{format_utc(event.end_at)}|{event.summary}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _target(session: Session, account: Account, spec: Spec, sealer) -> Profile | Spec | None:
    """The profile that will make the meeting, the explicit spec itself, or None."""
    if spec.kind == "none":
        return None
    if spec.kind == "explicit":
        return spec
    if spec.kind == "default":
        return resolve_default(session, account, sealer)
    try:
        return conferencing_profile(session, account, spec.profile_id)
    except ProfileNotFound:
        raise ValidationError(
            {
                "conferencing.profile_id": [
                    {
                        "key": "errors.not_found",
                        "description": "No conferencing profile with that id on this account.",
                    }
                ]
            }
        ) from None


def check_spec(session: Session, account: Account, spec: Spec | None) -> None:
    """Refuse an unknown pro_… id up front (a link stores the spec for later bookings)."""
    if spec is not None and spec.kind == "profile":
        _target(session, account, spec, sealer=None)


def _same(conference: Conference, target) -> bool:
    if isinstance(target, Spec):
        return (
            conference.profile_id is None
            and conference.provider_name == "explicit"
            and conference.join_url == target.join_url
            and conference.provider_description == target.provider_description
        )
    return conference.profile_id == target.id


def apply(
    session: Session,
    event: Event,
    spec: Spec | None,
    *,
    account: Account,
    now: datetime,
    sealer,
) -> Conference | None:
    """Called after the event row is written (flushed). `spec` None: keep what the event has
    (pushing summary/time changes). Events that already started get no new meeting."""
    current = conference_of(session, event)
    if spec is None:
        if current is not None:
            changed(session, event, current)
        return current
    target = _target(session, account, spec, sealer)
    # The same request keeps the meeting; asking again for one that failed starts afresh.
    if (
        current is not None
        and target is not None
        and current.status != "failing"
        and _same(current, target)
    ):
        changed(session, event, current)
        return current
    if target is not None and not isinstance(target, Spec) and event.start_at <= now:
        return current  # no new meeting for the past; what it has stays
    if current is not None:
        release(session, current)
    if target is None:
        return None
    if isinstance(target, Spec):
        conference = Conference(
            event_id=event.id,
            account_id=account.id,
            profile_id=None,
            provider_name="explicit",
            provider_description=target.provider_description,
            join_url=target.join_url,
            status="assigned",
            error=None,
        )
        session.add(conference)
        session.flush()
        hooks.conferencing_assigned(session, event, conference, now)
        return conference
    conference = Conference(
        event_id=event.id,
        account_id=account.id,
        profile_id=target.id,
        provider_name=target.provider_name,
        provider_description=description_of(target.provider_name),
        status="pending",
    )
    session.add(conference)
    session.flush()
    session.add(Job(kind=ASSIGN, payload={"conference_id": conference.id}))
    return conference


def changed(session: Session, event: Event, conference: Conference) -> None:
    """Push the event's new summary/times to the provider's meeting, if there is one."""
    if (
        conference.meeting_id
        and conference.profile_id
        and fingerprint(event) != (conference.pushed or "")
    ):
        session.add(Job(kind=UPDATE, payload={"conference_id": conference.id}))


def release(session: Session, conference: Conference) -> None:
    """The event is going (deleted, cancelled, or given other conferencing): delete the
    provider's meeting (later, by the worker) and forget the row."""
    if conference.meeting_id and conference.profile_id:
        session.add(
            Job(
                kind=DELETE,
                payload={
                    "profile_id": conference.profile_id,
                    "provider_name": conference.provider_name,
                    "meeting_id": conference.meeting_id,
                    "meeting_kind": conference.meeting_kind,
                },
            )
        )
    session.delete(conference)
    session.flush()


def event_removed(session: Session, event: Event) -> None:
    conference = conference_of(session, event)
    if conference is not None:
        release(session, conference)


def conferences_by_event(session: Session, event_ids: list[int]) -> dict[int, Conference]:
    if not event_ids:
        return {}
    rows = session.scalars(select(Conference).where(Conference.event_id.in_(event_ids)))
    return {c.event_id: c for c in rows}


def booking_conference(session: Session, booking_id: int) -> Conference | None:
    """The conference of a booking's event (None when the booking has no conferencing)."""
    return session.scalar(
        select(Conference)
        .join(Event, Event.id == Conference.event_id)
        .where(Event.booking_id == booking_id)
    )


def join_details(conference: Conference | None) -> dict | None:
    """What pages, e-mails and calendar files show: {"description", "url"} once the join
    link exists, {"pending": True} while it is being made, None without conferencing."""
    if conference is None:
        return None
    if conference.status == "assigned" and conference.join_url:
        return {
            "description": conference.provider_description or "Video meeting",
            "url": conference.join_url,
        }
    return {"pending": True}
