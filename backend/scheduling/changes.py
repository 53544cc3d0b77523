"""Changing a booking after the fact: cancel (by the invitee or the host) and reschedule.
Each is one transaction that also updates the calendar event and queues the e-mails.
Flask-free."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .. import conferencing, notifications
from ..accounts import local_calendar
from ..availability import Team, link_team, offered_with_hosts
from ..calendars import lock_account, queue_booking_write
from ..core import database
from ..core.text import clean_text
from ..core.validation import format_utc
from ..models import Booking, BookingHost, BookingWrite, Calendar, Event
from . import real_time, reminders, rts_events
from .bookings import SlotUnavailable, booking_by_public_id, seat_hosts
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


def _load_for_change(
    s: Session, public_id: str, now: datetime, with_team: bool = False
) -> tuple[Booking, Team | None]:
    """The booking with every host it seats locked (in account_id order, as `book` does);
    `with_team` also locks the link's other hosts, who may take a round-robin move."""
    booking = booking_by_public_id(s, public_id)
    if booking is None:
        raise BookingNotFound(public_id)
    team = link_team(s, booking.link) if with_team else None
    hosts = {seat.account_id for seat in booking.seats} or {booking.account_id}
    if team is not None:
        hosts |= {a.id for a in (*team.hosts, *team.removed)}
    for account_id in sorted(hosts):
        lock_account(s, account_id)
    s.refresh(booking)
    if booking.status != "confirmed":
        raise BookingNotChangeable("cancelled")
    if booking.start_at <= now:
        raise BookingNotChangeable("started")
    return booking, team


def _event_of(s: Session, booking: Booking) -> Event | None:
    """The booking's first event: the one with its meeting (a team booking has one per seat)."""
    return s.scalars(select(Event).where(Event.booking_id == booking.id).order_by(Event.id)).first()


def _events_of(s: Session, booking: Booking) -> list[Event]:
    return list(s.scalars(select(Event).where(Event.booking_id == booking.id).order_by(Event.id)))


def cancel(
    sessions: sessionmaker, public_id: str, reason: str | None, by: str, now: datetime
) -> Booking:
    """`by` is "invitee" or "host"; the other side is told by e-mail."""
    with database.write(sessions) as s:
        booking, _ = _load_for_change(s, public_id, now)
        booking.status = "cancelled"
        booking.cancelled_at = now
        booking.cancelled_by = by
        booking.cancel_reason = clean_text((reason or "")[:5000])[:1000] or None
        booking.sequence += 1
        for seat in booking.seats:
            seat.status = "cancelled"
        for event in _events_of(s, booking):
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
    Its own time is no move: BookingUnchanged. A collective booking keeps its hosts; a
    round-robin one keeps its host while that host is free at the new time, else the time
    goes to the free host a new booking would get. `urls`: as for `book`."""
    with database.write(sessions) as s:
        booking, team = _load_for_change(s, public_id, now, with_team=True)
        if booking.link.status == "disabled":  # turning a link off stops moves through it too
            raise BookingNotChangeable("disabled")
        if start == booking.start_at:  # not a move: no new SEQUENCE, no "Moved" e-mails
            raise BookingUnchanged(public_id)
        end = start + timedelta(minutes=booking.link.duration_minutes)
        offered = offered_with_hosts(
            s, booking.link, now, window_days, moving_booking_id=booking.id, team=team
        )
        free = {(a, b): subs for a, b, subs in offered}
        if booking.link.kind == real_time.KIND and (start, end) not in free:
            end = next((b for a, b in free if a == start), end)  # a sequence's whole option
        if (start, end) not in free:
            raise SlotUnavailable(start.isoformat())
        placements = getattr(free[(start, end)], "placements", ())
        if not team.collective and booking.seats:
            _keep_or_repick(s, booking, team, free[(start, end)])
        previous = {"start": format_utc(booking.start_at), "end": format_utc(booking.end_at)}
        booking.start_at, booking.end_at = start, end
        booking.sequence += 1
        if placements:  # real-time sequencing: every step's event to its step's new time
            rts_events.move_sequence(s, booking.link, booking, placements)
        else:
            for seat in booking.seats:
                seat.start_at, seat.end_at = start, end
            for other in _events_of(s, booking):
                other.start_at, other.end_at = start, end
        event = _event_of(s, booking)
        queue_notices(s, "booking.rescheduled", booking, previous=previous)
        reminders.plan(s, booking, now)  # the old ones see the start moved and send nothing
        queue_booking_write(s, booking, [seat.account for seat in booking.seats])
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


def _keep_or_repick(s: Session, booking: Booking, team: Team, free_subs: tuple[str, ...]) -> None:
    """A round-robin booking's host stays when free at the new time; else the seat, its event
    and its calendar copy go to the host a new booking would get."""
    seat: BookingHost = booking.seats[0]
    if seat.account.sub in free_subs:
        return
    (host,) = seat_hosts(s, team, free_subs)
    old_calendars = select(Calendar.id).where(Calendar.account_id == seat.account_id)
    for event in _events_of(s, booking):
        event.calendar_id, event.tzid = local_calendar(s, host).id, host.tzid
    # The old host's connected-calendar copy is dropped from the plan (one not yet written
    # never will be); the new host's booking calendar gets it.
    for write in s.scalars(
        select(BookingWrite).where(
            BookingWrite.booking_id == booking.id, BookingWrite.calendar_id.in_(old_calendars)
        )
    ):
        s.delete(write)
    seat.account = host  # written with the new time, under the overlap guard
