"""Migration 0010_25_host_changes (who moved a booking last and why; a host's open request
for a new time) goes up and down on SQLite and PostgreSQL, keeping the bookings and their
seats (no batch copy of the table, whose seats would cascade away)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from helpers import book, create_link, make_host
from sqlalchemy import inspect, text

from backend import create_app
from backend.core import database

COLUMNS = {
    "rescheduled_by", "reschedule_reason", "proposed_at", "proposed_by", "proposal_message",
}  # fmt: skip


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _columns(url: str) -> set[str]:
    engine = database.make_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("bookings")}
    finally:
        engine.dispose()


def _count(url: str, table: str) -> int:
    engine = database.make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


def _seed(url: str, tmp_path) -> None:
    """A booking made as an invitee makes it, at the head."""
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key", "BASE_URL": "http://schedlink.test",
        "SERVER_NAME": "schedlink.test",
    })  # fmt: skip
    try:
        client = app.test_client()
        link = create_link(client, make_host(app))
        assert book(client, link["url"])[0].status_code == 303
    finally:
        app.extensions["schedlink.engine"].dispose()


def test_up_and_down_keeps_bookings(empty_database_url, tmp_path):
    url = empty_database_url
    database.migrate(url)
    assert _columns(url) >= COLUMNS
    _seed(url, tmp_path)
    command.downgrade(_alembic(url), "0010_25_host_changes-1")
    assert not COLUMNS & _columns(url)
    assert (_count(url, "bookings"), _count(url, "booking_hosts")) == (1, 1)
    database.migrate(url)
    assert _columns(url) >= COLUMNS
    assert (_count(url, "bookings"), _count(url, "booking_hosts")) == (1, 1)
