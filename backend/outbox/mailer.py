"""E-mail through the configured SMTP server: a booking's confirmation, reschedule and
cancellation go to the invitee and the host, each with an .ics (REQUEST or CANCEL).

One job per recipient, so a recipient the server refuses is retried alone: the other's mail
is neither held back nor sent twice. Each party's invitation carries only their own links.
"""

from __future__ import annotations

import logging
import smtplib

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from .. import conferencing, metrics
from ..calendars import booking_ics
from ..core import database, timefmt, tls
from ..core.text import with_name
from ..core.validation import parse_utc
from ..models import Account, Job
from ..scheduling import (
    RECIPIENTS,
    booking_by_public_id,
    hosts_as_one,
    manage_urls,
    places,
    reminders,
    seat_accounts,
)
from .mime import Mail, build

log = logging.getLogger(__name__)

# Subject prefixes (to the invitee, to the host) per change; the title that follows names
# the other side unless the summary already does ("Confirmed: Meeting with Grace Hopper").
SUBJECTS = {
    "booking.confirmed": ("Confirmed", "New"),
    "booking.rescheduled": ("Moved", "Moved"),
    "booking.cancelled": ("Cancelled", "Cancelled"),
    # The join link arrived after the confirmation had to go without it.
    "booking.conferencing": ("Join link", "Join link"),
    # A round-robin move handed the meeting to another host: to the host who had it.
    "booking.reassigned": ("Reassigned", "Reassigned"),
}


def send(config, sender: str, recipient: str, raw: bytes) -> None:
    """Exactly the checked bytes go out, to exactly one recipient."""
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=tls.client_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
            smtp.sendmail(sender, [recipient], raw)
    except Exception:
        metrics.MAILS.labels("failed").inc()
        raise
    metrics.MAILS.labels("sent").inc()


def _split(sessions: sessionmaker, kind: str, payload: dict) -> None:
    """A job queued before jobs were per recipient: replace it by one per recipient."""
    with database.write(sessions) as s:
        for role in RECIPIENTS:
            s.add(Job(kind=kind, payload={**payload, "recipient": role}))


def send_text(config, to: tuple[str, str], subject: str, text: str) -> None:
    """A plain notice to one person, built and checked like every other mail."""
    mail = Mail(config["MAIL_FROM"], to_name=to[0], to_address=to[1], subject=subject, text=text)
    send(config, *build(mail))


def send_booking_update(sessions: sessionmaker, payload: dict, config, kind: str) -> None:
    role = payload.get("recipient")
    if role is None:
        _split(sessions, kind, payload)
        return
    if role not in (*RECIPIENTS, "guest"):
        raise ValueError(f"unknown recipient {role!r}")
    if not config["SMTP_HOST"]:
        log.info("SMTP not configured; no e-mail for %s %s", kind, payload["booking_id"])
        return
    with sessions() as s:
        booking = booking_by_public_id(s, payload["booking_id"])
        if booking is None:
            return
        cancelled = kind in ("booking.cancelled", "booking.reassigned")
        join = (
            None
            if cancelled
            else conferencing.join_details(conferencing.booking_conference(s, booking.id))
        )
        host = None
        seated = seat_accounts(booking)
        if kind == "booking.reassigned":  # the host the booking left, unless it came back
            host = account_by_sub(s, payload.get("host"))
            if host is None or host in seated:
                return
        elif role == "host" and payload.get("host"):  # one of a team booking's hosts
            host = next((a for a in seated if a.sub == payload["host"]), None)
            if host is None:  # no longer seated (a round-robin move): nothing to say
                return
        change = _change(s, payload)
        if role == "guest":  # one of the invitee's guests: still on the booking?
            if payload.get("guest") not in (booking.guests or ()):
                return
            mail = _guest_mail(
                booking, kind, config, join, payload["guest"], payload.get("previous")
            )
        else:
            mail = _mail_for(
                booking, kind, role, config, join, host, payload.get("previous"), change
            )
    sender, recipient, raw = build(mail)
    send(config, sender, recipient, raw)


def _was(previous: dict | None, zone: str, hour_format: str) -> str | None:
    """A move's old time, as the recipient reads times."""
    start = parse_utc((previous or {}).get("start"))
    end = parse_utc((previous or {}).get("end"))
    return timefmt.span(start, end, zone, hour_format) if start and end else None


def account_by_sub(s, sub: str | None) -> Account | None:
    return s.scalar(select(Account).where(Account.sub == sub)) if sub else None


def _change(s, payload: dict) -> dict:
    """Who moved the booking and why, with the hosts named in the payload read as accounts
    (a host who moved it, the host it went to or came from)."""
    return {
        "by": payload.get("by"),
        "reason": payload.get("reason"),
        "mover": account_by_sub(s, payload.get("mover")),
        "answered_proposal": payload.get("answered_proposal", False),
        "to": account_by_sub(s, payload.get("to")),
        "reassigned_from": account_by_sub(s, payload.get("reassigned_from")),
    }


def _mail_for(
    booking, kind: str, role: str, config, join: dict | None, host=None, previous=None,
    change: dict | None = None,
) -> Mail:  # fmt: skip
    """`host`: the team host this mail goes to; by default the booking's one host. A
    reassigned host's mail withdraws the meeting from their calendar (CANCEL)."""
    cancelled = kind in ("booking.cancelled", "booking.reassigned")
    method = "CANCEL" if cancelled else "REQUEST"
    manage = None
    description = ""
    if role == "invitee" and not cancelled:
        tokens = current_app.extensions["schedlink.tokens"]
        manage = manage_urls(tokens, config["BASE_URL"], booking)
        description = f"Reschedule: {manage['reschedule']}\nCancel: {manage['cancel']}"
    if role == "invitee":
        host = hosts_as_one(booking)
        to = (booking.invitee_name, booking.invitee_email)
        zone, hour_format = booking.invitee_tzid or host.tzid, booking.hour_format
        title = with_name(booking.link.summary, host.name)
        subject = f"{SUBJECTS[kind][0]}: {title}"
    else:
        host = host or booking.account
        to = (host.name, host.email)
        zone, hour_format = host.tzid, host.hour_format
        title = with_name(booking.link.summary, booking.invitee_name)
        subject = f"{SUBJECTS[kind][1]}: {title}"
    ics = booking_ics(
        booking, method=method, description=description, join=join, title=title,
        for_host=role == "host",
    )  # fmt: skip
    context = {
        "place_line": places.describe(booking.location, for_host=role == "host"),
        "was": _was(previous, zone, hour_format),
        "booking": booking,
        "link": booking.link,
        "host": host,
        "role": role,
        "kind": kind,
        "when": timefmt.span(booking.start_at, booking.end_at, zone, hour_format),
        "manage": manage,
        "join": join,
        "change": change or {},
    }
    return Mail(
        sender=config["MAIL_FROM"],
        to_name=to[0],
        to_address=to[1],
        subject=subject,
        text=render_template("email/booking_update.txt", **context),
        html=render_template("email/booking_update.html", **context),
        ics=ics,
        ics_method=method,
    )


def _guest_mail(booking, kind: str, config, join: dict | None, guest: str, previous=None) -> Mail:
    """A guest's invitation, update or cancellation: the time, place and join link; never
    the invitee's answers or note, nor their reschedule and cancel links."""
    method = "CANCEL" if kind == "booking.cancelled" else "REQUEST"
    host = hosts_as_one(booking)
    zone = booking.invitee_tzid or host.tzid
    title = with_name(booking.link.summary, host.name)
    context = {
        "place_line": places.describe(booking.location),
        "was": _was(previous, zone, booking.hour_format),
        "booking": booking, "link": booking.link, "host": host, "role": "guest", "kind": kind,
        "when": timefmt.span(booking.start_at, booking.end_at, zone, booking.hour_format),
        "manage": None, "join": join, "change": {},
    }  # fmt: skip
    return Mail(
        sender=config["MAIL_FROM"],
        to_name="",
        to_address=guest,
        subject=f"{SUBJECTS[kind][0]}: {title}",
        text=render_template("email/booking_update.txt", **context),
        html=render_template("email/booking_update.html", **context),
        ics=booking_ics(booking, method=method, join=join, title=title, for_guest=True),
        ics_method=method,
    )


def handler(kind: str):
    return lambda sessions, payload, config: send_booking_update(sessions, payload, config, kind)


def send_reminder(sessions: sessionmaker, payload: dict, config) -> None:
    """A reminder to the invitee or a host, when its job is due; nothing when the booking
    was cancelled or moved since it was planned (the move planned its own)."""
    if not config["SMTP_HOST"]:
        log.info("SMTP not configured; no reminder for %s", payload["booking_id"])
        return
    with sessions() as s:
        booking = booking_by_public_id(s, payload["booking_id"])
        if not reminders.still_due(booking, payload):
            return
        join = conferencing.join_details(conferencing.booking_conference(s, booking.id))
        role = payload.get("recipient")
        if role == "invitee":
            host = hosts_as_one(booking)
            to = (booking.invitee_name, booking.invitee_email)
            zone, hour_format = booking.invitee_tzid or host.tzid, booking.hour_format
            title = with_name(booking.link.summary, host.name)
            tokens = current_app.extensions["schedlink.tokens"]
            manage = manage_urls(tokens, config["BASE_URL"], booking)
        else:
            host = booking.account
            if payload.get("host"):
                host = next((a for a in seat_accounts(booking) if a.sub == payload["host"]), None)
                if host is None:  # no longer seated (a round-robin move)
                    return
            to = (host.name, host.email)
            zone, hour_format = host.tzid, host.hour_format
            title = with_name(booking.link.summary, booking.invitee_name)
            manage = None
        context = {
            "booking": booking, "link": booking.link, "host": host, "role": role,
            "when": timefmt.span(booking.start_at, booking.end_at, zone, hour_format),
            "manage": manage, "join": join, "minutes": payload.get("minutes"),
            "place_line": places.describe(booking.location, for_host=role == "host"),
        }  # fmt: skip
        mail = Mail(
            sender=config["MAIL_FROM"],
            to_name=to[0],
            to_address=to[1],
            subject=f"Reminder: {title}",
            text=render_template("email/reminder.txt", **context),
            html=render_template("email/reminder.html", **context),
        )
    send(config, *build(mail))


def register(handlers: dict) -> None:
    for kind in SUBJECTS:
        handlers[kind] = handler(kind)
    handlers[reminders.KIND] = send_reminder
