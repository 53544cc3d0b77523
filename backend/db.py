"""The database bound to a Flask app: one engine and session factory per app, and the
request's session. Transactions, engines and migrations themselves live in `backend.database`."""

from __future__ import annotations

import contextlib

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from . import database
from .database import TransactionConflict, make_engine, migrate, retrying

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


def write(factory: sessionmaker | None = None) -> contextlib.AbstractContextManager[Session]:
    """One write transaction on the app's database (see `database.write`)."""
    return database.write(factory or sessions())
