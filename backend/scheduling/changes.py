"""Changing a booking after the fact: cancel (by the invitee or the host) and reschedule.
Each is one transaction that also updates the calendar event and queues the e-mails.
Flask-free."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .. import database, notifications
from ..availability import offered_slots
from ..calendars import lock_account
from ..models import Booking, Event, Job
from ..validation import format_utc
from .bookings import SlotUnavailable, booking_by_public_id
from .notices import booking_changed


class BookingNotChangeable(Exception):
    """The booking is cancelled or already started; `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class BookingNotFound(Exception):
    pass


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
        booking.cancel_reason = " ".join((reason or "").split())[:1000] or None
        booking.sequence += 1
        event = _event_of(s, booking)
        if event is not None:
            event.status = "cancelled"
        s.add(Job(kind="booking.cancelled", payload={"booking_id": booking.public_id}))
        booking_changed(s, booking, notifications.types.BOOKING_CANCELLED, now)
    return booking


def reschedule(
    sessions: sessionmaker, public_id: str, start: datetime, now: datetime, window_days: int
) -> Booking:
    """Move the booking to another offered time, atomically (the overlap guard applies)."""
    with database.write(sessions) as s:
        booking = _load_for_change(s, public_id, now)
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
        s.add(Job(kind="booking.rescheduled", payload={"booking_id": booking.public_id}))
        try:
            s.flush()
        except IntegrityError as exc:  # the database's overlap guard: someone took the time
            raise SlotUnavailable(start.isoformat()) from exc
        booking_changed(s, booking, notifications.types.BOOKING_RESCHEDULED, now, previous)
    return booking
