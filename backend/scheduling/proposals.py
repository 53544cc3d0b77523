"""A host asks the invitee to pick a new time ("propose a new time"). The booking keeps its
time until the invitee picks one on their reschedule page — `changes.reschedule`, one
transaction under the same locks, which also closes the proposal — and keeps it for good if
they never do. Flask-free."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import sessionmaker

from ..core import database
from ..core.validation import format_utc
from ..models import Account, Booking, Job
from .changes import BookingNotFound, _load_for_change, clean_reason, is_host_of

KIND = "booking.proposal"


def propose(
    sessions: sessionmaker, public_id: str, host_id: int, message: str | None, now: datetime
) -> Booking:
    """Record the request on the booking and queue the invitee's e-mail (the proposing host,
    the message, the reschedule page). A second request replaces the first. BookingNotFound
    for someone who is not a host of the booking; BookingNotChangeable once it is cancelled
    or has started."""
    with database.write(sessions) as s:
        booking, _ = _load_for_change(s, public_id, now)
        if not is_host_of(booking, host_id):
            raise BookingNotFound(public_id)
        host = s.get(Account, host_id)
        booking.proposed_at, booking.proposed_by = now, host.sub
        booking.proposal_message = clean_reason(message)
        s.add(Job(kind=KIND, payload={
            "booking_id": booking.public_id, "recipient": "invitee",
            "proposed_at": format_utc(now),
        }))  # fmt: skip
    return booking


def still_open(booking: Booking | None, payload: dict) -> bool:
    """A proposal's e-mail goes only while that request stands (not answered, replaced, or
    the booking cancelled)."""
    return (
        booking is not None
        and booking.status == "confirmed"
        and booking.proposed_at is not None
        and format_utc(booking.proposed_at) == payload.get("proposed_at")
    )
