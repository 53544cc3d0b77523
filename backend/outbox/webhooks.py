"""Delivering the webhook outbox: lease due messages (FOR UPDATE SKIP LOCKED on PostgreSQL,
BEGIN IMMEDIATE on SQLite), sign each attempt, POST through the SSRF guard, record the
outcome. At-least-once: a crash after sending but before recording means the message is sent
again when its lease runs out, with the same `webhook-id`.

Retries follow WEBHOOK_RETRY_SCHEDULE; 410 Gone disables the channel (or drops the event
subscription) at once; a channel failing for WEBHOOK_DISABLE_AFTER_HOURS is disabled and its
host told by e-mail."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import sessionmaker

from .. import database, notifications
from ..models import Channel, EventSubscription, Job, WebhookMessage
from ..outbound import Outbound, OutboundError, OutboundRefused

log = logging.getLogger(__name__)
MAX_ANSWER = 64 * 1024
USER_AGENT = "schedlink-webhooks/1"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Claimed:
    id: int
    public_id: str
    url: str
    body: bytes
    attempt: int
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the HTTP status, or None when there was no answer
    error: str | None  # why it failed, for the dashboard (never the receiver's body)
    retry_after: float | None = None
    refused: bool = False  # the SSRF guard said no: retrying will not help

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def claim(sessions: sessionmaker, now: datetime, limit: int, timeout: float) -> list[Claimed]:
    """Lease up to `limit` due messages; the lease covers sending all of them."""
    lease = now + timedelta(seconds=limit * (timeout + 1) + 5)
    with database.write(sessions) as s:
        rows = s.scalars(
            select(WebhookMessage)
            .where(
                WebhookMessage.status == "pending",
                WebhookMessage.next_attempt_at <= now,
                or_(WebhookMessage.locked_until.is_(None), WebhookMessage.locked_until < now),
            )
            .order_by(WebhookMessage.next_attempt_at, WebhookMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return []
        channel_ids = {m.channel_id for m in rows if m.channel_id is not None}
        disabled = set(
            s.scalars(
                select(Channel.id).where(Channel.id.in_(channel_ids), Channel.status != "active")
            )
        )
        secrets: dict[int, tuple[str, ...]] = {}
        claimed = []
        for m in rows:
            if m.channel_id in disabled:  # nobody listens there any more
                m.status, m.last_error, m.locked_until = "failed", "channel disabled", None
                continue
            if m.account_id not in secrets:
                secrets[m.account_id] = tuple(notifications.signing_secrets(s, m.account_id, now))
            m.locked_until = lease
            m.attempts += 1
            m.round_attempts += 1
            body, keys = m.body.encode(), secrets[m.account_id]
            claimed.append(Claimed(m.id, m.public_id, m.url, body, m.attempts, keys))
        return claimed


def send(outbound: Outbound, message: Claimed, timeout: float) -> Outcome:
    body = message.body
    headers = notifications.signature_headers(
        list(message.secrets), message.public_id, int(time.time()), body
    )
    headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
    try:
        # request() re-checks the URL and the addresses the name resolves to right now.
        response = outbound.request(
            "POST", message.url, headers=headers, body=body, max_body=MAX_ANSWER, timeout=timeout
        )
    except OutboundRefused as exc:
        return Outcome(None, str(exc)[:500], refused=True)
    except OutboundError as exc:
        return Outcome(None, (str(exc) or type(exc).__name__)[:500])
    if 200 <= response.status < 300:
        return Outcome(response.status, None)
    retry_after = None
    if response.status in (429, 503) and response.headers.get("retry-after", "").isdigit():
        retry_after = float(response.headers["retry-after"])
    return Outcome(response.status, f"HTTP {response.status}", retry_after)


def record(sessions: sessionmaker, message: Claimed, outcome: Outcome, now: datetime, config):
    schedule = config["WEBHOOK_RETRY_SCHEDULE"]
    disable_after = timedelta(hours=config["WEBHOOK_DISABLE_AFTER_HOURS"])
    with database.write(sessions) as s:
        m = s.get(WebhookMessage, message.id, with_for_update=True)
        if m is None:  # its channel was deleted meanwhile
            return
        if not outcome.ok and m.attempts != message.attempt:
            return  # our lease ran out and another worker owns it now; its result counts
        m.last_status_code, m.last_error, m.last_attempt_at = outcome.status, outcome.error, now
        m.locked_until = None
        channel = s.get(Channel, m.channel_id) if m.channel_id is not None else None
        if outcome.ok:
            m.status, m.delivered_at = "delivered", now
            if channel is not None and channel.failing_since is not None:
                channel.failing_since = None
            return
        if outcome.status == 410:
            m.status = "failed"
            if channel is not None:
                _disable(s, channel, "The callback URL answered 410 Gone.", tell_host=False)
            elif m.subscription_id is not None:
                sub = s.get(EventSubscription, m.subscription_id)
                if sub is not None:
                    s.delete(sub)
            return
        if channel is not None:
            if channel.failing_since is None:
                channel.failing_since = now
            elif now - channel.failing_since >= disable_after and channel.status == "active":
                m.status = "failed"
                days = disable_after.total_seconds() / 86400
                _disable(s, channel, f"Every delivery failed for {days:g} days.", tell_host=True)
                return
        if outcome.refused or m.round_attempts >= len(schedule):
            m.status = "failed"
            return
        delay = schedule[m.round_attempts] * random.uniform(0.9, 1.1)
        if outcome.retry_after is not None:
            delay = max(delay, min(outcome.retry_after, 86400))
        m.next_attempt_at = now + timedelta(seconds=delay)


def _disable(s, channel: Channel, reason: str, tell_host: bool) -> None:
    channel.status, channel.disabled_reason = "disabled", reason
    s.execute(
        update(WebhookMessage)
        .where(WebhookMessage.channel_id == channel.id, WebhookMessage.status == "pending")
        .values(status="failed", last_error="channel disabled", locked_until=None)
        .execution_options(synchronize_session=False)
    )
    if tell_host:
        s.add(Job(kind="webhook.channel_disabled", payload={"channel_id": channel.public_id}))


def deliver_due(sessions: sessionmaker, outbound: Outbound, config) -> int:
    """Lease one batch of due messages and deliver them; returns how many were attempted."""
    timeout = config["WEBHOOK_TIMEOUT"]
    batch = claim(sessions, _now(), config["WEBHOOK_BATCH"], timeout)
    for message in batch:
        outcome = send(outbound, message, timeout)
        if not outcome.ok:
            log.info("webhook %s to %s failed: %s", message.public_id, message.url, outcome.error)
        record(sessions, message, outcome, _now(), config)
    return len(batch)
