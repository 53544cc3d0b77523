"""Recovery codes: ten single-use codes of 50 random bits, shown once and stored as Argon2id
hashes; a new set replaces the old one entirely."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..models import Account, RecoveryCode

COUNT = 10
# The codes are random (50 bits), not chosen by people, so a light Argon2id is plenty (2^49
# guesses at milliseconds each) and checking a code against ten hashes stays cheaper than one
# password check (bench/bench_account_security.py).
_hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


def _new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(7)).decode().lower()[:10]  # 50 bits
    return f"{raw[:5]}-{raw[5:]}"


def _normalize(code: str) -> str:
    compact = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    return f"{compact[:5]}-{compact[5:]}" if len(compact) == 10 else ""


def new_recovery_codes(s: Session, account: Account) -> list[str]:
    s.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    codes = [_new_code() for _ in range(COUNT)]
    s.add_all(RecoveryCode(account_id=account.id, code_hash=_hasher.hash(c)) for c in codes)
    s.flush()
    return codes


def use_recovery_code(s: Session, account: Account, code: str, now: datetime) -> bool:
    """Consumes a matching unused code. Callers hold the account's write lock, so one code
    cannot be spent twice by concurrent attempts."""
    normalized = _normalize(code)
    if not normalized:
        return False
    unused = s.scalars(
        select(RecoveryCode).where(
            RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None)
        )
    )
    for row in unused:
        try:
            _hasher.verify(row.code_hash, normalized)
        except (VerificationError, InvalidHashError):
            continue
        row.used_at = now
        return True
    return False


def remaining_recovery_codes(s: Session, account: Account) -> int:
    return s.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))
    )


def remove_recovery_codes(s: Session, account: Account) -> None:
    s.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
