"""Invitations: an admin invites an address with a role; the e-mailed link (7 days, single
use) creates the account or lets a signed-in account without an organization join.

The link is a signed token naming the invitation and how many times it was sent, made when
the mail is sent (the job carries only the invitation's id). Resending bumps the count and
the expiry, so the older link stops working; accepting and revoking are recorded on the row,
so a used or revoked link says so instead of working twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..accounts import Keys, TokenExpired, TokenInvalid, create_account, find_by_email
from ..core.ids import looks_like_id, new_id
from ..core.text import normalize_email
from ..core.validation import FieldErrors, format_utc
from ..models import Account, Invitation, Job, Organization
from .errors import (
    AlreadyInOrganization,
    InvitationForAnother,
    InvitationGone,
    InvitationNotFound,
    NoOrganization,
)
from .members import check_role, join, require_admin

PURPOSE = "schedlink.invitation.v1"
LIFETIME = timedelta(days=7)
JOB_KIND = "organization.invitation"


def _queue(s: Session, invitation: Invitation) -> None:
    s.add(Job(kind=JOB_KIND, payload={"invitation": invitation.public_id,
                                      "sends": invitation.sends}))  # fmt: skip


def invite(s: Session, admin: Account, email, role, now: datetime) -> Invitation:
    """A new invitation (mailed after commit). An address already in the organization is a
    422; a pending invitation for the same address is replaced by this one."""
    org = require_admin(s, admin)
    errors = FieldErrors()
    address = normalize_email(email) if isinstance(email, str) else None
    if not address:
        errors.add("email", "invalid", "Enter a valid e-mail address.")
    if role not in ("admin", "member"):
        errors.add("role", "invalid", "The role is 'admin' or 'member'.")
    errors.raise_if_any()
    existing = find_by_email(s, address)
    if existing is not None and existing.organization_id == org.id:
        errors.add("email", "taken", "That address is already a member of the organization.")
        errors.raise_if_any()
    for old in pending(s, org.id, now):
        if old.email == address:
            old.revoked_at = now
    invitation = Invitation(
        public_id=new_id("inv"), organization_id=org.id, email=address, role=role,
        invited_by_id=admin.id, sends=1, created_at=now, expires_at=now + LIFETIME,
    )  # fmt: skip
    s.add(invitation)
    s.flush()
    _queue(s, invitation)
    return invitation


def pending(s: Session, org_id: int, now: datetime) -> list[Invitation]:
    return list(
        s.scalars(
            select(Invitation)
            .where(
                Invitation.organization_id == org_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def get_invitation(s: Session, account: Account, public_id) -> Invitation:
    """One invitation of the caller's organization (any member may look)."""
    if account.organization_id is None:
        raise NoOrganization()
    invitation = (
        s.scalar(select(Invitation).where(Invitation.public_id == public_id))
        if isinstance(public_id, str) and looks_like_id(public_id, "inv")
        else None
    )
    if invitation is None or invitation.organization_id != account.organization_id:
        raise InvitationNotFound()
    return invitation


def _admin_invitation(s: Session, admin: Account, public_id) -> Invitation:
    org = require_admin(s, admin)
    invitation = (
        s.scalar(select(Invitation).where(Invitation.public_id == public_id))
        if isinstance(public_id, str) and looks_like_id(public_id, "inv")
        else None
    )
    if invitation is None or invitation.organization_id != org.id:
        raise InvitationNotFound()
    return invitation


def resend(s: Session, admin: Account, public_id, now: datetime) -> Invitation:
    invitation = _admin_invitation(s, admin, public_id)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationGone("used" if invitation.accepted_at else "revoked")
    invitation.sends += 1
    invitation.expires_at = now + LIFETIME
    _queue(s, invitation)
    return invitation


def revoke(s: Session, admin: Account, public_id, now: datetime) -> Invitation:
    invitation = _admin_invitation(s, admin, public_id)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = now
    return invitation


def status(invitation: Invitation, now: datetime) -> str:
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    return "expired" if invitation.expires_at <= now else "pending"


def invitation_json(invitation: Invitation, now: datetime) -> dict:
    return {
        "invitation_id": invitation.public_id,
        "email": invitation.email,
        "role": invitation.role,
        "status": status(invitation, now),
        "created_at": format_utc(invitation.created_at),
        "expires_at": format_utc(invitation.expires_at),
    }


# --- the link ---------------------------------------------------------------------------


def invitation_token(keys: Keys, invitation: Invitation) -> str:
    return keys.dumps(PURPOSE, {"i": invitation.public_id, "n": invitation.sends})


def invitation_for_token(s: Session, keys: Keys, token: str, now: datetime) -> Invitation:
    """The invitation a link is for, still usable. Raises TokenInvalid for a bad link and
    InvitationGone (with its state) for an expired, used, revoked or superseded one."""
    try:
        payload = keys.loads(PURPOSE, token, int(LIFETIME.total_seconds()))
    except TokenExpired:
        raise InvitationGone("expired") from None
    if not isinstance(payload, dict) or not looks_like_id(str(payload.get("i")), "inv"):
        raise TokenInvalid()
    invitation = s.scalar(select(Invitation).where(Invitation.public_id == payload["i"]))
    if invitation is None:
        raise TokenInvalid()
    state = status(invitation, now)
    if state == "pending" and payload.get("n") != invitation.sends:
        state = "replaced"
    if state != "pending":
        raise InvitationGone("used" if state == "accepted" else state)
    return invitation


def _consume(s: Session, invitation: Invitation, now: datetime) -> None:
    """Single use even when two tabs submit at once: only one conditional UPDATE matches."""
    done = s.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )  # fmt: skip
        .values(accepted_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise InvitationGone("used")


def accept_with_new_account(
    s: Session, keys: Keys, token: str, name, tzid, password, now: datetime
) -> Account:
    """Creates the invited address's account in the organization. Opening the link proved
    the address, so the account is verified at once. EmailTaken when it already exists."""
    invitation = invitation_for_token(s, keys, token, now)
    org = s.get(Organization, invitation.organization_id, with_for_update=True)
    stale = find_by_email(s, invitation.email)
    if stale is not None and stale.unverified_since is not None:
        # A sign-up never verified proves nothing; this link proves the address.
        s.execute(delete(Account).where(Account.id == stale.id))
    account = create_account(s, invitation.email, name, tzid, password)
    join(account, org, check_role(invitation.role))
    _consume(s, invitation, now)
    return account


def accept_as(s: Session, keys: Keys, token: str, account: Account, now: datetime) -> Account:
    """A signed-in account without an organization joins with the invitation's role, if it
    is the invited address's: a forwarded or leaked link lets nobody else in."""
    invitation = invitation_for_token(s, keys, token, now)
    if account.email != invitation.email:
        raise InvitationForAnother()
    org = s.get(Organization, invitation.organization_id, with_for_update=True)
    s.refresh(account, with_for_update=True)
    if account.organization_id is not None:
        raise AlreadyInOrganization()
    join(account, org, check_role(invitation.role))
    _consume(s, invitation, now)
    return account
