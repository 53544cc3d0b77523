"""Passwords: Argon2id hashes, sign-in with equal cost for known and unknown addresses, the
new-password policy (length and a bundled list of common ones), change and reset."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.text import normalize_email
from ..core.validation import FieldErrors, ValidationError
from ..models import Account

_hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile
# Verified against when the e-mail is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("schedlink-timing-equaliser")
MIN_PASSWORD = 10
MAX_PASSWORD = 1000  # Argon2 takes any length; this only bounds the work per request
RESET_PURPOSE = "schedlink.password-reset.v1"
RESET_MAX_AGE = 3600


class InvalidCredentials(Exception):
    """Wrong e-mail or password (deliberately not saying which)."""


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text()
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


_TRAILING = re.compile(r"[\d\W_]+$")


def password_problem(password: str, account: Account | None = None) -> str | None:
    """Why a new password is refused, or None. Length is counted in characters."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    lowered = password.lower()
    stem = _TRAILING.sub("", lowered)
    listed = common_passwords()
    if lowered in listed or stem in listed or len(set(lowered)) < 3:
        return "That password is one of the most common ones; choose another."
    if account is not None:
        personal = {account.email.lower(), account.email.split("@")[0].lower()}
        if lowered in personal or stem in personal:
            return "Don't use your e-mail address as your password."
    return None


def check_new_password(password: str, account: Account | None = None, field="password") -> None:
    problem = password_problem(password, account)
    if problem:
        errors = FieldErrors()
        errors.add(field, "invalid", problem)
        errors.raise_if_any()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(account: Account, password: str) -> bool:
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        return False
    try:
        return _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, password: str) -> Account:
    normalized = normalize_email(email or "") or ""
    account = session.scalar(select(Account).where(Account.email == normalized))
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        password = ""
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
    """Sets a new password that passes the policy. Callers end the account's other sessions
    (`sessions.end_all_sessions`) and tell the owner by e-mail."""
    check_new_password(password, account)
    account.password_hash = _hasher.hash(password)
    account.session_version += 1
    account.pending_email = None  # its link is bound to the old password anyway


def change_password(account: Account, current: str, new: str) -> None:
    if not verify_password(account, current):
        raise ValidationError(
            {"current_password": [{"key": "errors.invalid",
                                   "description": "That is not your current password."}]}
        )  # fmt: skip
    if new == current:
        raise ValidationError(
            {"password": [{"key": "errors.invalid",
                           "description": "Choose a password different from the current one."}]}
        )  # fmt: skip
    set_password(account, new)


def _password_fingerprint(account: Account) -> str:
    # Changes whenever the password does, so a reset link works once and dies with any change.
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:20]


def reset_token(keys, account: Account) -> str:
    return keys.dumps(RESET_PURPOSE, {"a": account.sub, "p": _password_fingerprint(account)})


def account_for_reset_token(session: Session, keys, token: str) -> Account | None:
    """The account a reset link is for, or None when it is bad, expired or already used
    (errors from `keys.loads` propagate so the page can say which)."""
    payload = keys.loads(RESET_PURPOSE, token, RESET_MAX_AGE)
    if not isinstance(payload, dict):
        return None
    account = session.scalar(select(Account).where(Account.sub == str(payload.get("a"))))
    if account is None or payload.get("p") != _password_fingerprint(account):
        return None
    return account
