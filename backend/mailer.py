"""E-mail through the configured SMTP server: booking confirmations with an .ics invitation."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import render_template
from sqlalchemy.orm import sessionmaker

from .bookings import booking_by_public_id
from .calendar_files import booking_ics

log = logging.getLogger(__name__)


def send(config, message: EmailMessage) -> None:
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)


def _message(config, to_name: str, to_email: str, subject: str, text: str, html: str, ics: bytes):
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = formataddr((to_name, to_email))
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="schedlink.localhost")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
        params={"method": "REQUEST"},
    )
    return message


def send_booking_confirmed(sessions: sessionmaker, payload: dict, config) -> None:
    if not config["SMTP_HOST"]:
        log.info("SMTP not configured; no e-mail for booking %s", payload["booking_id"])
        return
    with sessions() as s:
        booking = booking_by_public_id(s, payload["booking_id"])
        if booking is None:
            return
        ics = booking_ics(booking, config["MAIL_FROM"])
        for role, name, email in (
            ("invitee", booking.invitee_name, booking.invitee_email),
            ("host", booking.account.name, booking.account.email),
        ):
            context = {
                "booking": booking,
                "link": booking.link,
                "host": booking.account,
                "role": role,
            }
            subject = (
                f"Confirmed: {booking.link.summary} with {booking.account.name}"
                if role == "invitee"
                else f"New booking: {booking.link.summary} with {booking.invitee_name}"
            )
            send(
                config,
                _message(
                    config,
                    name,
                    email,
                    subject,
                    render_template("email/booking_confirmed.txt", **context),
                    render_template("email/booking_confirmed.html", **context),
                    ics,
                ),
            )
