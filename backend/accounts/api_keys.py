"""API keys: shown once at creation, stored as SHA-256, revocable, optionally expiring; where
and when each was last used is kept (at most once a minute) for the host's list."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..core.text import clean_text
from ..models import Account, ApiKey, utcnow

API_KEY_PREFIX = "slk_"
# A key's last use is written at most this often: an API client making many requests a
# second must not turn every one of them into a write.
USE_RECORD_INTERVAL = timedelta(minutes=1)


def hash_api_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_key(
    session: Session, account: Account, label: str = "API key", expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """Returns the row and the plaintext key, which is shown once and never stored."""
    plaintext = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        account_id=account.id,
        label=clean_text((label or "")[:1000])[:100] or "API key",
        key_hash=hash_api_key(plaintext),
        prefix=plaintext[: len(API_KEY_PREFIX) + 6],
        expires_at=expires_at,
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
    """Not revoked; expired keys are listed too (the page says so), until revoked."""
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.account_id == account.id, ApiKey.revoked_at.is_(None))
            .order_by(ApiKey.created_at.desc())
        )
    )


def api_key_for(session: Session, plaintext: str, now: datetime | None = None) -> ApiKey | None:
    """The key that `plaintext` is, if it still works: not revoked and not expired."""
    if not plaintext.startswith(API_KEY_PREFIX) or len(plaintext) > 100:
        return None
    key = session.scalar(
        select(ApiKey).where(
            ApiKey.key_hash == hash_api_key(plaintext), ApiKey.revoked_at.is_(None)
        )
    )
    if key is None or (key.expires_at is not None and key.expires_at <= (now or utcnow())):
        return None
    return key


def account_for_api_key(
    session: Session, plaintext: str, now: datetime | None = None
) -> Account | None:
    key = api_key_for(session, plaintext, now)
    return key.account if key else None


def use_record_due(key: ApiKey, now: datetime) -> bool:
    return key.last_used_at is None or now - key.last_used_at >= USE_RECORD_INTERVAL


def record_api_key_use(session: Session, key_id: int, now: datetime, address: str | None) -> bool:
    """Remember when and from where the key was used. Conditional, so that of several
    requests racing past `use_record_due` only the first writes; False for the others."""
    done = session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= now - USE_RECORD_INTERVAL),
        )
        .values(last_used_at=now, last_used_ip=(address or None) and address[:45])
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1
