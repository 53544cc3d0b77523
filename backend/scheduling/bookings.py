"""Booking a link: one transaction that re-checks the slot, consumes a use and inserts the
booking with its calendar event. The database refuses overlaps as a last line. Flask-free."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from .. import conferencing, notifications
from ..accounts import local_calendar
from ..availability import Team, link_team, offered_with_hosts
from ..calendars import lock_account, queue_booking_write
from ..core import database
from ..core.ids import new_id
from ..core.text import clean_text, is_valid_email, normalize_email
from ..core.validation import FieldErrors, is_tzid
from ..models import Account, Booking, BookingHost, Event, SchedulingLink
from . import places, questions, real_time, reminders
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
    # Issue 25: answers to the link's questions, guest addresses, the number to call.
    answers: list | None = None
    guests: list | None = None
    phone: str | None = None


MAX_NOTES = 2000


def _notes(value: object) -> str:
    """Keep the invitee's line breaks (a list reads as one), drop other control characters."""
    if not isinstance(value, str):
        return ""
    lines = ("".join(ch for ch in line if ch.isprintable()).strip() for line in value.splitlines())
    return "\n".join(lines).strip()


def validate_invitee(
    name: object,
    email: object,
    tzid: object,
    notes: object = None,
    *,
    link=None,
    answers: Mapping[str, object] | None = None,
    guests: object = None,
    phone: object = None,
) -> Invitee:
    """`link` (a SchedulingLink or LinkView) brings its questions, guests and place: the
    answers (question id → value), guest addresses and the invitee's number are checked
    against it, every problem under its own field."""
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
    checked_answers = checked_guests = number = None
    if link is not None:
        checked_answers = questions.read_answers(link.questions, answers or {}, errors)
        allowed = questions.allowed_guests(link)
        checked_guests = questions.read_guests(guests, allowed, normalized, errors)
        number = places.read_invitee_phone(link.place, phone, errors)
    errors.raise_if_any()
    return Invitee(
        name=name, email=normalized, tzid=tzid if is_tzid(tzid) else None, notes=cleaned or None,
        answers=checked_answers, guests=checked_guests, phone=number,
    )  # fmt: skip


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
    duration_minutes: int | None = None,
) -> Booking:
    """`duration_minutes`: one of a booking page's `durations` (SlotUnavailable otherwise);
    else the link's own length. `sealer` is needed only to set up the host's built-in Jitsi
    service on first use; `urls` puts the invitee's reschedule and cancel pages into the
    channels' notifications. When a meeting link is being made, the confirmation e-mails
    wait for it (up to `mail_wait`; after that they go without it and a follow-up brings
    the link)."""
    with database.write(sessions) as s:
        link = load_link(s, link_public_id)
        team = link_team(s, link)
        # Serialise bookings and event changes per host, every host of the link in
        # account_id order (no deadlock between two team links); on SQLite BEGIN IMMEDIATE
        # already serialises writers. The busy re-read below is then current for all of them.
        for account_id in sorted({a.id for a in (*team.hosts, *team.removed)}):
            lock_account(s, account_id)
        s.refresh(link)
        status = effective_status(link, now)
        if status != "open":
            raise LinkUnavailable(status, link.display_message)
        minutes = link.duration_minutes
        if duration_minutes is not None and duration_minutes != minutes:
            if duration_minutes not in (link.durations or ()):
                raise SlotUnavailable(start.isoformat())
            minutes = duration_minutes
        end = start + timedelta(minutes=minutes)
        offered = offered_with_hosts(s, link, now, window_days, team=team, duration_minutes=minutes)
        free = {(a, b): subs for a, b, subs in offered}
        if link.kind == real_time.KIND and (start, end) not in free:  # a sequence's option
            end = next((b for a, b in free if a == start), end)
        if (start, end) not in free:
            raise SlotUnavailable(start.isoformat())
        hosts = seat_hosts(s, team, free[(start, end)])
        if getattr(link, "kind", None) == real_time.KIND:  # its query: those free attend
            hosts = [h for h in hosts if h.sub in free[(start, end)]] or hosts
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
            answers=invitee.answers,
            guests=invitee.guests,
            location=places.snapshot(link.place, invitee.phone),
            hour_format=hour_format,
            created_at=now,
        )
        booking.seats = [
            BookingHost(account_id=h.id, start_at=start, end_at=end, status="confirmed")
            for h in hosts
        ]
        s.add(booking)
        try:
            s.flush()
        except IntegrityError as exc:  # the overlap guard fired: someone else got there first
            raise SlotUnavailable(start.isoformat()) from exc
        # One event per seat, in that host's calendar; the first (the owner's when the owner
        # attends) carries the one shared meeting and the link's subscriptions.
        events = [
            Event(
                calendar_id=local_calendar(s, host).id,
                event_uid=booking.public_id,
                summary=link.summary,
                description=event_description(booking),
                location=places.event_location(booking.location),
                start_at=start,
                end_at=end,
                tzid=host.tzid,
                booking_id=booking.id,
            )
            for host in sorted(hosts, key=lambda h: h.id != link.account_id)
        ]
        for event in events:  # in order: the first gets the lowest id
            s.add(event)
            s.flush()
        event = events[0]
        # A round robin's meeting is the seated host's own, as the link would make it for them.
        meets = hosts[0] if len(hosts) == 1 and link.kind != real_time.KIND else link.account
        spec = conferencing.spec_from_json(link.conferencing)
        if meets.id != link.account_id:
            spec = conferencing.for_host(s, spec, meets)
        conference = conferencing.apply(s, event, spec, account=meets, now=now, sealer=sealer)
        # The invitee's confirmation waits a little for the join link; the hosts' go now.
        waiting = conference is not None and conference.status != "assigned"
        mails = queue_notices(
            s, "booking.confirmed", booking, invitee_at=now + mail_wait if waiting else None
        )
        reminders.plan(s, booking, now)
        queue_booking_write(s, booking, hosts)
        if waiting:
            s.flush()
            conference.mail_job_id = mails["invitee"].id
        # The link's subscriptions now watch this event; channels hear of the booking.
        notifications.apply_link_subscriptions(s, link.id, event.id)
        if link.kind == real_time.KIND:  # the event template into the target calendars
            real_time.on_booked(s, link, booking, events, now, free[(start, end)])
        s.refresh(link)
        booking_changed(s, booking, notifications.types.BOOKING_CREATED, now, urls=urls)
    return booking


def event_description(booking: Booking) -> str:
    """The host's calendar event's description: who booked, their note and answers."""
    text = f"Booked by {booking.invitee_name} <{booking.invitee_email}> via schedlink"
    if booking.guests:
        text += "\nGuests: " + ", ".join(booking.guests)
    if booking.invitee_notes:
        text += f"\n\nNote: {booking.invitee_notes}"
    for answer in booking.answers or ():
        text += f"\n\n{answer['label']}\n{questions.answer_text(answer)}"
    return text


def seat_hosts(s: Session, team: Team, free_subs: tuple[str, ...]) -> list:
    """Who attends a booking at a time when `free_subs` are free: every host of a collective
    link; for a round robin, the free host whose last round-robin seat is oldest (never is
    oldest of all), ties by position."""
    if team.collective:
        return list(team.hosts)
    free = [h for h in team.hosts if h.sub in free_subs]
    last = dict(
        s.execute(
            select(BookingHost.account_id, func.max(Booking.created_at))
            .join(Booking, Booking.id == BookingHost.booking_id)
            .join(SchedulingLink, SchedulingLink.id == Booking.link_id)
            .where(
                SchedulingLink.hosts_required == "1",
                BookingHost.account_id.in_([h.id for h in free]),
            )
            .group_by(BookingHost.account_id)
        ).all()
    )
    order = {h.id: i for i, h in enumerate(team.hosts)}
    never = (0, None)
    picked = min(
        free,
        key=lambda h: never + (order[h.id],) if h.id not in last else (1, last[h.id], order[h.id]),
    )
    return [picked]


def seat_accounts(booking: Booking) -> list[Account]:
    """The hosts who attend `booking`, in seat order (the owner for a booking without seats)."""
    return [seat.account for seat in booking.seats] or [booking.account]


def names_together(names: list[str]) -> str:
    """ "Grace", "Grace and Alan", "Grace, Alan and Ada"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class HostsAsOne:
    """The hosts of a booking as the invitee's pages and e-mails name them: one host is that
    host; several are one name ("Grace Hopper and Alan Turing") with the owner's details."""

    name: str
    email: str
    tzid: str
    show_email: bool = False
    hour_format: str = "24"


def team_as_one(team: Team, owner):
    """A link's hosts as its booking page names them: everyone of a collective link; the
    team of a round robin ("Alan Turing or Ada Byron"); the one host of any other link."""
    everyone = [*team.hosts, *team.removed] if team.collective else list(team.hosts)
    if len(everyone) == 1:
        return everyone[0]
    names = [a.name for a in everyone]
    name = (
        names_together(names)
        if team.collective
        else " or ".join([", ".join(names[:-1]), names[-1]])
    )
    return HostsAsOne(name, owner.email, owner.tzid, False)


def hosts_as_one(booking: Booking):
    accounts = seat_accounts(booking)
    if len(accounts) == 1:
        return accounts[0]
    owner = booking.account
    return HostsAsOne(
        names_together([a.name for a in accounts]), owner.email, owner.tzid,
        False, owner.hour_format,
    )  # fmt: skip


def booking_by_public_id(session: Session, public_id: str) -> Booking | None:
    return session.scalar(
        select(Booking)
        .options(joinedload(Booking.link), joinedload(Booking.account))
        .where(Booking.public_id == public_id)
    )
