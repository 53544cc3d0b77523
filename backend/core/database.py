"""Engines, write transactions and migrations (Flask-free): SQLite by default, PostgreSQL via
SCHEDLINK_DATABASE_URL. Domain packages take a session factory and open `write()` themselves;
`backend.db` binds one factory per Flask app."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parents[1] / "migrations"
_PG_RETRYABLE = {"40001", "40P01"}  # serialization failure, deadlock


class TransactionConflict(Exception):
    """A write transaction kept losing a race; the caller answers 409."""


def _create_owner_only(url: str) -> None:
    """A new SQLite file is created readable by its owner alone (0600); SQLite gives its
    -wal and -shm files the same mode. An existing file keeps the mode it has."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # another process got there first
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: str, **options) -> Engine:
    if url.startswith("sqlite"):
        _create_owner_only(url)
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # libpq waits for ever on a server that never answers; a URL's own connect_timeout wins.
    connect = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": 10}
    pool = options or {"pool_size": 5, "max_overflow": 10}
    return create_engine(url, pool_pre_ping=True, connect_args=connect, **pool)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control from pysqlite so we can say BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the lock up front: a deferred transaction that reads and then
        # writes can fail with SQLITE_BUSY instead of waiting on busy_timeout.
        if conn.get_execution_options().get("write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # may wait and fail: SQLAlchemy's errors
        else:
            # A read's BEGIN takes no lock and cannot fail; said on the driver's connection
            # it costs 3 us instead of a statement's trip through SQLAlchemy (~40 us, a
            # noticeable share of the booking page).
            conn.connection.driver_connection.execute("BEGIN DEFERRED")


def migrate(url: str, sealer=None) -> None:
    """Bring the database schema to the newest migration. `sealer` (the app's
    `sealing.Sealer`) lets data migrations seal secrets that older versions kept in clear;
    a database that has such rows cannot be migrated without it."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(attributes={"sealer": sealer})
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # "heads": feature branches may each add a migration on the same parent; all apply.
    command.upgrade(cfg, "heads")


@contextlib.contextmanager
def write(sessions: sessionmaker) -> Iterator[Session]:
    """One write transaction, committed on success.

    SQLite: BEGIN IMMEDIATE. PostgreSQL: serialization failures and deadlocks are
    retried by the caller via `retrying`; here they surface as TransactionConflict.
    """
    with sessions() as s:
        s.connection(execution_options={"write": True})
        try:
            yield s
            s.commit()
        except OperationalError as exc:
            s.rollback()
            if _sqlstate(exc) in _PG_RETRYABLE or "database is locked" in str(exc):
                raise TransactionConflict(str(exc)) from exc
            raise
        except BaseException:
            s.rollback()
            raise


def retrying(fn, attempts: int = 4):
    """Run fn() (which opens its own `write()`), retrying PostgreSQL conflicts a few times."""
    for attempt in range(attempts):
        try:
            return fn()
        except TransactionConflict:
            if attempt == attempts - 1:
                raise
            time.sleep(0.01 * (2**attempt))
    raise AssertionError("unreachable")


def _sqlstate(exc: OperationalError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)
