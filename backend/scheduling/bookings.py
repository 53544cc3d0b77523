"""Booking a link: one transaction that re-checks the slot, consumes a use and inserts the
booking with its calendar event. The database refuses overlaps as a last line. Flask-free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from .. import conferencing, database, notifications
from ..accounts import local_calendar
from ..availability import offered_slots
from ..calendars import lock_account, queue_booking_write
from ..ids import new_id
from ..models import Booking, Event, SchedulingLink
from ..text import clean_text, is_valid_email, normalize_email
from ..validation import FieldErrors, is_tzid
from .links import LinkNotFound, effective_status
from .notices import booking_changed, queue_notices
from .urls import BookingUrls


class BookingError(Exception):
    pass


class LinkUnavailable(BookingError):
    """The link can no longer be booked; `status` says why (completed, expired, disabled)."""

    def __init__(self, status: str, message: str | None = None):
        super().__init__(status)
        self.status = status
        self.message = message


class SlotUnavailable(BookingError):
    """The chosen time is not (or no longer) free."""


@dataclass(frozen=True)
class Invitee:
    name: str
    email: str
    tzid: str | None
    notes: str | None = None


MAX_NOTES = 2000


def _notes(value: object) -> str:
    """Keep the invitee's line breaks (a list reads as one), drop other control characters."""
    if not isinstance(value, str):
        return ""
    lines = ("".join(ch for ch in line if ch.isprintable()).strip() for line in value.splitlines())
    return "\n".join(lines).strip()


def validate_invitee(name: object, email: object, tzid: object, notes: object = None) -> Invitee:
    errors = FieldErrors()
    # Cleaned at input: no control characters (NUL, ESC, CR/LF) reach the database, the
    # .ics or an e-mail header, whatever the page or a client sends.
    name = clean_text(name) if isinstance(name, str) and len(name) <= 10_000 else ""
    if not name:
        errors.add("name", "required", "Please enter your name.")
    elif len(name) > 200:
        errors.add("name", "invalid", "Please shorten your name to 200 characters.")
    email = email.strip() if isinstance(email, str) else ""
    normalized = normalize_email(email) if email else None
    if not email:
        errors.add("email", "required", "Please enter your e-mail address.")
    elif not normalized or not is_valid_email(normalized):
        errors.add("email", "invalid", "Please enter a valid e-mail address, like ada@example.com.")
    cleaned = _notes(notes)
    if len(cleaned) > MAX_NOTES:
        errors.add("notes", "invalid", f"Please shorten your note to {MAX_NOTES} characters.")
    errors.raise_if_any()
    return Invitee(
        name=name, email=normalized, tzid=tzid if is_tzid(tzid) else None, notes=cleaned or None
    )


def load_link(session: Session, public_id: str) -> SchedulingLink:
    link = session.scalar(
        select(SchedulingLink)
        .options(joinedload(SchedulingLink.account))
        .where(SchedulingLink.public_id == public_id)
    )
    if link is None:
        raise LinkNotFound(public_id)
    return link


def book(
    sessions: sessionmaker,
    link_public_id: str,
    start: datetime,
    invitee: Invitee,
    now: datetime,
    window_days: int,
    hour_format: str = "24",
    *,
    sealer=None,
    mail_wait: timedelta = timedelta(seconds=20),
    urls: BookingUrls | None = None,
) -> Booking:
    """`sealer` is needed only to set up the host's built-in Jitsi service on first use;
    `urls` puts the invitee's reschedule and cancel pages into the channels' notifications.
    When a meeting link is being made, the confirmation e-mails wait for it (up to
    `mail_wait`; after that they go without it and a follow-up brings the link)."""
    with database.write(sessions) as s:
        link = load_link(s, link_public_id)
        # Serialise bookings and event changes per host (PostgreSQL; SQLite's BEGIN
        # IMMEDIATE already serialises writers), so the busy re-read below is current.
        lock_account(s, link.account_id)
        s.refresh(link)
        status = effective_status(link, now)
        if status != "open":
            raise LinkUnavailable(status, link.display_message)
        end = start + timedelta(minutes=link.duration_minutes)
        if (start, end) not in set(offered_slots(s, link, now, window_days)):
            raise SlotUnavailable(start.isoformat())
        consumed = s.execute(
            update(SchedulingLink)
            .where(
                SchedulingLink.id == link.id,
                SchedulingLink.status == "open",
                SchedulingLink.uses < SchedulingLink.max_uses,
                SchedulingLink.expires_at > now,
            )
            .values(
                uses=SchedulingLink.uses + 1,
                status=case(
                    (SchedulingLink.uses + 1 >= SchedulingLink.max_uses, "completed"),
                    else_="open",
                ),
            )
            .execution_options(synchronize_session=False)
        )
        if consumed.rowcount != 1:
            raise LinkUnavailable("completed")
        booking = Booking(
            public_id=new_id("bk"),
            link_id=link.id,
            account_id=link.account_id,
            start_at=start,
            end_at=end,
            status="confirmed",
            invitee_name=invitee.name,
            invitee_email=invitee.email,
            invitee_tzid=invitee.tzid,
            invitee_notes=invitee.notes,
            hour_format=hour_format,
            created_at=now,
        )
        s.add(booking)
        try:
            s.flush()
        except IntegrityError as exc:  # the overlap guard fired: someone else got there first
            raise SlotUnavailable(start.isoformat()) from exc
        event = Event(
            calendar_id=local_calendar(s, link.account).id,
            event_uid=booking.public_id,
            summary=link.summary,
            description=f"Booked by {invitee.name} <{invitee.email}> via schedlink"
            + (f"\n\nNote: {invitee.notes}" if invitee.notes else ""),
            start_at=start,
            end_at=end,
            tzid=link.account.tzid,
            booking_id=booking.id,
        )
        s.add(event)
        s.flush()
        conference = conferencing.apply(
            s, event, conferencing.spec_from_json(link.conferencing),
            account=link.account, now=now, sealer=sealer,
        )  # fmt: skip
        # The invitee's confirmation waits a little for the join link; the host's goes now.
        waiting = conference is not None and conference.status != "assigned"
        mails = queue_notices(
            s, "booking.confirmed", booking, invitee_at=now + mail_wait if waiting else None
        )
        queue_booking_write(s, booking)
        if waiting:
            s.flush()
            conference.mail_job_id = mails["invitee"].id
        # The link's subscriptions now watch this event; channels hear of the booking.
        notifications.apply_link_subscriptions(s, link.id, event.id)
        s.refresh(link)
        booking_changed(s, booking, notifications.types.BOOKING_CREATED, now, urls=urls)
    return booking


def booking_by_public_id(session: Session, public_id: str) -> Booking | None:
    return session.scalar(
        select(Booking)
        .options(joinedload(Booking.link), joinedload(Booking.account))
        .where(Booking.public_id == public_id)
    )
