"""Rate limits: one Flask-Limiter per app, applied inside views where the key is known.

Counters live where every worker process sees them: by default the app's own database
(SQLite or PostgreSQL, the `rate_limit_counters` table), or any storage `limits` knows, such
as Redis, through SCHEDLINK_RATELIMIT_STORAGE_URI. The client is `request.remote_addr`, which
`backend.proxies` sets from X-Forwarded-For only when the peer is a trusted proxy.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from flask import Flask, current_app
from flask.globals import request_ctx
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import Storage
from sqlalchemy import Engine, delete, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from .core.database import make_engine
from .models import RateLimitCounter

DATABASE_STORAGE_URI = "schedlink-db://"


class DatabaseStorage(Storage):
    """Fixed-window counters in the app's database: one upsert per hit, atomic on both
    SQLite and PostgreSQL, so N worker processes count as one."""

    STORAGE_SCHEME = ["schedlink-db"]

    def __init__(self, uri: str | None = None, engine: Engine | None = None, **options):
        super().__init__(uri, wrap_exceptions=bool(options.pop("wrap_exceptions", False)))
        if engine is None:
            raise ValueError("DatabaseStorage needs the app's engine (storage_options)")
        self.engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = RateLimitCounter.__table__
        stmt = self._insert(table).values(bucket=key, count=amount, expires_at=now + expiry)
        stale = table.c.expires_at <= now
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.bucket],
            set_={
                "count": _case(stale, amount, table.c.count + amount),
                "expires_at": _case(stale, now + expiry, table.c.expires_at),
            },
        ).returning(table.c.count)
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            count = conn.execute(stmt).scalar_one()
            if random.random() < 0.01:  # now and then, forget windows long gone
                conn.execute(delete(table).where(table.c.expires_at < now - 3600))
        return count

    def get(self, key: str) -> int:
        table = RateLimitCounter.__table__
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table.c.count).where(table.c.bucket == key, table.c.expires_at > time.time())
            ).first()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        table = RateLimitCounter.__table__
        with self.engine.connect() as conn:
            expires = conn.execute(select(table.c.expires_at).where(table.c.bucket == key)).scalar()
        return max(expires or 0.0, time.time())

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            return conn.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        table = RateLimitCounter.__table__
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            conn.execute(delete(table).where(table.c.bucket == key))


_ENGINES: dict[str, Engine] = {}


def counter_engine(url: str) -> Engine:
    """The counters' own engine on the app's database, with commits that do not wait for the
    disk (SQLite synchronous=NORMAL under WAL, PostgreSQL synchronous_commit=off): a counter
    lost to a power cut costs nothing, a flush per hit would slow every booking. One per
    PostgreSQL URL per process; SQLite connections are not pooled (they are cheap)."""
    if url.startswith("sqlite"):
        engine = make_engine(url, poolclass=NullPool)
        setting = "PRAGMA synchronous=NORMAL"
    else:
        if url in _ENGINES:
            return _ENGINES[url]
        engine = _ENGINES[url] = make_engine(url)
        setting = "SET synchronous_commit TO OFF"

    @event.listens_for(engine, "connect")
    def _relaxed(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(setting)
        cursor.close()
        if not url.startswith("sqlite"):
            dbapi_connection.commit()

    return engine


def _case(condition, then, otherwise):
    from sqlalchemy import case

    return case((condition, then), else_=otherwise)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    uri = app.config["RATELIMIT_STORAGE_URI"] or DATABASE_STORAGE_URI
    options = {}
    if uri == DATABASE_STORAGE_URI:
        options["engine"] = counter_engine(app.config["DATABASE_URL"])
    limiter = app.extensions["schedlink.limiter"] = Limiter(
        get_remote_address,
        app=app,
        storage_uri=uri,
        storage_options=options,
        headers_enabled=True,
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", ""),
    )
    # A deployment that sets Flask-Limiter's own application-wide or default limits needs its
    # before-request hook; otherwise every limit is checked in a view and the hook only costs.
    if not (app.config.get("RATELIMIT_APPLICATION") or app.config.get("RATELIMIT_DEFAULT")):
        _only_where_limited(app, limiter)


def _only_where_limited(app: Flask, limiter: Limiter) -> None:
    """Every limit here is checked inside a view (`limit()` below, which runs the check
    itself); there are no default or decorated limits for Flask-Limiter's before-request hook
    to find, and looking for them, and then for headers to write and state to reset after
    requests that checked none, was 5 % of the booking page's time. So the before-request
    hook goes, and its after-request and teardown hooks run only for requests where a limit
    was checked (which made the limiter's per-request context): those still get their
    X-RateLimit headers and their 429s."""
    before = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in before:
        before.remove(limiter._check_request_limit)

    def checked() -> bool:
        return hasattr(request_ctx._get_current_object(), "_limiter_request_context")

    after = app.after_request_funcs.get(None, [])
    for i, hook in enumerate(after):
        if getattr(hook, "func", None) is getattr(Limiter, "_Limiter__inject_headers", None):
            after[i] = functools.partial(_if_checked, checked, hook)
    teardown = app.teardown_request_funcs.get(None, [])
    for i, hook in enumerate(teardown):
        if getattr(hook, "__func__", None) is getattr(Limiter, "_Limiter__release_context", None):
            teardown[i] = functools.partial(_if_checked, checked, hook)


def _if_checked(checked: Callable[[], bool], hook, value):
    return hook(value) if checked() else value


def limit(
    config_name: str, scope: str, key: Callable[[], str] = get_remote_address
) -> AbstractContextManager:
    """`with limit("RATELIMIT_BOOKING", "booking-ip"):` raises a 429 when exceeded."""
    limiter: Limiter = current_app.extensions["schedlink.limiter"]
    return limiter.limit(current_app.config[config_name], key_func=key, scope=scope)
