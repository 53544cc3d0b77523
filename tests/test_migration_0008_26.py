"""Migration 0008_26 (API keys' last use and expiry, webhook response times) goes up and down
on SQLite and PostgreSQL, keeping the rows it does not touch."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from backend.core import database


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _columns(url: str, table: str) -> set[str]:
    engine = database.make_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_up_and_down(empty_database_url):
    url = empty_database_url
    database.migrate(url)
    assert {"last_used_ip", "expires_at"} <= _columns(url, "api_keys")
    assert "last_duration_ms" in _columns(url, "webhook_messages")
    command.downgrade(_alembic(url), "0008_26-1")
    assert not {"last_used_ip", "expires_at"} & _columns(url, "api_keys")
    assert "last_duration_ms" not in _columns(url, "webhook_messages")
    engine = database.make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (sub, email, name, tzid, password_hash, session_version,"
                " availability_version, hour_format, show_email, created_at) VALUES ('acc_x',"
                " 'x@example.com', 'X', 'UTC', 'h', 1, 0, '24', false, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO api_keys (account_id, label, key_hash, prefix, created_at)"
                " SELECT id, 'k', 'hash', 'slk_abc', CURRENT_TIMESTAMP FROM accounts"
            )
        )
    engine.dispose()
    database.migrate(url)
    engine = database.make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT label, expires_at, last_used_ip FROM api_keys")).one()
    engine.dispose()
    assert tuple(row) == ("k", None, None)
