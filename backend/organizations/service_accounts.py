"""Service account authorizations (Cronofy's `POST /v1/service_account_authorizations`): an
organization admin asks that a member's calendars be connected through the organization's
Enterprise Connect; the member gets a profile (`exchange` or `google`, marked enterprise) and
a job checks the mailbox, then the `callback_url` hears, signed like every webhook, whether it
worked and why not. Flask-free."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..calendars import start_syncing
from ..connections import mark_disconnected, new_profile
from ..core.ids import new_id
from ..core.outbound import Outbound
from ..core.sealing import Sealer
from ..core.text import normalize_email
from ..core.validation import FieldErrors
from ..models import Account, EnterpriseConnection, Job, Profile, WebhookMessage
from ..notifications import checked_url, ensure_secret, wake_workers
from .enterprise import member_status
from .errors import MemberNotFound, OrganizationError
from .members import require_admin

AUTHORIZE_JOB = "enterprise.authorize"


class NoConnection(OrganizationError):
    message = "No active enterprise connection serves that member's address."


NOTIFICATION = "service_account_authorization"
MAX_BATCH = 100
PROFILE_PROVIDER = {"microsoft": "exchange", "google": "google"}


def _items(body: object, errors: FieldErrors) -> list:
    if isinstance(body, dict) and "service_account_authorizations" in body:
        items = body["service_account_authorizations"]
        if not isinstance(items, list) or not 0 < len(items) <= MAX_BATCH:
            errors.add(
                "service_account_authorizations",
                "invalid",
                f"A list of 1 to {MAX_BATCH} authorizations.",
            )
            return []
        return items
    return [body]


def _parse(item: object, outbound: Outbound, errors: FieldErrors) -> dict | None:
    if not isinstance(item, dict):
        errors.add("body", "invalid", "Each authorization is a JSON object.")
        return None
    email = normalize_email(item.get("email"))
    if email is None:
        errors.add("email", "invalid", "email is the member's e-mail address.")
    scope = item.get("scope")
    if not isinstance(scope, str) or not scope.strip() or len(scope) > 1000:
        errors.add("scope", "required", "scope names what is asked, e.g. read_write.")
    url = checked_url(outbound, item.get("callback_url"), "callback_url", errors)
    state = item.get("state")
    if state is not None and (not isinstance(state, str) or len(state) > 1000):
        errors.add("state", "invalid", "state is a string of at most 1000 characters.")
    return {"email": email, "callback_url": url, "state": state}


def connection_for(s: Session, org_id: int, email: str) -> EnterpriseConnection | None:
    """The organization's active connection for that address: one whose tenant or domain is
    the address's domain, else the only one (a tenant entered as its id names no domain)."""
    active = list(
        s.scalars(
            select(EnterpriseConnection)
            .where(
                EnterpriseConnection.organization_id == org_id,
                EnterpriseConnection.status == "active",
            )
            .order_by(EnterpriseConnection.id)
        )
    )
    domain = email.rsplit("@", 1)[1]
    for conn in active:
        if conn.tenant == domain:
            return conn
    undomained = [c for c in active if "." not in c.tenant or c.provider_name == "microsoft"]
    return undomained[0] if len(active) == 1 and undomained else None


def authorize_members(
    s: Session,
    admin: Account,
    body: object,
    *,
    outbound: Outbound,
    sealer: Sealer,
    now: datetime,
) -> list[str]:
    """Queue an authorization for each item; returns the profile ids. 422 for an address that
    is not a member or has no connection, before anything is stored."""
    org = require_admin(s, admin)
    errors = FieldErrors()
    parsed = [_parse(item, outbound, errors) for item in _items(body, errors)]
    errors.raise_if_any()
    work = []
    for item in parsed:
        member = s.scalar(
            select(Account).where(
                Account.organization_id == org.id, func.lower(Account.email) == item["email"]
            )
        )
        conn = connection_for(s, org.id, item["email"]) if member is not None else None
        if member is None:
            errors.add("email", "not_member", f"{item['email']} is not in your organization.")
        elif conn is None:
            errors.add(
                "email",
                "no_connection",
                f"No active enterprise connection serves "
                f"{item['email']}: connect the tenant or domain first.",
            )
        work.append((item, member, conn))
    errors.raise_if_any()
    return [
        authorize(s, admin, member, conn, item["callback_url"], item["state"], sealer, now)
        for item, member, conn in work
    ]


def authorize(s, admin, member, conn, callback_url, state, sealer, now) -> str:
    profile = s.scalar(
        select(Profile).where(
            Profile.account_id == member.id, Profile.enterprise_connection_id == conn.id
        )
    )
    if profile is None:
        profile = new_profile(
            s,
            account=member,
            provider_name=PROFILE_PROVIDER[conn.provider_name],
            profile_name=member.email,
            # The member's calendar, and their meetings (Teams/Meet on the booking's event).
            purposes=["calendar", "conferencing"],
            sealer=sealer,
            credentials={"upn": member.email, "enterprise": conn.public_id},
            external_id=member.email,
        )
        profile.enterprise_connection_id = conn.id
    profile.connected, profile.disconnected_reason, profile.enterprise_error = True, None, None
    s.add(
        Job(
            kind=AUTHORIZE_JOB,
            run_at=now,
            payload={
                "profile_id": profile.public_id,
                "admin_id": admin.id,
                "callback_url": callback_url,
                "state": state,
            },
        )
    )
    return profile.public_id


def connect_every_member(s: Session, admin: Account, sealer: Sealer, now: datetime) -> int:
    """Every member whose address a connection serves and who has no working enterprise
    profile yet."""
    org = require_admin(s, admin)
    done = set(
        s.scalars(
            select(Profile.account_id)
            .join(
                EnterpriseConnection,
                EnterpriseConnection.id == Profile.enterprise_connection_id,
            )
            .where(EnterpriseConnection.organization_id == org.id, Profile.connected.is_(True))
        )
    )
    count = 0
    for member in s.scalars(select(Account).where(Account.organization_id == org.id)):
        conn = connection_for(s, org.id, member.email.lower())
        if conn is not None and member.id not in done:
            authorize(s, admin, member, conn, None, None, sealer, now)
            count += 1
    return count


# Each member's state on the Team page: an authorization's error, as the admin reads it.
_FROM_ERROR = {
    "unknown_user": "not_in_tenant",
    "access_denied": "not_in_tenant",
    "no_mailbox": "no_mailbox",
    "consent_missing": "consent_missing",
}
RETRYABLE = ("not_connected", "not_in_tenant", "no_mailbox", "consent_missing", "disconnected")


def member_states(s: Session, org_id: int, accounts: list[Account]) -> dict[int, dict]:
    """account id -> {"state", "reason"}: connected, connecting (checked, first sync to
    come), not_in_tenant, no_mailbox, consent_missing, disconnected (the whole connection),
    not_connected (served, not asked yet) or not_served (no active connection serves the
    address)."""
    found = member_status(s, org_id)
    states = {}
    for account in accounts:
        st = found.get(account.id)
        if st is None:
            served = connection_for(s, org_id, account.email.lower()) is not None
            states[account.id] = {"state": "not_connected" if served else "not_served"}
        elif st["connected"]:
            states[account.id] = {"state": "connected" if st["synced"] else "connecting"}
        else:
            state = _FROM_ERROR.get(st["error"] or "", "disconnected")
            states[account.id] = {"state": state, "reason": st["reason"]}
    return states


def retry_member(s: Session, admin: Account, sub: str, sealer: Sealer, now: datetime) -> Account:
    """Ask again for one member (after the tenant added the mailbox, the user, the consent)."""
    org = require_admin(s, admin)
    member = s.scalar(select(Account).where(Account.organization_id == org.id, Account.sub == sub))
    if member is None:
        raise MemberNotFound()
    conn = connection_for(s, org.id, member.email.lower())
    if conn is None:
        raise NoConnection()
    authorize(s, admin, member, conn, None, None, sealer, now)
    return member


def finish(
    s: Session, payload: dict, problem: tuple[str, str] | None, sealer: Sealer, now: datetime
) -> None:
    """Record the check's outcome: sync the profile, or disconnect it with the reason; then
    tell the callback URL, signed with the admin's webhook secret."""
    profile = s.scalar(select(Profile).where(Profile.public_id == payload["profile_id"]))
    if profile is None:
        return
    if problem is None:
        profile.enterprise_error = None
        start_syncing(s, profile, now)
    else:
        mark_disconnected(profile, problem[1])
        profile.enterprise_error = problem[0][:32]
    if not payload.get("callback_url"):
        return
    authorization = {
        "email": profile.external_id,
        "profile_id": profile.public_id,
        "provider_name": profile.provider_name,
        "status": "authorized" if problem is None else "failed",
    }
    if problem is not None:
        authorization.update(error=problem[0], error_description=problem[1])
    body = {"notification": {"type": NOTIFICATION}, "service_account_authorization": authorization}
    if payload.get("state") is not None:
        body["state"] = payload["state"]
    ensure_secret(s, payload["admin_id"], now, sealer)
    s.add(
        WebhookMessage(
            public_id=new_id("msg"),
            account_id=payload["admin_id"],
            url=payload["callback_url"],
            type=NOTIFICATION,
            body=json.dumps(body, separators=(",", ":")),
            status="pending",
            next_attempt_at=now,
            created_at=now,
        )
    )
    wake_workers(s)
