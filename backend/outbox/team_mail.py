"""E-mails of teams and sign-up: an invitation into an organization, the sign-up
verification link, and the note to an address's owner when someone signs up with it again.
Links carrying tokens are made here, at send time (the jobs hold ids only); a job whose
invitation was resent, revoked or accepted meanwhile sends nothing, since its link is dead."""

from __future__ import annotations

import logging

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ..models import Account, Invitation
from ..organizations import invitation_token, verification_token
from ..organizations.invitations import JOB_KIND as INVITATION_KIND
from ..organizations.signup import EXISTING_KIND, VERIFY_KIND
from . import mailer
from .mime import Mail, build

log = logging.getLogger(__name__)


def _send(config, name: str, address: str, subject: str, template: str, **context) -> None:
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", **context)
    mail = Mail(
        sender=config["MAIL_FROM"], to_name=name, to_address=address, subject=subject,
        text=text, html=html,
    )  # fmt: skip
    mailer.send(config, *build(mail))


def send_invitation(sessions: sessionmaker, payload: dict, config) -> None:
    if not config["SMTP_HOST"]:
        log.info("SMTP not configured; no invitation e-mail")
        return
    keys = current_app.extensions["schedlink.account_keys"]
    with sessions() as s:
        invitation = s.scalar(
            select(Invitation).where(Invitation.public_id == payload["invitation"])
        )
        if invitation is None or invitation.sends != payload.get("sends", invitation.sends):
            return  # resent since (the newer job sends the live link) or removed
        if invitation.accepted_at is not None or invitation.revoked_at is not None:
            return
        org = invitation.organization.name
        inviter = invitation.invited_by.name if invitation.invited_by else "An admin"
        context = {
            "organization": org,
            "inviter": inviter,
            "role": invitation.role,
            "link": f"{config['BASE_URL']}/invitations/{invitation_token(keys, invitation)}",
            "expires_at": invitation.expires_at,
        }
        address = invitation.email
    subject = f"{inviter} invited you to {org} on schedlink"
    _send(config, "", address, subject, "invitation", **context)


def _signup_mail(sessions: sessionmaker, payload: dict, config, kind: str) -> None:
    if not config["SMTP_HOST"]:
        log.info("SMTP not configured; no e-mail for %s", kind)
        return
    keys = current_app.extensions["schedlink.account_keys"]
    base = config["BASE_URL"]
    with sessions() as s:
        account = s.scalar(select(Account).where(Account.sub == payload["account"]))
        if account is None:
            return
        if kind == VERIFY_KIND:
            if account.unverified_since is None:
                return  # verified meanwhile: no live link to send
            link = f"{base}/signup/verify/{verification_token(keys, account)}"
            subject = "Confirm your e-mail address for schedlink"
        else:
            link = f"{base}/login"
            subject = "You already have a schedlink account"
        context = {"kind": kind, "account": account, "link": link, "base_url": base}
        name, address = account.name, account.email
    _send(config, name, address, subject, "signup", **context)


HANDLERS = {
    INVITATION_KIND: send_invitation,
    VERIFY_KIND: lambda sessions, payload, config: _signup_mail(
        sessions, payload, config, VERIFY_KIND
    ),
    EXISTING_KIND: lambda sessions, payload, config: _signup_mail(
        sessions, payload, config, EXISTING_KIND
    ),
}
