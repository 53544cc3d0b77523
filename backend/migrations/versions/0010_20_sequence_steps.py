"""Real-Time Sequencing steps on booking events (issue 20)

A sequence booking has one event per step and participant. `events.sequence_id` names the
step an event is for, so a reschedule moves each event to its step's new time and a cancel
finds them all (NULL for every other event).

Revision ID: 0010_20_sequence_steps
Revises: 0009_20_real_time
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_20_sequence_steps"
down_revision = "0009_20_real_time"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of a table other rows point at).
    op.add_column("events", sa.Column("sequence_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("events", "sequence_id")
