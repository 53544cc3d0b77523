"""E-mail through the configured SMTP server: a booking's confirmation, reschedule and
cancellation go to the invitee and the host, each with an .ics (REQUEST or CANCEL)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, render_template
from sqlalchemy.orm import sessionmaker

from .. import conferencing, timefmt
from ..calendars import booking_ics
from ..scheduling import booking_by_public_id, manage_urls

log = logging.getLogger(__name__)

# (to the invitee, to the host) per change.
SUBJECTS = {
    "booking.confirmed": ("Confirmed: {summary} with {host}", "New: {summary} with {invitee}"),
    "booking.rescheduled": ("Moved: {summary} with {host}", "Moved: {summary} with {invitee}"),
    "booking.cancelled": (
        "Cancelled: {summary} with {host}",
        "Cancelled: {summary} with {invitee}",
    ),
    # The join link arrived after the confirmation had to go without it.
    "booking.conferencing": (
        "Join link: {summary} with {host}",
        "Join link: {summary} with {invitee}",
    ),
}


def send(config, message: EmailMessage) -> None:
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)


def message_to(config, to: tuple[str, str], subject: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = formataddr(to)
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="schedlink.localhost")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _message(config, to: tuple[str, str], subject: str, text: str, html: str, ics: bytes, method):
    message = message_to(config, to, subject, text, html)
    message.add_attachment(
        ics, maintype="text", subtype="calendar", filename="invite.ics",
        params={"method": method},
    )  # fmt: skip
    return message


def send_booking_update(sessions: sessionmaker, payload: dict, config, kind: str) -> None:
    if not config["SMTP_HOST"]:
        log.info("SMTP not configured; no e-mail for %s %s", kind, payload["booking_id"])
        return
    with sessions() as s:
        booking = booking_by_public_id(s, payload["booking_id"])
        if booking is None:
            return
        cancelled = kind == "booking.cancelled"
        tokens = current_app.extensions["schedlink.tokens"]
        manage = None if cancelled else manage_urls(tokens, config["BASE_URL"], booking)
        method = "CANCEL" if cancelled else "REQUEST"
        join = (
            None
            if cancelled
            else conferencing.join_details(conferencing.booking_conference(s, booking.id))
        )
        description = (
            "" if cancelled else f"Reschedule: {manage['reschedule']}\nCancel: {manage['cancel']}"
        )
        ics = booking_ics(booking, method=method, description=description, join=join)
        names = {
            "summary": booking.link.summary,
            "host": booking.account.name,
            "invitee": booking.invitee_name,
        }
        invitee_zone = booking.invitee_tzid or booking.account.tzid
        recipients = (
            ("invitee", (booking.invitee_name, booking.invitee_email), invitee_zone,
             booking.hour_format, SUBJECTS[kind][0]),
            ("host", (booking.account.name, booking.account.email), booking.account.tzid,
             "24", SUBJECTS[kind][1]),
        )  # fmt: skip
        for role, to, zone, hour_format, subject in recipients:
            context = {
                "booking": booking,
                "link": booking.link,
                "host": booking.account,
                "role": role,
                "kind": kind,
                "when": timefmt.span(booking.start_at, booking.end_at, zone, hour_format),
                "manage": manage if role == "invitee" else None,
                "join": join,
            }
            text = render_template("email/booking_update.txt", **context)
            html = render_template("email/booking_update.html", **context)
            send(config, _message(config, to, subject.format(**names), text, html, ics, method))


def handler(kind: str):
    return lambda sessions, payload, config: send_booking_update(sessions, payload, config, kind)
