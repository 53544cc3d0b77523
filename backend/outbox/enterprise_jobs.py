"""Enterprise Connect's jobs: check a member's mailbox through the organization's grant (then
sync it, and tell the authorization's callback URL), and tell the admins by e-mail when a
tenant's consent or a domain's key stops working. The work is in `organizations`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ..calendars.rest import MAX_BODY
from ..calendars.sources import SourceDisconnected, SourceError
from ..conferencing.work import requeue_waiting
from ..connections import DISCONNECTED_JOB
from ..core import database
from ..core.outbound import OutboundError
from ..models import Account, EnterpriseConnection, Profile
from ..organizations import AUTHORIZE_JOB, finish
from .calendar_jobs import services
from .mailer import send_text

log = logging.getLogger(__name__)


def _probe(svc: dict, profile: Profile, upn: str) -> tuple[str, str] | None:
    """None if the member's calendars can be read; else (error, description)."""
    try:
        token = svc["access_token"](profile.public_id)
    except SourceDisconnected as exc:
        text = str(exc)
        code = "consent_missing" if "administrator" in text else "unknown_user"
        return code, text
    if profile.provider_name == "exchange":
        url = f"{svc['api_url']('microsoft').rstrip('/')}/users/{quote(upn, safe='@')}/calendars"
    else:
        url = f"{svc['api_url']('google').rstrip('/')}/calendar/v3/users/me/calendarList"
    try:
        answer = svc["outbound"].request(
            "GET",
            url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            max_body=MAX_BODY,
        )
    except OutboundError as exc:
        raise SourceError(f"The calendar service did not answer: {exc}") from None
    if answer.status < 300:
        return None
    try:
        code = str(((answer.json() or {}).get("error") or {}).get("code") or "")
    except (OutboundError, AttributeError):
        code = ""
    if code == "MailboxNotEnabledForRESTAPI":
        return "no_mailbox", f"{upn} has no mailbox in the tenant."
    if answer.status == 404 or code in ("ErrorInvalidUser", "ResourceNotFound"):
        return "unknown_user", f"{upn} is not a user in the organization's tenant."
    if answer.status == 403 and code == "ErrorAccessDenied":
        return "access_denied", (
            f"The tenant refuses access to {upn}'s mailbox: the address is "
            "outside the tenant, or the app lacks Calendars.ReadWrite."
        )
    if answer.status in (401, 403):
        return "consent_missing", (
            f"The tenant does not let schedlink read {upn}'s calendars "
            f"(HTTP {answer.status}): the admin consent is missing."
        )
    raise SourceError(f"The calendar service answered HTTP {answer.status}; retried later.")


def authorize(sessions: sessionmaker, payload: dict, config) -> None:
    with sessions() as s:
        profile = s.scalar(select(Profile).where(Profile.public_id == payload["profile_id"]))
        if profile is None:
            return
        s.expunge(profile)
    problem = _probe(services(), profile, profile.external_id or "")
    sealer = current_app.extensions["schedlink.sealer"]
    now = datetime.now(UTC)
    with database.write(sessions) as s:
        finish(s, payload, problem, sealer, now)
        if problem is None:  # connected again: meetings that waited for it are made now
            back = s.scalar(select(Profile).where(Profile.public_id == payload["profile_id"]))
            if back is not None:
                requeue_waiting(s, back, now)


def disconnected(sessions: sessionmaker, payload: dict, config) -> None:
    with sessions() as s:
        conn = s.scalar(
            select(EnterpriseConnection).where(
                EnterpriseConnection.public_id == payload["connection_id"]
            )
        )
        if conn is None or conn.status != "disconnected":
            return
        admins = s.scalars(
            select(Account).where(
                Account.organization_id == conn.organization_id,
                Account.organization_role == "admin",
            )
        ).all()
        what = (
            "Microsoft 365 tenant"
            if conn.provider_name == "microsoft"
            else "Google Workspace domain"
        )
        text = (
            f"schedlink can no longer read your organization's calendars through the {what} "
            f"{conn.tenant}.\n\n{conn.disconnected_reason or ''}\n\nEvery member's last busy "
            f"times are kept. Connect it again in Team, Enterprise Connect (the same tenant or "
            f"domain: its members' calendars come back), then Connect every member:\n"
            f"{config['BASE_URL']}/profile/team#enterprise\n"
        )
        recipients = [(a.name, a.email) for a in admins]
    if not config["SMTP_HOST"]:
        log.info("SMTP not configured; no enterprise disconnection e-mail")
        return
    for to in recipients:
        send_text(config, to, f"Enterprise Connect stopped: {conn.tenant}", text)


HANDLERS = {AUTHORIZE_JOB: authorize, DISCONNECTED_JOB: disconnected}
