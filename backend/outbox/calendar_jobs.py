"""Calendar jobs: sync a profile, tell a host their calendar was disconnected, write a booking
into the chosen calendar. The work is in `calendars`; this wires in the app's services."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import current_app, render_template
from sqlalchemy.orm import sessionmaker

from ..calendars import SOURCES, WRITERS, relink_path, run_booking_writes, run_sync
from ..connections import read_credentials
from ..models import Account, Profile
from .mailer import plain_message, send

log = logging.getLogger(__name__)


def services() -> dict:
    ext = current_app.extensions
    return {
        "outbound": ext["schedlink.outbound"],
        "sealer": ext["schedlink.sealer"],
        "config": current_app.config,
        "sessions": ext["schedlink.sessions"],
    }


def sync(sessions: sessionmaker, payload: dict, config) -> None:
    sealer = current_app.extensions["schedlink.sealer"]
    run_sync(
        sessions, payload["profile_id"], SOURCES, services(), datetime.now(UTC),
        config["CALENDAR_SYNC_SECONDS"], lambda profile: read_credentials(profile, sealer),
    )  # fmt: skip


def write_booking(sessions: sessionmaker, payload: dict, config) -> None:
    sealer = current_app.extensions["schedlink.sealer"]
    run_booking_writes(
        sessions, payload["booking_id"], WRITERS, services(),
        lambda profile: read_credentials(profile, sealer), datetime.now(UTC),
    )  # fmt: skip


def disconnected(sessions: sessionmaker, payload: dict, config) -> None:
    if not config["SMTP_HOST"]:
        log.info("SMTP not configured; no disconnection e-mail for %s", payload["profile_id"])
        return
    with sessions() as s:
        row = (
            s.query(Profile, Account)
            .join(Account, Account.id == Profile.account_id)
            .filter(Profile.public_id == payload["profile_id"])
            .first()
        )
        if row is None or row[0].connected:
            return  # removed, or already linked again
        profile, account = row
        context = {
            "host": account, "profile": profile,
            "relink_url": config["BASE_URL"] + relink_path(profile),
            "services_url": config["BASE_URL"] + "/calendar_services",
        }  # fmt: skip
        text = render_template("email/calendar_disconnected.txt", **context)
        subject = f"Reconnect your calendar: {profile.profile_name}"
        send(config, plain_message(config, (account.name, account.email), subject, text))


HANDLERS = {
    "calendar.sync": sync,
    "calendar.booking": write_booking,
    "calendar.disconnected": disconnected,
}
