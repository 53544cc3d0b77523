"""The outbox: jobs written in the same transaction as the change they announce."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Job(Base):
    """Outbox: work done after commit by a worker (e-mail now; webhooks later)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_ready", "status", "run_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkerHeartbeat(Base):
    """A worker's last sign of life, written every ~30 s, so /readyz can tell an operator
    that jobs (mail, webhooks, syncs) are being drained, not only that the web face is up."""

    __tablename__ = "worker_heartbeats"
    worker: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
