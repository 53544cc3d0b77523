"""Changing a booking after the fact: cancel (by the invitee or the host) and reschedule.
Each is one transaction that also updates the calendar event and queues the e-mails.
Flask-free."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .. import conferencing, database, notifications
from ..availability import offered_slots
from ..calendars import lock_account, queue_booking_write
from ..models import Booking, Event
from ..text import clean_text
from ..validation import format_utc
from .bookings import SlotUnavailable, booking_by_public_id
from .notices import booking_changed, queue_notices
from .urls import BookingUrls


class BookingNotChangeable(Exception):
    """The booking is cancelled or already started, or (for a reschedule) its link has been
    disabled by the host; `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class BookingNotFound(Exception):
    pass


class BookingUnchanged(Exception):
    """A reschedule to the time the booking already has: nothing is written or sent."""


def _load_for_change(s: Session, public_id: str, now: datetime) -> Booking:
    booking = booking_by_public_id(s, public_id)
    if booking is None:
        raise BookingNotFound(public_id)
    lock_account(s, booking.account_id)
    s.refresh(booking)
    if booking.status != "confirmed":
        raise BookingNotChangeable("cancelled")
    if booking.start_at <= now:
        raise BookingNotChangeable("started")
    return booking


def _event_of(s: Session, booking: Booking) -> Event | None:
    return s.scalar(select(Event).where(Event.booking_id == booking.id))


def cancel(
    sessions: sessionmaker, public_id: str, reason: str | None, by: str, now: datetime
) -> Booking:
    """`by` is "invitee" or "host"; the other side is told by e-mail."""
    with database.write(sessions) as s:
        booking = _load_for_change(s, public_id, now)
        booking.status = "cancelled"
        booking.cancelled_at = now
        booking.cancelled_by = by
        booking.cancel_reason = clean_text((reason or "")[:5000])[:1000] or None
        booking.sequence += 1
        event = _event_of(s, booking)
        if event is not None:
            event.status = "cancelled"
            conferencing.event_removed(s, event)  # the provider's meeting is deleted too
        queue_notices(s, "booking.cancelled", booking)
        queue_booking_write(s, booking)
        booking_changed(s, booking, notifications.types.BOOKING_CANCELLED, now)
    return booking


def reschedule(
    sessions: sessionmaker, public_id: str, start: datetime, now: datetime, window_days: int,
    urls: BookingUrls | None = None,
) -> Booking:  # fmt: skip
    """Move the booking to another offered time, atomically (the overlap guard applies).
    Its own time is no move: BookingUnchanged. `urls`: as for `book`."""
    with database.write(sessions) as s:
        booking = _load_for_change(s, public_id, now)
        if booking.link.status == "disabled":  # turning a link off stops moves through it too
            raise BookingNotChangeable("disabled")
        if start == booking.start_at:  # not a move: no new SEQUENCE, no "Moved" e-mails
            raise BookingUnchanged(public_id)
        end = start + timedelta(minutes=booking.link.duration_minutes)
        offered = offered_slots(s, booking.link, now, window_days, moving_booking_id=booking.id)
        if (start, end) not in set(offered):
            raise SlotUnavailable(start.isoformat())
        previous = {"start": format_utc(booking.start_at), "end": format_utc(booking.end_at)}
        booking.start_at, booking.end_at = start, end
        booking.sequence += 1
        event = _event_of(s, booking)
        if event is not None:
            event.start_at, event.end_at = start, end
        queue_notices(s, "booking.rescheduled", booking)
        queue_booking_write(s, booking)
        try:
            s.flush()
        except IntegrityError as exc:  # the database's overlap guard: someone took the time
            raise SlotUnavailable(start.isoformat()) from exc
        if event is not None:  # the meeting moves with it (after the overlap guard said yes)
            conferencing.apply(s, event, None, account=booking.account, now=now, sealer=None)
        booking_changed(
            s, booking, notifications.types.BOOKING_RESCHEDULED, now, previous, urls=urls
        )
    return booking
