"""Delivering the webhook outbox: lease due messages (FOR UPDATE SKIP LOCKED on PostgreSQL,
BEGIN IMMEDIATE on SQLite), sign each attempt, POST through the SSRF guard, record the
outcome. At-least-once: a crash after sending but before recording means the message is sent
again when its lease runs out, with the same `webhook-id`.

Retries follow WEBHOOK_RETRY_SCHEDULE; 410 Gone disables the channel (or drops the event
subscription) at once; a channel failing for WEBHOOK_DISABLE_AFTER_HOURS is disabled and its
host told by e-mail."""

from __future__ import annotations

import contextlib
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, or_, select, text, update
from sqlalchemy.orm import sessionmaker

from .. import metrics, notifications
from ..core import database
from ..core.outbound import Outbound, OutboundError, OutboundRefused
from ..core.sealing import Sealer
from ..metrics import WEBHOOK_DELIVERIES
from ..models import Channel, EventSubscription, Job, WebhookMessage, WebhookSecret

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
    channel_id: int | None
    secrets: tuple[str, ...]  # newest first; empty when the sealed secret does not open


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the HTTP status, or None when there was no answer
    error: str | None  # why it failed, for the dashboard (never the receiver's body)
    retry_after: float | None = None
    refused: bool = False  # the SSRF guard said no: retrying will not help
    elapsed_ms: int | None = None  # how long the receiver took to answer, when it did

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


# The worker's statements, built once: Core (no ORM bookkeeping), id lists as one expanding
# parameter. A busy worker runs them every batch, beside its POSTs.
_M, _C = WebhookMessage.__table__, Channel.__table__
_ids = bindparam("ids", expanding=True)
_when = _M.c.locked_until.type
_DUE = (
    select(
        _M.c.id, _M.c.public_id, _M.c.url, _M.c.body, _M.c.attempts, _M.c.account_id,
        _M.c.channel_id, _C.c.status, WebhookSecret.secret, WebhookSecret.previous,
        WebhookSecret.previous_until,
    )
    .select_from(_M)
    .outerjoin(_C, _C.c.id == _M.c.channel_id)
    .outerjoin(WebhookSecret, WebhookSecret.account_id == _M.c.account_id)
    .where(
        _M.c.status == "pending",
        _M.c.next_attempt_at <= bindparam("now", type_=_when),
        or_(_M.c.locked_until.is_(None), _M.c.locked_until < bindparam("now", type_=_when)),
    )
    .order_by(_M.c.next_attempt_at, _M.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True, of=_M)
)  # fmt: skip
_LEASE = (
    update(_M)
    .where(_M.c.id.in_(_ids))
    .values(
        locked_until=bindparam("until", type_=_when),
        attempts=_M.c.attempts + 1, round_attempts=_M.c.round_attempts + 1,
    )
)  # fmt: skip
_RENEW = (
    update(_M)
    .where(_M.c.id.in_(_ids), _M.c.status == "pending")
    .values(locked_until=bindparam("until", type_=_when))
)
_DEAD = (
    update(_M)
    .where(_M.c.id.in_(_ids))
    .values(status="failed", last_error="channel disabled", locked_until=None)
)
_PARKED = (  # written just as the host paused the channel: they wait with the others
    update(_M).where(_M.c.id.in_(_ids)).values(status="paused", locked_until=None)
)
_DELIVERED = (  # executed once per batch with one parameter set per message
    update(_M)
    .where(_M.c.id == bindparam("message_id"))
    .values(
        status="delivered", delivered_at=bindparam("now", type_=_when),
        last_attempt_at=bindparam("now", type_=_when), last_status_code=bindparam("code"),
        last_duration_ms=bindparam("ms"), last_error=None, locked_until=None,
    )
)  # fmt: skip
_WORKING = (  # a success stops the channel's failing clock
    update(_C).where(_C.c.id.in_(_ids), _C.c.failing_since.is_not(None)).values(failing_since=None)
)


def claim(s, now: datetime, limit: int, timeout: float, sealer: Sealer) -> list[Claimed]:
    """Lease up to `limit` due messages, in the caller's transaction, for `lease_span(timeout)`:
    the worker renews the lease of those not yet sent each time it writes outcomes, so a
    crashed worker's messages are free again within that span. One query finds them with
    their channel's status and the account's sealed secrets, one more leases them."""
    rows = s.execute(_DUE, {"now": now, "limit": limit}).all()
    if not rows:
        return []
    dead = [r.id for r in rows if r.status not in (None, "active", "paused")]
    parked = [r.id for r in rows if r.status == "paused"]
    live = [r for r in rows if r.status in (None, "active")]
    if dead:  # nobody listens there any more
        s.execute(_DEAD, {"ids": dead})
    if parked:
        s.execute(_PARKED, {"ids": parked})
    if not live:
        return []
    s.execute(_LEASE, {"ids": [r.id for r in live], "until": now + lease_span(timeout)})
    keys: dict[int, tuple[str, ...]] = {}
    for r in live:  # each account's secrets opened once per batch
        if r.account_id in keys:
            continue
        if r.secret is None:  # the account's first delivery: its secret is made now
            keys[r.account_id] = notifications.signing_secrets(s, r.account_id, now, sealer)
        else:
            keys[r.account_id] = notifications.open_secrets(
                sealer, r.secret, r.previous, r.previous_until, now
            )
    return [
        Claimed(
            r.id, r.public_id, r.url, r.body.encode(), r.attempts + 1, r.channel_id,
            keys[r.account_id],
        )
        for r in live
    ]  # fmt: skip


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


def send(outbound: Outbound, message: Claimed, timeout: float) -> Outcome:
    if not message.secrets:  # unsigned it would be worthless to the receiver
        return Outcome(None, "the signing secret cannot be opened; rotate it")
    body = message.body
    headers = notifications.signature_headers(
        list(message.secrets), message.public_id, int(time.time()), body
    )
    headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
    started = time.monotonic()
    try:
        # request() re-checks the URL and the addresses the name resolves to right now.
        response = outbound.request(
            "POST", message.url, headers=headers, body=body, max_body=MAX_ANSWER, timeout=timeout
        )
    except OutboundRefused as exc:
        return Outcome(None, str(exc)[:500], refused=True)
    except OutboundError as exc:
        return Outcome(None, (str(exc) or type(exc).__name__)[:500])
    elapsed = round((time.monotonic() - started) * 1000)
    if 200 <= response.status < 300:
        return Outcome(response.status, None, elapsed_ms=elapsed)
    retry_after = None
    if response.status in (429, 503) and response.headers.get("retry-after", "").isdigit():
        retry_after = float(response.headers["retry-after"])
    return Outcome(response.status, f"HTTP {response.status}", retry_after, elapsed_ms=elapsed)


def record(
    s, done: list[tuple[Claimed, Outcome]], now: datetime, config, renew: list[int] = ()
) -> None:
    """Write the outcomes of several attempts in the caller's transaction: successes in bulk,
    failures one by one (retry time, 410, the channel's failing clock); and renew the lease of
    the batch's messages still to be sent (`renew`)."""
    if renew:
        until = now + lease_span(config["WEBHOOK_TIMEOUT"])
        s.execute(_RENEW, {"ids": list(renew), "until": until})
    delivered: list[dict] = []
    channels: set[int] = set()
    for message, outcome in done:
        if outcome.ok:
            delivered.append(
                {"message_id": message.id, "now": now, "code": outcome.status,
                 "ms": outcome.elapsed_ms}
            )  # fmt: skip
            if message.channel_id is not None:
                channels.add(message.channel_id)
    if delivered:
        s.execute(_DELIVERED, delivered)
    if channels:
        s.execute(_WORKING, {"ids": sorted(channels)})
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
    m.last_duration_ms = outcome.elapsed_ms
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


def _write(sessions, done, config, claim_next: int, sealer: Sealer, renew=()) -> list[Claimed]:
    """One bookkeeping transaction: outcomes so far, leases renewed, the next batch leased."""
    with database.write(sessions) as s:
        _no_fsync_wait(s)
        record(s, done, _now(), config, renew=renew)
        if not claim_next:
            return []
        return claim(s, _now(), claim_next, config["WEBHOOK_TIMEOUT"], sealer)


def deliver_due(sessions: sessionmaker, outbound: Outbound, config, sealer: Sealer) -> int:
    """Deliver every due message, a leased batch at a time, one POST after another; returns
    how many were attempted.

    While the worker is busy (full batches) its bookkeeping runs beside the POSTs, on a second
    thread: as batch k is sent, one transaction writes batch k-1's outcomes and leases batch
    k+1, so the worker hardly ever waits on the database and commits once a batch. Outcomes
    are also written (leases renewed) whenever RECORD_INTERVAL has passed since the last
    write, i.e. right after any slow answer. A channel that answers 410 Gone is sent nothing
    more, not even what this worker had already leased for it."""
    timeout, size = config["WEBHOOK_TIMEOUT"], config["WEBHOOK_BATCH"]
    total, done, gone = 0, [], set()
    batch = _write(sessions, done, config, size, sealer)
    with contextlib.ExitStack() as stack:
        pool = None
        while batch:
            total += len(batch)
            ahead = None  # the next batch, leased while this one is sent
            if len(batch) == size:  # a full batch: more is probably waiting
                pool = pool or stack.enter_context(ThreadPoolExecutor(1, "webhook-books"))
                ahead, done = pool.submit(_write, sessions, done, config, size, sealer), []
            written = time.monotonic()
            for position, message in enumerate(batch):
                if message.channel_id in gone:
                    outcome = Outcome(None, "not sent: the channel answered 410 Gone", refused=True)
                else:
                    outcome = send(outbound, message, timeout)
                if outcome.status == 410 and message.channel_id is not None:
                    gone.add(message.channel_id)
                WEBHOOK_DELIVERIES.labels(
                    metrics.webhook_outcome(outcome.status, outcome.refused)
                ).inc()
                if not outcome.ok:
                    log.info("webhook %s to %s failed: %s", message.public_id, message.url,
                             outcome.error)  # fmt: skip
                done.append((message, outcome))
                if time.monotonic() - written > RECORD_INTERVAL and position + 1 < len(batch):
                    # Slow answers: write what we have; keep the rest, and the next, leased.
                    following = ahead.result() if ahead is not None else []
                    rest = [m.id for m in batch[position + 1 :] + following]
                    _write(sessions, done, config, 0, sealer, renew=rest)
                    done, written = [], time.monotonic()
            batch = ahead.result() if ahead is not None else []
            if not batch:  # write the last outcomes, and look again
                batch, done = _write(sessions, done, config, size, sealer), []
    return total
