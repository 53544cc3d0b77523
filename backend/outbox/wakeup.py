"""Waking an idle worker. On PostgreSQL it LISTENs on a channel that the webhook outbox's
writers NOTIFY when they commit, so a notification leaves within milliseconds of its change
instead of at the next poll; the poll stays as the fallback (retries falling due, SQLite, a
lost listening connection). A stop request (SIGTERM) wakes it at once as well."""

from __future__ import annotations

import contextlib
import logging
import os
import select

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)


class Wakeup:
    def __init__(self, engine: Engine, channel: str):
        self._engine = engine
        self._channel = channel
        self._conn = None  # the listening psycopg connection, outside the engine's pool
        self._stopped = False
        # Written to by stop(), which may run in a signal handler: select() then returns.
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)

    def listen(self) -> None:
        """Start listening (before looking for work, so nothing committed after is missed)."""
        if self._conn is not None or self._engine.dialect.name != "postgresql":
            return
        import psycopg

        try:
            raw = self._engine.raw_connection()
            self._conn = raw.driver_connection
            raw.detach()  # ours for good: it will sit in LISTEN, never back in the pool
            self._conn.rollback()
            self._conn.autocommit = True
            self._conn.execute(f"LISTEN {self._channel}")
        except (DBAPIError, psycopg.Error, OSError) as exc:  # the server is down: poll
            log.warning("not listening for new webhooks (polling instead): %s", exc)
            self._close_listener()

    def stop(self) -> None:
        self._stopped = True
        with contextlib.suppress(BlockingIOError):
            os.write(self._write, b"\0")

    def wait(self, timeout: float) -> bool:
        """Until something is committed to the outbox, stop() or `timeout` seconds; True when
        the worker should stop."""
        if self._stopped:
            return True
        self.listen()
        conn = self._conn
        watched = [self._read] if conn is None else [self._read, conn.fileno()]
        ready, _, _ = select.select(watched, [], [], timeout)
        if conn is not None and conn.fileno() in ready:
            self._drain(conn)
        with contextlib.suppress(BlockingIOError):
            os.read(self._read, 64)
        return self._stopped

    def _drain(self, conn) -> None:
        import psycopg

        try:
            for _ in conn.notifies(timeout=0):
                pass
        except (psycopg.Error, OSError) as exc:  # the server went away: poll until it is back
            log.warning("lost the connection listening for new webhooks: %s", exc)
            self._close_listener()

    def _close_listener(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            import psycopg

            with contextlib.suppress(psycopg.Error, OSError):  # closing a dead connection
                conn.close()

    def close(self) -> None:
        self._close_listener()
        os.close(self._read)
        os.close(self._write)
