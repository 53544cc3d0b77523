"""Passwords: Argon2id hashes, sign-in with equal cost for known and unknown addresses."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Account
from ..text import normalize_email
from ..validation import ValidationError

_hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile
# Verified against when the e-mail is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("schedlink-timing-equaliser")
MIN_PASSWORD = 10


class InvalidCredentials(Exception):
    """Wrong e-mail or password (deliberately not saying which)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


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
