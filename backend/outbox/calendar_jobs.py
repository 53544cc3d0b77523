"""Calendar jobs: sync a profile, tell a host their calendar was disconnected, write a booking
into the chosen calendar. The work is in `calendars`; this wires in the app's services."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ..calendars import SOURCES, WRITERS, relink_path, run_booking_writes, run_sync
from ..calendars.sources import SourceDisconnected, SourceError
from ..conferencing import booking_write_recorded
from ..connections import (
    EnterpriseSettings,
    ProfileDisconnected,
    ProviderUnavailable,
    access_token,
    oauth_providers,
    read_credentials,
)
from ..core import database
from ..models import Account, Job, Profile
from .mailer import send_text

log = logging.getLogger(__name__)


def services() -> dict:
    """What calendar sources and writers may use: the outbound guard, the OAuth providers'
    API base URLs, and fresh access tokens (refreshed and stored in their own transaction)."""
    ext = current_app.extensions
    config = current_app.config
    outbound, sealer, sessions = (
        ext["schedlink.outbound"], ext["schedlink.sealer"], ext["schedlink.sessions"]
    )  # fmt: skip
    providers = oauth_providers(config)
    enterprise = EnterpriseSettings.from_config(config)

    def api_url(name: str) -> str:
        if name == "google" and name not in providers:  # a Workspace domain needs no client
            return enterprise.google_api_url
        if name not in providers:
            raise SourceError(f"{name} is no longer set up on this server.")
        return providers[name].api_url

    def token(profile_public_id: str, force: bool = False) -> str:
        with database.write(sessions) as s:
            profile = s.scalar(select(Profile).where(Profile.public_id == profile_public_id))
            try:
                return access_token(
                    s, profile=profile, providers=providers, outbound=outbound, sealer=sealer,
                    now=datetime.now(UTC), force_refresh=force, enterprise=enterprise,
                )  # fmt: skip
            except ProfileDisconnected:
                # access_token marked the profile disconnected: commit that with the e-mail
                # that tells the host, then stop this sync or write.
                s.add(Job(kind="calendar.disconnected",
                          payload={"profile_id": profile_public_id}))  # fmt: skip
                reason = profile.disconnected_reason
            except ProviderUnavailable as exc:
                raise SourceError(
                    f"The sign-in service is not answering ({exc}); schedlink will try again."
                ) from None
        raise SourceDisconnected(reason or "The calendar account no longer lets schedlink in.")

    return {"outbound": outbound, "sealer": sealer, "api_url": api_url, "access_token": token}


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
        recorded=booking_write_recorded,
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
        if row is None or row[0].connected or row[0].enterprise_connection_id is not None:
            return  # removed, linked again, or the organization's (its admins are told)
        profile, account = row
        context = {
            "host": account, "profile": profile,
            "relink_url": config["BASE_URL"] + relink_path(profile),
            "services_url": config["BASE_URL"] + "/calendar_services",
        }  # fmt: skip
        text = render_template("email/calendar_disconnected.txt", **context)
        subject = f"Reconnect your calendar: {profile.profile_name}"
        send_text(config, (account.name, account.email), subject, text)


HANDLERS = {
    "calendar.sync": sync,
    "calendar.booking": write_booking,
    "calendar.disconnected": disconnected,
}
