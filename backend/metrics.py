"""What an operator scrapes at /metrics (Prometheus text format), Flask-free so the places
where things happen — the booking face, the worker, the calendar sync, the mailer — record
them directly.

Under gunicorn every worker process is its own interpreter, so the metric values live in
files under PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode), which
`schedlink serve` sets before anything imports prometheus_client; one scrape then sums all
workers and the job worker beside them. Without it (tests, `flask run`) they are per process.

Labels are bounded on purpose: routes are URL rule templates (`/b/<token>`), never raw paths
(a token in a label would be a secret in the metrics and one series per link).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from .models import Job

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED = "<unmatched>"
# Web latencies: most pages take milliseconds, the p99 objective is 250 ms.
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Calendar syncs read a remote service: seconds, not milliseconds.
_SYNC = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

REQUESTS = Counter(
    "schedlink_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
REQUEST_SECONDS = Histogram(
    "schedlink_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["method", "route"],
    buckets=_LATENCY,
)
BOOKINGS = Counter(
    "schedlink_bookings",
    "Bookings made, and refused because the slot was gone or the link was used up",
    ["outcome"],  # made | slot_gone | link_used
)
AVAILABILITY_QUERIES = Counter(
    "schedlink_availability_queries",
    "Availability computed",
    ["kind"],  # api | booking_page
)
AVAILABILITY_SECONDS = Histogram(
    "schedlink_availability_query_duration_seconds",
    "Time to compute availability",
    ["kind"],
    buckets=_LATENCY,
)
JOBS_RUN = Counter("schedlink_outbox_jobs_run", "Outbox jobs run", ["kind", "outcome"])
WEBHOOK_DELIVERIES = Counter(
    "schedlink_webhook_deliveries",
    "Webhook delivery attempts",
    ["outcome"],  # delivered | failed | refused | gone
)
CALENDAR_SYNCS = Counter(
    "schedlink_calendar_syncs",
    "Calendar syncs",
    ["provider", "outcome"],  # ok | error
)
CALENDAR_SYNC_SECONDS = Histogram(
    "schedlink_calendar_sync_duration_seconds",
    "Time to sync one calendar profile",
    ["provider"],
    buckets=_SYNC,
)
MAILS = Counter("schedlink_mails", "E-mails handed to the SMTP server", ["outcome"])
RATE_LIMITED = Counter("schedlink_rate_limit_refusals", "Requests refused with 429", ["route"])


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


@contextmanager
def timed(histogram: Histogram, **labels: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        histogram.labels(**labels).observe(time.perf_counter() - start)


def webhook_outcome(status: int | None, refused: bool) -> str:
    if status is not None and 200 <= status < 300:
        return "delivered"
    if status == 410:
        return "gone"
    return "refused" if refused else "failed"


class OutboxCollector:
    """Jobs by kind and state and the oldest due job's age, read from the jobs table at
    scrape time: the table is the truth for every worker on every machine, where counters
    only know what their own process did."""

    def __init__(self, sessions: sessionmaker):
        self.sessions = sessions

    def collect(self):
        jobs = GaugeMetricFamily(
            "schedlink_outbox_jobs", "Outbox jobs by kind and state", labels=["kind", "state"]
        )
        oldest = GaugeMetricFamily(
            "schedlink_outbox_oldest_due_job_age_seconds",
            "How long the oldest pending job has been due (0 when none is)",
        )
        now = datetime.now(UTC)
        try:
            with self.sessions() as s:
                counts = s.execute(
                    select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)
                ).all()
                first_due = s.scalar(
                    select(func.min(Job.run_at)).where(Job.status == "pending", Job.run_at <= now)
                )
        except SQLAlchemyError:
            return  # the database is down: /readyz says so; the scrape still answers
        for kind, state, count in counts:
            jobs.add_metric([kind, state], count)
        if first_due is not None and first_due.tzinfo is None:
            first_due = first_due.replace(tzinfo=UTC)
        oldest.add_metric([], max(0.0, (now - first_due).total_seconds()) if first_due else 0.0)
        yield jobs
        yield oldest


def exposition(sessions: sessionmaker) -> bytes:
    """Every process's metrics (multiprocess mode) or this one's, plus the outbox gauges."""
    directory = multiprocess_dir()
    if directory:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    outbox = CollectorRegistry(auto_describe=False)
    outbox.register(OutboxCollector(sessions))
    return text + generate_latest(outbox)
