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
from ..calendars import lock_account, queue_booking_write, retract_booking_writes
from ..core import database
from ..core.text import clean_text
from ..core.validation import format_utc
from ..models import Account, Booking, BookingHost, Event
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


class BookingMovedMeanwhile(Exception):
    """The booking was moved since the page that asks to move it was shown — by anyone, for a
    host's move; by a host, for the invitee's (the invitee's own tabs may follow each other)
    — so the move would override a change its sender has not seen. Nothing is written."""


REASON_LIMIT = 1000


def clean_reason(reason: str | None) -> str | None:
    """Free text for the other side: one cleaned line of at most REASON_LIMIT characters."""
    return clean_text((reason or "")[: REASON_LIMIT * 5])[:REASON_LIMIT] or None


def is_host_of(booking: Booking, account_id: int | None) -> bool:
    """The link's owner, or a host with a seat on the booking."""
    return account_id is not None and account_id in {
        booking.account_id,
        *(seat.account_id for seat in booking.seats),
    }


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
        booking.cancel_reason = clean_reason(reason)
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
    urls: BookingUrls | None = None, *, by: str = "invitee", host_id: int | None = None,
    reason: str | None = None, seen_sequence: int | None = None,
    mail_wait: timedelta = timedelta(seconds=20),
) -> Booking:  # fmt: skip
    """Move the booking to another offered time, atomically (the overlap guard applies).
    Its own time is no move: BookingUnchanged. A collective booking keeps its hosts; a
    round-robin one keeps its host while that host is free at the new time, else the time
    goes to the free host a new booking would get. `urls`: as for `book`.

    `by` "host" is a move by the host `host_id` (the owner or a seated host, else
    BookingNotFound), allowed on a turned-off link too; the invitee may move through a
    turned-off link while a host's proposal is open. `seen_sequence`: the booking's sequence
    on the page the move comes from (see BookingMovedMeanwhile). `reason` goes to the other
    side's e-mails and the channels. A round-robin move to another host gives the invitee
    that host's meeting (`conferencing.handed_on`); the "Moved" mail waits up to `mail_wait`
    for its join link, as `book`'s confirmation does."""
    with database.write(sessions) as s:
        booking, team = _load_for_change(s, public_id, now, with_team=True)
        if by == "host" and not is_host_of(booking, host_id):
            raise BookingNotFound(public_id)
        if (
            seen_sequence is not None
            and booking.sequence != seen_sequence
            and (by == "host" or booking.rescheduled_by == "host")
        ):
            raise BookingMovedMeanwhile(public_id)
        proposal_open = booking.proposed_at is not None
        if booking.link.status == "disabled" and by == "invitee" and not proposal_open:
            raise BookingNotChangeable("disabled")  # turning a link off stops moves through it
        if start == booking.start_at:  # not a move: no new SEQUENCE, no "Moved" e-mails
            raise BookingUnchanged(public_id)
        # The booking's own length: a booking page's invitee may have chosen another.
        minutes = int((booking.end_at - booking.start_at).total_seconds() // 60)
        end = start + timedelta(minutes=minutes)
        offered = offered_with_hosts(
            s, booking.link, now, window_days, moving_booking_id=booking.id, team=team,
            duration_minutes=minutes,
        )  # fmt: skip
        free = {(a, b): subs for a, b, subs in offered}
        if booking.link.kind == real_time.KIND and (start, end) not in free:
            end = next((b for a, b in free if a == start), end)  # a sequence's whole option
        if (start, end) not in free:
            raise SlotUnavailable(start.isoformat())
        placements = getattr(free[(start, end)], "placements", ())
        reassigned = None
        if not team.collective and booking.seats:
            reassigned = _keep_or_repick(s, booking, team, free[(start, end)])
        previous = {"start": format_utc(booking.start_at), "end": format_utc(booking.end_at)}
        booking.start_at, booking.end_at = start, end
        booking.sequence += 1
        booking.rescheduled_by, booking.reschedule_reason = by, clean_reason(reason)
        # A move answers the host's request for a new time, whoever made it.
        booking.proposed_at = booking.proposed_by = booking.proposal_message = None
        if placements:  # real-time sequencing: every step's event to its step's new time
            rts_events.move_sequence(s, booking.link, booking, placements)
        else:
            for seat in booking.seats:
                seat.start_at, seat.end_at = start, end
            for other in _events_of(s, booking):
                other.start_at, other.end_at = start, end
        event = _event_of(s, booking)
        change = {"by": by, "reason": booking.reschedule_reason}
        if by == "host":
            change["mover"] = s.get(Account, host_id).sub
        elif proposal_open:
            change["answered_proposal"] = True
        reminders.plan(s, booking, now)  # the old ones see the start moved and send nothing
        queue_booking_write(s, booking, [seat.account for seat in booking.seats])
        try:
            s.flush()
        except IntegrityError as exc:  # the database's overlap guard: someone took the time
            raise SlotUnavailable(start.isoformat()) from exc
        made = None
        if event is not None:  # the meeting moves with it (after the overlap guard said yes)
            kept = conferencing.apply(s, event, None, account=booking.account, now=now,
                                      sealer=None)  # fmt: skip
            if reassigned:  # the host who left takes their meeting; the new one's replaces it
                spec = conferencing.spec_from_json(booking.link.conferencing)
                made = conferencing.handed_on(s, event, spec, reassigned[1], now)
                made = None if made is None or made is kept else made  # a new, pending one
        # The invitee's "Moved" mail waits a little for a new host's join link, as at booking.
        mails = queue_notices(
            s, "booking.rescheduled", booking, previous=previous, change=change,
            reassigned=reassigned, invitee_at=now + mail_wait if made else None,
        )  # fmt: skip
        if made is not None:
            s.flush()
            made.mail_job_id = mails["invitee"].id
        booking_changed(
            s, booking, notifications.types.BOOKING_RESCHEDULED, now, previous, urls=urls,
            also=[reassigned[0].id] if reassigned else (),
        )  # fmt: skip
    return booking


def _keep_or_repick(
    s: Session, booking: Booking, team: Team, free_subs: tuple[str, ...]
) -> tuple[Account, Account] | None:
    """A round-robin booking's host stays when free at the new time; else the seat and its
    event go to the host a new booking would get: (old host, new host). The old host's
    connected-calendar copy is retracted — the calendar job deletes it — and the new host's
    booking calendar gets one (`queue_booking_write`)."""
    seat: BookingHost = booking.seats[0]
    if seat.account.sub in free_subs:
        return None
    (host,) = seat_hosts(s, team, free_subs)
    old = seat.account
    retract_booking_writes(s, booking, old.id)
    for event in _events_of(s, booking):
        event.calendar_id, event.tzid = local_calendar(s, host).id, host.tzid
    seat.account = host  # written with the new time, under the overlap guard
    return old, host
