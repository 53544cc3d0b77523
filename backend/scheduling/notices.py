"""The jobs a booking change queues, in the change's own transaction: one e-mail job per
recipient, so each is delivered (and retried) on its own. Flask-free."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Booking, Job

RECIPIENTS = ("invitee", "host")


def queue_notices(session: Session, kind: str, booking: Booking) -> None:
    for role in RECIPIENTS:
        session.add(Job(kind=kind, payload={"booking_id": booking.public_id, "recipient": role}))
