"""What a booking change queues in the change's own transaction: one e-mail job per
recipient (each delivered and retried on its own), and the notifications the account's
channels get — `booking_*` / `scheduling_link_*` (with the link and its contact's
`reference`, the booking and its event) and `change` (the calendar changed). The link's own
`scheduling_link_disabled` is sent by links.disable_link. Flask-free."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import conferencing, notifications
from ..core.validation import format_utc
from ..models import Account, Booking, Calendar, Event, Job
from ..notifications import types
from .links import link_to_dict
from .questions import public_answers
from .urls import BookingUrls

RECIPIENTS = ("invitee", "host")


def queue_notices(
    session: Session, kind: str, booking: Booking, *, invitee_at: datetime | None = None,
    previous: dict | None = None, change: dict | None = None,
    reassigned: tuple[Account, Account] | None = None,
) -> dict[str, Job]:  # fmt: skip
    """`invitee_at` holds the invitee's mail back (a join link on its way); the hosts' go now.
    A booking whose one seat is the link's owner (every one-host link) has one "host" job as
    always; a team booking has one per seated host, naming the host by `sub`. `previous`
    ({start, end}) is a move's old time; `change` says who moved it and why ({by, reason,
    mover?, answered_proposal?}). `reassigned` (old host, new host): a round-robin move to
    another host — the new host is told of a new booking, the old one that it was handed
    on (`booking.reassigned`), never "Moved"."""
    jobs = {}
    payload = {"booking_id": booking.public_id}
    if previous is not None:  # a move: the "Moved" e-mails state the old time too
        payload["previous"] = previous
    payload.update(change or {})
    invitee = Job(kind=kind, payload={**payload, "recipient": "invitee"})
    if invitee_at is not None:
        invitee.run_at = invitee_at
    session.add(invitee)
    jobs["invitee"] = invitee
    for guest in booking.guests or ():  # the invitee's guests: invited, moved, cancelled
        job = Job(kind=kind, payload={**payload, "recipient": "guest", "guest": guest})
        if invitee_at is not None:
            job.run_at = invitee_at
        session.add(job)
    seats = [seat.account for seat in booking.seats]
    if reassigned is not None:
        old, new = reassigned
        session.add(Job(kind="booking.reassigned", payload={
            **payload, "recipient": "host", "host": old.sub, "to": new.sub,
        }))  # fmt: skip
    elif not seats or [a.id for a in seats] == [booking.account_id]:
        jobs["host"] = Job(kind=kind, payload={**payload, "recipient": "host"})
        session.add(jobs["host"])
        return jobs
    for account in seats:
        if reassigned is not None and account.id == reassigned[1].id:
            job = Job(kind="booking.confirmed", payload={
                "booking_id": booking.public_id, "recipient": "host", "host": account.sub,
                "reassigned_from": reassigned[0].sub,
            })  # fmt: skip
        else:
            job = Job(kind=kind, payload={**payload, "recipient": "host", "host": account.sub})
        session.add(job)
        jobs.setdefault("host", job)
    return jobs


def booking_to_dict(booking: Booking, urls: BookingUrls | None = None) -> dict:
    """The booking as channel notifications carry it. While it stands, with the invitee's own
    reschedule and cancel pages: channels are the host's own systems (an ATS that mails the
    candidate itself needs them), and these URLs are bearer secrets, which is why they never
    go into event subscriptions' bodies or the `scheduling_link` object."""
    invitee = {
        "name": booking.invitee_name,
        "email": booking.invitee_email,
        "tzid": booking.invitee_tzid,
        "note": booking.invitee_notes,
    }
    if urls is not None and booking.status == "confirmed":
        manage = urls.manage(booking)
        invitee["reschedule_url"], invitee["cancel_url"] = manage["reschedule"], manage["cancel"]
    data = {
        "id": booking.public_id,
        "status": booking.status,
        "start": format_utc(booking.start_at),
        "end": format_utc(booking.end_at),
        "invitee": invitee,
        "created_at": format_utc(booking.created_at),
        "hosts": [{"sub": seat.account.sub} for seat in booking.seats],
        "answers": public_answers(booking.answers),
        "attendees": attendees(booking),
        "location": booking.location,
    }
    if booking.status == "cancelled":
        data["cancelled_by"] = booking.cancelled_by
        data["cancel_reason"] = booking.cancel_reason
        data["cancelled_at"] = format_utc(booking.cancelled_at) if booking.cancelled_at else None
    return data


def attendees(booking: Booking) -> list[dict]:
    """Who is invited besides the hosts: the invitee, then their guests."""
    return [{"email": booking.invitee_email, "name": booking.invitee_name, "role": "invitee"}] + [
        {"email": guest, "name": "", "role": "guest"} for guest in booking.guests or ()
    ]


def booking_changed(
    s: Session, booking: Booking, type_: str, now: datetime, previous: dict | None = None,
    urls: BookingUrls | None = None, also: Iterable[int] = (),
) -> None:  # fmt: skip
    """`type_` is booking_created, booking_rescheduled or booking_cancelled; also `change`
    (the booking's event moved in the calendar) and, when the booking used the link's last
    use, `scheduling_link_completed`. `urls` adds the invitee's pages (see booking_to_dict).

    The owner's channels hear it with the booking's first event; every other seated host's
    channels (and `also`: a round-robin host the booking just left) with that host's own
    event, so their `calendar_ids` filters apply to their own calendars. The link's own
    news (`scheduling_link_completed`) is the owner's alone."""
    s.flush()
    events = list(s.scalars(select(Event).where(Event.booking_id == booking.id).order_by(Event.id)))
    calendars = {c.id: c for c in s.scalars(
        select(Calendar).where(Calendar.id.in_([e.calendar_id for e in events]))
    )} if events else {}  # fmt: skip
    link = booking.link
    body = {
        "scheduling_link": link_to_dict(link, now, None),
        "booking": booking_to_dict(booking, urls),
    }
    if previous is not None:
        body["booking"]["previous"] = previous
        body["booking"]["rescheduled_by"] = booking.rescheduled_by
        body["booking"]["reschedule_reason"] = booking.reschedule_reason
    seated = [seat.account_id for seat in booking.seats]
    told = [booking.account_id] + [
        a for a in dict.fromkeys([*seated, *also]) if a != booking.account_id
    ]
    for account_id in told:
        # The owner's view is the first event (the meeting's); a host's, their own copy.
        own = next((e for e in events if calendars[e.calendar_id].account_id == account_id), None)
        event = events[0] if account_id == booking.account_id and events else own
        calendar = calendars[event.calendar_id] if event is not None else None
        calendar_id = calendar.public_id if calendar is not None else None
        data = {
            **body,
            "event": conferencing.event_item(s, event, calendar_id) if event is not None else None,
        }
        notifications.notify(s, account_id, type_, data, now=now, calendar_id=calendar_id)
        if (
            account_id == booking.account_id
            and type_ == types.BOOKING_CREATED
            and (link.status == "completed")
        ):
            notifications.notify(
                s, account_id, types.LINK_COMPLETED,
                {"scheduling_link": data["scheduling_link"], "booking": data["booking"]},
                now=now, calendar_id=calendar_id,
            )  # fmt: skip
        if calendar is not None:
            notifications.notify_change(s, account_id, calendar_id, managed=False, now=now)
