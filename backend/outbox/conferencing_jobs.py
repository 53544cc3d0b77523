"""The outbox's conferencing jobs: make, update and delete meetings (conferencing.work does
the provider calls), and tell the host when a conferencing service was disconnected."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import current_app, render_template

from ..conferencing import work
from ..connections import EnterpriseSettings, oauth_providers
from ..models import Profile
from .mailer import send
from .mime import Mail, build

log = logging.getLogger(__name__)


def context(sessions, config) -> work.Context:
    return work.Context(
        sessions=sessions,
        providers=oauth_providers(config),
        outbound=current_app.extensions["schedlink.outbound"],
        sealer=current_app.extensions["schedlink.sealer"],
        jitsi_url=config["JITSI_URL"],
        now=lambda: datetime.now(UTC),
        enterprise=EnterpriseSettings.from_config(config),
    )


def relink_url(config, profile: Profile) -> str:
    """A signed link the host opens to reconnect (no sign-in needed: it names one profile)."""
    token = current_app.extensions["schedlink.tokens"].dumps(
        "conferencing-relink", profile.public_id
    )
    return f"{config['BASE_URL']}/conferencing/relink/{token}"


def _assign(sessions, payload, config):
    work.assign(context(sessions, config), payload["conference_id"], payload.get("poll", 0))


def _update(sessions, payload, config):
    work.update(context(sessions, config), payload["conference_id"])


def _delete(sessions, payload, config):
    work.delete(
        context(sessions, config),
        payload["profile_id"],
        payload["provider_name"],
        payload["meeting_id"],
        payload.get("meeting_kind"),  # absent from jobs queued before Teams-as-events
    )


def _disconnected(sessions, payload, config):
    """E-mail the host: which service, why it matters, and the link to reconnect it."""
    if not config["SMTP_HOST"]:
        log.info(
            "SMTP not configured; no disconnection e-mail for profile %s", payload["profile_id"]
        )
        return
    with sessions() as s:
        profile = s.get(Profile, payload["profile_id"])
        if profile is None or profile.connected:
            return  # removed or already reconnected
        account = profile.account
        context = {
            "host": account,
            "profile": profile,
            "relink": relink_url(config, profile),
            "page": f"{config['BASE_URL']}/settings/conferencing",
        }
        text = render_template("email/conferencing_disconnected.txt", **context)
        html = render_template("email/conferencing_disconnected.html", **context)
        subject = f"Reconnect {profile.profile_name}: meetings are waiting for a join link"
        mail = Mail(
            config["MAIL_FROM"], to_name=account.name, to_address=account.email,
            subject=subject, text=text, html=html,
        )  # fmt: skip
        send(config, *build(mail))


HANDLERS = {
    "conferencing.assign": _assign,
    "conferencing.update": _update,
    "conferencing.delete": _delete,
    work.DISCONNECTED_MAIL: _disconnected,
}
