"""Pausing a channel (the host's webhooks page): nothing is sent to it meanwhile, and nothing
is lost. Its waiting messages are parked (status `paused`, out of the worker's due query) and
new ones are written parked; resuming puts them all back in the queue, due at once, with a
fresh round of retries. A disabled channel (410 Gone, five days failing) is not paused: it is
turned on again by creating it again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..models import Channel, WebhookMessage
from .channels import get_channel
from .queue import wake_workers


class ChannelNotPausable(Exception):
    """The channel is disabled: create it again to turn it back on."""


def pause_channel(session: Session, account_id: int, public_id: str) -> Channel:
    channel = get_channel(session, account_id, public_id)
    if channel.status == "disabled":
        raise ChannelNotPausable(public_id)
    channel.status = "paused"
    # A message a worker is sending right now still goes out; its outcome is recorded.
    session.execute(
        update(WebhookMessage)
        .where(WebhookMessage.channel_id == channel.id, WebhookMessage.status == "pending")
        .values(status="paused", locked_until=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return channel


def resume_channel(session: Session, account_id: int, public_id: str, now: datetime) -> int:
    """Active again; returns how many parked messages go out now. The failing clock starts
    afresh: time spent paused is not time spent failing."""
    channel = get_channel(session, account_id, public_id)
    if channel.status != "paused":
        raise ChannelNotPausable(public_id)
    channel.status, channel.failing_since = "active", None
    queued = session.execute(
        update(WebhookMessage)
        .where(WebhookMessage.channel_id == channel.id, WebhookMessage.status == "paused")
        .values(status="pending", round_attempts=0, next_attempt_at=now, locked_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if queued:
        wake_workers(session)
    session.flush()
    return queued
