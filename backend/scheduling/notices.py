"""The jobs a booking change queues, in the change's own transaction: one e-mail job per
recipient, so each is delivered (and retried) on its own. Flask-free."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..models import Booking, Job

RECIPIENTS = ("invitee", "host")


def queue_notices(
    session: Session, kind: str, booking: Booking, *, invitee_at: datetime | None = None
) -> dict[str, Job]:
    """`invitee_at` holds the invitee's mail back (a join link on its way); the host's goes now."""
    jobs = {}
    for role in RECIPIENTS:
        job = Job(kind=kind, payload={"booking_id": booking.public_id, "recipient": role})
        if role == "invitee" and invitee_at is not None:
            job.run_at = invitee_at
        session.add(job)
        jobs[role] = job
    return jobs
