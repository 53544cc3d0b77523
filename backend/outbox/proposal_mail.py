"""The invitee's e-mail when a host asks them to pick a new time: who asks and why, the time
now booked (it stays until they pick), and their reschedule and cancel pages."""

from __future__ import annotations

import logging

from flask import current_app, render_template
from sqlalchemy.orm import sessionmaker

from ..core import timefmt
from ..core.text import with_name
from ..scheduling import booking_by_public_id, hosts_as_one, manage_urls, proposals
from .mailer import account_by_sub, send
from .mime import Mail, build

log = logging.getLogger(__name__)


def send_proposal(sessions: sessionmaker, payload: dict, config) -> None:
    if not config["SMTP_HOST"]:
        log.info("SMTP not configured; no e-mail for the proposal on %s", payload["booking_id"])
        return
    with sessions() as s:
        booking = booking_by_public_id(s, payload["booking_id"])
        if not proposals.still_open(booking, payload):  # answered, replaced or cancelled
            return
        proposer = account_by_sub(s, booking.proposed_by)
        host = hosts_as_one(booking)
        zone = booking.invitee_tzid or host.tzid
        tokens = current_app.extensions["schedlink.tokens"]
        context = {
            "booking": booking,
            "proposer": proposer.name if proposer is not None else host.name,
            "message": booking.proposal_message,
            "title": with_name(booking.link.summary, host.name),
            "when": timefmt.span(booking.start_at, booking.end_at, zone, booking.hour_format),
            "manage": manage_urls(tokens, config["BASE_URL"], booking),
        }
        mail = Mail(
            sender=config["MAIL_FROM"],
            to_name=booking.invitee_name,
            to_address=booking.invitee_email,
            subject=f"Please pick a new time: {context['title']}",
            text=render_template("email/proposal.txt", **context),
            html=render_template("email/proposal.html", **context),
        )
    send(config, *build(mail))


HANDLERS = {proposals.KIND: send_proposal}
