"""The account's webhook signing secret: created on first need, shown on request, rotated
with a 24-hour overlap in which the old secret still signs beside the new one."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..models import WebhookSecret
from .signing import new_secret

OVERLAP = timedelta(hours=24)


def ensure_secret(session: Session, account_id: int, now: datetime) -> None:
    """Create the secret unless it exists; never conflicts with a concurrent creator, so a
    booking's transaction can call it safely."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(WebhookSecret)
        .values(account_id=account_id, secret=new_secret(), rotated_at=now)
        .on_conflict_do_nothing(index_elements=["account_id"])
    )


def current_secret(session: Session, account_id: int, now: datetime) -> str:
    ensure_secret(session, account_id, now)
    return session.scalars(
        select(WebhookSecret.secret).where(WebhookSecret.account_id == account_id)
    ).one()


def signing_secrets(session: Session, account_id: int, now: datetime) -> list[str]:
    """Newest first: the current secret, and the previous one within its 24 hours."""
    ensure_secret(session, account_id, now)
    row = session.get(WebhookSecret, account_id, populate_existing=True)
    keys = [row.secret]
    if row.previous and row.previous_until and row.previous_until > now:
        keys.append(row.previous)
    return keys


def rotate_secret(session: Session, account_id: int, now: datetime) -> str:
    ensure_secret(session, account_id, now)
    row = session.scalar(
        select(WebhookSecret).where(WebhookSecret.account_id == account_id).with_for_update()
    )
    row.previous, row.previous_until = row.secret, now + OVERLAP
    row.secret, row.rotated_at = new_secret(), now
    session.flush()
    return row.secret
