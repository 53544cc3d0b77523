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

from sqlalchemy import or_, select, text, update
from sqlalchemy.orm import sessionmaker

from .. import database, notifications
from ..models import Channel, EventSubscription, Job, WebhookMessage, WebhookSecret
from ..outbound import Outbound, OutboundError, OutboundRefused

log = logging.getLogger(__name__)
MAX_ANSWER = 64 * 1024
RECORD_INTERVAL = 0.5  # seconds: outcomes are written together at most this far apart
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
    """Lease up to `limit` due messages in one short transaction, for `lease_span(timeout)`:
    the worker renews the lease of those not yet sent each time it writes outcomes, so a
    crashed worker's messages are free again within that span."""
    with database.write(sessions) as s:
        _no_fsync_wait(s)
        rows = s.execute(
            select(
                WebhookMessage.id, WebhookMessage.public_id, WebhookMessage.url,
                WebhookMessage.body, WebhookMessage.attempts, WebhookMessage.account_id,
                Channel.status,
            )
            .outerjoin(Channel, Channel.id == WebhookMessage.channel_id)
            .where(
                WebhookMessage.status == "pending",
                WebhookMessage.next_attempt_at <= now,
                or_(WebhookMessage.locked_until.is_(None), WebhookMessage.locked_until < now),
            )
            .order_by(WebhookMessage.next_attempt_at, WebhookMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookMessage)
        ).all()  # fmt: skip
        if not rows:
            return []
        dead = [r.id for r in rows if r.status not in (None, "active")]
        live = [r for r in rows if r.status in (None, "active")]
        if dead:  # nobody listens there any more
            s.execute(
                update(WebhookMessage)
                .where(WebhookMessage.id.in_(dead))
                .values(status="failed", last_error="channel disabled", locked_until=None)
            )
        if not live:
            return []
        s.execute(
            update(WebhookMessage)
            .where(WebhookMessage.id.in_([r.id for r in live]))
            .values(
                locked_until=now + lease_span(timeout),
                attempts=WebhookMessage.attempts + 1,
                round_attempts=WebhookMessage.round_attempts + 1,
            )
        )  # fmt: skip
        keys = _secrets(s, {r.account_id for r in live}, now)
        return [
            Claimed(r.id, r.public_id, r.url, r.body.encode(), r.attempts + 1, keys[r.account_id])
            for r in live
        ]


def lease_span(timeout: float) -> timedelta:
    """Outcomes are written (and leases renewed) at most RECORD_INTERVAL after an attempt
    that took at most `timeout`: two attempt-times and a margin always cover it."""
    return timedelta(seconds=2 * (timeout + RECORD_INTERVAL) + 5)


def _no_fsync_wait(s) -> None:
    """The worker's own bookkeeping need not wait for the disk (PostgreSQL): a lease or an
    outcome lost in a crash only means the message is sent again, which at-least-once allows.
    The notifications themselves are committed durably with the change they report."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _secrets(s, account_ids: set[int], now: datetime) -> dict[int, tuple[str, ...]]:
    """Newest first; the previous secret within its overlap."""
    rows = {r.account_id: r for r in s.scalars(
        select(WebhookSecret).where(WebhookSecret.account_id.in_(account_ids)))}  # fmt: skip
    keys = {}
    for account_id in account_ids:
        row = rows.get(account_id)
        if row is None:  # messages are queued with a secret; this is only a safety net
            keys[account_id] = tuple(notifications.signing_secrets(s, account_id, now))
            continue
        recent = row.previous and row.previous_until and row.previous_until > now
        keys[account_id] = (row.secret, row.previous) if recent else (row.secret,)
    return keys


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


def record(
    sessions: sessionmaker,
    done: list[tuple[Claimed, Outcome]],
    now: datetime,
    config,
    renew: list[int] = (),
) -> None:
    """Write the outcomes of several attempts in one transaction: successes in bulk, failures
    one by one (retry time, 410, the channel's failing clock); and renew the lease of the
    batch's messages still to be sent (`renew`)."""
    if not done and not renew:
        return
    with database.write(sessions) as s:
        _no_fsync_wait(s)
        if renew:
            s.execute(
                update(WebhookMessage)
                .where(WebhookMessage.id.in_(renew), WebhookMessage.status == "pending")
                .values(locked_until=now + lease_span(config["WEBHOOK_TIMEOUT"]))
            )
        delivered: dict[int, list[int]] = {}
        for message, outcome in done:
            if outcome.ok:
                delivered.setdefault(outcome.status, []).append(message.id)
        for status, ids in delivered.items():
            s.execute(
                update(WebhookMessage)
                .where(WebhookMessage.id.in_(ids))
                .values(
                    status="delivered", delivered_at=now, last_attempt_at=now,
                    last_status_code=status, last_error=None, locked_until=None,
                )
            )  # fmt: skip
        if delivered:
            ids = [i for group in delivered.values() for i in group]
            s.execute(
                update(Channel)
                .where(
                    Channel.id.in_(
                        select(WebhookMessage.channel_id).where(WebhookMessage.id.in_(ids))
                    ),
                    Channel.failing_since.is_not(None),
                )
                .values(failing_since=None)
            )
        for message, outcome in done:
            if not outcome.ok:
                _failed(s, message, outcome, now, config)


def _failed(s, message: Claimed, outcome: Outcome, now: datetime, config) -> None:
    schedule = config["WEBHOOK_RETRY_SCHEDULE"]
    disable_after = timedelta(hours=config["WEBHOOK_DISABLE_AFTER_HOURS"])
    m = s.get(WebhookMessage, message.id, with_for_update=True)
    if m is None or m.attempts != message.attempt or m.status != "pending":
        return  # deleted with its channel, or our lease ran out and another worker owns it
    m.last_status_code, m.last_error, m.last_attempt_at = outcome.status, outcome.error, now
    m.locked_until = None
    channel = s.get(Channel, m.channel_id) if m.channel_id is not None else None
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
    """Lease one batch of due messages and deliver them, one after another; returns how many
    were attempted. Outcomes are written together (one transaction for many, which keeps a
    worker near the speed of a bare loop of POSTs) once RECORD_INTERVAL has passed since the
    last write, i.e. right after any slow answer; each write renews the leases of the rest."""
    timeout = config["WEBHOOK_TIMEOUT"]
    batch = claim(sessions, _now(), config["WEBHOOK_BATCH"], timeout)
    done: list[tuple[Claimed, Outcome]] = []
    written = time.monotonic()
    for position, message in enumerate(batch):
        outcome = send(outbound, message, timeout)
        if not outcome.ok:
            log.info("webhook %s to %s failed: %s", message.public_id, message.url, outcome.error)
        done.append((message, outcome))
        if time.monotonic() - written > RECORD_INTERVAL:
            rest = [m.id for m in batch[position + 1 :]]
            record(sessions, done, _now(), config, renew=rest)
            done, written = [], time.monotonic()
    record(sessions, done, _now(), config)
    return len(batch)
