"""The database bound to a Flask app: one engine and session factory per app, and the
request's session. Transactions, engines and migrations themselves live in
`backend.core.database`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .core import database
from .core.database import TransactionConflict, make_engine, migrate, retrying

__all__ = [
    "TransactionConflict", "engine", "init_app", "make_engine", "migrate", "retrying",
    "session", "sessions", "write",
]  # fmt: skip


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["schedlink.engine"] = engine
    app.extensions["schedlink.sessions"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["schedlink.engine"]


def sessions() -> sessionmaker:
    """The app's session factory, for domain functions that open their own transactions."""
    return current_app.extensions["schedlink.sessions"]


def session() -> Session:
    """The request's session (read-mostly; writes go through `write()`)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["schedlink.sessions"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


@contextlib.contextmanager
def write(factory: sessionmaker | None = None) -> Iterator[Session]:
    """One write transaction on the app's database (see `database.write`)."""
    with database.write(factory or sessions()) as s:
        yield s
    # The request's session may hold a read transaction begun before this write (on SQLite a
    # snapshot): end it, so what the request reads next includes what it just wrote. Its
    # objects stay loaded (expire_on_commit=False).
    request_session = g.get("db_session") if has_app_context() else None
    if request_session is not None and request_session.in_transaction():
        request_session.commit()
