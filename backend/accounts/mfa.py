"""Multi-factor authentication as a whole: whether an account has it, checking a second
factor (TOTP, a recovery code, or — through `passkeys` — a passkey), and turning it off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Account, Passkey
from .notices import notify
from .passkeys import remove_all_passkeys
from .recovery import remove_recovery_codes, use_recovery_code
from .totp import remove_totp, verify_totp


def locked_account(s: Session, account_id: int) -> Account | None:
    """The account row, locked for this write transaction (PostgreSQL row lock; SQLite
    already holds the database write lock), so a code is never accepted twice concurrently."""
    return s.get(Account, account_id, with_for_update=True, populate_existing=True)


def passkey_count(s: Session, account: Account) -> int:
    return s.scalar(
        select(func.count()).select_from(Passkey).where(Passkey.account_id == account.id)
    )


def mfa_enabled(s: Session, account: Account) -> bool:
    return bool(account.totp_secret) or passkey_count(s, account) > 0


def check_code(
    s: Session, account: Account, keys, code: str, now: datetime, allow_recovery: bool = True
) -> str | None:
    """Which factor a typed code satisfied ("totp" or "recovery"), or None. A recovery code
    used here is spent, and the owner is told by e-mail."""
    if verify_totp(account, keys, code, now):
        return "totp"
    if allow_recovery and use_recovery_code(s, account, code, now):
        notify(s, account, "account.recovery_code_used")
        return "recovery"
    return None


def disable_mfa(s: Session, account: Account) -> None:
    remove_totp(account)
    remove_recovery_codes(s, account)
    remove_all_passkeys(s, account)
    notify(s, account, "account.mfa_disabled")
