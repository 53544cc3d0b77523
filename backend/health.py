"""Readiness, Flask-free: is the database reachable, is its schema the code's, and has a
job worker shown a sign of life lately. The worker writes its heartbeat here too."""

from __future__ import annotations

import functools
import os
import socket
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from .core import database
from .models import WorkerHeartbeat

BEAT_EVERY = timedelta(seconds=30)
# The check's own connection gives up after these (libpq counts whole seconds, 2 at least);
# until then a later probe waits on the same check instead of starting another.
CONNECT_TIMEOUT = 2  # seconds
STATEMENT_TIMEOUT_MS = 1000
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


def probe_engine(url: str):
    """An engine for readiness checks alone: a fresh connection each time (it is what a
    request needing a new one would meet), a connect timeout, and on PostgreSQL a
    statement timeout, so a check's thread always ends."""
    if not url.startswith("sqlite"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://").removeprefix(
            "postgresql+psycopg://"
        )
        return create_engine(url, poolclass=NullPool, connect_args={
            "connect_timeout": CONNECT_TIMEOUT,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        })  # fmt: skip
    return database.make_engine(url, poolclass=NullPool)


class Prober:
    """Readiness within `within` seconds (SCHEDLINK_READY_TIMEOUT_MS), whatever the database
    does: a probe left waiting on a database that does not answer (a dropped route, a hung
    server) is a probe that times out, and a load balancer learns nothing from that. So the
    check runs on a thread of its own, and a probe it has not answered in time is told the
    database did not answer. One check at a time per process; probes that come while one
    runs wait on that one."""

    def __init__(self, url: str, within: float):
        self._url = url
        self._within = within
        self._lock = threading.Lock()
        self._pending: Future | None = None
        self._sessions: sessionmaker | None = None
        self._pid: int | None = None

    def _run(self, future: Future) -> None:
        try:
            future.set_result(readiness(self._sessions))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting probe
            future.set_exception(exc)

    def check(self) -> Readiness:
        code_heads()  # the migration files, read once per process: not the database's time
        with self._lock:
            if self._pid != os.getpid():  # made before gunicorn forked: an engine per process
                self._pid, self._pending = os.getpid(), None
                self._sessions = sessionmaker(probe_engine(self._url))
            if self._pending is None or self._pending.done():
                self._pending = Future()
                threading.Thread(
                    target=self._run, args=(self._pending,), name="readyz", daemon=True
                ).start()
            pending = self._pending
        try:
            return pending.result(timeout=self._within)
        except FutureTimeout:
            within = int(self._within * 1000)
            return Readiness({"database": f"unreachable: no answer within {within} ms"})

    def dispose(self) -> None:
        if self._sessions is not None:
            self._sessions.kw["bind"].dispose()
