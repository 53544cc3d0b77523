"""Telling an event's own subscriptions about an interaction (`conferencing_assigned`,
`conferencing_failing`), with the event exactly as GET /v1/events lists it. Written in the
caller's transaction. (`change` notifications are sent by events.py itself.)"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from .. import notifications
from ..models import Calendar, Event
from .events import event_to_dict


def notify_event(session: Session, event: Event, type_: str, now: datetime | None = None) -> int:
    """E.g. `notify_event(session, event, "conferencing_assigned")` once the join URL is set."""
    session.flush()
    calendar = session.get(Calendar, event.calendar_id)
    return notifications.notify_subscribers(
        session,
        calendar.account_id,
        event.id,
        type_,
        event_to_dict(event, calendar.public_id),
        now=now or datetime.now(UTC),
    )
