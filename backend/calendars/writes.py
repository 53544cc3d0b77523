"""Bookings in the host's chosen calendar. The booking transaction records what the calendar
should hold (`BookingWrite`, state "pending") and queues a job; the job writes, moves or
deletes the event and records the outcome. A failure never touches the booking: it is kept
as state "failed" with the reason (the dashboard shows it) and the job retries with backoff.
Flask-free."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..core import database
from ..models import Booking, BookingWrite, Calendar, Event, Job, Profile
from .ics import place_line
from .services import booking_calendar
from .sources import SourceError

UID_DOMAIN = "schedlink"


class BookingWriteFailed(Exception):
    """Raised by the job so the outbox retries it; the reason is stored for the host."""


RETRACT = "retract"  # a copy to delete: its host no longer attends (a round-robin move)


def retract_booking_writes(session: Session, booking: Booking, account_id: int) -> None:
    """In a move's transaction (round robin; a sequence whose steps no longer need this
    host): the copies in the old host's calendars are to be deleted by the next job (written
    ones at the provider; unwritten ones never will be)."""
    for write in session.scalars(
        select(BookingWrite)
        .join(Calendar, Calendar.id == BookingWrite.calendar_id)
        .where(BookingWrite.booking_id == booking.id, Calendar.account_id == account_id)
    ):
        write.state = RETRACT


def queue_booking_write(session: Session, booking: Booking, hosts=None) -> None:
    """In the booking transaction: a new booking goes to the chosen calendar of each host who
    attends (`hosts`, default the booking's account); a changed or cancelled one is moved or
    deleted wherever it was written, and a host newly seated (a round-robin move) gets it in
    their chosen calendar (a copy of theirs being retracted comes back instead)."""
    rows = session.execute(
        select(BookingWrite, Calendar.account_id)
        .join(Calendar, Calendar.id == BookingWrite.calendar_id)
        .where(BookingWrite.booking_id == booking.id)
    ).all()
    writes = [write for write, _account_id in rows]
    keep_retracting = set()
    if booking.status == "confirmed":
        wanted = hosts if hosts is not None else ([] if writes else [booking.account])
        wanted_ids = {host.id for host in wanted}
        # A host no longer attending keeps their copies retracted, and deleted ones deleted
        # (a later move must not write them again).
        keep_retracting = {
            write.id for write, account_id in rows
            if write.state in (RETRACT, "removed") and account_id not in wanted_ids
        }  # fmt: skip
        have = {account_id for _write, account_id in rows}
        for host in wanted:
            calendar = None if host.id in have else booking_calendar(session, host)
            if calendar is not None:
                write = BookingWrite(
                    booking_id=booking.id,
                    calendar_id=calendar.id,
                    external_uid=f"{booking.public_id}@{UID_DOMAIN}",
                    state="pending",
                )
                session.add(write)
                writes.append(write)
    if not writes:
        return
    for write in writes:
        if write.id is None or write.id not in keep_retracting:
            write.state, write.last_error = "pending", None
    session.add(Job(kind="calendar.booking", payload={"booking_id": booking.public_id}))


# A writer puts (ref=None: creates) or deletes one booking event in one provider's calendar.
Writer = Callable[..., str | None]
# Called in the transaction that records a write's outcome, the write row locked: where the
# booking's meeting learns that its event exists (conferencing.booking_event.write_recorded).
Recorded = Callable[[Session, BookingWrite, datetime], None]


def run_booking_writes(
    sessions: sessionmaker,
    booking_public_id: str,
    writers: Mapping[str, Any],
    services: Mapping[str, Any],
    read_credentials: Callable[[Profile], dict],
    now: datetime,
    recorded: Recorded | None = None,
) -> None:
    with sessions() as s:
        booking = s.scalar(select(Booking).where(Booking.public_id == booking_public_id))
        if booking is None:
            return
        todo = s.execute(
            select(BookingWrite, Calendar, Profile)
            .join(Calendar, Calendar.id == BookingWrite.calendar_id)
            .join(Profile, Profile.id == Calendar.profile_id)
            .where(BookingWrite.booking_id == booking.id, BookingWrite.state != "removed")
        ).all()
        plans = []
        for write, calendar, profile in todo:
            details, retracting = _details(booking), write.state == RETRACT
            if write.sequence_id is not None:
                step = _step_event(s, booking, write.sequence_id, calendar.account_id)
                if step is None:  # not theirs any more (a `required: N` step moved on)
                    retracting = True
                else:
                    details = _step_details(booking, details, step, write.sequence_id)
            plans.append((write.id, calendar.external_id, profile, read_credentials(profile),
                          write.external_uid, write.external_ref, retracting,
                          details))  # fmt: skip
    failures = []
    for write_id, calendar_ref, profile, creds, uid, ref, retracting, details in plans:
        writer = writers.get(profile.provider_name)
        try:
            if writer is None:
                raise SourceError(f"{profile.provider_name} calendars cannot take bookings.")
            if not profile.connected:
                raise SourceError("The calendar is disconnected; connect it again.")
            if details["status"] == "cancelled" or retracting:
                if ref:
                    writer.delete(services, creds, calendar_ref, ref, profile)
                outcome = ("removed", ref)
            else:
                new_ref = writer.put(services, creds, calendar_ref, ref, uid, details, now, profile)
                outcome = ("written", new_ref)
        except SourceError as exc:
            # A copy being retracted stays so (its retry deletes, never writes).
            state = RETRACT if retracting else "failed"
            _record(sessions, write_id, state, ref, str(exc), now, recorded)
            failures.append(str(exc))
            continue
        _record(sessions, write_id, outcome[0], outcome[1], None, now, recorded)
    if failures:
        raise BookingWriteFailed("; ".join(failures))


def _details(booking: Booking) -> dict:
    """What the written event says. The provider shows it to every attendee (Google and
    Outlook send the invitations), so it carries what a guest's `.ics` does — the place as
    its location, the invitee and their guests as attendees — and never the invitee's note
    or answers. A real-time scheduling link's event template names the event as its request
    did."""
    template = getattr(booking.link, "rts_event", None) or {}
    booked_by = f"Booked by {booking.invitee_name} <{booking.invitee_email}> via schedlink"
    return {
        "status": booking.status,
        "start": booking.start_at,
        "end": booking.end_at,
        "summary": template.get("summary") or booking.link.summary,
        "description": template.get("description") or booked_by,
        "location": place_line(booking.location) or _template_location(template),
        "organizer": (booking.account.name, booking.account.email),
        "attendee": (booking.invitee_name, booking.invitee_email),
        "guests": list(booking.guests or ()),
        "sequence": booking.sequence,
        "tzid": booking.account.tzid,
        "booking_id": booking.public_id,
    }


def _step_event(s: Session, booking: Booking, sequence_id: str, account_id: int) -> Event | None:
    """The participant's own event of a Real-Time Sequencing step: its time is the step's."""
    return s.scalar(
        select(Event)
        .join(Calendar, Calendar.id == Event.calendar_id)
        .where(
            Event.booking_id == booking.id,
            Event.sequence_id == sequence_id,
            Event.status != "cancelled",
            Calendar.account_id == account_id,
        )
    )


def _step_details(booking: Booking, details: dict, event: Event, sequence_id: str) -> dict:
    """A step's event: the step's time, and the step's `event` over the link's template (as
    the step's local event, but never the invitee's note, as for any written booking)."""
    steps = (booking.link.rts_query or {}).get("sequence", [])
    step = next((st for st in steps if st.get("sequence_id") == sequence_id), {})
    template = {**(booking.link.rts_event or {}), **(step.get("event") or {})}
    return {
        **details,
        "start": event.start_at,
        "end": event.end_at,
        "summary": template.get("summary") or booking.link.summary,
        "description": template.get("description") or details["description"],
        "location": place_line(booking.location) or _template_location(template),
    }


def _template_location(template: dict) -> str | None:
    location = template.get("location")
    return (location.get("description") or None) if isinstance(location, dict) else None


def _record(sessions, write_id: int, state: str, ref: str | None, error: str | None,
            now: datetime, recorded: Recorded | None) -> None:  # fmt: skip
    with database.write(sessions) as s:
        # Locked: the booking's meeting reads this row under the same lock.
        write = s.get(BookingWrite, write_id, with_for_update=True)
        if write is None:
            return
        write.state, write.external_ref, write.last_error = (
            state,
            ref,
            (error or None) and error[:1000],
        )
        if recorded is not None:
            s.flush()
            recorded(s, write, now)


def failed_writes(session: Session, account_id: int) -> dict[int, str]:
    """Booking id → why its calendar copy is not there yet (for the dashboard)."""
    rows = session.execute(
        select(BookingWrite.booking_id, BookingWrite.last_error, Calendar.name)
        .join(Calendar, Calendar.id == BookingWrite.calendar_id)
        .join(Booking, Booking.id == BookingWrite.booking_id)
        .where(Booking.account_id == account_id, BookingWrite.state == "failed")
    )
    return {booking_id: f"Not yet in “{name}”: {error}" for booking_id, error, name in rows}
