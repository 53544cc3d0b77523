"""Reminders: e-mails to the invitee and the hosts some minutes before a booking starts.

A reminder is an outbox job (`booking.reminder`, `run_at` = start − offset), planned in the
booking's own transaction by `book` and `reschedule`; the outbox worker sends it when due
(the jobs table's due-time index finds it; no timers in memory), so it survives restarts
and several workers on several nodes claim each job once (`FOR UPDATE SKIP LOCKED` and a
lease). The job names the start it was planned for: a rescheduled booking's old reminders
find the start moved and send nothing (new ones are planned for the new time); a cancelled
booking's send nothing. Flask-free."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ..core.validation import FieldErrors, format_utc
from ..models import Booking, Job
from ..models.scheduling import DEFAULT_REMINDERS

KIND = "booking.reminder"
DEFAULT = list(DEFAULT_REMINDERS)
MAX_REMINDERS = 5
MAX_OFFSET = 30 * 1440


def parse_reminders(raw: object, errors: FieldErrors) -> list[int] | None:
    """`reminders`: minutes before the start, e.g. `[1440, 60]`; `[]` for none; None (not
    given) is the default."""
    if raw is None:
        return None
    if (
        not isinstance(raw, list)
        or len(raw) > MAX_REMINDERS
        or any(type(m) is not int or not 1 <= m <= MAX_OFFSET for m in raw)
    ):
        errors.add(
            "reminders", "invalid",
            f"reminders must be up to {MAX_REMINDERS} whole numbers of minutes, 1 to {MAX_OFFSET}.",
        )  # fmt: skip
        return None
    return sorted(set(raw), reverse=True)


def offsets(link) -> list[int]:
    """The link's reminder offsets in minutes (the default unless the host set them)."""
    value = getattr(link, "reminders", None)
    return list(DEFAULT) if value is None else list(value)


def plan(session: Session, booking: Booking, now: datetime) -> list[Job]:
    """Queue the booking's reminders that are still ahead: one job per offset and recipient
    (the invitee; each seated host, or the owner)."""
    jobs = []
    hosts = [seat.account.sub for seat in booking.seats] or [None]
    for minutes in offsets(booking.link):
        run_at = booking.start_at - timedelta(minutes=minutes)
        if run_at <= now:
            continue
        base = {"booking_id": booking.public_id, "start": format_utc(booking.start_at),
                "minutes": minutes}  # fmt: skip
        payloads = [{**base, "recipient": "invitee"}] + [
            {**base, "recipient": "host", **({"host": sub} if sub else {})} for sub in hosts
        ]
        for payload in payloads:
            job = Job(kind=KIND, payload=payload, run_at=run_at)
            session.add(job)
            jobs.append(job)
    return jobs


def still_due(booking: Booking | None, payload: dict) -> bool:
    """Whether a reminder job should still be sent: the booking stands at the start it was
    planned for."""
    return (
        booking is not None
        and booking.status == "confirmed"
        and format_utc(booking.start_at) == payload.get("start")
    )
