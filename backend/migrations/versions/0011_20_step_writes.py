"""Real-Time Sequencing steps in connected calendars (issue 20)

A sequence booking writes each step's event into a participant's connected target calendar,
so one calendar may take several writes of one booking: `booking_writes.sequence_id` names
the step (NULL: the booking as one event). Unique per (booking, calendar, step), and still
one step-less write per (booking, calendar) (a partial index: NULLs are never equal).

Revision ID: 0011_20_step_writes
Revises: 0010_20_sequence_steps, 0006_11_calendar_sync
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_20_step_writes"
# both: the steps' events and the booking_writes table (on another branch of the graph)
down_revision = ("0010_20_sequence_steps", "0006_11_calendar_sync")
branch_labels = None
depends_on = None

# 0006_11 left the constraint unnamed (PostgreSQL named it; SQLite did not): this names it
# so a batch copy can drop it.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
STEPLESS = sa.text("sequence_id IS NULL")


def _old_constraint() -> str:
    found = sa.inspect(op.get_bind()).get_unique_constraints("booking_writes")
    old = next(c for c in found if c["column_names"] == ["booking_id", "calendar_id"])
    return old["name"] or "uq_booking_writes_booking_id"  # unnamed (SQLite): the convention's


def upgrade() -> None:
    old = _old_constraint()
    with op.batch_alter_table("booking_writes", naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column("sequence_id", sa.String(length=200), nullable=True))
        batch_op.drop_constraint(old, type_="unique")
        batch_op.create_unique_constraint(
            "uq_booking_writes_step", ["booking_id", "calendar_id", "sequence_id"]
        )
    op.create_index(
        "uq_booking_writes_booking", "booking_writes", ["booking_id", "calendar_id"],
        unique=True, sqlite_where=STEPLESS, postgresql_where=STEPLESS,
    )  # fmt: skip


def downgrade() -> None:
    op.execute("DELETE FROM booking_writes WHERE sequence_id IS NOT NULL")
    op.drop_index("uq_booking_writes_booking", table_name="booking_writes")
    with op.batch_alter_table("booking_writes") as batch_op:
        batch_op.drop_constraint("uq_booking_writes_step", type_="unique")
        batch_op.drop_column("sequence_id")
        batch_op.create_unique_constraint(
            "booking_writes_booking_id_calendar_id_key", ["booking_id", "calendar_id"]
        )
