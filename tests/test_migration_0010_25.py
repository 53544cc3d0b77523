"""Migrations 0010_25_booking_pages (a link's slug, durations, hours rule and page rules) and
0010_25b_host_slugs (the host's slug, old slugs) go down and up on SQLite and PostgreSQL
without losing a booking (plain ADD/DROP COLUMN: no table copy that would cascade)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from helpers import book, create_link, make_host
from sqlalchemy import func, inspect, select

from backend import create_app
from backend.core import database
from backend.models import Booking

LINK_COLUMNS = {
    "slug", "durations", "availability_rule_id", "buffer_before_minutes",
    "buffer_after_minutes", "max_days_ahead", "daily_limit",
}  # fmt: skip


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _state(url: str) -> tuple[set[str], set[str], int]:
    engine = database.make_engine(url)
    try:
        found = inspect(engine)
        links = {c["name"] for c in found.get_columns("scheduling_links")}
        accounts = {c["name"] for c in found.get_columns("accounts")}
        with engine.connect() as conn:
            bookings = conn.execute(select(func.count()).select_from(Booking)).scalar()
        return links, accounts, bookings
    finally:
        engine.dispose()


def test_down_and_up_keep_bookings(empty_database_url, tmp_path):
    url = empty_database_url
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "k", "SERVER_NAME": "s.test",
         "BASE_URL": "http://s.test", "INSTANCE_PATH": str(tmp_path / "i")}
    )  # fmt: skip
    database.migrate(url)
    client = app.test_client()
    host = make_host(app)
    link = create_link(client, host)
    assert book(client, link["url"])[0].status_code == 303
    app.extensions["schedlink.engine"].dispose()
    links, accounts, bookings = _state(url)
    assert links >= LINK_COLUMNS and {"slug", "public_profile"} <= accounts and bookings == 1
    command.downgrade(_alembic(url), "0009_25_toolkit")  # 0010_25 sits on two parents
    command.downgrade(_alembic(url), "0010_25b_host_slugs-1")
    links, accounts, bookings = _state(url)
    assert not LINK_COLUMNS & links and "public_profile" not in accounts and bookings == 1
    assert {"kind", "questions"} <= links  # the parents stay
    database.migrate(url)
    links, accounts, bookings = _state(url)
    assert links >= LINK_COLUMNS and "public_profile" in accounts and bookings == 1
