"""The outbox: jobs written in the same transaction as the change they announce, drained
after commit by a worker. PostgreSQL workers share the table with FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import or_, select, true
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from .. import health, notifications
from ..calendars import enqueue_due_syncs
from ..core import database
from ..metrics import JOBS_RUN
from ..models import Job
from ..organizations import purge_unverified
from . import (
    account_mail,
    calendar_jobs,
    conferencing_jobs,
    connection_jobs,
    enterprise_jobs,
    mailer,
    proposal_mail,
    team_mail,
    webhook_mail,
    webhooks,
)
from .wakeup import Wakeup

log = logging.getLogger(__name__)
job_log = logging.getLogger("schedlink.jobs")
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
HANDLERS.update(proposal_mail.HANDLERS)
HANDLERS.update(enterprise_jobs.HANDLERS)
HANDLERS["webhook.channel_disabled"] = webhook_mail.channel_disabled


def _now() -> datetime:
    return datetime.now(UTC)


# Lanes: which job kinds a worker thread claims. Calendar syncs have a lane of their own
# (a thread in `run_worker`), so however long a sync takes — a slow feed server, a calendar
# that uses its whole expansion budget — mail, webhooks and every other job go on. The
# sync's CPU work runs in a child process (`calendars.expansion`), so it does not hold this
# process's interpreter either.
CALENDAR_LANE = ("calendar.sync",)
ALL, CALENDAR, OTHERS = "all", "calendar", "others"


def _in_lane(lane: str):
    if lane == CALENDAR:
        return Job.kind.in_(CALENDAR_LANE)
    if lane == OTHERS:
        return Job.kind.not_in(CALENDAR_LANE)
    return true()


def claim(sessions: sessionmaker, now: datetime, lane: str = ALL) -> tuple[int, str, dict] | None:
    """Lease the oldest due job of the lane; a crashed worker's lease runs out and another
    retries it."""
    with database.write(sessions) as s:
        job = s.scalars(
            select(Job)
            .where(
                Job.status == "pending",
                Job.run_at <= now,
                or_(Job.locked_until.is_(None), Job.locked_until < now),
                _in_lane(lane),
            )
            # `id + 0`: oldest first, but found through the due-time index (status, run_at)
            # and sorted, never by walking the primary key past every job planned for later
            # (100,000 reminders must cost a round no more than an empty table: bench/).
            .order_by(Job.id + 0)
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


def run_once(app: Flask, lane: str = ALL) -> int:
    """Run every job (of the lane) and deliver every webhook that is due now; returns how
    many ran. Webhooks first, so a wake-up for a new notification sends it without waiting on
    jobs. The calendar lane has no webhooks."""
    if lane == CALENDAR:
        return run_jobs(app, lane)
    ext = app.extensions
    args = (ext["schedlink.sessions"], ext["schedlink.outbound"], app.config)
    total = webhooks.deliver_due(*args, ext["schedlink.sealer"])
    # A delivery outcome may have queued a job (the e-mail about a disabled channel)...
    ran = run_jobs(app, lane)
    if ran:  # ...and a job may have queued a notification (conferencing assigned).
        ran += webhooks.deliver_due(*args, ext["schedlink.sealer"]) + run_jobs(app, lane)
    return total + ran


def run_jobs(app: Flask, lane: str = ALL) -> int:
    sessions = app.extensions["schedlink.sessions"]
    if lane != OTHERS:
        # Periodic calendar syncs become ordinary jobs of the calendar lane.
        enqueue_due_syncs(sessions, _now(), app.config["CALENDAR_SYNC_SECONDS"])
    if lane != CALENDAR:
        # Sign-ups never verified go after 7 days; one cheap read when there are none.
        purge_unverified(sessions, _now())
    done = 0
    while (claimed := claim(sessions, _now(), lane)) is not None:
        job_id, kind, payload = claimed
        handler = HANDLERS.get(kind)
        started = time.perf_counter()
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {kind!r}")
            with app.app_context():
                handler(sessions, payload, app.config)
        except Exception as exc:  # a failed job is retried later, never lost
            log.warning("job %s (%s) failed: %s", job_id, kind, exc)
            retry_after = getattr(exc, "retry_after", None)
            finish(sessions, job_id, f"{type(exc).__name__}: {exc}", _now(), retry_after)
            outcome = "failed"
        else:
            finish(sessions, job_id, None, _now())
            outcome = "done"
        JOBS_RUN.labels(kind=kind, outcome=outcome).inc()
        # One line per job (a JSON object under SCHEDLINK_LOG_FORMAT=json); never the payload,
        # which can carry addresses and sealed secrets.
        job_log.info(
            "job %s %s %s", job_id, kind, outcome,
            extra={"fields": {"type": "job", "job_id": job_id, "kind": kind, "outcome": outcome,
                              "duration_ms": round((time.perf_counter() - started) * 1000, 2)}},
        )  # fmt: skip
        done += 1
    return done


def run_worker(app: Flask, once: bool = False, poll_seconds: float = 1.0) -> None:
    """Run what is due, then wait: for a new webhook (PostgreSQL NOTIFY), `poll_seconds`,
    or SIGTERM/SIGINT, which end the loop after the current round. Calendar syncs run in a
    lane (thread) of their own beside this loop."""
    if once:
        _rounds(app, ALL, lambda wait: True)
        return
    wakeup = Wakeup(app.extensions["schedlink.engine"], notifications.WAKE_CHANNEL)
    stopped = threading.Event()

    def stop(*_):
        stopped.set()
        wakeup.stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    lane = threading.Thread(
        target=_rounds, args=(app, CALENDAR, stopped.wait, poll_seconds), daemon=True,
        name="calendar-lane",
    )  # fmt: skip
    try:
        wakeup.listen()
        lane.start()
        _rounds(app, OTHERS, wakeup.wait, poll_seconds)
    finally:
        stopped.set()
        if lane.is_alive():
            # A sync in progress ends within its budget; past that, its lease lets another
            # worker run it again.
            lane.join(timeout=60)
        wakeup.close()


def _rounds(app: Flask, lane: str, wait, poll_seconds: float = 1.0) -> None:
    """Rounds of one lane until `wait(seconds)` says stop (True). A round that fails on the
    database waits with backoff and tries again: nothing was lost (leases expire, jobs stay
    pending), and the process sends all mail and webhooks, so it must not end."""
    failures = 0
    # The main lane beats for /readyz; a long calendar sync must not make a live worker look dead.
    name, last_beat = (health.worker_name(), None) if lane != CALENDAR else (None, None)
    while True:
        try:
            now = _now()
            if name and (last_beat is None or now - last_beat >= health.BEAT_EVERY):
                health.beat(app.extensions["schedlink.sessions"], name, now)
                last_beat = now
            run_once(app, lane)
            failures = 0
        except (SQLAlchemyError, database.TransactionConflict) as exc:
            failures += 1
            log.warning("worker round failed (%s); trying again", exc)
        if wait(poll_seconds if not failures else min(60.0, poll_seconds * 2**failures)):
            return
