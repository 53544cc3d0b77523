"""the host's toolkit (issue 25): questions, guests and place on links; what a booking chose

Links get `questions` (JSON list: id, label, type, required, choices), `max_guests` (NULL is
the default, 3) and `place` (JSON: video, phone, in_person or custom). A booking snapshots
what was chosen: `answers` (JSON list: id, label, type, value), `guests` (JSON list of
e-mail addresses) and `location` (JSON: the place as it was when booked). Links also get
`reminders` (JSON minutes before the start; NULL is the default, 24 h and 1 h): reminder
e-mails are outbox jobs, found by the jobs table's existing (status, run_at) index. All
nullable: rows made before read as "no questions, no guests, no place".

Revision ID: 0009_25_toolkit
Revises: 0008_23_link_hosts
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_25_toolkit"
down_revision = "0008_23_link_hosts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduling_links") as batch:
        batch.add_column(sa.Column("questions", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("max_guests", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("place", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("reminders", sa.JSON(), nullable=True))
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("answers", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("guests", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("location", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite ≥ 3.35): a batch copy of scheduling_links would cascade-delete
    # every booking (see 0008_23).
    for table, column in (
        ("bookings", "location"), ("bookings", "guests"), ("bookings", "answers"),
        ("scheduling_links", "reminders"), ("scheduling_links", "place"),
        ("scheduling_links", "max_guests"), ("scheduling_links", "questions"),
    ):  # fmt: skip
        op.drop_column(table, column)
