"""Fixtures in the style of the Flask tutorial: app, client, runner — on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from helpers import Host, make_host
from mail_server import smtp  # noqa: F401 - the fixture, for every test
from sqlalchemy import create_engine, text

from backend import create_app, db
from backend.models import Base

PG_ADMIN_URL = os.environ.get(
    "SCHEDLINK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# Every table the models define, so new tables are emptied between tests without an edit here;
# children before parents, so deleting in this order never trips a foreign key.
TABLE_NAMES = [t.name for t in reversed(Base.metadata.sorted_tables)]
# One round trip says which tables hold rows: a test leaves a few, and DELETE FROM those few
# costs ~4 ms where TRUNCATE of every table costs ~80 ms (it makes new files and syncs them).
NON_EMPTY = text(" UNION ALL ".join(
    f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in TABLE_NAMES
))  # fmt: skip
RESTART_SEQUENCES = text("SELECT setval(oid::regclass, 1, false) FROM pg_class WHERE relkind = 'S'")


def _pg_reason() -> str | None:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}".splitlines()[0]
    return None


@pytest.fixture(scope="session", autouse=True)
def _argon2_at_its_lowest_cost():
    """Argon2id at its smallest cost in this process (Django's tests do the same with their
    hasher): each account and sign-in would otherwise spend ~0.1 s of CPU on the RFC 9106
    profile, a third of an average test. Servers the tests start keep the real cost, and
    tests/accounts/test_password_cost.py checks it."""
    from argon2 import PasswordHasher

    from backend.accounts import passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", cheap)
        patch.setattr(passwords, "_DUMMY_HASH", cheap.hash("schedlink-timing-equaliser"))
        yield


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "schedlink.db"
    db.migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database():
    reason = _pg_reason()
    if reason:
        pytest.skip(reason)
    name = f"schedlink_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    db.migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_database):
    """The tests' own connection to the shared PostgreSQL database, for emptying it."""
    engine = db.make_engine(pg_database)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request, tmp_path):
    """A database of its own with nothing in it (not migrated), on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    from live_server import fresh_pg_database, pg_unreachable_reason

    reason = pg_unreachable_reason()
    if reason:
        pytest.skip(reason)
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "schedlink.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    with request.getfixturevalue("pg_engine").begin() as conn:
        full = set(conn.execute(NON_EMPTY).scalars())
        for name in TABLE_NAMES:
            if name in full:
                conn.execute(text(f'DELETE FROM "{name}"'))
        conn.execute(RESTART_SEQUENCES)  # ids start at 1 again, as in a new database
    return url


@pytest.fixture
def app_config() -> dict:
    """Extra app config; a test module overrides this fixture to change settings."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_config):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "BASE_URL": "http://schedlink.test",
            "SERVER_NAME": "schedlink.test",
            "DEMO": True,
            # Local stand-ins and receivers listen on 127.0.0.1; every other private address
            # (10/8, 169.254.169.254, ::1 …) stays refused, so SSRF tests can use those.
            "OUTBOUND_ALLOW": ["127.0.0.1"],
            **app_config,
        }
    )
    yield app
    app.extensions["schedlink.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def host(app) -> Host:
    return make_host(app)
