"""a pending e-mail change is stored on the account (shown, cancellable, cleared on sign-out)

Revision ID: 0006_16
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_16"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("pending_email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("pending_email")
