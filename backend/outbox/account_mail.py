"""Security e-mails to an account's owner: password changed or reset link, e-mail address
change (the confirmation link to the new address, notices to the old), MFA on or off, a
recovery code used, a passkey added. Links carrying tokens are made here, at send time."""

from __future__ import annotations

import logging

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ..accounts import email_change_token, reset_token
from ..accounts.notices import KINDS
from ..models import Account
from . import mailer
from .mime import Mail, build

log = logging.getLogger(__name__)

SUBJECTS = {
    "account.password_changed": "Your schedlink password was changed",
    "account.password_reset_requested": "Reset your schedlink password",
    "account.email_change_requested": "Confirm your new e-mail address for schedlink",
    "account.email_change_notice": "Someone asked to change your schedlink e-mail address",
    "account.email_changed": "Your schedlink e-mail address was changed",
    "account.mfa_enabled": "Two-factor authentication is on for your schedlink account",
    "account.mfa_disabled": "Two-factor authentication was turned off for your schedlink account",
    "account.recovery_code_used": "A recovery code was used to sign in to schedlink",
    "account.passkey_added": "A passkey was added to your schedlink account",
}
assert set(SUBJECTS) == set(KINDS)  # noqa: S101 - one subject per notice kind, at import


def _recipient(kind: str, account: Account, payload: dict) -> str:
    if kind == "account.email_change_requested":
        return payload["new_email"]
    if kind == "account.email_changed":
        return payload["old_email"]
    return account.email


def send_account_notice(sessions: sessionmaker, payload: dict, config, kind: str) -> None:
    if not config["SMTP_HOST"]:
        log.info("SMTP not configured; no e-mail for %s", kind)
        return
    keys = current_app.extensions["schedlink.account_keys"]
    base = config["BASE_URL"]
    with sessions() as s:
        account = s.scalar(select(Account).where(Account.sub == payload["account"]))
        if account is None:
            return
        link = None
        if kind == "account.password_reset_requested":
            link = f"{base}/login/reset/{reset_token(keys, account)}"
        elif kind == "account.email_change_requested":
            if account.pending_email != payload["new_email"]:
                return  # already changed, cancelled or superseded: no live link to send
            token = email_change_token(keys, account, payload["new_email"])
            link = f"{base}/profile/email/confirm/{token}"
        context = {
            "kind": kind,
            "account": account,
            "payload": payload,
            "link": link,
            "base_url": base,
            "security_url": f"{base}/profile/security",
        }
        text = render_template("email/account_notice.txt", **context)
        html = render_template("email/account_notice.html", **context)
        to = (account.name, _recipient(kind, account, payload))
    mail = Mail(
        sender=config["MAIL_FROM"], to_name=to[0], to_address=to[1], subject=SUBJECTS[kind],
        text=text, html=html,
    )  # fmt: skip
    mailer.send(config, *build(mail))


def _handler(kind: str):
    return lambda sessions, payload, config: send_account_notice(sessions, payload, config, kind)


HANDLERS = {kind: _handler(kind) for kind in SUBJECTS}
