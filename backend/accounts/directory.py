"""Accounts and organizations: sign-up, lookup by e-mail, the account's own calendar."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.ids import new_id
from ..core.text import clean_text, is_valid_email, normalize_email
from ..core.validation import FieldErrors, ValidationError, is_tzid
from ..models import Account, Calendar, Organization
from .passwords import hash_password, password_problem


class AccountError(Exception):
    """Base class for account problems."""


class EmailTaken(AccountError):
    pass


def create_account(
    session: Session, email: str, name: str, tzid: str, password: str, organization_id=None
) -> Account:
    errors = FieldErrors()
    normalized = normalize_email(email) if isinstance(email, str) else None
    if not normalized or not is_valid_email(normalized):
        errors.add("email", "invalid", "Enter a valid e-mail address.")
    name = clean_text(name or "")
    if not name or len(name) > 200:
        errors.add("name", "invalid", "A name of 1 to 200 characters is required.")
    if not is_tzid(tzid):
        errors.add("tzid", "invalid", f"Unknown time zone {tzid!r}; use an IANA id.")
    if problem := password_problem(password):
        errors.add("password", "invalid", problem)
    errors.raise_if_any()
    if session.scalar(select(Account.id).where(Account.email == normalized)) is not None:
        raise EmailTaken(normalized)
    account = Account(
        sub=new_id("acc"),
        email=normalized,
        name=name,
        tzid=tzid,
        password_hash=hash_password(password),
        organization_id=organization_id,
    )
    account.calendars.append(Calendar(public_id=new_id("cal"), name=name, kind="local"))
    session.add(account)
    session.flush()
    return account


def organization_named(session: Session, name: str) -> Organization:
    """The organization with this name, created on first use (accounts in one see each
    other's availability)."""
    name = clean_text(name or "")[:200]
    if not name:
        raise ValidationError(
            {"organization": [{"key": "errors.invalid", "description": "Name required."}]}
        )
    org = session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        org = Organization(name=name)
        session.add(org)
        session.flush()
    return org


def find_by_email(session: Session, email: str) -> Account | None:
    return session.scalar(select(Account).where(Account.email == normalize_email(email or "")))


def local_calendar(session: Session, account: Account) -> Calendar:
    return session.scalars(
        select(Calendar)
        .where(Calendar.account_id == account.id, Calendar.kind == "local")
        .order_by(Calendar.id)
    ).first()
