"""issue 22: element tokens for the embeddable UI Elements

Revision ID: 0009_22_element_tokens
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import backend.models

revision = "0009_22_element_tokens"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = backend.models.UTCDateTime(timezone=True)
    op.create_table(
        "element_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("origin", sa.String(300), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("subs", sa.JSON(), nullable=False),
        sa.Column("version", sa.String(10), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("expires_at", utc, nullable=False),
        sa.Column("revoked_at", utc, nullable=True),
    )
    op.create_index("ix_element_tokens_account_id", "element_tokens", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_element_tokens_account_id", table_name="element_tokens")
    op.drop_table("element_tokens")
