"""Migration 0010_20_sequence_steps (a booking event's sequence step) goes up and down on
SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from test_migration_0009_20 import _alembic

from backend.core import database


def _columns(url: str) -> set[str]:
    engine = database.make_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("events")}
    finally:
        engine.dispose()


def test_up_and_down(empty_database_url):
    url = empty_database_url
    database.migrate(url)
    assert "sequence_id" in _columns(url)
    command.downgrade(_alembic(url), "0009_20_real_time")
    assert "sequence_id" not in _columns(url)
    database.migrate(url)
    assert "sequence_id" in _columns(url)
