"""Migration 0010_22 (element tokens' public ids) goes down and up on SQLite and PostgreSQL:
a token made before it gets an `etk_` id of its own."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from backend.core import database
from backend.core.ids import looks_like_id


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _columns(url: str) -> set[str]:
    engine = database.make_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("element_tokens")}
    finally:
        engine.dispose()


def test_down_and_up_gives_old_tokens_ids(empty_database_url):
    url = empty_database_url
    database.migrate(url)
    assert "public_id" in _columns(url)
    command.downgrade(_alembic(url), "0010_22_element_token_ids-1")
    assert "public_id" not in _columns(url)
    engine = database.make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (sub, email, name, tzid, password_hash, session_version,"
                " availability_version, hour_format, show_email, created_at) VALUES ('acc_x',"
                " 'x@example.com', 'X', 'UTC', 'h', 1, 0, '24', false, CURRENT_TIMESTAMP)"
            )
        )
        for n in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO element_tokens (account_id, token_hash, origin, permissions,"
                    " subs, version, created_at, expires_at) SELECT id, :hash,"
                    " 'https://a.example', '[\"availability\"]', '[\"acc_x\"]', '1',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM accounts"
                ),
                {"hash": str(n) * 64},
            )
    engine.dispose()
    database.migrate(url)
    engine = database.make_engine(url)
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT public_id FROM element_tokens"))]
    engine.dispose()
    assert len(set(ids)) == 2 and all(looks_like_id(i, "etk") for i in ids)
