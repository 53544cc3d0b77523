"""Readiness, Flask-free: is the database reachable, is its schema the code's, and has a
job worker shown a sign of life lately. The worker writes its heartbeat here too."""

from __future__ import annotations

import functools
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from .core import database
from .models import WorkerHeartbeat

BEAT_EVERY = timedelta(seconds=30)
STALE_AFTER = timedelta(minutes=2)
# Rows of workers gone for this long are dropped when another beats.
FORGET_AFTER = timedelta(days=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def beat(sessions: sessionmaker, worker: str, now: datetime) -> None:
    """Record that `worker` is alive (one small write; callers do it every BEAT_EVERY)."""
    with database.write(sessions) as s:
        row = s.get(WorkerHeartbeat, worker)
        if row is None:
            s.add(WorkerHeartbeat(worker=worker, beat_at=now))
        else:
            row.beat_at = now
        s.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))


@functools.cache
def code_heads() -> frozenset[str]:
    """The migration heads this code ships (read once: the files do not change at run time)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(cfg).get_heads())


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)  # name -> "ok" or what is wrong

    @property
    def ready(self) -> bool:
        return all(value == "ok" for value in self.checks.values())


def readiness(sessions: sessionmaker, now: datetime | None = None) -> Readiness:
    """Three checks in one short read: database, migrations at head, worker heartbeat."""
    now = now or datetime.now(UTC)
    result = Readiness()
    try:
        with sessions() as s:
            s.execute(text("SELECT 1"))
            result.checks["database"] = "ok"
            applied = set(s.scalars(text("SELECT version_num FROM alembic_version")))
            last_beat = s.scalar(select(WorkerHeartbeat.beat_at).order_by(
                WorkerHeartbeat.beat_at.desc()).limit(1))  # fmt: skip
    except SQLAlchemyError as exc:
        if "database" not in result.checks:
            result.checks["database"] = f"unreachable: {type(exc).__name__}"
            return result
        # Reachable but without our tables: never migrated (or migrated by older code).
        result.checks["migrations"] = "not migrated: run `schedlink migrate`"
        return result
    missing = code_heads() - applied
    result.checks["migrations"] = (
        "ok" if not missing else f"behind: {', '.join(sorted(missing))} not applied"
    )
    if last_beat is None:
        result.checks["worker"] = "no job worker has run"
    else:
        if last_beat.tzinfo is None:
            last_beat = last_beat.replace(tzinfo=UTC)
        age = now - last_beat
        result.checks["worker"] = (
            "ok" if age < STALE_AFTER else f"last heartbeat {int(age.total_seconds())} s ago"
        )
    return result
