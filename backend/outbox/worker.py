"""The outbox: jobs written in the same transaction as the change they announce, drained
after commit by a worker. PostgreSQL workers share the table with FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

import logging
import random
import signal
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from .. import database, notifications
from ..calendars import enqueue_due_syncs
from ..models import Job
from ..organizations import purge_unverified
from . import (
    account_mail,
    calendar_jobs,
    conferencing_jobs,
    connection_jobs,
    enterprise_jobs,
    mailer,
    team_mail,
    webhook_mail,
    webhooks,
)
from .wakeup import Wakeup

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 12
# Job kind -> handler(sessions, payload, config). Each package that queues jobs registers
# its kinds here; a kind nobody handles fails (and is retried) rather than vanishing.
HANDLERS: dict = {}
mailer.register(HANDLERS)
HANDLERS.update(account_mail.HANDLERS)
HANDLERS.update(calendar_jobs.HANDLERS)
HANDLERS.update(conferencing_jobs.HANDLERS)
HANDLERS.update(connection_jobs.HANDLERS)
HANDLERS.update(team_mail.HANDLERS)
HANDLERS.update(enterprise_jobs.HANDLERS)
HANDLERS["webhook.channel_disabled"] = webhook_mail.channel_disabled


def _now() -> datetime:
    return datetime.now(UTC)


def claim(sessions: sessionmaker, now: datetime) -> tuple[int, str, dict] | None:
    """Lease the oldest due job; a crashed worker's lease runs out and another retries it."""
    with database.write(sessions) as s:
        job = s.scalars(
            select(Job)
            .where(
                Job.status == "pending",
                Job.run_at <= now,
                or_(Job.locked_until.is_(None), Job.locked_until < now),
            )
            .order_by(Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if job is None:
            return None
        job.locked_until = now + LEASE
        job.attempts += 1
        return job.id, job.kind, dict(job.payload)


def finish(
    sessions: sessionmaker,
    job_id: int,
    error: str | None,
    now: datetime,
    retry_after: float | None = None,
) -> None:
    with database.write(sessions) as s:
        job = s.get(Job, job_id)
        job.locked_until = None
        if error is None:
            job.status = "done"
            job.last_error = None
            job.payload = _without_secrets(job.payload)
            return
        job.last_error = error[:2000]
        if job.attempts >= MAX_ATTEMPTS:
            job.status = "failed"
            job.payload = _without_secrets(job.payload)
        else:
            # Exponential backoff with jitter, capped at about six hours.
            delay = min(6 * 3600, 30 * 2 ** (job.attempts - 1)) * random.uniform(0.8, 1.2)
            if retry_after is not None:  # the other side said when (HTTP Retry-After)
                delay = max(retry_after, 1.0)
            job.run_at = now + timedelta(seconds=delay)


def _without_secrets(payload: dict) -> dict:
    """A finished job keeps no secret it carried ("sealed_…" values, sealed as they are)."""
    return {k: v for k, v in payload.items() if not k.startswith("sealed_")}


def run_once(app: Flask) -> int:
    """Run every job and deliver every webhook that is due now; returns how many ran.
    Webhooks first, so a wake-up for a new notification sends it without waiting on jobs."""
    ext = app.extensions
    args = (ext["schedlink.sessions"], ext["schedlink.outbound"], app.config)
    total = webhooks.deliver_due(*args, ext["schedlink.sealer"])
    # A delivery outcome may have queued a job (the e-mail about a disabled channel)...
    ran = run_jobs(app)
    if ran:  # ...and a job may have queued a notification (conferencing assigned).
        ran += webhooks.deliver_due(*args, ext["schedlink.sealer"]) + run_jobs(app)
    return total + ran


def run_jobs(app: Flask) -> int:
    sessions = app.extensions["schedlink.sessions"]
    # Periodic calendar syncs become ordinary jobs, so one worker loop runs everything.
    enqueue_due_syncs(sessions, _now(), app.config["CALENDAR_SYNC_SECONDS"])
    # Sign-ups never verified go after 7 days; one cheap read when there are none.
    purge_unverified(sessions, _now())
    done = 0
    while (claimed := claim(sessions, _now())) is not None:
        job_id, kind, payload = claimed
        handler = HANDLERS.get(kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {kind!r}")
            with app.app_context():
                handler(sessions, payload, app.config)
        except Exception as exc:  # a failed job is retried later, never lost
            log.warning("job %s (%s) failed: %s", job_id, kind, exc)
            retry_after = getattr(exc, "retry_after", None)
            finish(sessions, job_id, f"{type(exc).__name__}: {exc}", _now(), retry_after)
        else:
            finish(sessions, job_id, None, _now())
        done += 1
    return done


def run_worker(app: Flask, once: bool = False, poll_seconds: float = 1.0) -> None:
    """Run what is due, then wait: for a new webhook (PostgreSQL NOTIFY), `poll_seconds`,
    or SIGTERM/SIGINT, which end the loop after the current round."""
    wakeup = Wakeup(app.extensions["schedlink.engine"], notifications.WAKE_CHANNEL)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: wakeup.stop())
    failures = 0
    try:
        wakeup.listen()
        while True:
            try:
                run_once(app)
                failures = 0
            except (SQLAlchemyError, database.TransactionConflict) as exc:
                # The database is down or busy: nothing was lost (leases expire, jobs stay
                # pending), so wait and try again rather than end the process that sends all
                # mail and webhooks.
                failures += 1
                log.warning("worker round failed (%s); trying again", exc)
            wait = poll_seconds if not failures else min(60.0, poll_seconds * 2**failures)
            if once or wakeup.wait(wait):
                return
    finally:
        wakeup.close()
