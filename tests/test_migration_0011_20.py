"""Migration 0011_20_step_writes (a booking write's sequence step) goes up and down on SQLite
and PostgreSQL: unique per (booking, calendar, step) with one step-less write per (booking,
calendar); down, unique per (booking, calendar) again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from test_migration_0009_20 import _alembic

from backend.core import database


def _shape(url: str) -> tuple[set[str], list[list[str]], list[tuple]]:
    engine = database.make_engine(url)
    try:
        found = inspect(engine)
        columns = {c["name"] for c in found.get_columns("booking_writes")}
        unique = sorted(c["column_names"] for c in found.get_unique_constraints("booking_writes"))
        # (PostgreSQL lists a unique constraint's own index too)
        indexes = [(i["name"], i["column_names"], bool(i["unique"]))
                   for i in found.get_indexes("booking_writes")
                   if not i.get("duplicates_constraint")]  # fmt: skip
        return columns, unique, indexes
    finally:
        engine.dispose()


STEPS = (
    [["booking_id", "calendar_id", "sequence_id"]],
    [("uq_booking_writes_booking", ["booking_id", "calendar_id"], True)],
)


def test_up_and_down(empty_database_url):
    url = empty_database_url
    database.migrate(url)
    columns, *rest = _shape(url)
    assert "sequence_id" in columns and tuple(rest) == STEPS
    command.downgrade(_alembic(url), "0010_20_sequence_steps")
    columns, *rest = _shape(url)
    assert "sequence_id" not in columns and rest == [[["booking_id", "calendar_id"]], []]
    database.migrate(url)
    columns, *rest = _shape(url)
    assert "sequence_id" in columns and tuple(rest) == STEPS
