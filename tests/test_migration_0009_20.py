"""Migration 0009_20_real_time (a scheduling link's kind and what a real-time scheduling
request keeps) goes up and down on SQLite and PostgreSQL; links made before are one_time."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from backend.core import database

COLUMNS = {
    "kind", "rts_query", "rts_event", "target_calendars", "event_creation", "callback_urls",
    "redirect_completed_url", "minimum_notice_minutes", "no_times_reported_at",
}  # fmt: skip


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _columns(url: str) -> set[str]:
    engine = database.make_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("scheduling_links")}
    finally:
        engine.dispose()


def test_up_and_down(empty_database_url):
    url = empty_database_url
    database.migrate(url)
    assert _columns(url) >= COLUMNS
    command.downgrade(_alembic(url), "0009_20_real_time-1")
    assert not COLUMNS & _columns(url)
    database.migrate(url)
    assert _columns(url) >= COLUMNS
