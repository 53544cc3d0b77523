"""Push notifications: channels, per-event subscriptions, the account's signing secret and
the messages (the webhook outbox: written in the change's transaction, drained by a worker)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Channel(Base):
    """Where an account's notifications go. `filters_key` is the canonical JSON of `filters`,
    so an identical channel is found instead of duplicated."""

    __tablename__ = "notification_channels"
    __table_args__ = (UniqueConstraint("account_id", "callback_url", "filters_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    callback_url: Mapped[str] = mapped_column(String(2000))
    filters: Mapped[dict] = mapped_column(JSON)
    filters_key: Mapped[str] = mapped_column(String(2000))
    # active | paused (by the host: messages wait) | disabled (410 Gone, 5 days failing)
    status: Mapped[str] = mapped_column(String(12), default="active")
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    # The first failure since the last success: 5 days of it disables the channel.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventSubscription(Base):
    """A webhook for one event's interactions (Cronofy's `subscriptions`). On a link it waits
    for the booking (`link_id`); on booking it is copied onto the booking's event."""

    __tablename__ = "event_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("scheduling_links.id", ondelete="CASCADE"), index=True
    )
    uri: Mapped[str] = mapped_column(String(2000))
    interactions: Mapped[list] = mapped_column(JSON)


class WebhookSecret(Base):
    """The account's signing secret (`whsec_…`), sealed (`sealing.Sealer`: `secret` and
    `previous` hold Fernet tokens, never the secret in clear); after a rotation the previous
    one keeps signing beside it until `previous_until`."""

    __tablename__ = "webhook_secrets"
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(200))
    previous: Mapped[str | None] = mapped_column(String(200))
    previous_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookMessage(Base):
    """One notification to one URL. `public_id` is the `webhook-id`, the same on every
    attempt; `body` is the exact bytes sent (as text), fixed when the change commits."""

    __tablename__ = "webhook_messages"
    __table_args__ = (
        Index("ix_webhook_messages_due", "status", "next_attempt_at"),
        Index("ix_webhook_messages_account", "account_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_channels.id", ondelete="CASCADE"), index=True
    )
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_subscriptions.id", ondelete="SET NULL")
    )
    url: Mapped[str] = mapped_column(String(2000))
    type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    # pending | delivered | failed | paused (held while its channel is paused)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Attempts in the current round (a redelivery starts a new round of the schedule).
    round_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # How long the receiver took to answer the last attempt (none when there was no answer).
    last_duration_ms: Mapped[int | None] = mapped_column(Integer)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
