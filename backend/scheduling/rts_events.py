"""A real-time link's event template in calendars: which target calendars take it, the
template applied to a booking event, a connected target calendar written directly, and a
sequence's step events (written at booking, moved together at a reschedule; in connected
target calendars by the booking-write job). Flask-free; called inside `book`'s and
`reschedule`'s transactions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts import local_calendar
from ..calendars import retract_booking_writes
from ..models import Account, Booking, BookingHost, BookingWrite, Calendar, Event, Job


def target_calendars(session: Session, link) -> list[Calendar]:
    """The link's target calendars in the request's order (only the first for `single`)."""
    targets = link.target_calendars or []
    if link.event_creation == "single":
        targets = targets[:1]
    ids = [t["calendar_id"] for t in targets]
    rows = {
        c.public_id: c for c in session.scalars(select(Calendar).where(Calendar.public_id.in_(ids)))
    }
    return [rows[i] for i in ids if i in rows and not rows[i].deleted]


def apply_template(session: Session, event: Event, template: dict) -> None:
    """The template's event_id (an upsert: a non-booking event with that id in the calendar
    is replaced), summary, description, location and tzid onto a booking event."""
    uid = template.get("event_id")
    if uid:
        clash = session.scalar(
            select(Event).where(Event.calendar_id == event.calendar_id, Event.event_uid == uid)
        )
        if clash is not None and clash.id != event.id and clash.booking_id is None:
            session.delete(clash)  # an upsert by event_id: the booked time replaces it
            session.flush()
            clash = None
        if clash is None:
            event.event_uid = uid
    event.summary = template.get("summary") or event.summary
    if template.get("description"):
        event.description = template["description"]
    if template.get("location"):
        event.location = template["location"]["description"][:500] or None
    if template.get("tzid"):
        event.tzid = template["tzid"]
    session.flush()


def write_connected(
    session: Session, booking: Booking, calendar: Calendar, uid: str, targets: set[int]
) -> None:
    """A connected (CalDAV, Google, Microsoft) target calendar gets the booking's event by the
    booking-write job, under the template's `event_id`. It replaces the copy `book` planned
    in the host's booking calendar when that is not a target (`targets`: calendar ids): the
    event goes where the request said, once."""
    writes = list(
        session.scalars(select(BookingWrite).where(BookingWrite.booking_id == booking.id))
    )
    account_of = dict(
        session.execute(
            select(Calendar.id, Calendar.account_id).where(
                Calendar.id.in_({w.calendar_id for w in writes})
            )
        ).all()
    )
    existing = None
    for write in writes:
        if write.calendar_id == calendar.id:
            existing = write
        elif (
            account_of.get(write.calendar_id) == calendar.account_id
            and write.calendar_id not in targets
            and write.external_ref is None
        ):
            session.delete(write)  # planned in this transaction, not written: never will be
    if existing is None:
        session.add(BookingWrite(booking_id=booking.id, calendar_id=calendar.id,
                                 external_uid=uid[:200], state="pending"))  # fmt: skip
    else:
        existing.external_uid = uid[:200]
    if not writes:  # `book` queued no write job: nothing was planned for this booking
        session.add(Job(kind="calendar.booking", payload={"booking_id": booking.public_id}))
    session.flush()


def _accounts_of(session: Session, events: list[Event]) -> dict[int, int]:
    ids = {e.calendar_id for e in events}
    rows = session.execute(select(Calendar.id, Calendar.account_id).where(Calendar.id.in_(ids)))
    by_calendar = dict(rows.all())
    return {e.id: by_calendar[e.calendar_id] for e in events}


def step_template(link, sequence_id: str) -> dict:
    """A step's `event` merged over the top-level one. Its `event_id` is the step's own, else
    the `sequence_id` (Cronofy's lookup key), never the top-level one: that is shared by every
    step, and two steps of one participant under one id would clash (one CalDAV UID) or
    replace each other (an upsert by event_id)."""
    steps = (link.rts_query or {}).get("sequence", [])
    step = next((st for st in steps if st.get("sequence_id") == sequence_id), {})
    return {**(link.rts_event or {}), "event_id": sequence_id, **(step.get("event") or {})}


def _place_steps(session, link, booking, events, placements, seat_of) -> set[tuple[str, int]]:
    """Every (step, participant) of the option gets its event at the step's time: the one it
    had (a move), else a seated host's unused seat event (the first carries the meeting and
    the subscriptions), else a new event owned by the booking in that host's first local
    target calendar (else where the host's seat event is). Returns the keys placed."""
    template = link.rts_event or {}
    account_of = _accounts_of(session, events)
    subs = {sub for p in placements for sub in p.participants}
    ids = dict(session.execute(select(Account.sub, Account.id).where(Account.sub.in_(subs))).all())
    target_of: dict[int, Calendar] = {}
    for calendar in target_calendars(session, link):
        if calendar.profile_id is None:
            target_of.setdefault(calendar.account_id, calendar)
    by_key = {(e.sequence_id, account_of[e.id]): e for e in events if e.sequence_id}
    unused = {account_of[e.id]: e for e in reversed(events) if not e.sequence_id}
    placed = set()
    for placement in placements:
        step_event = step_template(link, placement.sequence_id)
        for sub in placement.participants:
            account_id = ids.get(sub)
            if account_id is None:
                continue
            key = (placement.sequence_id, account_id)
            placed.add(key)
            event = by_key.get(key) or unused.pop(account_id, None)
            if event is None:
                target = target_of.get(account_id)
                calendar_id = target.id if target else seat_of(account_id)
                event = Event(
                    calendar_id=calendar_id,
                    event_uid=f"{booking.public_id}/{placement.sequence_id}",
                    summary=link.summary, description="",
                    tzid=template.get("tzid") or "Etc/UTC", booking_id=booking.id,
                )  # fmt: skip
                session.add(event)
            elif key not in by_key and account_id in target_of:
                event.calendar_id = target_of[account_id].id
            event.sequence_id, event.status = placement.sequence_id, "confirmed"
            event.start_at, event.end_at = placement.start, placement.end
            session.flush()
            if key not in by_key:
                apply_template(session, event, step_event)
    return placed


def _write_connected_steps(session: Session, link, booking: Booking, placed) -> set[int]:
    """Each placed (step, participant) whose participant has connected target calendars gets
    a step write into each (the booking-write job writes the step's time and template; the
    step's event stays in the local calendar). One they had before (deleted at the provider
    while the step was not theirs) is queued again by `queue_booking_write`: the writers put
    a deleted event anew. Returns those participants."""
    connected: dict[int, list[Calendar]] = {}
    for calendar in target_calendars(session, link):
        if calendar.profile_id is not None:
            connected.setdefault(calendar.account_id, []).append(calendar)
    writes = {
        tuple(row)
        for row in session.execute(
            select(BookingWrite.calendar_id, BookingWrite.sequence_id).where(
                BookingWrite.booking_id == booking.id
            )
        )
    }
    for sequence_id, account_id in sorted(placed):
        for calendar in connected.get(account_id, ()):
            if (calendar.id, sequence_id) not in writes:
                uid = step_template(link, sequence_id)["event_id"][:200]
                session.add(BookingWrite(booking_id=booking.id, calendar_id=calendar.id,
                                         sequence_id=sequence_id, external_uid=uid,
                                         state="pending"))  # fmt: skip
    session.flush()
    return set(connected) & {account_id for _, account_id in placed}


def write_sequence(session: Session, link, booking: Booking, events: list[Event], placements):
    """Real-time sequencing, at booking: every step's event at the step's time, for each
    seated host who takes part in it; a connected target calendar gets each of its
    participant's steps as its own event. Such a participant's booking calendar does not
    also get the booking as one event spanning the chain: the steps went where the request
    said, once."""

    account_of = _accounts_of(session, events)

    def seat_calendar(account_id: int) -> int:
        return next(e.calendar_id for e in events if account_of[e.id] == account_id)

    placed = _place_steps(session, link, booking, events, placements, seat_calendar)
    planned = list(
        session.execute(
            select(BookingWrite, Calendar.account_id)
            .join(Calendar, Calendar.id == BookingWrite.calendar_id)
            .where(BookingWrite.booking_id == booking.id)
        ).all()
    )
    accounts = _write_connected_steps(session, link, booking, placed)
    for write, account_id in planned:
        if account_id in accounts and write.external_ref is None:
            session.delete(write)  # planned in this transaction, not written: never will be
    if accounts and not planned:  # `book` queued no write job: nothing was planned
        session.add(Job(kind="calendar.booking", payload={"booking_id": booking.public_id}))
    session.flush()


def move_sequence(session: Session, link, booking: Booking, placements) -> None:
    """Real-time sequencing, at a reschedule to another whole option: every step's event
    moves to its step's new time; the seats span the new chain. Participants of a step who
    are not in the new option (a `required: N` group) lose that step's event (the write job
    deletes it from connected calendars: its event is cancelled); seated hosts who take no
    step any more lose their seat and every copy the write job made for them; newly needed
    ones get a seat."""
    events = list(
        session.scalars(
            select(Event)
            .where(Event.booking_id == booking.id, Event.status != "cancelled")
            .order_by(Event.id)
        )
    )

    def seat_calendar(account_id: int) -> int:
        return local_calendar(session, session.get(Account, account_id)).id

    placed = _place_steps(session, link, booking, events, placements, seat_calendar)
    _write_connected_steps(session, link, booking, placed)  # a dropped step's: see the job
    account_of = _accounts_of(session, events)
    for event in events:
        if event.sequence_id and (event.sequence_id, account_of[event.id]) not in placed:
            event.status = "cancelled"
    hosts = {account_id for _, account_id in placed}
    start, end = placements[0].start, placements[-1].end
    for seat in list(booking.seats):
        if seat.account_id in hosts:
            seat.start_at, seat.end_at = start, end
        else:  # their copies (the chain-spanning one in their booking calendar) are deleted
            retract_booking_writes(session, booking, seat.account_id)
            booking.seats.remove(seat)
    seated = {seat.account_id for seat in booking.seats}
    for account_id in sorted(hosts - seated):
        booking.seats.append(
            BookingHost(account_id=account_id, start_at=start, end_at=end, status="confirmed")
        )
