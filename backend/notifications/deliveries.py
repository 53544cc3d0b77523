"""What the host sees of deliveries (the dashboard), and sending one again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Channel, WebhookMessage
from .queue import wake_workers


def recent_messages(session: Session, account_id: int, limit: int = 50) -> list[WebhookMessage]:
    return list(
        session.scalars(
            select(WebhookMessage)
            .where(WebhookMessage.account_id == account_id)
            .order_by(WebhookMessage.id.desc())
            .limit(limit)
        )
    )


def redeliver(session: Session, account_id: int, public_id: str, now: datetime) -> bool:
    """Queue a message again (same `webhook-id`) with a fresh round of retries. False when it
    is not the account's, or its channel is disabled."""
    m = session.scalar(
        select(WebhookMessage)
        .where(WebhookMessage.public_id == public_id, WebhookMessage.account_id == account_id)
        .with_for_update()
    )
    if m is None:
        return False
    if m.channel_id is not None and session.get(Channel, m.channel_id).status != "active":
        return False
    m.status, m.round_attempts, m.next_attempt_at, m.locked_until = "pending", 0, now, None
    wake_workers(session)
    return True
