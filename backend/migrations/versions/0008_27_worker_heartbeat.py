"""worker heartbeats for /readyz

Revision ID: 0008_27_worker_heartbeat
Revises: 0007_13
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_27_worker_heartbeat"
down_revision = "0007_13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker"),
    )
    op.create_index("ix_worker_heartbeats_beat_at", "worker_heartbeats", ["beat_at"])


def downgrade() -> None:
    op.drop_index("ix_worker_heartbeats_beat_at", table_name="worker_heartbeats")
    op.drop_table("worker_heartbeats")
