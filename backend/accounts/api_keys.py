"""API keys: shown once at creation, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Account, ApiKey, utcnow
from ..text import clean_text

API_KEY_PREFIX = "slk_"


def hash_api_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_key(
    session: Session, account: Account, label: str = "API key"
) -> tuple[ApiKey, str]:
    """Returns the row and the plaintext key, which is shown once and never stored."""
    plaintext = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        account_id=account.id,
        label=clean_text((label or "")[:1000])[:100] or "API key",
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
