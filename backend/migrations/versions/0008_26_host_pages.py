"""issue 26: API keys remember where they were last used and may expire; webhook deliveries
record how long the receiver took to answer

Revision ID: 0008_26
Revises: 0006_13
"""

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0008_26"
down_revision = "0006_13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("last_used_ip", sa.String(length=45), nullable=True))
        batch.add_column(
            sa.Column("expires_at", backend.models.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("webhook_messages") as batch:
        batch.add_column(sa.Column("last_duration_ms", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_messages") as batch:
        batch.drop_column("last_duration_ms")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("last_used_ip")
