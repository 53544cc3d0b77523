"""Accounts, passwords (Argon2id) and API keys. Flask-free."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .ids import new_id
from .markup import is_valid_email, normalize_email
from .models import Account, ApiKey, Calendar, Organization, utcnow
from .validation import FieldErrors, ValidationError, is_tzid

_hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile
# Verified against when the e-mail is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("schedlink-timing-equaliser")
API_KEY_PREFIX = "slk_"
MIN_PASSWORD = 10


class AccountError(Exception):
    """Base class for account problems."""


class InvalidCredentials(AccountError):
    """Wrong e-mail or password (deliberately not saying which)."""


class EmailTaken(AccountError):
    pass


def hash_api_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_account(
    session: Session, email: str, name: str, tzid: str, password: str, organization_id=None
) -> Account:
    errors = FieldErrors()
    normalized = normalize_email(email) if isinstance(email, str) else None
    if not normalized or not is_valid_email(normalized):
        errors.add("email", "invalid", "Enter a valid e-mail address.")
    name = (name or "").strip()
    if not name or len(name) > 200:
        errors.add("name", "invalid", "A name of 1 to 200 characters is required.")
    if not is_tzid(tzid):
        errors.add("tzid", "invalid", f"Unknown time zone {tzid!r}; use an IANA id.")
    if len(password or "") < MIN_PASSWORD:
        errors.add("password", "invalid", f"Use at least {MIN_PASSWORD} characters.")
    errors.raise_if_any()
    if session.scalar(select(Account.id).where(Account.email == normalized)) is not None:
        raise EmailTaken(normalized)
    account = Account(
        sub=new_id("acc"),
        email=normalized,
        name=name,
        tzid=tzid,
        password_hash=_hasher.hash(password),
        organization_id=organization_id,
    )
    account.calendars.append(Calendar(public_id=new_id("cal"), name=name, kind="local"))
    session.add(account)
    session.flush()
    return account


def organization_named(session: Session, name: str) -> Organization:
    """The organization with this name, created on first use (accounts in one see each
    other's availability)."""
    name = " ".join((name or "").split())[:200]
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


def authenticate(session: Session, email: str, password: str) -> Account:
    normalized = normalize_email(email or "") or ""
    account = session.scalar(select(Account).where(Account.email == normalized))
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError) as exc:
        raise InvalidCredentials() from exc
    if account is None:
        raise InvalidCredentials()
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    return account


def set_password(account: Account, password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(
            {"password": [{"key": "errors.invalid", "description": "Password too short."}]}
        )
    account.password_hash = _hasher.hash(password)
    account.session_version += 1  # signs out every other session


def find_by_email(session: Session, email: str) -> Account | None:
    return session.scalar(select(Account).where(Account.email == normalize_email(email or "")))


def create_api_key(
    session: Session, account: Account, label: str = "API key"
) -> tuple[ApiKey, str]:
    """Returns the row and the plaintext key, which is shown once and never stored."""
    plaintext = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        account_id=account.id,
        label=(label or "API key").strip()[:100] or "API key",
        key_hash=hash_api_key(plaintext),
        prefix=plaintext[: len(API_KEY_PREFIX) + 6],
    )
    session.add(key)
    session.flush()
    return key, plaintext


def revoke_api_key(session: Session, account: Account, key_id: int) -> bool:
    key = session.get(ApiKey, key_id)
    if key is None or key.account_id != account.id or key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    return True


def active_api_keys(session: Session, account: Account) -> list[ApiKey]:
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.account_id == account.id, ApiKey.revoked_at.is_(None))
            .order_by(ApiKey.created_at.desc())
        )
    )


def account_for_api_key(session: Session, plaintext: str) -> Account | None:
    if not plaintext.startswith(API_KEY_PREFIX) or len(plaintext) > 100:
        return None
    key = session.scalar(
        select(ApiKey).where(
            ApiKey.key_hash == hash_api_key(plaintext), ApiKey.revoked_at.is_(None)
        )
    )
    return key.account if key else None


def local_calendar(session: Session, account: Account) -> Calendar:
    return session.scalars(
        select(Calendar)
        .where(Calendar.account_id == account.id, Calendar.kind == "local")
        .order_by(Calendar.id)
    ).first()
