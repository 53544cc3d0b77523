"""Migration 0009_24 (Enterprise Connect: enterprise_connections, profiles'
enterprise_connection_id) goes up and down on SQLite and PostgreSQL, keeping profiles."""

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


def _inspect(url: str):
    engine = database.make_engine(url)
    try:
        found = inspect(engine)
        return set(found.get_table_names()), {c["name"] for c in found.get_columns("profiles")}
    finally:
        engine.dispose()


def test_up_and_down(empty_database_url):
    url = empty_database_url
    database.migrate(url)
    tables, columns = _inspect(url)
    assert "enterprise_connections" in tables and "enterprise_connection_id" in columns
    command.downgrade(_alembic(url), "0009_24_enterprise-1")
    tables, columns = _inspect(url)
    assert "enterprise_connections" not in tables and "enterprise_connection_id" not in columns
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
                "INSERT INTO profiles (public_id, account_id, provider_name, profile_name,"
                " purposes, connected, created_at, updated_at) SELECT 'pro_x', id, 'ics', 'F',"
                " '[\"calendar\"]', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM accounts"
            )
        )
    engine.dispose()
    database.migrate(url)
    engine = database.make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT public_id, enterprise_connection_id FROM profiles")).one()
    engine.dispose()
    assert tuple(row) == ("pro_x", None)
