"""Where conferencing reports to the outside world: the one place a join link is assigned
and the one place a meeting starts failing. Both run inside the write transaction that made
the change, so whatever they enqueue (push notifications, e-mails) is sent only if it
committed. Push notifications (`conferencing_assigned`, `conferencing_failing` interactions
of an event's `subscriptions`, and `conferencing_assigned` to the account's channels, so a
host app learns a booking's join link without polling) are delivered by the notifications
package: it enqueues its deliveries from here."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from .. import notifications
from ..models import Booking, Calendar, Conference, Event
from .views import event_item

log = logging.getLogger(__name__)
# Retries go on (with backoff); after this long the host's integration is told it is failing.
FAILING_AFTER = timedelta(minutes=10)


def conferencing_assigned(
    session: Session, event: Event, conference: Conference, now: datetime
) -> None:
    log.info("conferencing assigned to event %s (%s)", event.event_uid, conference.provider_name)
    calendar, item = _notify(session, notifications.types.CONFERENCING_ASSIGNED, event, now)
    # Channels too: a booking's first notice often says {"pending": true}; this one carries
    # the join link (the event's `event_id` is the booking's id). A team booking's owner heard
    # of it with this event (seated in another host's calendar), so hears of its link too.
    booking = session.get(Booking, event.booking_id) if event.booking_id else None
    owner = booking.account_id if booking is not None else calendar.account_id
    for account_id in dict.fromkeys((calendar.account_id, owner)):
        notifications.notify(
            session, account_id, notifications.types.CONFERENCING_ASSIGNED,
            {"event": item}, now=now, calendar_id=calendar.public_id,
        )  # fmt: skip


def conferencing_failing(
    session: Session, event: Event, conference: Conference, now: datetime
) -> None:
    log.warning("conferencing failing for event %s: %s", event.event_uid, conference.error)
    _notify(session, notifications.types.CONFERENCING_FAILING, event, now)


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
    session: Session, interaction: str, event: Event, now: datetime
) -> tuple[Calendar, dict]:
    """The event's subscribed webhooks that asked for `interaction`, in this transaction; the
    body's event is exactly the GET /v1/events item, join URL included (a subscription's without
    a booking's answers and attendees)."""
    session.flush()
    calendar = session.get(Calendar, event.calendar_id)
    item = event_item(session, event, calendar.public_id)
    # A subscription may point at another party's integration: the invitee's answers and
    # guests go to the host's channels only.
    alone = {k: v for k, v in item.items() if k not in ("answers", "attendees")}
    notifications.notify_subscribers(
        session, calendar.account_id, event.id, interaction, alone, now=now
    )
    return calendar, item
