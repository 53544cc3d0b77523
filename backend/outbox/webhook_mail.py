"""Telling the host by e-mail that one of their webhook channels was disabled because every
delivery to it failed for days."""

from __future__ import annotations

import logging

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ..models import Account, Channel
from . import mailer

log = logging.getLogger(__name__)


def channel_disabled(sessions: sessionmaker, payload: dict, config) -> None:
    with sessions() as s:
        row = s.execute(
            select(Channel, Account)
            .join(Account, Account.id == Channel.account_id)
            .where(Channel.public_id == payload["channel_id"])
        ).first()
    if row is None:  # deleted since
        return
    channel, account = row
    if not config["SMTP_HOST"]:
        log.info("SMTP not configured; no e-mail about disabled channel %s", channel.public_id)
        return
    text = render_template(
        "email/channel_disabled.txt",
        account=account,
        channel=channel,
        dashboard=config["BASE_URL"] + "/webhooks",
    )
    mailer.send_text(
        config, (account.name, account.email), "Webhooks to your endpoint were turned off", text
    )
