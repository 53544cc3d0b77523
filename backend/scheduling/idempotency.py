"""Idempotent creates (the Idempotency-Key header, as Stripe and the IETF draft describe):
the same key with the same body returns the stored answer; with another body it is refused.
Flask-free."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..core.validation import ValidationError
from ..models import IdempotencyKey

KEEP = timedelta(hours=24)
MAX_KEY = 255


def request_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ValidationError(
            {"Idempotency-Key": [{"key": "errors.invalid",
                                  "description": f"Use 1 to {MAX_KEY} printable characters."}]}
        )  # fmt: skip
    return key


def stored(
    session: Session, account_id: int, key: str, body_hash: str, now: datetime
) -> IdempotencyKey | None:
    """The earlier answer for this key, if any; a key reused for another request is a 422."""
    row = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.account_id == account_id, IdempotencyKey.key == key
        )
    )
    if row is not None and row.created_at < now - KEEP:
        session.delete(row)
        session.flush()
        return None
    if row is not None and row.request_hash != body_hash:
        raise ValidationError(
            {"Idempotency-Key": [{"key": "errors.reused",
                                  "description": "This key was used for a different request."}]}
        )  # fmt: skip
    return row


def remember(
    session: Session, account_id: int, key: str, body_hash: str, status: int, response: dict,
    now: datetime,
) -> None:  # fmt: skip
    session.add(
        IdempotencyKey(
            account_id=account_id,
            key=key,
            request_hash=body_hash,
            status_code=status,
            response=response,
            created_at=now,
        )  # fmt: skip
    )
    # Old keys go as new ones come, so the table stays about a day's worth.
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEEP))
