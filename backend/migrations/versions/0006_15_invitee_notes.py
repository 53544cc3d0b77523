"""invitee notes on bookings; hosts may show their e-mail on pages with no free times

Revision ID: 0006_15
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_15"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("invitee_notes", sa.String(length=2000), nullable=True))
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("show_email", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("show_email")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("invitee_notes")
