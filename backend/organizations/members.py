"""Organizations and their members: create, rename, roles, removal and leaving.

Every change locks the organization's row first (PostgreSQL row lock; SQLite's write
transaction is already exclusive), so two admins demoting each other at once can't leave the
organization without one: the second change sees the first and is refused."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.ids import looks_like_id
from ..core.text import clean_text
from ..core.validation import FieldErrors
from ..models import Account, Organization
from .errors import AlreadyInOrganization, LastAdmin, MemberNotFound, NoOrganization, NotAdmin

ROLES = ("admin", "member")


def _name(value) -> str:
    name = clean_text(value) if isinstance(value, str) else ""
    if not name or len(name) > 200:
        errors = FieldErrors()
        errors.add("name", "invalid", "A name of 1 to 200 characters is required.")
        errors.raise_if_any()
    return name


def check_role(role) -> str:
    if role not in ROLES:
        errors = FieldErrors()
        errors.add("role", "invalid", "The role is 'admin' or 'member'.")
        errors.raise_if_any()
    return role


def locked_organization(s: Session, account: Account) -> Organization:
    if account.organization_id is None:
        raise NoOrganization()
    return s.get(Organization, account.organization_id, with_for_update=True,
                 populate_existing=True)  # fmt: skip


def require_admin(s: Session, account: Account) -> Organization:
    """The caller's organization, locked, when the caller is one of its admins."""
    org = locked_organization(s, account)
    # Read again under the lock: the role may have changed since the request began.
    s.refresh(account)
    if account.organization_id != org.id or account.organization_role != "admin":
        raise NotAdmin()
    return org


def create_organization(s: Session, account: Account, name) -> Organization:
    """A new organization with `account` as its first admin."""
    name = _name(name)
    s.refresh(account, with_for_update=True)
    if account.organization_id is not None:
        raise AlreadyInOrganization()
    org = Organization(name=name)
    s.add(org)
    s.flush()
    join(account, org, "admin")
    return org


def join(account: Account, org: Organization, role: str) -> None:
    account.organization_id = org.id
    account.organization_role = check_role(role)


def rename_organization(s: Session, account: Account, name) -> Organization:
    org = require_admin(s, account)
    org.name = _name(name)
    return org


def members(s: Session, org_id: int) -> list[Account]:
    return list(
        s.scalars(
            select(Account)
            .where(Account.organization_id == org_id, Account.unverified_since.is_(None))
            .order_by(Account.name, Account.id)
        )
    )


def _admins(s: Session, org_id: int) -> int:
    return s.scalar(
        select(func.count())
        .select_from(Account)
        .where(Account.organization_id == org_id, Account.organization_role == "admin")
    )


def _member(s: Session, org: Organization, sub) -> Account:
    member = s.scalar(
        select(Account).where(Account.sub == str(sub), Account.organization_id == org.id)
    ) if isinstance(sub, str) and looks_like_id(sub, "acc") else None  # fmt: skip
    if member is None:
        raise MemberNotFound()
    return member


def set_role(s: Session, admin: Account, sub, role) -> Account:
    role = check_role(role)
    org = require_admin(s, admin)
    member = _member(s, org, sub)
    if member.organization_role == "admin" and role != "admin" and _admins(s, org.id) <= 1:
        raise LastAdmin()
    member.organization_role = role
    return member


def _leave(s: Session, org: Organization, member: Account) -> None:
    if member.organization_role == "admin" and _admins(s, org.id) <= 1:
        raise LastAdmin()
    member.organization_id = None
    member.organization_role = None


def remove_member(s: Session, admin: Account, sub) -> Account:
    org = require_admin(s, admin)
    member = _member(s, org, sub)
    _leave(s, org, member)
    return member


def leave(s: Session, account: Account) -> None:
    org = locked_organization(s, account)
    s.refresh(account)
    _leave(s, org, account)


def organization_json(s: Session, org: Organization) -> dict:
    return {
        "organization_id": org.public_id,
        "name": org.name,
        "members": [
            {"sub": m.sub, "name": m.name, "email": m.email, "role": m.organization_role}
            for m in members(s, org.id)
        ],
    }
