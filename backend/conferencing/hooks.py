"""Where conferencing reports to the outside world: the one place a join link is assigned
and the one place a meeting starts failing. Both run inside the write transaction that made
the change, so whatever they enqueue (push notifications, e-mails) is sent only if it
committed. Push notifications (`conferencing_assigned`, `conferencing_failing` interactions
of an event's `subscriptions`) are delivered by the notifications package: it enqueues its
deliveries from here."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from .. import notifications
from ..models import Calendar, Conference, Event
from .views import event_item

log = logging.getLogger(__name__)
# Retries go on (with backoff); after this long the host's integration is told it is failing.
FAILING_AFTER = timedelta(minutes=10)


def conferencing_assigned(
    session: Session, event: Event, conference: Conference, now: datetime
) -> None:
    log.info("conferencing assigned to event %s (%s)", event.event_uid, conference.provider_name)
    _notify(session, "conferencing_assigned", event, conference, now)


def conferencing_failing(
    session: Session, event: Event, conference: Conference, now: datetime
) -> None:
    log.warning("conferencing failing for event %s: %s", event.event_uid, conference.error)
    _notify(session, "conferencing_failing", event, conference, now)


def mark_failing(
    session: Session, conference: Conference, event: Event, reason: str, now: datetime
) -> None:
    """Record why; the first failure of a conference is reported (not every retry)."""
    first = conference.status != "failing"
    conference.status = "failing"
    conference.error = reason[:2000]
    if first:
        conferencing_failing(session, event, conference, now)


def _notify(
    session: Session, interaction: str, event: Event, conference: Conference, now: datetime
) -> None:
    """The event's subscribed webhooks that asked for `interaction`, in this transaction; the
    body's event is exactly the GET /v1/events item, join URL included."""
    session.flush()
    calendar = session.get(Calendar, event.calendar_id)
    item = event_item(session, event, calendar.public_id)
    notifications.notify_subscribers(
        session, calendar.account_id, event.id, interaction, item, now=now
    )
