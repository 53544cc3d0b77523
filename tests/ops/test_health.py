"""/healthz and /readyz through the app (SQLite and PostgreSQL): ready only with the database
reachable, its migrations at the code's heads and a job worker's heartbeat under 2 minutes
old; and request ids that a client (not a trusted proxy) sends are not believed."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from backend import create_app, db
from backend.health import beat, worker_name
from backend.outbox import run_worker


@pytest.fixture
def app_config() -> dict:
    # These tests are about what the checks say, not their time bound: a loaded machine
    # must not turn a slow first check into "no answer".
    return {"READY_TIMEOUT_MS": 30_000}


def _beat(app, when: datetime) -> None:
    beat(app.extensions["schedlink.sessions"], worker_name(), when)


def test_healthz_answers_without_the_database(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "SECRET_KEY": "test-secret-key",
        }
    )
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"].startswith("unreachable")


def test_a_database_that_never_answers_is_not_ready_at_once(tmp_path):
    """PostgreSQL's address accepts the connection and never says a word (a hung server, a
    half-dead proxy): /readyz still answers, 503, in its time bound, and a second probe waits
    on the check already running instead of starting another. Before the bound, a probe
    here waited for ever."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        app = create_app(
            {
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "DATABASE_URL": f"postgresql://nobody@127.0.0.1:{port}/none",
                "SECRET_KEY": "test-secret-key",
            }
        )
        client = app.test_client()
        started = time.monotonic()
        first, second = client.get("/readyz"), client.get("/readyz")
        elapsed = time.monotonic() - started
    assert first.status_code == second.status_code == 503
    assert second.get_json()["checks"] == {"database": "unreachable: no answer within 500 ms"}
    assert elapsed < 3  # generous: the bound is 2 x 500 ms; a loaded machine must not fail it


def test_not_ready_until_a_worker_has_beaten(app, client):
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"] == {
        "database": "ok", "migrations": "ok", "worker": "no job worker has run",
    }  # fmt: skip
    assert ready.headers["Cache-Control"] == "no-store"


def test_a_worker_round_makes_it_ready(app, client):
    run_worker(app, once=True)
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["status"] == "ready"


def test_a_stale_heartbeat_is_not_ready(app, client):
    _beat(app, datetime.now(UTC) - timedelta(minutes=3))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["worker"].startswith("last heartbeat 1")
    _beat(app, datetime.now(UTC) - timedelta(seconds=90))  # the same worker, beating again
    assert client.get("/readyz").status_code == 200


def test_migrations_behind_are_not_ready(app, client):
    """One head not applied. The row comes back afterwards: on PostgreSQL the database is
    shared by the session's tests, and later migration tests need a true alembic_version."""
    _beat(app, datetime.now(UTC))
    head = "'0008_27_worker_heartbeat'"
    with app.app_context(), db.engine().begin() as conn:
        conn.execute(text(f"DELETE FROM alembic_version WHERE version_num = {head}"))
    try:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "0008_27_worker_heartbeat" in ready.get_json()["checks"]["migrations"]
    finally:
        with app.app_context(), db.engine().begin() as conn:
            conn.execute(text(f"INSERT INTO alembic_version (version_num) VALUES ({head})"))


def test_an_unmigrated_database_is_not_ready(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
            "SECRET_KEY": "test-secret-key",
        }
    )
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["migrations"].startswith("not migrated")


@pytest.mark.parametrize("trusted", [False, True])
def test_request_ids_are_believed_from_trusted_proxies_only(database_url, tmp_path, trusted):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "TRUSTED_PROXIES": ["127.0.0.1"] if trusted else [],
        }
    )
    response = app.test_client().get(
        "/healthz", headers={"X-Request-ID": "from-upstream-1"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )  # fmt: skip
    assert (response.headers["X-Request-ID"] == "from-upstream-1") is trusted
    app.extensions["schedlink.engine"].dispose()
